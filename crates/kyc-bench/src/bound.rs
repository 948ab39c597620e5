//! Section 1, the bound: the SQL one command needs, issued directly — in one transaction,
//! read the customer's events, append one event, upsert the customer's view row — with
//! kyc-store's own statements, no HTTP, no domain logic. kycd cannot beat this.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::cpu::{CpuCost, Probe};
use crate::stats::{rate, Latency, Samples};

/// The bound at one connection count.
#[derive(Debug, Clone, Serialize)]
pub struct Bound {
    /// Connections (= concurrent transactions).
    pub connections: usize,
    /// Committed transactions per second.
    pub tx_per_s: f64,
    /// Transaction latency.
    pub latency: Latency,
    /// Failed transactions.
    pub errors: u64,
    /// CPU time per committed transaction: PostgreSQL's, and the bench's as the client.
    pub cpu: CpuCost,
}

/// Customers with realistic histories and view rows, and templates of an event.
pub struct Fixture {
    pool: PgPool,
    options: PgConnectOptions,
    /// `(customer guid, its view row as JSON)`.
    customers: Vec<(String, Value)>,
    payload: Value,
    metadata: Value,
}

/// Seeds `customers` onboarding histories and projects them.
pub async fn prepare(options: PgConnectOptions, customers: u64) -> anyhow::Result<Fixture> {
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .connect_with(options.clone())
        .await?;
    crate::seed(&pool, customers).await?;
    kyc_store::projector::project_until_caught_up(
        &pool,
        &crate::env::master_keys()?,
        kyc_store::projector::CUSTOMER_VIEWS,
        5000,
    )
    .await?;
    let rows: Vec<(String, Value)> =
        sqlx::query_as("SELECT customer_guid, to_jsonb(v) FROM customer_views v")
            .fetch_all(&pool)
            .await?;
    let mut template = None;
    for (guid, _) in &rows {
        template = kyc_log::load_stream(&pool, kyc_app::AGGREGATE_TYPE, guid)
            .await?
            .into_iter()
            .find(|e| e.event_type == "CustomerDetailsUpdated");
        if template.is_some() {
            break;
        }
    }
    let template = template.context("the seed wrote no CustomerDetailsUpdated event")?;
    let (payload, metadata) = (template.payload, template.metadata);
    Ok(Fixture {
        pool,
        options,
        customers: rows,
        payload,
        metadata,
    })
}

async fn one_command(
    pool: &PgPool,
    guid: &str,
    view: &mut Value,
    event: &kyc_log::NewEvent,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let history = kyc_log::load_stream(&mut *tx, kyc_app::AGGREGATE_TYPE, guid).await?;
    let expected = history.last().map_or(0, |e| e.sequence);
    let appended = kyc_log::append(
        &mut tx,
        kyc_app::AGGREGATE_TYPE,
        guid,
        expected,
        std::slice::from_ref(event),
    )
    .await?;
    if let Some(last) = appended.last() {
        view["last_sequence"] = last.sequence.into();
        view["last_position"] = last.global_position.into();
        view["updated_at"] = last.recorded_at.to_rfc3339().into();
    }
    let row = kyc_store::projector::CustomerViewRow(std::mem::take(view));
    let upserted = row.upsert(&mut tx).await;
    *view = row.0;
    upserted?;
    tx.commit().await?;
    Ok(())
}

/// Runs the one-command transaction on `connections` connections for `duration`.
pub async fn measure(
    fixture: &Fixture,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Bound> {
    let pool = PgPoolOptions::new()
        .max_connections(u32::try_from(connections)?)
        .min_connections(u32::try_from(connections)?)
        .connect_with(fixture.options.clone())
        .await?;
    let event = kyc_log::NewEvent {
        event_type: "CustomerDetailsUpdated".into(),
        event_version: "1".into(),
        payload: fixture.payload.clone(),
        metadata: fixture.metadata.clone(),
    };
    let probe = Probe::start(None);
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..connections {
        // Each worker owns its own customers: the bound has no conflicts.
        let mut mine: Vec<(String, Value)> = fixture
            .customers
            .iter()
            .skip(worker)
            .step_by(connections)
            .cloned()
            .collect();
        let (pool, event) = (pool.clone(), event.clone());
        tasks.spawn(async move {
            let (mut samples, mut ok, mut errors) = (Samples::default(), 0u64, 0u64);
            let mut i = 0;
            while Instant::now() < deadline && !mine.is_empty() {
                let slot = i % mine.len();
                let (guid, view) = &mut mine[slot];
                let began = Instant::now();
                match one_command(&pool, guid, view, &event).await {
                    Ok(()) => ok += 1,
                    Err(_) => errors += 1,
                }
                samples.push(began.elapsed());
                i += 1;
            }
            (samples, ok, errors)
        });
    }
    let (mut samples, mut ok, mut errors) = (Samples::default(), 0, 0);
    while let Some(joined) = tasks.join_next().await {
        let (s, o, e) = joined?;
        samples.extend(s);
        ok += o;
        errors += e;
    }
    let elapsed = start.elapsed();
    let cpu = probe.finish(ok);
    pool.close().await;
    Ok(Bound {
        connections,
        tx_per_s: rate(ok, elapsed),
        latency: samples.summary(),
        errors,
        cpu,
    })
}

impl Fixture {
    /// Closes the fixture's pool.
    pub async fn close(self) {
        self.pool.close().await;
    }
}
