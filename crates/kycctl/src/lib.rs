//! kycctl: the operator and compliance CLI of kyc. Tables for people, `--json` for scripts,
//! progress bars on long work, and exit codes that mean something: 0 success, 1 failure,
//! 2 usage error, 3 `verify` found problems.

pub mod export;
pub mod history;
pub mod output;
pub mod seed;
pub mod token;
pub mod verify;

use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kyc_domain::ids::BankGuid;
use kyc_nats::{Relay, RelayConfig};
use kyc_store::PgCustomerStore;
use sqlx::postgres::PgConnectOptions;

/// Exit code of `verify` when it found problems.
pub const EXIT_FINDINGS: u8 = 3;

/// kycctl — replay, audit and operate the kyc event log.
#[derive(Debug, Parser)]
#[command(name = "kycctl", version, about, long_about = None)]
pub struct Cli {
    /// PostgreSQL URL of the kyc database.
    #[arg(
        long,
        global = true,
        env = "KYC_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/kyc"
    )]
    pub database_url: String,

    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply the database migrations.
    Migrate,
    /// Rebuild the projections from position 0 into fresh tables and swap them in
    /// (resumable; safe while kycd runs).
    Replay {
        /// The projection to rebuild (`customer_views`, which includes `document_views`).
        #[arg(long, default_value = "customer_views")]
        projection: String,
        /// Discard an interrupted rebuild instead of resuming it.
        #[arg(long)]
        restart: bool,
    },
    /// Every event of a customer: time, actor, request id, source, state before → after.
    History {
        /// The customer guid.
        guid: String,
    },
    /// A customer and its verification profile as they were at a time or log position.
    StateAt {
        /// The customer guid.
        guid: String,
        /// An RFC 3339 time (2026-11-23T09:00:00Z) or a log position.
        #[arg(long)]
        at: String,
        /// Show personal data.
        #[arg(long)]
        include_pii: bool,
    },
    /// Check sequence continuity, the hash chain and every projection against a fresh fold.
    Verify,
    /// Write the log as CloudEvents, one JSON object per line.
    Export {
        /// Output format (only `jsonl`).
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// Only events after this log position.
        #[arg(long, default_value_t = 0)]
        since: i64,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// The NATS relay.
    Relay {
        /// What to do.
        #[command(subcommand)]
        action: RelayAction,
        /// NATS URL.
        #[arg(long, env = "KYC_NATS_URL", default_value = "nats://127.0.0.1:4222")]
        nats_url: String,
        /// JetStream stream.
        #[arg(long, env = "KYC_NATS_STREAM", default_value = "KYC_EVENTS")]
        stream: String,
        /// Subject prefix.
        #[arg(long, env = "KYC_NATS_SUBJECT_PREFIX", default_value = "kyc.v1")]
        subject_prefix: String,
    },
    /// Mint a development JWT signed with the configured HS256 secret.
    Token {
        /// The tenant (bank guid, 32 hex characters).
        #[arg(long)]
        tenant: String,
        /// Scopes, space- or comma-separated, or `all`.
        #[arg(long, default_value = "all")]
        scopes: String,
        /// The actor (`sub`).
        #[arg(long, default_value = "developer")]
        subject: String,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl_seconds: u64,
        /// The HS256 secret.
        #[arg(long, env = "KYC_JWT_SECRET", hide_env_values = true)]
        secret: String,
    },
    /// Create realistic synthetic onboarding histories.
    Seed {
        /// How many customers.
        #[arg(long)]
        customers: u64,
        /// Their tenant (a new one when omitted).
        #[arg(long)]
        tenant: Option<String>,
        /// Customers written at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
    },
}

/// Relay subcommands.
#[derive(Debug, Subcommand)]
pub enum RelayAction {
    /// Checkpoint, stream end and backlog.
    Status,
    /// Move the checkpoint to the stream's last message (backwards too, if the stream was
    /// recreated), so the relay republishes exactly what the stream lacks.
    Resync,
}

fn progress_bar(total: u64, what: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {what} ({{per_sec}}, ETA {{eta}})"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

async fn pool(cli: &Cli) -> anyhow::Result<sqlx::PgPool> {
    kyc_store::connect(&cli.database_url, 4)
        .await
        .with_context(|| {
            "cannot reach PostgreSQL (set --database-url or KYC_DATABASE_URL)".to_string()
        })
}

/// Runs one command.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Migrate => {
            kyc_store::migrate(&pool(&cli).await?).await?;
            println!("migrations applied");
        }
        Command::Replay {
            projection,
            restart,
        } => replay(&cli, projection, *restart).await?,
        Command::History { guid } => {
            let store = PgCustomerStore::new(pool(&cli).await?);
            history::history(&store, guid, cli.json).await?;
        }
        Command::StateAt {
            guid,
            at,
            include_pii,
        } => {
            let store = PgCustomerStore::new(pool(&cli).await?);
            let customer =
                history::state_at(&store, guid, history::parse_cut(at)?, *include_pii).await?;
            output::json(&customer)?;
        }
        Command::Verify => return verify(&cli).await,
        Command::Export {
            format,
            since,
            output,
        } => export(&cli, format, *since, output.as_ref()).await?,
        Command::Relay {
            action,
            nats_url,
            stream,
            subject_prefix,
        } => {
            relay(&cli, action, nats_url, stream, subject_prefix).await?;
        }
        Command::Token {
            tenant,
            scopes,
            subject,
            ttl_seconds,
            secret,
        } => {
            println!(
                "{}",
                token::mint(
                    secret,
                    tenant,
                    scopes,
                    subject,
                    Duration::from_secs(*ttl_seconds)
                )?
            );
        }
        Command::Seed {
            customers,
            tenant,
            concurrency,
        } => {
            seed(&cli, *customers, tenant.as_deref(), *concurrency).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Events per second, for reports (precision beyond 2^52 events is irrelevant here).
#[allow(clippy::cast_precision_loss)]
fn rate(events: u64, seconds: f64) -> f64 {
    events as f64 / seconds.max(1e-9)
}

async fn replay(cli: &Cli, projection: &str, restart: bool) -> anyhow::Result<()> {
    anyhow::ensure!(
        projection == "customer_views",
        "unknown projection {projection:?}; known: customer_views"
    );
    let pool = pool(cli).await?;
    let options = PgConnectOptions::from_str(&cli.database_url)?;
    let total = kyc_log::count_events(&pool).await?;
    let bar = progress_bar(total, "events", cli.json);
    let started = std::time::Instant::now();
    let rebuilt =
        kyc_store::projector::rebuild::rebuild(&pool, &options, restart, |n| bar.set_position(n))
            .await?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if cli.json {
        output::json(&serde_json::json!({
            "projection": projection,
            "resumed_from": rebuilt.resumed_from,
            "events": rebuilt.events,
            "position": rebuilt.position,
            "seconds": seconds,
            "events_per_second": rate(rebuilt.events, seconds),
            "phases": {
                "bulk_seconds": rebuilt.bulk.as_secs_f64(),
                "indexing_seconds": rebuilt.indexing.as_secs_f64(),
                "swap_seconds": rebuilt.swap.as_secs_f64(),
            },
        }))?;
    } else {
        println!(
            "rebuilt {projection}: {} events in {seconds:.1}s ({:.0} events/s), swapped in at position {}",
            rebuilt.events,
            rate(rebuilt.events, seconds),
            rebuilt.position
        );
        println!(
            "  bulk {:.1}s, indexes {:.1}s, catch-up and swap {:.1}s",
            rebuilt.bulk.as_secs_f64(),
            rebuilt.indexing.as_secs_f64(),
            rebuilt.swap.as_secs_f64()
        );
    }
    Ok(())
}

async fn verify(cli: &Cli) -> anyhow::Result<ExitCode> {
    let pool = pool(cli).await?;
    let total = kyc_log::count_events(&pool).await?;
    let bar = progress_bar(total, "events checked", cli.json);
    let report = verify::verify(&pool, |n| bar.set_position(n)).await?;
    bar.finish_and_clear();
    if cli.json {
        output::json(&report)?;
    } else {
        for finding in &report.findings {
            println!("✗ {finding}");
        }
        let verdict = if report.findings.is_empty() {
            "the log and the projections are intact".to_owned()
        } else {
            format!("{} problems", report.findings.len())
        };
        println!(
            "{} customers, {} events checked: {verdict}",
            report.customers, report.events
        );
    }
    Ok(if report.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FINDINGS)
    })
}

async fn export(
    cli: &Cli,
    format: &str,
    since: i64,
    output: Option<&PathBuf>,
) -> anyhow::Result<()> {
    anyhow::ensure!(format == "jsonl", "unknown format {format:?}; known: jsonl");
    let pool = pool(cli).await?;
    if let Some(path) = output {
        let file =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        let written = export::export(&pool, since, &mut out, !cli.json).await?;
        eprintln!("{written} events exported to {}", path.display());
    } else {
        export::export(&pool, since, &mut std::io::stdout().lock(), false).await?;
    }
    Ok(())
}

async fn relay(
    cli: &Cli,
    action: &RelayAction,
    nats_url: &str,
    stream: &str,
    subject_prefix: &str,
) -> anyhow::Result<()> {
    let pool = pool(cli).await?;
    let client = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(3))
        .connect(nats_url)
        .await
        .with_context(|| format!("cannot reach NATS at {nats_url}"))?;
    let config = RelayConfig {
        stream: stream.to_owned(),
        subject_prefix: subject_prefix.to_owned(),
        ..RelayConfig::default()
    };
    let relay = Relay::new(pool, async_nats::jetstream::new(client), config);
    if matches!(action, RelayAction::Resync) {
        let cursor = relay.reconcile().await?;
        eprintln!(
            "checkpoint moved to position {} (stream sequence {})",
            cursor.position, cursor.stream_sequence
        );
    }
    let status = relay.status().await?;
    if cli.json {
        output::json(&status)?;
    } else {
        let mut table = output::table(&[
            "checkpoint",
            "stream position",
            "stream sequence",
            "log position",
            "backlog",
        ]);
        table.add_row(vec![
            status.checkpoint.to_string(),
            status.stream_position.to_string(),
            status.stream_sequence.to_string(),
            status.log_position.to_string(),
            status.backlog.to_string(),
        ]);
        println!("{table}");
    }
    Ok(())
}

async fn seed(
    cli: &Cli,
    customers: u64,
    tenant: Option<&str>,
    concurrency: usize,
) -> anyhow::Result<()> {
    let bank = match tenant {
        Some(raw) => BankGuid::parse(raw).map_err(|e| anyhow::anyhow!("--tenant: {e}"))?,
        None => BankGuid::from_uuid(uuid::Uuid::now_v7()),
    };
    let store = Arc::new(PgCustomerStore::new(pool(cli).await?));
    let bar = Arc::new(progress_bar(customers, "customers", cli.json));
    let ticker = Arc::clone(&bar);
    let started = std::time::Instant::now();
    let seeded = seed::seed(store, bank, customers, concurrency, move |n| {
        ticker.set_position(n);
    })
    .await?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if cli.json {
        output::json(&serde_json::json!({
            "tenant": bank.to_string(),
            "customers": seeded.customers,
            "events": seeded.events,
            "seconds": seconds,
        }))?;
    } else {
        println!(
            "seeded {} customers ({} events) for tenant {bank} in {seconds:.1}s ({:.0} events/s)",
            seeded.customers,
            seeded.events,
            rate(seeded.events, seconds)
        );
    }
    Ok(())
}
