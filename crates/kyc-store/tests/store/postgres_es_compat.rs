//! The event table stays readable and writable by postgres-es 0.5.0 / cqrs-es 0.5.0.

use std::collections::HashMap;

use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, DomainEvent, EventStore};
use kyc_log::{append, load_stream, NewEvent};
use kyc_testkit::fresh_database;
use postgres_es::PostgresEventRepository;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
struct Counter {
    total: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum CounterEvent {
    Incremented { by: i64 },
}

impl DomainEvent for CounterEvent {
    fn event_type(&self) -> String {
        "Incremented".to_owned()
    }
    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("never")]
struct Never;

impl Aggregate for Counter {
    const TYPE: &'static str = "Counter";
    type Command = i64;
    type Event = CounterEvent;
    type Error = Never;
    type Services = ();

    async fn handle(
        &mut self,
        by: i64,
        (): &(),
        sink: &cqrs_es::event_sink::EventSink<Self>,
    ) -> Result<(), Never> {
        sink.write(CounterEvent::Incremented { by }, self).await;
        Ok(())
    }

    fn apply(&mut self, event: CounterEvent) {
        let CounterEvent::Incremented { by } = event;
        self.total += by;
    }
}

fn serialized(by: i64) -> NewEvent {
    NewEvent {
        event_type: "Incremented".to_owned(),
        event_version: "1.0".to_owned(),
        payload: serde_json::to_value(CounterEvent::Incremented { by }).unwrap(),
        metadata: serde_json::json!({ "request_id": "r-1" }),
    }
}

#[tokio::test]
async fn streams_written_by_append_load_through_postgres_es_and_back() {
    let db = fresh_database().await;
    let mut tx = db.pool.begin().await.unwrap();
    append(
        &mut tx,
        "Counter",
        "c-1",
        0,
        &[serialized(1), serialized(2), serialized(3)],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let store = PersistedEventStore::<_, Counter>::new_event_store(PostgresEventRepository::new(
        db.pool.clone(),
    ));
    let envelopes = store.load_events("c-1").await.unwrap();
    assert_eq!(
        envelopes
            .iter()
            .map(|e| (e.sequence, e.payload.clone()))
            .collect::<Vec<_>>(),
        [1, 2, 3].map(|n| (
            n,
            CounterEvent::Incremented {
                by: i64::try_from(n).unwrap()
            }
        ))
    );
    assert_eq!(envelopes[0].metadata["request_id"], "r-1");
    let context = store.load_aggregate("c-1").await.unwrap();
    assert_eq!(context.aggregate.total, 6);
    assert_eq!(context.current_sequence, 3);

    // cqrs-es writes without global_position: the trigger assigns it.
    store
        .commit(
            vec![CounterEvent::Incremented { by: 4 }],
            context,
            HashMap::new(),
        )
        .await
        .unwrap();
    let stream = load_stream(&db.pool, "Counter", "c-1").await.unwrap();
    assert_eq!(stream.len(), 4);
    assert_eq!(
        stream[3].payload,
        serde_json::json!({ "Incremented": { "by": 4 } })
    );
    assert!(stream[3].global_position > stream[2].global_position);
}
