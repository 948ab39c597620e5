//! cqrs-es's repository over the log, below the framework: optimistic concurrency, the hash
//! chain across commits, no snapshots. (The Customer through `CqrsFramework`, checked by
//! `kycctl verify`, is kycctl's `tests/cqrs.rs`.)

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::{PersistedEventRepository, PersistenceError, SerializedEvent};
use cqrs_es::{Aggregate, DomainEvent};
use kyc_log::{load_stream, ChainLink, LogRepository};
use kyc_testkit::fresh_database;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The smallest aggregate: the repository only uses its type name.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Counter;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Counted;

impl DomainEvent for Counted {
    fn event_type(&self) -> String {
        "Counted".to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

impl Aggregate for Counter {
    const TYPE: &'static str = "Counter";
    type Command = ();
    type Event = Counted;
    type Error = std::io::Error;
    type Services = ();

    async fn handle(&mut self, (): (), (): &(), sink: &EventSink<Self>) -> Result<(), Self::Error> {
        sink.write(Counted, self).await;
        Ok(())
    }

    fn apply(&mut self, _event: Counted) {}
}

/// Links each event to the previous link, its payload and its request id, visibly; marks the
/// metadata it covered.
struct Concat;

impl ChainLink for Concat {
    fn link(
        &self,
        previous: Option<&str>,
        event_type: &str,
        _: &str,
        payload: &Value,
        metadata: &mut serde_json::Map<String, Value>,
    ) -> String {
        metadata.insert("chain".to_owned(), json!(7));
        format!(
            "{}>{event_type}{payload}@{}",
            previous.unwrap_or("genesis"),
            metadata["request_id"].as_str().unwrap_or_default()
        )
    }
}

fn event(id: &str, sequence: usize, n: u32) -> SerializedEvent {
    SerializedEvent::new(
        id.to_owned(),
        sequence,
        "Counter".to_owned(),
        "Counted".to_owned(),
        "1".to_owned(),
        json!({ "n": n }),
        json!({ "request_id": format!("r{n}") }),
    )
}

#[tokio::test]
async fn commits_chain_on_the_stored_link_and_a_stale_sequence_is_an_optimistic_lock_error() {
    let db = fresh_database().await;
    let repository = LogRepository::new(db.pool.clone(), Concat);
    repository
        .persist::<Counter>(&[event("c", 1, 1), event("c", 2, 2)], None)
        .await
        .unwrap();
    repository
        .persist::<Counter>(&[event("c", 3, 3)], None)
        .await
        .unwrap();
    let stale = repository
        .persist::<Counter>(&[event("c", 3, 4)], None)
        .await
        .unwrap_err();
    assert!(
        matches!(stale, PersistenceError::OptimisticLockError),
        "{stale:?}"
    );

    let stored = load_stream(&db.pool, "Counter", "c").await.unwrap();
    let links: Vec<&str> = stored
        .iter()
        .map(|e| e.metadata["hash"].as_str().unwrap())
        .collect();
    assert_eq!(
        links,
        [
            r#"genesis>Counted{"n":1}@r1"#,
            r#"genesis>Counted{"n":1}@r1>Counted{"n":2}@r2"#,
            r#"genesis>Counted{"n":1}@r1>Counted{"n":2}@r2>Counted{"n":3}@r3"#,
        ]
    );
    assert_eq!(
        stored[2].metadata["request_id"], "r3",
        "the caller's metadata is kept"
    );
    assert_eq!(
        stored[2].metadata["chain"], 7,
        "what the chain adds is stored"
    );

    let after_two = repository.get_last_events::<Counter>("c", 2).await.unwrap();
    assert_eq!(
        after_two.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        [3]
    );
    // cqrs-es reads metadata as strings: a number comes as its JSON text.
    assert_eq!(after_two[0].metadata["chain"], "7");
}

#[tokio::test]
async fn snapshots_are_refused_and_none_is_ever_returned() {
    let db = fresh_database().await;
    let repository = LogRepository::new(db.pool.clone(), Concat);
    let refused = repository
        .persist::<Counter>(&[event("s", 1, 1)], Some(("s".to_owned(), json!({}), 1)))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, PersistenceError::UnknownError(_)),
        "{refused:?}"
    );
    assert!(load_stream(&db.pool, "Counter", "s")
        .await
        .unwrap()
        .is_empty());
    assert!(repository
        .get_snapshot::<Counter>("s")
        .await
        .unwrap()
        .is_none());
}
