//! kyc-bench: the reproducible performance suite of kyc.
//!
//! It starts its own `kycd` (the release binary, as a child process, so that its memory can be
//! read from `/proc`) on fresh databases and a unique JetStream stream and subject prefix,
//! measures the sections below, prints one table, and drops everything it created:
//!
//! 1. `bound` — the SQL one command needs, issued directly (1, 16, 64 connections);
//! 2. `http` — the onboarding workload over HTTP (1, 16, 64 clients), and sealing's cost: the
//!    same at 16 clients against a sealing kycd and a plaintext one, A/B ([`sealing`]);
//! 3. `nats` — the same over NATS request/reply;
//! 4. `hot` — 16 writers on one customer;
//! 5. `history` — command latency on customers with 1, 100 and 1,000 events;
//! 6. `relay` — publication lag at 1,000 commands/s, and catch-up on a backlog;
//! 7. `replay` — projection rebuild next to the raw read of the same log;
//! 8. `memory` — kycd's peak resident memory;
//! 9. `sweeper` — the retention sweeper erasing 10,000 customers whose period has ended;
//! 10. `screening` — the sanctions matcher's speed and quality, an SDN-sized import and a
//!     re-screening of seeded customers ([`screening`]).
//!
//! Every figure is shown with its ratio to the bound measured in the same run; with `--runs N`
//! the table holds the medians of N runs (ratios: the median of each run's ratio) and their spread.

// Benchmark arithmetic turns counts into rates; precision far below a count's size is moot.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

pub mod bound;
pub mod client;
pub mod cpu;
pub mod env;
pub mod report;
pub mod screening;
pub mod sealing;
pub mod service;
pub mod stats;
pub mod workload;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use kyc_domain::ids::BankGuid;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::env::{Databases, Kycd, KycdOptions, RssSampler};
use crate::report::{Report, Summary};

/// The sections, in the order they run.
pub const SECTIONS: [&str; 10] = [
    "bound",
    "http",
    "nats",
    "hot",
    "history",
    "relay",
    "replay",
    "memory",
    "sweeper",
    "screening",
];

/// kyc-bench — measure kycd against the bound of its own SQL.
#[derive(Debug, Clone, Parser)]
#[command(name = "kyc-bench", version, about, long_about = None)]
pub struct Cli {
    /// A short run (seconds per step, small data sets) for development.
    #[arg(long)]
    pub quick: bool,

    /// Run the selected sections this many times, each on fresh databases and streams, and
    /// report the medians (3 gives a median worth reading).
    #[arg(long, default_value_t = 1)]
    pub runs: u32,

    /// Commands per second the relay-lag section aims at.
    #[arg(long, default_value_t = 1000.0)]
    pub relay_rate: f64,

    /// Also write the results as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,

    /// Also write the results as a Markdown page (machine, command, table) to this file.
    #[arg(long)]
    pub markdown: Option<PathBuf>,

    /// Run only these sections (comma-separated; the bound always runs):
    /// bound, http, nats, hot, history, relay, replay, memory, sweeper, screening.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,

    /// PostgreSQL server; the bench creates and drops its own `kyc_bench_*` databases there.
    #[arg(
        long,
        env = "KYC_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub database_url: String,

    /// NATS server with JetStream.
    #[arg(long, env = "KYC_NATS_URL", default_value = "nats://127.0.0.1:4222")]
    pub nats_url: String,

    /// The kycd binary (default: next to this one).
    #[arg(long)]
    pub kycd: Option<PathBuf>,

    /// A Python interpreter with nomenklatura installed (see `crates/kyc-bench/scripts`), to
    /// score the screening section's labelled set with OpenSanctions' logic-v1 too.
    #[arg(long, env = "KYC_BENCH_NOMENKLATURA_PYTHON")]
    pub nomenklatura_python: Option<PathBuf>,
}

/// How long and how big each step is.
#[derive(Debug, Clone, Copy)]
struct Plan {
    step: Duration,
    bound_customers: u64,
    hot_each: u64,
    history_samples: u64,
    lag_duration: Duration,
    backlog_events: u64,
    replay_events: u64,
    sweep_customers: u64,
    screenings: usize,
    rescreen_customers: u64,
    quality_per_class: usize,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Self {
                step: Duration::from_secs(3),
                bound_customers: 500,
                hot_each: 20,
                history_samples: 40,
                lag_duration: Duration::from_secs(4),
                backlog_events: 10_000,
                replay_events: 50_000,
                sweep_customers: 1_000,
                screenings: 500,
                rescreen_customers: 1_000,
                quality_per_class: 20,
            }
        } else {
            Self {
                step: Duration::from_secs(15),
                bound_customers: 2_000,
                hot_each: 100,
                history_samples: 200,
                lag_duration: Duration::from_secs(10),
                backlog_events: 100_000,
                replay_events: 1_000_000,
                sweep_customers: 10_000,
                screenings: 5_000,
                rescreen_customers: 20_000,
                quality_per_class: 50,
            }
        }
    }
}

/// A bench token for `bank` signed with `secret`, valid for a day.
pub fn bench_token(secret: &str, bank: &str) -> anyhow::Result<String> {
    Ok(kyc_http::mint_hs256(
        secret.as_bytes(),
        &kyc_http::Claims {
            sub: "kyc-bench".into(),
            bank_guid: bank.to_owned(),
            scope: "customers:read customers:write customers:execute customers:review \
                    customers:freeze customers:pii:read"
                .into(),
            exp: (chrono::Utc::now().timestamp() + 86_400).unsigned_abs(),
        },
    )?)
}

/// Seeds realistic onboarding histories (kycctl's seed) until the log holds at least
/// `customers` customers; returns the events written.
pub async fn seed(pool: &PgPool, customers: u64) -> anyhow::Result<u64> {
    let store = Arc::new(kyc_store::PgCustomerStore::new(
        pool.clone(),
        env::master_keys()?,
    ));
    let bank = BankGuid::from_uuid(uuid::Uuid::now_v7());
    let seeded = kycctl::seed::seed(store, bank, customers, 4, |_| {}).await?;
    Ok(seeded.events)
}

/// Seeds until the log holds at least `events` events; returns the count.
async fn seed_events(pool: &PgPool, events: u64) -> anyhow::Result<u64> {
    let mut written = 0;
    while written < events {
        // Seeded customers average about nine events.
        let customers = ((events - written) / 9).max(1);
        written += seed(pool, customers).await?;
    }
    Ok(written)
}

fn wanted(cli: &Cli, section: &str) -> bool {
    cli.only.is_empty() || cli.only.iter().any(|s| s == section)
}

/// Runs the benchmark: `--runs` times the selected sections, each time on fresh databases and
/// streams, then one table of the medians.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    for section in &cli.only {
        anyhow::ensure!(
            SECTIONS.contains(&section.as_str()),
            "--only {section}: not one of {}",
            SECTIONS.join(", ")
        );
    }
    anyhow::ensure!(cli.runs >= 1, "--runs must be at least 1");
    let nats = async_nats::connect(&cli.nats_url)
        .await
        .with_context(|| format!("cannot reach NATS at {}", cli.nats_url))?;
    let mut summary = Summary::new(&cli);
    summary.machine(
        Databases::new(&cli.database_url, "")?
            .server_version()
            .await?,
        nats.server_info().version,
    );
    for n in 1..=cli.runs {
        if cli.runs > 1 {
            eprintln!("run {n} of {}", cli.runs);
        }
        summary.push(run_once(&cli, &nats, n).await?);
    }
    summary.print()?;
    if let Some(path) = &cli.json {
        std::fs::write(path, serde_json::to_vec_pretty(&summary.json()?)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &cli.markdown {
        std::fs::write(path, summary.markdown()?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// One run of the selected sections on its own databases and streams, dropped afterwards.
/// The kycd binary: `--kycd`, or the one next to this binary.
fn kycd_binary(cli: &Cli) -> anyhow::Result<PathBuf> {
    match &cli.kycd {
        Some(path) => Ok(path.clone()),
        None => Ok(std::env::current_exe()?.with_file_name("kycd")),
    }
}

async fn run_once(cli: &Cli, nats: &async_nats::Client, n: u32) -> anyhow::Result<Report> {
    let run_id = format!(
        "{}_{}_{n}",
        std::process::id(),
        chrono::Utc::now().format("%H%M%S")
    );
    let mut databases = Databases::new(&cli.database_url, &run_id)?;
    let streams = [
        format!("KYC_BENCH_{run_id}"),
        format!("KYC_BENCH_{run_id}_CATCHUP"),
        format!("KYC_BENCH_{run_id}_AB_SEALED"),
        format!("KYC_BENCH_{run_id}_AB_PLAIN"),
    ];
    let mut report = Report::default();
    let outcome = sections(
        cli,
        (&run_id, n),
        &mut databases,
        nats,
        &streams,
        &mut report,
    )
    .await;
    for stream in &streams {
        env::delete_stream(nats, stream).await;
    }
    let dropped = databases.drop_all().await;
    outcome?;
    dropped?;
    Ok(report)
}

#[allow(clippy::too_many_lines)] // One section after the other, read top to bottom.
async fn sections(
    cli: &Cli,
    (run_id, run_number): (&str, u32),
    databases: &mut Databases,
    nats: &async_nats::Client,
    streams: &[String; 4],
    report: &mut Report,
) -> anyhow::Result<()> {
    let plan = Plan::new(cli.quick);
    let levels = [1usize, 16, 64];

    eprintln!("[1/8] bound: seeding and measuring the SQL of one command");
    let fixture = bound::prepare(databases.create("bound").await?, plan.bound_customers).await?;
    for connections in levels {
        report.bound(bound::measure(&fixture, connections, plan.step).await?);
    }
    fixture.close().await;

    let needs_kycd = ["http", "nats", "hot", "history", "relay", "memory"]
        .iter()
        .any(|s| wanted(cli, s));
    if needs_kycd {
        let options = databases.create("svc").await?;
        let svc_pool = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(options.clone())
            .await?;
        let binary = kycd_binary(cli)?;
        let secret = format!("kyc-bench-{run_id}-secret");
        let prefix = format!("kycbench{run_id}.v1");
        let log = std::env::temp_dir().join(format!("kyc-bench-{run_id}-kycd.log"));
        let kycd = Kycd::start(KycdOptions {
            binary: &binary,
            database_url: env::url_of(&options),
            nats_url: &cli.nats_url,
            stream: &streams[0],
            prefix: &prefix,
            jwt_secret: &secret,
            log,
            plaintext: false,
        })
        .await?;
        let rss = RssSampler::start(kycd.pid);
        let bank = BankGuid::from_uuid(uuid::Uuid::now_v7()).to_string();
        let token = bench_token(&secret, &bank)?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        report.idle_rss_mib = rss.take_window_mib();
        let addr = kycd.addr;
        let result = async {
            if wanted(cli, "http") {
                eprintln!("[2/8] http: onboarding workload");
                for clients in levels {
                    let result = workload::run(clients, plan.step, kycd.pid, || {
                        client::HttpClient::connect(addr, &token)
                    })
                    .await?;
                    report.rss(&format!("http {clients}"), rss.take_window_mib());
                    report.http(result);
                }
            }
            if wanted(cli, "nats") {
                eprintln!("[3/8] nats: onboarding workload over request/reply");
                for clients in levels {
                    let nats_client = client::NatsClient::new(nats.clone(), &prefix, &bank, &token);
                    let result = workload::run(clients, plan.step, kycd.pid, || {
                        let c = nats_client.clone();
                        async move { Ok(c) }
                    })
                    .await?;
                    report.rss(&format!("nats {clients}"), rss.take_window_mib());
                    report.nats(result);
                }
            }
            if wanted(cli, "hot") {
                eprintln!("[4/8] hot: 16 writers on one customer");
                report.hot =
                    Some(service::hot_customer(addr, &token, &svc_pool, 16, plan.hot_each).await?);
            }
            if wanted(cli, "history") {
                eprintln!("[5/8] history: latency by history length");
                report.history = service::long_history(addr, &token, plan.history_samples).await?;
            }
            if wanted(cli, "relay") {
                eprintln!("[6/8] relay: lag at {} commands/s", cli.relay_rate);
                report.lag = Some(
                    service::relay_lag(
                        kycd.pid,
                        addr,
                        &token,
                        nats,
                        format!("{prefix}.{bank}.customer.>"),
                        cli.relay_rate,
                        plan.lag_duration,
                    )
                    .await?,
                );
                report.rss("relay lag", rss.take_window_mib());
            }
            anyhow::Ok(())
        }
        .await;
        report.peak_rss_mib = Some(rss.peak_mib());
        rss.stop();
        kycd.stop().await?;
        svc_pool.close().await;
        result?;
    }

    if wanted(cli, "http") {
        eprintln!(
            "[2/8] http: sealing A/B at {} clients (sealed and plaintext kycd)",
            sealing::CLIENTS
        );
        let binary = kycd_binary(cli)?;
        let run = sealing::AbRun {
            binary: &binary,
            run_id,
            number: run_number,
            nats_url: &cli.nats_url,
            streams: [&streams[2], &streams[3]],
            step: plan.step,
        };
        report.sealing = Some(sealing::measure(run, databases).await?);
    }

    if wanted(cli, "relay") {
        eprintln!("[6/8] relay: catch-up on a backlog");
        let options = databases.create("relay").await?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        let events = seed_events(&pool, plan.backlog_events).await?;
        report.catch_up = Some(
            service::catch_up(
                pool.clone(),
                nats,
                &streams[1],
                &format!("kycbench{run_id}c.v1"),
                events,
            )
            .await?,
        );
        pool.close().await;
    }

    if wanted(cli, "replay") {
        eprintln!("[7/8] replay: seeding {} events", plan.replay_events);
        let options = databases.create("replay").await?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options.clone())
            .await?;
        let started = std::time::Instant::now();
        let events = seed_events(&pool, plan.replay_events).await?;
        report.seed_per_s = Some(stats::rate(events, started.elapsed()));
        eprintln!("[7/8] replay: raw read and rebuild of {events} events");
        report.replay = Some(service::replay(&pool, &options).await?);
        pool.close().await;
    }

    if wanted(cli, "sweeper") {
        eprintln!(
            "[9/9] sweeper: seeding {} customers closed long ago, then one sweep",
            plan.sweep_customers
        );
        let options = databases.create("sweep").await?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(options)
            .await?;
        report.sweep = Some(service::sweeper(&pool, plan.sweep_customers).await?);
        pool.close().await;
    }

    if wanted(cli, "screening") {
        eprintln!(
            "[10/10] screening: matcher speed on {} entries, an SDN-sized import, a re-screening of {} customers, quality",
            screening::LIST_ENTRIES,
            plan.rescreen_customers
        );
        let speed = tokio::task::spawn_blocking(move || screening::speed(plan.screenings)).await?;
        let options = databases.create("screen").await?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(options)
            .await?;
        kyc_store::migrate(&pool).await?;
        let import = screening::import(&pool).await?;
        let rescreen = screening::rescreen(&pool, plan.rescreen_customers).await?;
        pool.close().await;
        let quality = screening::quality(
            2_000,
            plan.quality_per_class,
            cli.nomenklatura_python.as_deref(),
            &std::env::temp_dir(),
        )
        .await?;
        report.screening = Some(screening::Screening {
            speed,
            import,
            rescreen,
            quality,
        });
    }
    Ok(())
}
