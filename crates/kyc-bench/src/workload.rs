//! The mixed onboarding workload: each client onboards one customer after another —
//! create, update details, submit the identity document, review it, submit the liveness report,
//! review it, verify — seven commands, each timed on its own.

use std::future::Future;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Serialize;
use serde_json::{json, Value};

use crate::client::{Command, Op, Reply, Transport};
use crate::cpu::{CpuCost, Probe};
use crate::stats::{rate, Latency, Samples};

/// A small but real PDF (content sniffing needs the magic bytes).
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// What one client saw.
#[derive(Debug, Default)]
pub struct Tally {
    /// Latencies of answered commands (any status).
    pub latencies: Samples,
    /// Commands answered 2xx.
    pub ok: u64,
    /// Commands answered otherwise, or not at all.
    pub errors: u64,
    /// The first few errors, for the report.
    pub first_errors: Vec<String>,
}

impl Tally {
    /// Counts one answer (or failure) that took `latency`.
    pub fn record(&mut self, latency: Duration, reply: &anyhow::Result<Reply>) {
        self.latencies.push(latency);
        match reply {
            Ok(reply) if reply.ok() => self.ok += 1,
            Ok(reply) => {
                self.errors += 1;
                if self.first_errors.len() < 3 {
                    self.first_errors.push(format!(
                        "{} {}",
                        reply.status,
                        reply.body["message_code"].as_str().unwrap_or("")
                    ));
                }
            }
            Err(error) => {
                self.errors += 1;
                if self.first_errors.len() < 3 {
                    self.first_errors.push(format!("{error:#}"));
                }
            }
        }
    }

    /// Adds another client's tally.
    pub fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.ok += other.ok;
        self.errors += other.errors;
        for e in other.first_errors {
            if self.first_errors.len() < 3 {
                self.first_errors.push(e);
            }
        }
    }
}

/// Result of running the workload at one concurrency.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// Concurrent clients.
    pub clients: usize,
    /// 2xx commands.
    pub commands: u64,
    /// 2xx commands per second.
    pub commands_per_s: f64,
    /// Latency of every command.
    pub latency: Latency,
    /// Non-2xx answers and transport failures.
    pub errors: u64,
    /// A few of them.
    pub first_errors: Vec<String>,
    /// Measured seconds.
    pub seconds: f64,
    /// CPU time per 2xx command: kycd's, PostgreSQL's, the load generator's.
    pub cpu: CpuCost,
}

/// A valid individual's draft, unique per `n`.
pub fn individual(n: u64) -> Value {
    json!({
        "type": "individual",
        "name": {"first": "Ada", "last": format!("Lovelace{n}")},
        "date_of_birth": "1990-04-21",
        "email_address": format!("ada{n}@example.com"),
        "phone_number": format!("+1415{:07}", n % 10_000_000),
        "nationality": "GB",
    })
}

/// A tax number no other customer of this process (or, very likely, of an earlier run on the
/// same database) was given: a repeated one is a possible duplicate, and verifying it would be
/// refused until a reviewer resolves it.
fn unique_tax_number() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    static OFFSET: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let offset = *OFFSET.get_or_init(|| {
        // The low bits of a UUID v7 are random.
        u64::try_from(uuid::Uuid::now_v7().as_u128() % 1_000_000_000).unwrap_or_default()
    });
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{:09}", (offset + n) % 1_000_000_000)
}

/// A details update with address, tax identification and labels.
pub fn details(n: u64) -> Value {
    json!({
        "address": {"street": format!("{} Market Street", n % 999 + 1), "city": "Springfield",
                    "postal_code": "12345", "country_code": "US"},
        "tax_identification": {"number": unique_tax_number(), "type": "ssn", "country_code": "US"},
        "labels": ["retail"],
    })
}

fn document(kind: &str) -> Value {
    json!({
        "type": kind,
        "file_name": format!("{kind}.pdf"),
        "content_base64": base64::engine::general_purpose::STANDARD.encode(PDF),
    })
}

fn document_of(reply: &Reply, kind: &str) -> Option<String> {
    reply.body["documents"]
        .as_array()?
        .iter()
        .find(|d| d["type"] == kind && d["status"] == "pending")
        .and_then(|d| d["guid"].as_str())
        .map(ToOwned::to_owned)
}

async fn timed<T: Transport>(
    transport: &mut T,
    tally: &mut Tally,
    command: Command<'_>,
) -> Option<Reply> {
    let start = Instant::now();
    let reply = transport.send(command).await;
    tally.record(start.elapsed(), &reply);
    reply.ok().filter(Reply::ok)
}

fn command(op: Op, customer: Option<&str>, data: Value) -> Command<'_> {
    Command {
        op,
        customer,
        document: None,
        data,
        request_id: None,
    }
}

/// Onboards one customer; stops at the first refused command.
pub async fn onboard<T: Transport>(transport: &mut T, tally: &mut Tally, n: u64) {
    let Some(created) = timed(transport, tally, command(Op::Create, None, individual(n))).await
    else {
        return;
    };
    let Some(guid) = created.body["guid"].as_str().map(ToOwned::to_owned) else {
        return;
    };
    let customer = Some(guid.as_str());
    if timed(transport, tally, command(Op::Update, customer, details(n)))
        .await
        .is_none()
    {
        return;
    }
    for kind in ["passport", "liveness_report"] {
        let Some(submitted) = timed(
            transport,
            tally,
            command(Op::SubmitDocument, customer, document(kind)),
        )
        .await
        else {
            return;
        };
        let Some(document) = document_of(&submitted, kind) else {
            return;
        };
        let review = Command {
            document: Some(&document),
            ..command(Op::ReviewDocument, customer, json!({"decision": "accept"}))
        };
        if timed(transport, tally, review).await.is_none() {
            return;
        }
    }
    timed(transport, tally, command(Op::Verify, customer, json!({}))).await;
}

/// Runs `clients` clients, each made by `connect`, onboarding customers for `duration`, and
/// takes the CPU time of the service `kycd` (a process id) and PostgreSQL meanwhile.
pub async fn run<T, F, Fut>(
    clients: usize,
    duration: Duration,
    kycd: u32,
    connect: F,
) -> anyhow::Result<Throughput>
where
    T: Transport + 'static,
    F: Fn() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let mut transports = Vec::with_capacity(clients);
    for _ in 0..clients {
        transports.push(connect().await?);
    }
    let probe = Probe::start(Some(kycd));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for (i, mut transport) in transports.into_iter().enumerate() {
        tasks.spawn(async move {
            let mut tally = Tally::default();
            let mut n = (i as u64) << 32;
            while Instant::now() < deadline {
                onboard(&mut transport, &mut tally, n).await;
                n += 1;
            }
            tally
        });
    }
    let mut total = Tally::default();
    while let Some(tally) = tasks.join_next().await {
        total.merge(tally?);
    }
    let elapsed = start.elapsed();
    Ok(Throughput {
        clients,
        commands: total.ok,
        commands_per_s: rate(total.ok, elapsed),
        latency: total.latencies.summary(),
        errors: total.errors,
        first_errors: total.first_errors,
        seconds: elapsed.as_secs_f64(),
        cpu: probe.finish(total.ok),
    })
}
