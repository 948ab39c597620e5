//! Checkpoints and document contents.

use kyc_log::{load_checkpoint, save_checkpoint, LogError};
use kyc_store::{
    get_document_content, put_document_content, NewDocumentContent, StoreError, MAX_DOCUMENT_BYTES,
};
use kyc_testkit::fresh_database;
use kyc_testkit::locks::until_blocked;

#[tokio::test]
async fn checkpoints_start_at_zero_move_forward_only_and_survive_commit() {
    let db = fresh_database().await;
    let mut tx = db.pool.begin().await.unwrap();
    assert_eq!(load_checkpoint(&mut tx, "customers_view").await.unwrap(), 0);
    save_checkpoint(&mut tx, "customers_view", 42)
        .await
        .unwrap();
    save_checkpoint(&mut tx, "customers_view", 42)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.pool.begin().await.unwrap();
    assert_eq!(
        load_checkpoint(&mut tx, "customers_view").await.unwrap(),
        42
    );
    assert_eq!(load_checkpoint(&mut tx, "relay").await.unwrap(), 0);
    let err = save_checkpoint(&mut tx, "customers_view", 41)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LogError::CheckpointRegression { name, current: 42, attempted: 41 }
            if name == "customers_view"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_loaded_checkpoint_is_locked_until_its_transaction_ends() {
    let db = fresh_database().await;
    // A second consumer waits for the first one's row: at its creation (ensure.sql's INSERT)
    // while the first transaction has just created it, at lock.sql's FOR UPDATE once it exists.
    for (statement, saved) in [("INSERT INTO checkpoints", 7), ("FOR UPDATE", 9)] {
        let mut first = db.pool.begin().await.unwrap();
        let before = load_checkpoint(&mut first, "relay").await.unwrap();
        let second = {
            let pool = db.pool.clone();
            tokio::spawn(async move {
                let mut tx = pool.begin().await.unwrap();
                load_checkpoint(&mut tx, "relay").await.unwrap()
            })
        };
        until_blocked(&db.pool, statement, 1).await;
        assert!(saved > before);
        save_checkpoint(&mut first, "relay", saved).await.unwrap();
        first.commit().await.unwrap();
        assert_eq!(second.await.unwrap(), saved);
    }
}

#[tokio::test]
async fn document_content_round_trips_per_tenant_once() {
    let db = fresh_database().await;
    let doc = NewDocumentContent {
        document_guid: "d-1",
        bank_guid: "bank-1",
        customer_guid: "c-1",
        content_type: "image/png",
        content: b"hello",
        sealed: None,
    };
    let mut conn = db.pool.acquire().await.unwrap();
    let sha = put_document_content(&mut conn, doc).await.unwrap();
    assert_eq!(
        sha,
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );

    let stored = get_document_content(&db.pool, "bank-1", "d-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.content, b"hello");
    assert_eq!(stored.sha256, sha);
    assert_eq!(
        (
            stored.document_guid.as_str(),
            stored.customer_guid.as_str(),
            stored.content_type.as_str()
        ),
        ("d-1", "c-1", "image/png")
    );
    assert_eq!(
        get_document_content(&db.pool, "bank-2", "d-1")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        get_document_content(&db.pool, "bank-1", "d-2")
            .await
            .unwrap(),
        None
    );

    let err = put_document_content(
        &mut conn,
        NewDocumentContent {
            content: b"other",
            ..doc
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, StoreError::DocumentAlreadyStored { document_guid } if document_guid == "d-1")
    );
}

#[tokio::test]
async fn document_content_is_limited_to_15_mib() {
    let db = fresh_database().await;
    let mut conn = db.pool.acquire().await.unwrap();
    let big = vec![7u8; MAX_DOCUMENT_BYTES + 1];
    let doc = |guid, content| NewDocumentContent {
        document_guid: guid,
        bank_guid: "bank-1",
        customer_guid: "c-1",
        content_type: "application/pdf",
        content,
        sealed: None,
    };
    let err = put_document_content(&mut conn, doc("d-big", &big))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::DocumentTooLarge { size_bytes } if size_bytes == big.len()));
    put_document_content(&mut conn, doc("d-max", &big[..MAX_DOCUMENT_BYTES]))
        .await
        .unwrap();

    // The table enforces the limit too, for writers that bypass this crate.
    let err = sqlx::query(
        "INSERT INTO document_contents (document_guid, bank_guid, customer_guid, content, \
         sha256, content_type, size_bytes) VALUES ('d-raw', 'b', 'c', '\\x00', 'x', 'x', 15728641)",
    )
    .execute(&mut *conn)
    .await
    .unwrap_err();
    let db_err = err.as_database_error().unwrap();
    assert_eq!(db_err.code().as_deref(), Some("23514"));
    assert_eq!(
        db_err.constraint(),
        Some("document_contents_size_bytes_check")
    );
}
