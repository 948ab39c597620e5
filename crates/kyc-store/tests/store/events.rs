//! Appending, loading, optimistic concurrency and immutability of the event log.

use std::time::Duration;

use kyc_log::{
    append, last_position, listen, load_stream, load_stream_as_of, AsOf, CommitAnnouncer, LogError,
};
use kyc_testkit::fresh_database;
use kyc_testkit::locks::until_blocked;

use crate::{event, read_all_eventually};

#[tokio::test]
async fn appended_events_load_back_in_sequence_order() {
    let db = fresh_database().await;
    let mut tx = db.pool.begin().await.unwrap();
    let appended = append(&mut tx, "Customer", "c-1", 0, &[event(1), event(2)])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let loaded = load_stream(&db.pool, "Customer", "c-1").await.unwrap();
    assert_eq!(loaded.len(), 2);
    for (stored, (n, appended)) in loaded.iter().zip([(1, appended[0]), (2, appended[1])]) {
        assert_eq!(stored.aggregate_type, "Customer");
        assert_eq!(stored.aggregate_id, "c-1");
        assert_eq!(stored.sequence, appended.sequence);
        assert_eq!(stored.global_position, appended.global_position);
        assert_eq!(stored.event_type, "Tested");
        assert_eq!(stored.event_version, "1.0");
        assert_eq!(stored.payload, event(n).payload);
        assert_eq!(stored.metadata, event(n).metadata);
    }
    assert!(load_stream(&db.pool, "Customer", "c-2")
        .await
        .unwrap()
        .is_empty());
    assert!(load_stream(&db.pool, "Other", "c-1")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn events_of_one_append_get_contiguous_sequences_and_positions() {
    let db = fresh_database().await;
    let events: Vec<_> = (1..=5).map(event).collect();
    let mut tx = db.pool.begin().await.unwrap();
    append(&mut tx, "Customer", "c-1", 0, &events[..2])
        .await
        .unwrap();
    let appended = append(&mut tx, "Customer", "c-1", 2, &events[2..])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(
        appended.iter().map(|a| a.sequence).collect::<Vec<_>>(),
        [3, 4, 5]
    );
    let loaded = load_stream(&db.pool, "Customer", "c-1").await.unwrap();
    let positions: Vec<i64> = loaded.iter().map(|e| e.global_position).collect();
    // One transaction: same transaction id in the high bits, index 0..4 in the low bits.
    assert_eq!(positions[0] & 0xFFFF, 0);
    assert!(
        positions.windows(2).all(|w| w[1] == w[0] + 1),
        "{positions:?}"
    );
    assert_eq!(
        loaded.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
}

#[tokio::test]
async fn a_stale_or_invented_expected_sequence_is_a_conflict_and_writes_nothing() {
    let db = fresh_database().await;
    let mut tx = db.pool.begin().await.unwrap();
    append(&mut tx, "Customer", "c-1", 0, &[event(1), event(2)])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    for expected in [0, 1, 3, 7] {
        let mut tx = db.pool.begin().await.unwrap();
        let err = append(&mut tx, "Customer", "c-1", expected, &[event(9)])
            .await
            .unwrap_err();
        assert!(
            matches!(&err, LogError::Conflict { aggregate_type, aggregate_id, expected: e }
                if aggregate_type == "Customer" && aggregate_id == "c-1" && *e == expected),
            "{err:?}"
        );
        tx.rollback().await.unwrap();
    }
    assert_eq!(
        load_stream(&db.pool, "Customer", "c-1")
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn concurrent_appends_at_the_same_sequence_conflict_on_the_primary_key() {
    let db = fresh_database().await;
    let mut first = db.pool.begin().await.unwrap();
    append(&mut first, "Customer", "c-1", 0, &[event(1)])
        .await
        .unwrap();

    // The second writer passes the guard (it cannot see the uncommitted row) and waits on the
    // primary key until the first commits.
    let pool = db.pool.clone();
    let second = tokio::spawn(async move {
        let mut tx = pool.begin().await.unwrap();
        append(&mut tx, "Customer", "c-1", 0, &[event(2)]).await
    });
    until_blocked(&db.pool, "INSERT INTO events", 1).await;
    first.commit().await.unwrap();

    let err = second.await.unwrap().unwrap_err();
    assert!(
        matches!(err, LogError::Conflict { expected: 0, .. }),
        "{err:?}"
    );
    let loaded = load_stream(&db.pool, "Customer", "c-1").await.unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].payload, event(1).payload);
}

#[tokio::test]
async fn state_as_of_a_position_or_an_instant() {
    let db = fresh_database().await;
    let mut positions = Vec::new();
    for n in 1..=3 {
        let mut tx = db.pool.begin().await.unwrap();
        positions.push(
            append(&mut tx, "Customer", "c-1", n - 1, &[event(n)])
                .await
                .unwrap()[0]
                .global_position,
        );
        tx.commit().await.unwrap();
        until_the_clock_passes_the_last_event(&db.pool).await;
    }
    let all = load_stream(&db.pool, "Customer", "c-1").await.unwrap();

    let by_position = load_stream_as_of(
        &db.pool,
        "Customer",
        "c-1",
        AsOf::GlobalPosition(positions[1]),
    )
    .await
    .unwrap();
    assert_eq!(by_position, all[..2]);

    let by_time = load_stream_as_of(
        &db.pool,
        "Customer",
        "c-1",
        AsOf::RecordedAt(all[0].recorded_at),
    )
    .await
    .unwrap();
    assert_eq!(by_time, all[..1]);
}

/// Waits until the database's clock is past the newest event's `recorded_at` (its
/// transaction's start), so that the next transaction records a later instant. A look at the
/// clock, not a guess at how long that takes.
async fn until_the_clock_passes_the_last_event(pool: &sqlx::PgPool) {
    loop {
        let passed: bool =
            sqlx::query_scalar("SELECT clock_timestamp() > (SELECT max(recorded_at) FROM events)")
                .fetch_one(pool)
                .await
                .unwrap();
        if passed {
            return;
        }
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn events_cannot_be_updated_deleted_or_truncated() {
    let db = fresh_database().await;
    let mut tx = db.pool.begin().await.unwrap();
    append(&mut tx, "Customer", "c-1", 0, &[event(1)])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    for statement in [
        "UPDATE events SET payload = '{}'",
        "UPDATE events SET global_position = 1",
        "DELETE FROM events",
        "TRUNCATE events",
    ] {
        let err = sqlx::query(statement)
            .execute(&db.pool)
            .await
            .expect_err(statement);
        let db_err = err.as_database_error().expect("a database error");
        assert_eq!(db_err.code().as_deref(), Some("42501"), "{statement}");
        assert!(db_err.message().contains("immutable"), "{statement}");
    }
    let loaded = load_stream(&db.pool, "Customer", "c-1").await.unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].payload, event(1).payload);
}

#[tokio::test]
async fn announced_commits_notify_listeners_and_move_last_position() {
    let db = fresh_database().await;
    assert_eq!(last_position(&db.pool).await.unwrap(), 0);
    let mut listener = listen(&db.pool).await.unwrap();
    let announcer = CommitAnnouncer::new(&db.pool);

    let mut tx = db.pool.begin().await.unwrap();
    let appended = append(&mut tx, "Customer", "c-1", 0, &[event(1), event(2)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The log itself sends nothing: a NOTIFY inside the writing transaction would serialize
    // every commit behind the previous one's fsync.
    let unannounced = tokio::time::timeout(Duration::from_millis(300), listener.recv()).await;
    assert!(
        unannounced.is_err(),
        "the commit alone notified: {unannounced:?}"
    );
    announcer.announce();

    let notification = tokio::time::timeout(Duration::from_secs(5), listener.recv())
        .await
        .expect("a notification within 5 s")
        .unwrap();
    assert_eq!(notification.channel(), kyc_log::EVENTS_CHANNEL);
    read_all_eventually(&db.pool, 2).await;
    assert_eq!(
        last_position(&db.pool).await.unwrap(),
        appended[1].global_position
    );
}
