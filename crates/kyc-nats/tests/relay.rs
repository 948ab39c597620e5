//! The relay against real PostgreSQL and NATS: everything published once, in order, PII-free;
//! a crash between publish and checkpoint, a recreated stream and two racing relays change
//! none of that.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_nats::jetstream;
use chrono::Utc;
use kyc_app::metadata::EventMetadata;
use kyc_app::Source;
use kyc_domain::customer::{
    ContentType, CustomerDraft, DocumentContent, DocumentDraft, Sha256Digest,
};
use kyc_domain::ids::{BankGuid, CustomerGuid, DocumentGuid};
use kyc_domain::values::{AddressDraft, NameDraft};
use kyc_domain::{Customer, CustomerCommand};
use kyc_nats::envelope::CloudEvent;
use kyc_nats::{ensure_stream, Relay, RelayConfig};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

const CANARY: &str = "Zzcanaryqq";

async fn nats() -> jetstream::Context {
    let url = kyc_testkit::servers::nats_url().await;
    let client = async_nats::connect(url.as_str())
        .await
        .unwrap_or_else(|e| panic!("cannot reach the tests' NATS at {url}: {e}"));
    jetstream::new(client)
}

fn unique_config() -> RelayConfig {
    let tag = uuid::Uuid::now_v7().simple().to_string();
    RelayConfig {
        stream: format!("KYC_TEST_{tag}"),
        subject_prefix: format!("kyctest.{tag}"),
        batch_size: 50,
        poll_interval: Duration::from_millis(50),
        ..RelayConfig::default()
    }
}

/// Creates `customers` customers with PII canaries in every personal field, each with a few
/// events, appended straight to the log; returns every (guid, sequence).
async fn seed(pool: &PgPool, customers: usize) -> BTreeSet<(String, i64)> {
    let bank = BankGuid::from_uuid(uuid::Uuid::now_v7());
    let mut written = BTreeSet::new();
    for _ in 0..customers {
        let guid = CustomerGuid::from_uuid(uuid::Uuid::now_v7());
        let at = Utc::now();
        let commands = vec![
            CustomerCommand::Create {
                customer_guid: guid,
                bank_guid: bank,
                draft: CustomerDraft {
                    customer_type: Some("individual".into()),
                    name: Some(NameDraft {
                        first: Some(CANARY.into()),
                        last: Some(CANARY.into()),
                        ..NameDraft::default()
                    }),
                    email_address: Some(format!("{CANARY}@example.com")),
                    phone_number: Some("+14155550123".into()),
                    address: Some(AddressDraft {
                        street: Some(CANARY.into()),
                        city: Some(CANARY.into()),
                        country_code: Some("US".into()),
                        ..AddressDraft::default()
                    }),
                    ..CustomerDraft::default()
                },
                identity_matches: Vec::new(),
                at,
            },
            CustomerCommand::SubmitDocument {
                document_guid: DocumentGuid::from_uuid(uuid::Uuid::now_v7()),
                draft: DocumentDraft {
                    kind: Some("passport".into()),
                    file_name: Some(format!("{CANARY}.pdf")),
                    ..DocumentDraft::default()
                },
                content: DocumentContent {
                    content_type: ContentType::Pdf,
                    size_bytes: 10,
                    sha256: Sha256Digest::parse(&"a".repeat(64)).unwrap(),
                },
                at,
            },
            CustomerCommand::Freeze {
                draft: kyc_domain::customer::FreezeDraft {
                    reason: Some(format!("{CANARY} fraud")),
                },
                at,
            },
        ];
        let mut customer = Customer::default();
        for command in commands {
            let events = customer.decide(command).unwrap();
            let new_events: Vec<kyc_log::NewEvent> = events
                .iter()
                .map(|event| kyc_log::NewEvent {
                    event_type: event.event_type().to_owned(),
                    event_version: event.event_version().to_owned(),
                    payload: serde_json::to_value(event).unwrap(),
                    metadata: serde_json::to_value(EventMetadata {
                        actor: "seed".into(),
                        bank_guid: bank.to_string(),
                        request_id: "req".into(),
                        idempotency_key: None,
                        source: Source::Cli,
                        occurred_at: at,
                        chain: None,
                        hash: "0".repeat(64),
                    })
                    .unwrap(),
                })
                .collect();
            let mut tx = pool.begin().await.unwrap();
            let appended = kyc_log::append(
                &mut tx,
                "Customer",
                &guid.to_string(),
                i64::try_from(customer.version()).unwrap(),
                &new_events,
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            for (event, landed) in events.iter().zip(appended) {
                customer.apply(event);
                written.insert((guid.to_string(), landed.sequence));
            }
        }
    }
    written
}

/// Every message in the stream, in stream order.
async fn stream_contents(
    js: &jetstream::Context,
    config: &RelayConfig,
) -> Vec<(String, CloudEvent, String)> {
    stream_contents_from(js, config, 1).await
}

/// The messages from stream sequence `first` on.
async fn stream_contents_from(
    js: &jetstream::Context,
    config: &RelayConfig,
    first: u64,
) -> Vec<(String, CloudEvent, String)> {
    let mut stream = js.get_stream(&config.stream).await.unwrap();
    let last = stream.info().await.unwrap().state.last_sequence;
    let mut messages = Vec::new();
    for sequence in first..=last {
        let message = stream.get_raw_message(sequence).await.unwrap();
        let raw = String::from_utf8(message.payload.to_vec()).unwrap();
        let event: CloudEvent = serde_json::from_str(&raw).unwrap();
        messages.push((message.subject.to_string(), event, raw));
    }
    messages
}

/// Publishes until the cursor reaches the log's last committed event. A batch may come back
/// empty before that: readers see only events older than every running transaction on the
/// server, and another test's open transaction can hold that horizon back for a while.
async fn publish_everything(relay: &Relay, cursor: &mut kyc_nats::relay::Cursor, pool: &PgPool) {
    let last = kyc_log::last_committed_position(pool).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while cursor.position < last {
        if relay.publish_batch(cursor).await.unwrap() == 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the relay stayed at {} of {last}",
                cursor.position
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn wait_for(js: &jetstream::Context, config: &RelayConfig, count: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut stream = js.get_stream(&config.stream).await.unwrap();
        let have = stream.info().await.unwrap().state.messages;
        if have >= count as u64 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {have} of {count} messages arrived"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the relays have nothing left to do: no backlog, and the checkpoint at the
/// stream's last message (a relay that published but had not yet saved its checkpoint could
/// still publish again). Stopping them earlier would cut short what the test wants to see.
async fn until_settled(relay: &Relay) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let status = relay.status().await.unwrap();
        if status.backlog == 0 && status.checkpoint == status.stream_position {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the relays did not settle: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn assert_exact_prefix(
    messages: &[(String, CloudEvent, String)],
    written: &BTreeSet<(String, i64)>,
) {
    let published: Vec<(String, i64)> = messages
        .iter()
        .map(|(_, e, _)| (e.subject.clone(), e.sequence))
        .collect();
    let unique: BTreeSet<_> = published.iter().cloned().collect();
    assert_eq!(unique.len(), published.len(), "duplicates in the stream");
    assert_eq!(&unique, written, "stream and log differ");
    let positions: Vec<i64> = messages.iter().map(|(_, e, _)| e.globalposition).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "not in log order"
    );
    let mut last_sequence: BTreeMap<&str, i64> = BTreeMap::new();
    for (_, event, _) in messages {
        let previous = last_sequence
            .insert(&event.subject, event.sequence)
            .unwrap_or(0);
        assert_eq!(
            event.sequence,
            previous + 1,
            "customer {} out of sequence",
            event.subject
        );
    }
}

#[tokio::test]
async fn publishes_every_event_once_in_order_without_pii() {
    let db = kyc_testkit::fresh_database().await;
    let js = nats().await;
    let config = unique_config();
    ensure_stream(&js, &config).await.unwrap();
    let written = seed(&db.pool, 40).await;

    let shutdown = CancellationToken::new();
    let relay =
        tokio::spawn(Relay::new(db.pool.clone(), js.clone(), config.clone()).run(shutdown.clone()));
    wait_for(&js, &config, written.len()).await;
    // More events while the relay runs are picked up too (LISTEN/NOTIFY or polling).
    let more = seed(&db.pool, 5).await;
    wait_for(&js, &config, written.len() + more.len()).await;
    shutdown.cancel();
    relay.await.unwrap();

    let messages = stream_contents(&js, &config).await;
    assert_exact_prefix(&messages, &written.union(&more).cloned().collect());
    for (subject, event, raw) in &messages {
        assert!(!raw.contains(CANARY), "PII in {raw}");
        assert!(subject.ends_with(&format!(
            "customer.{}.{}",
            event.subject,
            subject.rsplit('.').next().unwrap()
        )));
        assert_eq!(event.id, format!("{}:{}", event.subject, event.sequence));
        let name = subject.rsplit('.').next().unwrap();
        // Version 2 of these events records who decided, and the document's dates.
        let version = match name {
            "document_submitted" | "document_accepted" | "document_rejected" | "verified" => 2,
            _ => 1,
        };
        assert_eq!(event.event_type, format!("kyc.customer.{name}.v{version}"));
    }
    js.delete_stream(&config.stream).await.unwrap();
}

#[tokio::test]
async fn a_crash_between_publish_and_checkpoint_neither_duplicates_nor_skips() {
    let db = kyc_testkit::fresh_database().await;
    let js = nats().await;
    let config = unique_config();
    ensure_stream(&js, &config).await.unwrap();
    let written = seed(&db.pool, 10).await;

    let relay = Relay::new(db.pool.clone(), js.clone(), config.clone());
    let mut cursor = relay.reconcile().await.unwrap();
    relay.publish_batch(&mut cursor).await.unwrap();
    // The process "dies" after publishing but before its checkpoint reached the database.
    kyc_log::reset_checkpoint(&db.pool, &config.checkpoint_name(), 0)
        .await
        .unwrap();

    let shutdown = CancellationToken::new();
    let task =
        tokio::spawn(Relay::new(db.pool.clone(), js.clone(), config.clone()).run(shutdown.clone()));
    wait_for(&js, &config, written.len()).await;
    until_settled(&relay).await;
    shutdown.cancel();
    task.await.unwrap();
    assert_exact_prefix(&stream_contents(&js, &config).await, &written);
    let status = relay.status().await.unwrap();
    assert_eq!(status.backlog, 0);
    assert_eq!(status.checkpoint, status.stream_position);
    js.delete_stream(&config.stream).await.unwrap();
}

#[tokio::test]
async fn a_recreated_stream_is_filled_again_from_the_start() {
    let db = kyc_testkit::fresh_database().await;
    let js = nats().await;
    let config = unique_config();
    ensure_stream(&js, &config).await.unwrap();
    let written = seed(&db.pool, 5).await;
    let relay = Relay::new(db.pool.clone(), js.clone(), config.clone());
    let mut cursor = relay.reconcile().await.unwrap();
    publish_everything(&relay, &mut cursor, &db.pool).await;

    js.delete_stream(&config.stream).await.unwrap();
    ensure_stream(&js, &config).await.unwrap();
    let mut cursor = relay.reconcile().await.unwrap();
    assert_eq!(cursor.position, 0);
    publish_everything(&relay, &mut cursor, &db.pool).await;
    assert_exact_prefix(&stream_contents(&js, &config).await, &written);
    js.delete_stream(&config.stream).await.unwrap();
}

#[tokio::test]
async fn two_relays_publish_each_event_once() {
    let db = kyc_testkit::fresh_database().await;
    let js = nats().await;
    let config = unique_config();
    ensure_stream(&js, &config).await.unwrap();
    let shutdown = CancellationToken::new();
    let first =
        tokio::spawn(Relay::new(db.pool.clone(), js.clone(), config.clone()).run(shutdown.clone()));
    let second =
        tokio::spawn(Relay::new(db.pool.clone(), js.clone(), config.clone()).run(shutdown.clone()));
    let mut written = BTreeSet::new();
    for _ in 0..5 {
        written.extend(seed(&db.pool, 6).await);
    }
    wait_for(&js, &config, written.len()).await;
    until_settled(&Relay::new(db.pool.clone(), js.clone(), config.clone())).await;
    shutdown.cancel();
    first.await.unwrap();
    second.await.unwrap();
    assert_exact_prefix(&stream_contents(&js, &config).await, &written);
    js.delete_stream(&config.stream).await.unwrap();
}

#[tokio::test]
async fn a_standby_relay_takes_over_when_the_active_one_stops() {
    let db = kyc_testkit::fresh_database().await;
    let js = nats().await;
    let config = unique_config();
    ensure_stream(&js, &config).await.unwrap();
    let first_stop = CancellationToken::new();
    let first = tokio::spawn(
        Relay::new(db.pool.clone(), js.clone(), config.clone()).run(first_stop.clone()),
    );
    let written = seed(&db.pool, 4).await;
    wait_for(&js, &config, written.len()).await;
    let second_stop = CancellationToken::new();
    let second = tokio::spawn(
        Relay::new(db.pool.clone(), js.clone(), config.clone()).run(second_stop.clone()),
    );
    first_stop.cancel();
    first.await.unwrap();
    let more = seed(&db.pool, 4).await;
    wait_for(&js, &config, written.len() + more.len()).await;
    second_stop.cancel();
    second.await.unwrap();
    assert_exact_prefix(
        &stream_contents(&js, &config).await,
        &written.union(&more).cloned().collect(),
    );
    js.delete_stream(&config.stream).await.unwrap();
}

#[tokio::test]
async fn a_foreign_message_at_the_end_of_the_stream_never_moves_the_cursor() {
    let db = kyc_testkit::fresh_database().await;
    let js = nats().await;
    let config = unique_config();
    ensure_stream(&js, &config).await.unwrap();
    let written = seed(&db.pool, 3).await;
    let relay = Relay::new(db.pool.clone(), js.clone(), config.clone());
    let mut cursor = relay.reconcile().await.unwrap();
    publish_everything(&relay, &mut cursor, &db.pool).await;

    // Someone publishes a forged event claiming a far position into the event subjects.
    let mut forged = stream_contents(&js, &config).await.pop().unwrap().1;
    forged.globalposition = i64::MAX / 2;
    let subject = format!(
        "{}.x.customer.{}.verified",
        config.subject_prefix, forged.subject
    );
    js.publish(subject, serde_json::to_vec(&forged).unwrap().into())
        .await
        .unwrap()
        .await
        .unwrap();

    let refused = relay.reconcile().await.unwrap_err();
    assert!(
        matches!(refused, kyc_nats::RelayError::ForeignMessage { .. }),
        "{refused}"
    );
    let more = seed(&db.pool, 1).await;
    assert!(
        relay.publish_batch(&mut cursor).await.is_err(),
        "publishing after a foreign message must fail, not skip"
    );
    let logged = kyc_log::read_checkpoint(&db.pool, &config.checkpoint_name())
        .await
        .unwrap();
    assert!(logged < i64::MAX / 2);
    assert_eq!(
        written.len() + more.len(),
        kyc_log::read_after(&db.pool, 0, 1000).await.unwrap().len()
    );
    js.delete_stream(&config.stream).await.unwrap();
}

#[tokio::test]
async fn after_a_purge_the_relay_continues_with_new_events() {
    let db = kyc_testkit::fresh_database().await;
    let js = nats().await;
    let config = unique_config();
    ensure_stream(&js, &config).await.unwrap();
    let written = seed(&db.pool, 3).await;
    let relay = Relay::new(db.pool.clone(), js.clone(), config.clone());
    let mut cursor = relay.reconcile().await.unwrap();
    publish_everything(&relay, &mut cursor, &db.pool).await;
    js.get_stream(&config.stream)
        .await
        .unwrap()
        .purge()
        .await
        .unwrap();
    let mut cursor = relay.reconcile().await.unwrap();
    assert_eq!(cursor.stream_sequence, written.len() as u64);
    let more = seed(&db.pool, 2).await;
    publish_everything(&relay, &mut cursor, &db.pool).await;
    let published: BTreeSet<(String, i64)> =
        stream_contents_from(&js, &config, written.len() as u64 + 1)
            .await
            .into_iter()
            .map(|(_, e, _)| (e.subject, e.sequence))
            .collect();
    assert_eq!(published, more);
    js.delete_stream(&config.stream).await.unwrap();
}
