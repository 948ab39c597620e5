//! kycctl: the operator and compliance CLI of kyc. Tables for people, `--json` for scripts,
//! progress bars on long work, and exit codes that mean something: 0 success, 1 failure,
//! 2 usage error, 3 `verify` found problems.

pub mod export;
pub mod history;
pub mod keys;
pub mod lists;
pub mod output;
pub mod retention;
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
    /// PostgreSQL URL of the kyc database. Without it, the database of the kycd running in
    /// embedded mode on --data-dir.
    #[arg(long, global = true, env = "KYC_DATABASE_URL")]
    pub database_url: Option<String>,

    /// The data directory of a kycd in embedded mode: its database (through the socket there),
    /// master key and development JWT secret, when none is given otherwise.
    #[arg(long, global = true, env = "KYC_DATA_DIR", default_value = kyc_embedded::DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,

    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,

    /// The master key file (`key_id:base64` lines, the first current), needed by every
    /// command that reads or writes personal data.
    #[arg(long, global = true, env = "KYC_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,

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
        /// The HS256 secret; by default the embedded kycd's on the data directory.
        #[arg(long, env = "KYC_JWT_SECRET", hide_env_values = true)]
        secret: Option<String>,
    },
    /// Key-encryption keys: make one, or re-wrap every data key under the current one.
    Keys {
        /// What to do.
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Sanctions and PEP lists: import a published file as a list's newest version, or show
    /// each list's newest version.
    Lists {
        /// What to do.
        #[command(subcommand)]
        action: ListsAction,
    },
    /// Record keeping: the retention sweeper.
    Retention {
        /// What to do.
        #[command(subcommand)]
        action: RetentionAction,
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

/// Key subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Make a new key-encryption key. With `--out`, write it to that file (created with mode
    /// 0600), or, if the file exists, put it first so that it becomes the current key; without,
    /// print the line.
    Generate {
        /// The master key file to create or extend.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The new key's id starts with this.
        #[arg(long, default_value = "kek")]
        prefix: String,
        /// With `--out`: do nothing when the file exists already (first-run scripts).
        #[arg(long, requires = "out")]
        if_missing: bool,
    },
    /// Re-wrap every data key under the master key file's current key; afterwards the other
    /// keys can be removed from the file.
    Rotate {
        /// Data keys re-wrapped per transaction.
        #[arg(long, default_value_t = 1000)]
        batch: i64,
    },
}

/// List subcommands.
#[derive(Debug, Subcommand)]
pub enum ListsAction {
    /// Import a list file as its list's newest version. The whole file is checked first: a
    /// malformed one is refused with the element or line that is wrong, and nothing changes.
    /// Importing the newest version's file again adds nothing.
    Import {
        /// `ofac_sdn_xml` (`SDN.XML`), `ofac_sdn_csv` (`SDN.CSV`, then optionally `ALT.CSV`,
        /// `ADD.CSV`, `SDN_COMMENTS.CSV`), `un_xml` (the UN consolidated list), `eu_fsf_xml` (the EU
        /// financial sanctions file) or `ftm_json` (FollowTheMoney JSON lines, OpenSanctions).
        #[arg(long, value_parser = parse_list_format)]
        format: kyc_screening::ListFormat,
        /// The list's name (default: `ofac_sdn`, `un_sc`, `eu_fsf` or `opensanctions`).
        #[arg(long)]
        list: Option<String>,
        /// The file(s).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Do not re-screen the customers (kycd picks the list up all the same; run
        /// `kycctl lists rescreen` later).
        #[arg(long)]
        no_rescreen: bool,
        /// The tenants' screening settings (as kycd's).
        #[arg(long, env = "KYC_TENANT_POLICY_FILE")]
        tenant_policy_file: Option<PathBuf>,
    },
    /// Re-screen every customer that is not closed against each list's newest version;
    /// records only new or changed matches, and prints how many were screened and alerted.
    Rescreen {
        /// The tenants' screening settings (as kycd's).
        #[arg(long, env = "KYC_TENANT_POLICY_FILE")]
        tenant_policy_file: Option<PathBuf>,
    },
    /// Each list's newest version, when it was imported and last re-screened against.
    Status,
}

fn parse_list_format(raw: &str) -> Result<kyc_screening::ListFormat, String> {
    raw.parse()
}

/// Retention subcommands.
#[derive(Debug, Subcommand)]
pub enum RetentionAction {
    /// Erase every customer whose tenant's retention period has ended and close abandoned
    /// applications as `dormant`, now; prints what it did (kycd does the same on a schedule).
    Run {
        /// List what would be done; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Most customers acted on.
        #[arg(long, default_value_t = 10_000)]
        limit: usize,
        /// The default retention period (as kycd's).
        #[arg(long, env = "KYC_RETENTION_DEFAULT", default_value = "5y", value_parser = parse_duration)]
        retention_default: Duration,
        /// The default dormancy threshold (as kycd's).
        #[arg(long, env = "KYC_DORMANT_AFTER", default_value = "1y", value_parser = parse_duration)]
        dormant_after: Duration,
        /// Per-tenant overrides (as kycd's).
        #[arg(long, env = "KYC_TENANT_POLICY_FILE")]
        tenant_policy_file: Option<PathBuf>,
    },
}

fn parse_duration(raw: &str) -> Result<Duration, String> {
    kyc_app::settings::parse_duration(raw).map_err(|e| e.to_string())
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

/// The database URL given, else that of the embedded kycd on the data directory.
pub fn database_url(cli: &Cli) -> anyhow::Result<String> {
    if let Some(url) = &cli.database_url {
        return Ok(url.clone());
    }
    let data = kyc_embedded::DataDir::new(&cli.data_dir);
    anyhow::ensure!(
        data.has_postgres(),
        "no database: set --database-url or KYC_DATABASE_URL, or start kycd in embedded mode on \
         the data directory {} (KYC_DATA_DIR)",
        cli.data_dir.display()
    );
    let absolute = kyc_embedded::DataDir::create(&cli.data_dir)?;
    Ok(absolute.database_url("kyc"))
}

/// The JWT secret given, else the embedded kycd's on the data directory.
fn jwt_secret(cli: &Cli, given: Option<&str>) -> anyhow::Result<String> {
    if let Some(secret) = given {
        return Ok(secret.to_owned());
    }
    let path = kyc_embedded::DataDir::new(&cli.data_dir).jwt_secret();
    std::fs::read_to_string(&path)
        .map(|secret| secret.trim().to_owned())
        .with_context(|| {
            format!(
                "no secret: set --secret or KYC_JWT_SECRET, or start kycd in embedded mode on the \
                 data directory ({} not readable)",
                path.display()
            )
        })
}

/// The master key file given, else the embedded kycd's on the data directory.
fn master_key_file(cli: &Cli) -> Option<PathBuf> {
    cli.master_key_file.clone().or_else(|| {
        let embedded = kyc_embedded::DataDir::new(&cli.data_dir).master_key();
        (cli.database_url.is_none() && embedded.is_file()).then_some(embedded)
    })
}

/// The customers' data keys under the master key file.
fn keys(cli: &Cli) -> anyhow::Result<kyc_store::keys::CustomerKeys> {
    let path = master_key_file(cli).ok_or_else(|| {
        anyhow::anyhow!(
            "this command needs the master key: set --master-key-file or KYC_MASTER_KEY_FILE \
             (make one with `kycctl keys generate --out kyc-master.key`)"
        )
    })?;
    let file = kyc_crypto::LocalKeyFile::load(&path)?;
    Ok(kyc_store::keys::CustomerKeys::new(Arc::new(file)))
}

/// A store over the database with the master key.
async fn store(cli: &Cli) -> anyhow::Result<PgCustomerStore> {
    let keys = keys(cli)?;
    Ok(PgCustomerStore::new(pool(cli).await?, keys))
}

async fn pool(cli: &Cli) -> anyhow::Result<sqlx::PgPool> {
    kyc_store::connect(&database_url(cli)?, 4)
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
            let store = store(&cli).await?;
            history::history(&store, guid, cli.json).await?;
        }
        Command::StateAt {
            guid,
            at,
            include_pii,
        } => {
            let store = store(&cli).await?;
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
                    &jwt_secret(&cli, secret.as_deref())?,
                    tenant,
                    scopes,
                    subject,
                    Duration::from_secs(*ttl_seconds)
                )?
            );
        }
        Command::Keys { action } => keys_command(&cli, action).await?,
        Command::Lists { action } => lists::run(&cli, action).await?,
        Command::Retention {
            action:
                RetentionAction::Run {
                    dry_run,
                    limit,
                    retention_default,
                    dormant_after,
                    tenant_policy_file,
                },
        } => {
            let policies = retention::policies(
                *retention_default,
                *dormant_after,
                tenant_policy_file.as_deref(),
            )?;
            let report = retention::run(store(&cli).await?, policies, *limit, *dry_run).await?;
            if cli.json {
                output::json(&report)?;
            } else {
                retention::print(&report);
            }
            if !report.failed.is_empty() {
                return Ok(ExitCode::FAILURE);
            }
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
    let keys = keys(cli)?;
    let pool = pool(cli).await?;
    let options = PgConnectOptions::from_str(&database_url(cli)?)?;
    let total = kyc_log::count_events(&pool).await?;
    let bar = progress_bar(total, "events", cli.json);
    let started = std::time::Instant::now();
    let rebuilt = kyc_store::projector::rebuild::rebuild(&pool, &keys, &options, restart, |n| {
        bar.set_position(n);
    })
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
    let keys = keys(cli)?;
    let pool = pool(cli).await?;
    let total = kyc_log::count_events(&pool).await?;
    let bar = progress_bar(total, "events checked", cli.json);
    let report = verify::verify(&pool, &keys, |n| bar.set_position(n)).await?;
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
    let store = Arc::new(store(cli).await?);
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

async fn keys_command(cli: &Cli, action: &KeysAction) -> anyhow::Result<()> {
    match action {
        KeysAction::Generate {
            out: Some(path),
            if_missing: true,
            ..
        } if path.exists() => {
            eprintln!("{} exists; kept as it is", path.display());
        }
        KeysAction::Generate { out, prefix, .. } => {
            let line = kyc_crypto::generate_key_line(prefix);
            let id = line.split(':').next().unwrap_or_default().to_owned();
            match out {
                None => println!("{line}"),
                Some(path) => {
                    keys::write_key_file(path, &line)?;
                    eprintln!(
                        "key {id} is now the current key of {}; point KYC_MASTER_KEY_FILE at it",
                        path.display()
                    );
                }
            }
        }
        KeysAction::Rotate { batch } => {
            let keys = keys(cli)?;
            let pool = pool(cli).await?;
            let report = keys.rotate(&pool, *batch).await?;
            let remaining = keys::wrapped_by_others(&pool, keys.current_kek_id()).await?;
            if cli.json {
                output::json(&serde_json::json!({
                    "current_kek_id": keys.current_kek_id(),
                    "customer_keys_rewrapped": report.customer_keys,
                    "keyring_entries_rewrapped": report.keyring_entries,
                    "destroyed_meanwhile": report.skipped_destroyed,
                    "still_wrapped_by_other_keys": remaining,
                }))?;
            } else {
                let mut table = output::table(&[
                    "current key",
                    "customer keys",
                    "keyring",
                    "destroyed meanwhile",
                ]);
                table.add_row(vec![
                    keys.current_kek_id().to_owned(),
                    report.customer_keys.to_string(),
                    report.keyring_entries.to_string(),
                    report.skipped_destroyed.to_string(),
                ]);
                println!("{table}");
                if remaining == 0 {
                    println!(
                        "every data key is wrapped by {}; the other keys can be removed from the file",
                        keys.current_kek_id()
                    );
                } else {
                    println!("{remaining} keys are still wrapped by other keys (written during the rotation); run it again");
                }
            }
        }
    }
    Ok(())
}
