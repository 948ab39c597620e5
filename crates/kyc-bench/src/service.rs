//! Sections 4–6 against the running kycd: a hot customer, long histories, relay lag; and the
//! relay's catch-up on a backlog.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use hyper::Method;
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::client::HttpClient;
use crate::cpu::{CpuCost, Probe};
use crate::stats::{rate, Latency, Samples};
use crate::workload::individual;

async fn create(client: &mut HttpClient, n: u64) -> anyhow::Result<String> {
    let reply = client
        .request(Method::POST, "/api/customers", Some(&individual(n)), None)
        .await?;
    reply.body["guid"]
        .as_str()
        .map(ToOwned::to_owned)
        .with_context(|| format!("create answered {}: {}", reply.status, reply.body))
}

async fn relabel(
    client: &mut HttpClient,
    guid: &str,
    label: &str,
    request_id: Option<&str>,
) -> anyhow::Result<crate::client::Reply> {
    client
        .request(
            Method::PATCH,
            &format!("/api/customers/{guid}"),
            Some(&json!({"labels": [label]})),
            request_id,
        )
        .await
}

/// Section 4: many writers on one customer.
#[derive(Debug, Clone, Serialize)]
pub struct Hot {
    /// Concurrent writers.
    pub writers: usize,
    /// Commands sent.
    pub sent: u64,
    /// Answered 2xx.
    pub accepted: u64,
    /// Answered 409 (a conflict the server's retries did not absorb).
    pub conflicts: u64,
    /// Other failures.
    pub other_errors: u64,
    /// Accepted commands per second.
    pub commands_per_s: f64,
    /// Latency of every command.
    pub latency: Latency,
    /// Events the commands appended.
    pub events: u64,
    /// Events whose request id is not one of the accepted commands', or repeats one.
    pub applied_wrongly: u64,
}

/// Runs `writers` writers, each sending `each` label changes to one customer.
pub async fn hot_customer(
    addr: SocketAddr,
    token: &str,
    pool: &PgPool,
    writers: usize,
    each: u64,
) -> anyhow::Result<Hot> {
    let mut setup = HttpClient::connect(addr, token).await?;
    let guid = create(&mut setup, 1).await?;
    let mut tasks = tokio::task::JoinSet::new();
    let start = Instant::now();
    for w in 0..writers {
        let mut client = HttpClient::connect(addr, token).await?;
        let guid = guid.clone();
        tasks.spawn(async move {
            let mut out = (Samples::default(), Vec::new(), 0u64, 0u64);
            for i in 0..each {
                let id = format!("hot-{w}-{i}");
                let began = Instant::now();
                let reply = relabel(&mut client, &guid, &format!("w{w}n{i}"), Some(&id)).await;
                out.0.push(began.elapsed());
                match reply {
                    Ok(r) if r.ok() => out.1.push(id),
                    Ok(r) if r.status == 409 => out.2 += 1,
                    _ => out.3 += 1,
                }
            }
            out
        });
    }
    let (mut samples, mut accepted_ids, mut conflicts, mut other) =
        (Samples::default(), HashSet::new(), 0, 0);
    while let Some(joined) = tasks.join_next().await {
        let (s, ids, c, o) = joined?;
        samples.extend(s);
        accepted_ids.extend(ids);
        conflicts += c;
        other += o;
    }
    let elapsed = start.elapsed();
    let applied: Vec<String> = kyc_log::load_stream(pool, kyc_app::AGGREGATE_TYPE, &guid)
        .await?
        .into_iter()
        .filter(|e| e.sequence > 1)
        .map(|e| {
            e.metadata["request_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    let mut seen = HashSet::new();
    let applied_wrongly = applied
        .iter()
        .filter(|id| !accepted_ids.contains(*id) || !seen.insert((*id).clone()))
        .count() as u64;
    let accepted = accepted_ids.len() as u64;
    Ok(Hot {
        writers,
        sent: writers as u64 * each,
        accepted,
        conflicts,
        other_errors: other,
        commands_per_s: rate(accepted, elapsed),
        latency: samples.summary(),
        events: applied.len() as u64,
        applied_wrongly: applied_wrongly + accepted.saturating_sub(applied.len() as u64),
    })
}

/// Section 5: command latency by history length.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryCost {
    /// Events the customer had before the measured commands.
    pub events_before: u64,
    /// `UpdateDetails` latency.
    pub latency: Latency,
}

/// Measures `samples` label changes on customers with 1, 100 and 1,000 events, interleaved.
pub async fn long_history(
    addr: SocketAddr,
    token: &str,
    samples: u64,
) -> anyhow::Result<Vec<HistoryCost>> {
    let mut client = HttpClient::connect(addr, token).await?;
    let mut fresh = Vec::new();
    for n in 0..samples {
        fresh.push(create(&mut client, 10_000 + n).await?);
    }
    // Five customers of 100 events share the samples; one of 1,000 takes them all.
    let mut hundred = Vec::new();
    for n in 0..5 {
        let guid = create(&mut client, 20_000 + n).await?;
        for i in 1..100 {
            relabel(&mut client, &guid, &format!("setup{i}"), None).await?;
        }
        hundred.push(guid);
    }
    let thousand = create(&mut client, 30_000).await?;
    for i in 1..1000 {
        let reply = relabel(&mut client, &thousand, &format!("setup{i}"), None).await?;
        anyhow::ensure!(reply.ok(), "building history: {}", reply.status);
    }
    let mut measured = [Samples::default(), Samples::default(), Samples::default()];
    for i in 0..samples {
        let targets = [
            &fresh[usize::try_from(i)?],
            &hundred[usize::try_from(i % 5)?],
            &thousand,
        ];
        for (class, guid) in targets.into_iter().enumerate() {
            let began = Instant::now();
            let reply = relabel(&mut client, guid, &format!("m{i}"), None).await?;
            anyhow::ensure!(reply.ok(), "history update answered {}", reply.status);
            measured[class].push(began.elapsed());
        }
    }
    Ok([1, 100, 1000]
        .into_iter()
        .zip(measured)
        .map(|(events_before, s)| HistoryCost {
            events_before,
            latency: s.summary(),
        })
        .collect())
}

/// Section 6a: publication lag under a steady command rate.
#[derive(Debug, Clone, Serialize)]
pub struct RelayLag {
    /// Commands per second asked for.
    pub target_rate: f64,
    /// Accepted commands per second achieved.
    pub achieved_rate: f64,
    /// Accepted commands.
    pub accepted: u64,
    /// Their events received from NATS.
    pub received: u64,
    /// Receive time − the event's `time` (the command's receive time).
    pub lag: Latency,
    /// Command latency.
    pub command_latency: Latency,
    /// CPU time per accepted command while the commands ran: kycd's (its relay included),
    /// PostgreSQL's, the load generator's and receiver's.
    pub cpu: CpuCost,
}

/// Issues `rate` label changes per second for `duration` and times each event's arrival; takes
/// the CPU time of `kycd` (a process id) and PostgreSQL meanwhile.
pub async fn relay_lag(
    kycd: u32,
    addr: SocketAddr,
    token: &str,
    nats: &async_nats::Client,
    event_subjects: String,
    target_rate: f64,
    duration: Duration,
) -> anyhow::Result<RelayLag> {
    const WORKERS: usize = 32;
    // Enough customers that each gets about this many updates, however long the step: with a
    // fixed few, their histories grew with the step (to ~80 events in 10 s), every command
    // loaded and folded more, and a longer step measured heavier commands, not the relay.
    const UPDATES_PER_CUSTOMER: f64 = 10.0;
    let customers_each =
        (target_rate * duration.as_secs_f64() / UPDATES_PER_CUSTOMER / WORKERS as f64)
            .ceil()
            .max(1.0) as usize;
    let mut customers = Vec::new();
    let mut setup = HttpClient::connect(addr, token).await?;
    for n in 0..WORKERS * customers_each {
        customers.push(create(&mut setup, 40_000 + n as u64).await?);
    }
    // Let the creations drain through the relay before listening.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut subscription = nats.subscribe(event_subjects).await?;
    nats.flush().await?;
    let start = chrono::Utc::now();
    let stop = CancellationToken::new();
    let receiver = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut lags = Samples::default();
            let mut received = 0u64;
            loop {
                let message = tokio::select! {
                    () = stop.cancelled() => break,
                    m = subscription.next() => m,
                };
                let Some(message) = message else { break };
                let now = chrono::Utc::now();
                let Ok(envelope) = serde_json::from_slice::<serde_json::Value>(&message.payload)
                else {
                    continue;
                };
                let Some(time) = envelope["time"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                else {
                    continue;
                };
                if time < start {
                    continue;
                }
                received += 1;
                lags.push((now - time.to_utc()).to_std().unwrap_or_default());
            }
            (lags, received)
        })
    };
    let period = Duration::from_secs_f64(WORKERS as f64 / target_rate);
    let probe = Probe::start(Some(kycd));
    let began = Instant::now();
    let deadline = began + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for (w, mine) in customers.chunks(customers_each).enumerate() {
        let mut client = HttpClient::connect(addr, token).await?;
        let mine = mine.to_vec();
        tasks.spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let (mut samples, mut ok, mut i) = (Samples::default(), 0u64, 0usize);
            // Stagger the workers across one period.
            tokio::time::sleep(period.mul_f64(w as f64 / WORKERS as f64)).await;
            while Instant::now() < deadline {
                tick.tick().await;
                let t = Instant::now();
                let reply =
                    relabel(&mut client, &mine[i % mine.len()], &format!("lag{i}"), None).await;
                samples.push(t.elapsed());
                if reply.is_ok_and(|r| r.ok()) {
                    ok += 1;
                }
                i += 1;
            }
            (samples, ok)
        });
    }
    let (mut commands, mut accepted) = (Samples::default(), 0);
    while let Some(joined) = tasks.join_next().await {
        let (s, ok) = joined?;
        commands.extend(s);
        accepted += ok;
    }
    let elapsed = began.elapsed();
    let cpu = probe.finish(accepted);
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.cancel();
    let (lags, arrived) = receiver.await?;
    Ok(RelayLag {
        target_rate,
        achieved_rate: rate(accepted, elapsed),
        accepted,
        received: arrived,
        lag: lags.summary(),
        command_latency: commands.summary(),
        cpu,
    })
}

/// Section 6b: a relay catching up on a backlog.
#[derive(Debug, Clone, Serialize)]
pub struct CatchUp {
    /// Events in the backlog.
    pub events: u64,
    /// Seconds from starting the relay until the stream held them all.
    pub seconds: f64,
    /// Events published per second.
    pub events_per_s: f64,
}

/// Starts a relay on the backlog in `pool` and waits until `stream` holds `events` messages.
pub async fn catch_up(
    pool: PgPool,
    nats: &async_nats::Client,
    stream: &str,
    prefix: &str,
    events: u64,
) -> anyhow::Result<CatchUp> {
    let js = async_nats::jetstream::new(nats.clone());
    let relay = kyc_nats::Relay::new(
        pool,
        js.clone(),
        kyc_nats::RelayConfig {
            stream: stream.to_owned(),
            subject_prefix: prefix.to_owned(),
            ..kyc_nats::RelayConfig::default()
        },
    );
    let stop = CancellationToken::new();
    let start = Instant::now();
    let task = tokio::spawn(relay.run(stop.clone()));
    let limit = start + Duration::from_secs(600);
    let mut held = 0;
    while held < events && Instant::now() < limit {
        tokio::time::sleep(Duration::from_millis(20)).await;
        held = crate::env::stream_messages(&js, stream).await;
    }
    let elapsed = start.elapsed();
    stop.cancel();
    let _ = task.await;
    anyhow::ensure!(
        held >= events,
        "the relay published {held} of {events} events in 600 s"
    );
    Ok(CatchUp {
        events,
        seconds: elapsed.as_secs_f64(),
        events_per_s: rate(events, elapsed),
    })
}

/// Section 7: replay next to the raw read of the same log.
#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    /// Events in the log.
    pub events: u64,
    /// `kyc_log::scan_payloads`: every payload in position order, streamed, each taken as one
    /// string (no JSON parsing): rows per second.
    pub raw_read_per_s: f64,
    /// `kyc_store::projector::rebuild::rebuild`: events per second.
    pub replay_per_s: f64,
}

/// Reads the whole log once, then rebuilds the projections from it.
///
/// The log is analyzed first, as a production database's would be: without statistics (this
/// machine runs PostgreSQL without autovacuum) the raw read's plan is a guess. The rebuild
/// would analyze it itself. A checkpoint then settles the seeding's writes.
pub async fn replay(
    pool: &PgPool,
    options: &sqlx::postgres::PgConnectOptions,
) -> anyhow::Result<Replay> {
    kyc_log::analyze(pool, true).await?;
    // Seeding a million events leaves ~1 GB of WAL behind; without a checkpoint now, the
    // checkpointer writes it out during whichever of the two measurements comes first.
    if let Err(error) = sqlx::query("CHECKPOINT").execute(pool).await {
        eprintln!("[7/8] replay: no CHECKPOINT before measuring ({error}); expect more noise");
    }
    let start = Instant::now();
    let read = kyc_log::scan_payloads(pool).await?;
    let raw = rate(read, start.elapsed());
    let start = Instant::now();
    let keys = crate::env::master_keys()?;
    let rebuilt =
        kyc_store::projector::rebuild::rebuild(pool, &keys, options, true, |_| {}).await?;
    Ok(Replay {
        events: read,
        raw_read_per_s: raw,
        replay_per_s: rate(rebuilt.events, start.elapsed()),
    })
}

/// Section 9: the retention sweeper erasing customers whose period ended long ago.
#[derive(Debug, Clone, Serialize)]
pub struct Sweep {
    /// Customers erased.
    pub erased: u64,
    /// Seconds the sweep took (candidates, then every erasure).
    pub seconds: f64,
    /// Erasures per second.
    pub erased_per_s: f64,
}

/// Writes `customers` customers created, given a document and closed ten years ago (each
/// decided by the aggregate and appended in one transaction, 8 at a time), projects them, then
/// times one sweep with a `now` far past their retention period.
#[allow(clippy::too_many_lines)] // Seeding, then the measured sweep, read top to bottom.
pub async fn sweeper(pool: &PgPool, customers: u64) -> anyhow::Result<Sweep> {
    use kyc_app::commands::stamp;
    use kyc_app::ports::{CustomerStore, CustomerTransaction};
    use kyc_app::retention::Sweeper;
    use kyc_app::{CommandService, Principal, RequestContext, RetryPolicy, Source};
    use kyc_domain::customer::{
        CloseDraft, ContentType, CustomerDraft, DocumentContent, DocumentDraft, Sha256Digest,
    };
    use kyc_domain::ids::{BankGuid, CustomerGuid, DocumentGuid};
    use kyc_domain::values::{AddressDraft, NameDraft};
    use kyc_domain::{Customer, CustomerCommand};

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
    let store = Arc::new(kyc_store::PgCustomerStore::new(
        pool.clone(),
        crate::env::master_keys()?,
    ));
    let bank = BankGuid::from_uuid(uuid::Uuid::now_v7());
    let long_ago = chrono::Utc::now() - chrono::TimeDelta::days(3_650);
    let write = |n: u64| {
        let store = Arc::clone(&store);
        async move {
            let guid = CustomerGuid::from_uuid(uuid::Uuid::now_v7());
            let document = DocumentGuid::from_uuid(uuid::Uuid::now_v7());
            let at = long_ago + chrono::TimeDelta::seconds(i64::try_from(n).unwrap_or(0));
            let commands = [
                CustomerCommand::Create {
                    customer_guid: guid,
                    bank_guid: bank,
                    draft: CustomerDraft {
                        customer_type: Some("individual".into()),
                        name: Some(NameDraft {
                            first: Some("Ada".into()),
                            last: Some(format!("Sweep{n}")),
                            ..NameDraft::default()
                        }),
                        address: Some(AddressDraft {
                            street: Some("1 Main St".into()),
                            city: Some("Springfield".into()),
                            postal_code: Some("12345".into()),
                            country_code: Some("US".into()),
                            ..AddressDraft::default()
                        }),
                        email_address: Some(format!("sweep{n}@example.com")),
                        ..CustomerDraft::default()
                    },
                    identity_matches: Vec::new(),
                    at,
                },
                CustomerCommand::SubmitDocument {
                    document_guid: document,
                    draft: DocumentDraft {
                        kind: Some("passport".into()),
                        ..DocumentDraft::default()
                    },
                    content: DocumentContent {
                        content_type: ContentType::Pdf,
                        size_bytes: PDF.len() as u64,
                        // The domain records the digest; only the service computes it.
                        sha256: Sha256Digest::parse(&"5e".repeat(32))
                            .map_err(|e| anyhow::anyhow!("{e:?}"))?,
                    },
                    at,
                },
                CustomerCommand::Close {
                    draft: CloseDraft {
                        reason: Some("customer_request".into()),
                        message: None,
                    },
                    at,
                },
            ];
            let mut customer = Customer::default();
            let mut stamped = Vec::new();
            for command in commands {
                let ctx = RequestContext {
                    principal: Principal::new("kyc-bench", bank, ""),
                    request_id: format!("bench-sweep-{n}"),
                    idempotency_key: None,
                    source: Source::Cli,
                    received_at: at,
                    include_pii: false,
                };
                let decided = customer
                    .decide(command)
                    .map_err(|e| anyhow::anyhow!("sweeper seed refused: {e}"))?;
                for event in &decided {
                    customer.apply(event);
                }
                stamped.extend(stamp(&ctx, &decided));
            }
            let fail = |e: kyc_app::ports::StoreFailure| anyhow::anyhow!("{e}");
            let mut tx = store.begin().await.map_err(fail)?;
            tx.append(guid, 0, stamped).await.map_err(fail)?;
            tx.put_document(bank, guid, document, PDF, ContentType::Pdf)
                .await
                .map_err(fail)?;
            tx.commit().await.map_err(fail)?;
            anyhow::Ok(())
        }
    };
    futures::stream::iter(0..customers)
        .map(write)
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<()>>>()?;
    let keys = crate::env::master_keys()?;
    while kyc_store::projector::project_until_caught_up(
        pool,
        &keys,
        kyc_store::projector::CUSTOMER_VIEWS,
        5_000,
    )
    .await?
        > 0
    {}
    kyc_log::analyze(pool, true).await?;

    let service = CommandService::new(Arc::clone(&store), RetryPolicy::default());
    let sweeper = Sweeper::new(service, store);
    let far_future = chrono::Utc::now() + chrono::TimeDelta::days(36_500);
    let limit = usize::try_from(customers).unwrap_or(usize::MAX);
    let start = Instant::now();
    let report = sweeper
        .sweep(far_future, limit, false)
        .await
        .map_err(|e| anyhow::anyhow!("sweep: {e}"))?;
    let elapsed = start.elapsed();
    anyhow::ensure!(
        report.failed.is_empty() && report.refused == 0,
        "the sweep failed {} and was refused {} erasures",
        report.failed.len(),
        report.refused
    );
    let erased = report.erased.len() as u64;
    Ok(Sweep {
        erased,
        seconds: elapsed.as_secs_f64(),
        erased_per_s: rate(erased, elapsed),
    })
}
