//! Integration tests of `kyc-store` against a real PostgreSQL: each test creates its own
//! database through `kyc_testkit::fresh_database`.

// clippy.toml allows unwrap/expect inside `#[test]` functions only; the helpers and tasks
// spawned by these tests panic on failure just the same, by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod blind_index;
mod commit_order;
mod contract;
mod current_customer;
mod customer_port;
mod customer_views;
mod due_diligence;
mod events;
mod idempotency;
mod postgres_es_compat;
mod queue_columns;
mod rescreening;
mod retention;
mod side_tables;
mod support;

use std::time::{Duration, Instant};

use kyc_log::{read_after, NewEvent, StoredEvent};
use serde_json::json;
use sqlx::PgPool;

/// A small event with a recognisable payload.
pub(crate) fn event(n: i64) -> NewEvent {
    NewEvent {
        event_type: "Tested".to_owned(),
        event_version: "1.0".to_owned(),
        payload: json!({ "Tested": { "n": n } }),
        metadata: json!({ "request_id": format!("req-{n}") }),
    }
}

/// Reads the log from position 0 until at least `count` events are returned or 10 s pass.
///
/// Polling is needed because the read horizon is cluster-wide: a transaction of another test
/// running in parallel (in another database) may hold committed events back for a moment.
pub(crate) async fn read_all_eventually(pool: &PgPool, count: usize) -> Vec<StoredEvent> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let events = read_after(pool, 0, 100_000).await.unwrap();
        if events.len() >= count || Instant::now() > deadline {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
