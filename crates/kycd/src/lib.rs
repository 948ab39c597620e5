//! kycd: reads [`Config`], then wires PostgreSQL, NATS and HTTP together and runs until told
//! to stop. Everything it starts lives in the library crates; this crate only connects them.

mod config;
mod embedded;

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use kyc_app::screening::{ListSnapshot, ScreeningLists};
use kyc_app::tenant::TenantPolicies;
use kyc_app::{CommandService, QueryService, RetryPolicy};
use kyc_http::{HttpState, JwtVerifier, Probe};
use kyc_nats::{NatsApi, Relay, RelayConfig};
use kyc_store::keys::CustomerKeys;
use kyc_store::PgCustomerStore;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

pub use config::{redact, Config, LogFormat};
pub use embedded::{Embedded, DEV_TENANT};

/// Installs the log subscriber the configuration asks for.
pub fn init_logging(config: &Config) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .with_context(|| format!("--log {:?} is not a valid filter", config.log))?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let installed = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
    installed.map_err(|e| anyhow::anyhow!("installing the log subscriber: {e}"))
}

fn verifier(config: &Config) -> anyhow::Result<JwtVerifier> {
    match (&config.jwt_secret, &config.jwt_public_key) {
        (Some(_), Some(_)) => bail!("give either KYC_JWT_SECRET or KYC_JWT_PUBLIC_KEY, not both"),
        (Some(secret), None) if secret.len() < 16 => {
            bail!("KYC_JWT_SECRET must be at least 16 bytes long")
        }
        (Some(secret), None) => Ok(JwtVerifier::hs256(secret.as_bytes())),
        (None, Some(path)) => {
            let pem = std::fs::read(path)
                .with_context(|| format!("reading the JWT public key {}", path.display()))?;
            JwtVerifier::rs256_pem(&pem).map_err(|e| anyhow::anyhow!("KYC_JWT_PUBLIC_KEY: {e}"))
        }
        (None, None) => bail!(
            "no token verification key: set KYC_JWT_SECRET (HS256) or KYC_JWT_PUBLIC_KEY (RS256 PEM)"
        ),
    }
}

/// The customers' data keys under the configured master key file.
fn master_keys(config: &Config) -> anyhow::Result<CustomerKeys> {
    let Some(path) = &config.master_key_file else {
        bail!(
            "no master key: set KYC_MASTER_KEY_FILE to a key file; make one with \
             `kycctl keys generate --out kyc-master.key` (keep it apart from database backups)"
        );
    };
    let file = Arc::new(kyc_crypto::LocalKeyFile::load(path)?);
    if config.unsafe_store_personal_data_in_clear_for_benchmarks {
        tracing::error!(
            "--unsafe-store-personal-data-in-clear-for-benchmarks is set: personal data of new \
             customers is stored UNENCRYPTED; this mode exists for kyc-bench's A/B measurement \
             only and must never serve real customers"
        );
        return Ok(CustomerKeys::plaintext_for_benchmarks(file));
    }
    Ok(CustomerKeys::new(file))
}

/// Creates the database named in `url` if it does not exist yet.
async fn ensure_database(url: &str) -> anyhow::Result<()> {
    let options =
        PgConnectOptions::from_str(url).context("KYC_DATABASE_URL is not a PostgreSQL URL")?;
    let Some(name) = options.get_database().map(ToOwned::to_owned) else {
        return Ok(());
    };
    let mut maintenance = options.database("postgres").connect().await.with_context(|| {
        format!(
            "cannot reach PostgreSQL at {}; is it running? (pg_ctlcluster --skip-systemctl-redirect \
             $(ls /etc/postgresql) main start)",
            redact(url)
        )
    })?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut maintenance)
            .await?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        // Two instances starting at once may both try; the loser's error is harmless.
        if let Err(error) = sqlx::query(&format!("CREATE DATABASE {quoted}"))
            .execute(&mut maintenance)
            .await
        {
            tracing::warn!(%error, database = %name, "CREATE DATABASE failed; another instance may have created it");
        } else {
            tracing::info!(database = %name, "created the database");
        }
    }
    maintenance.close().await?;
    Ok(())
}

/// The NATS service's handlers. `auth` is the HTTP API's verifier: a token means the same on
/// both protocols.
fn nats_api(
    store: &Arc<PgCustomerStore>,
    policies: &TenantPolicies,
    lists: &ScreeningLists,
    auth: JwtVerifier,
) -> Arc<NatsApi<PgCustomerStore>> {
    Arc::new(NatsApi::new(
        CommandService::new(Arc::clone(store), RetryPolicy::default())
            .with_tenant_policies(policies.clone())
            .with_screening_lists(lists.clone()),
        QueryService::new(Arc::clone(store))
            .with_tenant_policies(policies.clone())
            .with_screening_lists(lists.clone()),
        auth,
    ))
}

/// The lists as imported, kept current by a task of `tasks` (which re-screens, through
/// `store`, the customers this process may have screened against the old ones).
async fn screening_lists(
    tasks: &mut tokio::task::JoinSet<()>,
    pool: &sqlx::PgPool,
    store: &Arc<PgCustomerStore>,
    policies: &TenantPolicies,
    config: &Config,
    shutdown: &CancellationToken,
) -> anyhow::Result<ScreeningLists> {
    let lists = ScreeningLists::new(load_lists(pool).await?);
    let loaded = lists.current();
    if loaded.versions().is_empty() {
        tracing::warn!(
            "no sanctions or PEP list imported: customers are not screened (kycctl lists import)"
        );
    } else {
        tracing::info!(
            lists = loaded.versions().len(),
            entries = loaded.entry_count(),
            "screening lists loaded"
        );
    }
    let service = CommandService::new(Arc::clone(store), RetryPolicy::default())
        .with_tenant_policies(policies.clone())
        .with_screening_lists(lists.clone());
    tasks.spawn(refresh_lists(
        pool.clone(),
        service,
        Arc::clone(store),
        config.lists_refresh_interval,
        shutdown.clone(),
    ));
    Ok(lists)
}

/// The newest version of every imported list, indexed.
async fn load_lists(pool: &sqlx::PgPool) -> anyhow::Result<ListSnapshot> {
    let lists = kyc_store::lists::load_newest(pool)
        .await
        .context("loading the screening lists")?;
    Ok(ListSnapshot::build(lists))
}

/// How far before a new list version's import the follow-up re-screening looks: a command
/// decided against the old lists shortly before the import committed may have committed after
/// the import's re-screening read its customer.
pub const RESCREEN_FOLLOW_UP_MARGIN: Duration = Duration::from_secs(600);

/// Every `interval` until `shutdown`, checks whether a list has a newer version than the one
/// screened against (`kycctl lists import`) and, if so, indexes the new versions and screens
/// against them from then on. The import re-screens the existing customers; this process then
/// re-screens those it (or another instance) screened against the old lists since the import
/// began (see [`kyc_app::screening::rescreen_screened_since`]).
async fn refresh_lists(
    pool: sqlx::PgPool,
    service: CommandService<PgCustomerStore>,
    store: Arc<PgCustomerStore>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let lists = service.screening_lists().clone();
    let mut ticks = tokio::time::interval(interval.max(Duration::from_millis(100)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let newest = match kyc_store::lists::latest_versions(&pool).await {
            Ok(newest) => newest,
            Err(error) => {
                tracing::warn!(%error, "screening lists: cannot read the list versions");
                continue;
            }
        };
        let current = lists.current();
        let screened: Vec<i64> = current.versions().iter().map(|v| v.version).collect();
        let available: Vec<i64> = newest.iter().map(|v| v.version).collect();
        if screened == available {
            continue;
        }
        let since = newest
            .iter()
            .filter(|version| !screened.contains(&version.version))
            .map(|version| version.imported_at)
            .min()
            .and_then(|imported| {
                chrono::Duration::from_std(RESCREEN_FOLLOW_UP_MARGIN)
                    .ok()
                    .and_then(|margin| imported.checked_sub_signed(margin))
            });
        match load_lists(&pool).await {
            Ok(snapshot) => {
                tracing::info!(
                    lists = snapshot.versions().len(),
                    entries = snapshot.entry_count(),
                    "screening against new list versions"
                );
                lists.replace(snapshot);
            }
            Err(error) => {
                tracing::warn!(%error, "screening lists: reload failed");
                continue;
            }
        }
        if let Some(since) = since {
            follow_up_rescreen(&service, store.as_ref(), since).await;
        }
    }
}

/// Re-screens the open customers screened since `since` against the lists just loaded; logs
/// counts only.
async fn follow_up_rescreen(
    service: &CommandService<PgCustomerStore>,
    store: &PgCustomerStore,
    since: chrono::DateTime<chrono::Utc>,
) {
    let started = std::time::Instant::now();
    match kyc_app::screening::rescreen_screened_since(
        service,
        store,
        chrono::Utc::now(),
        since,
        |_| {},
    )
    .await
    {
        Ok(report) => tracing::info!(
            screened = report.screened,
            recorded = report.recorded,
            alerted = report.alerted,
            skipped = report.skipped,
            failed = report.failed,
            seconds = started.elapsed().as_secs_f64(),
            "re-screened the customers screened against the old lists since the import"
        ),
        Err(error) => {
            tracing::warn!(%error, "follow-up re-screening failed; `kycctl lists rescreen` covers it");
        }
    }
}

/// Starts the relay and the NATS service (answering through `api`) as background tasks, beside
/// `tasks` (the projector).
fn spawn_background(
    mut tasks: tokio::task::JoinSet<()>,
    config: &Config,
    pool: &sqlx::PgPool,
    nats: &async_nats::Client,
    api: Arc<NatsApi<PgCustomerStore>>,
    shutdown: &CancellationToken,
) -> tokio::task::JoinSet<()> {
    if config.relay {
        let relay_config = RelayConfig {
            stream: config.nats_stream.clone(),
            subject_prefix: config.nats_subject_prefix.clone(),
            ..RelayConfig::default()
        };
        let relay = Relay::new(
            pool.clone(),
            async_nats::jetstream::new(nats.clone()),
            relay_config,
        );
        tasks.spawn(relay.run(shutdown.clone()));
    }
    if config.nats_service {
        let (client, prefix, stop) = (
            nats.clone(),
            config.nats_subject_prefix.clone(),
            shutdown.clone(),
        );
        tasks.spawn(async move {
            // The log tailers' back-off: one retry policy for every background connection.
            let mut backoff = kyc_log::Backoff::default();
            while !stop.is_cancelled() {
                match kyc_nats::serve(client.clone(), Arc::clone(&api), &prefix, stop.clone()).await
                {
                    Ok(()) => break,
                    Err(error) => {
                        tracing::warn!(%error, "NATS service not started; retrying");
                        tokio::select! {
                            () = stop.cancelled() => break,
                            () = tokio::time::sleep(backoff.next_pause()) => {}
                        }
                    }
                }
            }
        });
    }
    tasks
}

/// How often expired idempotency records are purged: a quarter of the window, at most ten
/// minutes (at least a second). Expiry itself does not wait for it: a claim treats an expired
/// record as absent.
pub fn purge_interval(window: Duration) -> Duration {
    (window / 4).clamp(Duration::from_secs(1), Duration::from_secs(600))
}

/// Purges expired idempotency records every [`purge_interval`] until `shutdown`. A failed run
/// is logged and retried at the next tick.
async fn purge_idempotency_records(
    pool: sqlx::PgPool,
    window: Duration,
    shutdown: CancellationToken,
) {
    let mut ticks = tokio::time::interval(purge_interval(window));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        match kyc_store::purge_expired_idempotency_records(
            &pool,
            chrono::Utc::now(),
            window,
            kyc_store::PURGE_BATCH,
        )
        .await
        {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired idempotency records purged"),
            Err(error) => tracing::warn!(%error, "purging expired idempotency records"),
        }
    }
}

/// Most actions one retention sweep takes; the rest wait for the next tick.
pub const SWEEP_LIMIT: usize = 10_000;

/// Runs the retention sweeper every `interval` until `shutdown`, with the system clock. Only
/// the instance holding the `retention-sweeper` advisory lock sweeps (the others skip the
/// tick); were two to sweep at once anyway, the domain would refuse the second's commands.
/// Logs counts only, never personal data or ids.
async fn sweep_retention(
    pool: sqlx::PgPool,
    sweeper: kyc_app::retention::Sweeper<PgCustomerStore, PgCustomerStore>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut ticks = tokio::time::interval(interval.max(Duration::from_secs(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let leadership = match kyc_log::Leadership::try_acquire(&pool, "retention-sweeper").await {
            Ok(Some(leadership)) => leadership,
            Ok(None) => {
                tracing::debug!("another instance is sweeping");
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, "retention sweep: cannot take the sweeper lock");
                continue;
            }
        };
        match sweeper.sweep(chrono::Utc::now(), SWEEP_LIMIT, false).await {
            Ok(report) => {
                let acted = report.erased.len() + report.closed_dormant.len();
                if acted > 0 || !report.failed.is_empty() || report.refused > 0 {
                    tracing::info!(
                        erased = report.erased.len(),
                        closed_dormant = report.closed_dormant.len(),
                        skipped_legal_hold = report.skipped_legal_hold,
                        refused = report.refused,
                        failed = report.failed.len(),
                        "retention sweep"
                    );
                }
            }
            Err(error) => {
                tracing::warn!(%error, "retention sweep failed; retrying at the next tick");
            }
        }
        drop(leadership);
    }
}

/// Runs the due-diligence scheduler every `interval` until `shutdown`, with the system clock,
/// under the `due-diligence` advisory lock (one instance at a time; a second run at once would
/// append nothing, as the domain never emits twice for one due date). Logs counts only.
async fn check_due_diligence(
    pool: sqlx::PgPool,
    scheduler: kyc_app::due_diligence::Scheduler<PgCustomerStore, PgCustomerStore>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut ticks = tokio::time::interval(interval.max(Duration::from_secs(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let leadership = match kyc_log::Leadership::try_acquire(&pool, "due-diligence").await {
            Ok(Some(leadership)) => leadership,
            Ok(None) => continue,
            Err(error) => {
                tracing::warn!(%error, "due diligence: cannot take the scheduler lock");
                continue;
            }
        };
        match scheduler.run(chrono::Utc::now(), SWEEP_LIMIT).await {
            Ok(report) if !report.changed.is_empty() || report.failed > 0 => {
                tracing::info!(
                    checked = report.checked,
                    changed = report.changed.len(),
                    refused = report.refused,
                    failed = report.failed,
                    "due diligence"
                );
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "due diligence failed; retrying at the next tick");
            }
        }
        drop(leadership);
    }
}

/// The timed work: the retention sweeper and the due-diligence scheduler.
fn spawn_schedulers(
    tasks: &mut tokio::task::JoinSet<()>,
    pool: &sqlx::PgPool,
    store: &Arc<PgCustomerStore>,
    policies: &kyc_app::tenant::TenantPolicies,
    config: &Config,
    shutdown: &CancellationToken,
) {
    let service = || {
        CommandService::new(Arc::clone(store), RetryPolicy::default())
            .with_tenant_policies(policies.clone())
    };
    tasks.spawn(sweep_retention(
        pool.clone(),
        kyc_app::retention::Sweeper::new(service(), Arc::clone(store)),
        config.retention_sweep_interval,
        shutdown.clone(),
    ));
    tasks.spawn(check_due_diligence(
        pool.clone(),
        kyc_app::due_diligence::Scheduler::new(service(), Arc::clone(store)),
        config.due_diligence_interval,
        shutdown.clone(),
    ));
}

/// Runs the service until `shutdown` is cancelled. `bound` receives the HTTP address once the
/// listener is open (tests bind port 0). Without a database URL, in embedded mode: the
/// PostgreSQL (and NATS) it starts stop with it.
pub async fn run(
    mut config: Config,
    shutdown: CancellationToken,
    bound: Option<oneshot::Sender<SocketAddr>>,
) -> anyhow::Result<()> {
    if config.database_url.is_some() {
        if config.nats_url.is_none() {
            tracing::warn!("no KYC_NATS_URL: running without the NATS bus; events wait in the log until one is configured");
        }
        return serve(config, shutdown, bound).await;
    }
    let embedded = Embedded::start(&mut config).await?;
    if config.nats_url.is_none() {
        tracing::warn!("no nats-server installed (KYC_NATS_BIN, PATH) and no KYC_NATS_URL: running without the NATS bus; events wait in the log until one is configured");
    }
    let (listening, address) = oneshot::channel();
    let served = {
        let config = config.clone();
        tokio::spawn(serve(config, shutdown.clone(), Some(listening)))
    };
    if let Ok(address) = address.await {
        if let Err(error) = embedded.announce(&config, address) {
            tracing::warn!("{error:#}");
        }
        if let Some(bound) = bound {
            let _ = bound.send(address);
        }
    }
    let outcome = served
        .await
        .unwrap_or_else(|error| Err(anyhow::anyhow!("kycd stopped abnormally: {error}")));
    embedded.stop().await;
    outcome
}

/// The service over the configured database and bus (filled in by embedded mode when it runs
/// them).
async fn serve(
    config: Config,
    shutdown: CancellationToken,
    bound: Option<oneshot::Sender<SocketAddr>>,
) -> anyhow::Result<()> {
    let database_url = config
        .database_url
        .clone()
        .context("no database URL: KYC_DATABASE_URL, or embedded mode")?;
    let auth = verifier(&config)?;
    // The key file is checked before anything touches the database: a missing or malformed
    // key stops the service with nothing written.
    let keys = master_keys(&config)?;
    let policies = config.tenant_policies()?;
    if config.create_database {
        ensure_database(&database_url).await?;
    }
    let pool = kyc_store::connect(&database_url, config.db_max_connections)
        .await
        .with_context(|| format!("cannot reach PostgreSQL at {}", redact(&database_url)))?;
    kyc_store::migrate(&pool)
        .await
        .context("applying database migrations")?;
    keys.check(&pool)
        .await
        .context("checking the master key against the stored data keys")?;
    tracing::info!(database = %redact(&database_url), kek_id = keys.current_kek_id(), "database ready");

    let nats = connect_nats(&config).await?;

    // The projector runs in this process, so lists can wait for their callers' writes on its
    // progress instead of polling its checkpoint.
    let projector = kyc_store::projector::tailer(pool.clone(), keys.clone());
    let store = Arc::new(
        PgCustomerStore::new(pool.clone(), keys)
            .with_projection(projector.progress())
            .with_idempotency_window(config.idempotency_window),
    );
    store
        .prepare()
        .await
        .map_err(|e| anyhow::anyhow!("reading the blind-index key: {e}"))?;
    let mut projecting = tokio::task::JoinSet::new();
    projecting.spawn(projector.run(shutdown.clone()));
    projecting.spawn(purge_idempotency_records(
        pool.clone(),
        config.idempotency_window,
        shutdown.clone(),
    ));
    spawn_schedulers(
        &mut projecting,
        &pool,
        &store,
        &policies,
        &config,
        &shutdown,
    );
    let lists = screening_lists(
        &mut projecting,
        &pool,
        &store,
        &policies,
        &config,
        &shutdown,
    )
    .await?;
    let api = nats_api(&store, &policies, &lists, auth.clone());
    let tasks = match &nats {
        Some(nats) => spawn_background(projecting, &config, &pool, nats, api, &shutdown),
        None => projecting,
    };
    let mut state = HttpState::for_store(Arc::clone(&store), auth)
        .context("registering metrics")?
        .with_tenant_policies(policies)
        .with_screening_lists(lists);
    if let Some(nats_probe) = nats.clone() {
        state = state.with_probe(Probe::new("nats", move || {
            let state = nats_probe.connection_state();
            async move {
                match state {
                    async_nats::connection::State::Connected => Ok(()),
                    other => Err(format!("NATS is {other}")),
                }
            }
        }));
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, "HTTP API listening");
    if let Some(bound) = bound {
        let _ = bound.send(address);
    }
    axum::serve(listener, kyc_http::router(state))
        .with_graceful_shutdown(shutdown.clone().cancelled_owned())
        .await
        .context("HTTP server")?;

    // The HTTP server has drained; give the background tasks the grace period to stop.
    shutdown.cancel();
    stop(tasks, nats.as_ref(), &pool, config.shutdown_grace).await;
    Ok(())
}

/// The NATS connection, when a URL is configured (it retries until the server is up).
async fn connect_nats(config: &Config) -> anyhow::Result<Option<async_nats::Client>> {
    let Some(url) = &config.nats_url else {
        return Ok(None);
    };
    let client = async_nats::ConnectOptions::new()
        .name("kycd")
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(2))
        .connect(url.as_str())
        .await
        .with_context(|| format!("NATS URL {}", redact(url)))?;
    Ok(Some(client))
}

/// Waits up to `grace` for the background `tasks` to stop, then drains NATS and closes the
/// pool.
async fn stop(
    mut tasks: tokio::task::JoinSet<()>,
    nats: Option<&async_nats::Client>,
    pool: &sqlx::PgPool,
    grace: Duration,
) {
    let drained =
        tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!("background tasks did not stop within the grace period");
    }
    if let Some(Err(error)) = match nats {
        Some(nats) => Some(nats.drain().await),
        None => None,
    } {
        tracing::debug!(%error, "draining NATS");
    }
    pool.close().await;
    tracing::info!("stopped");
}

/// Cancels `token` on SIGINT or SIGTERM.
pub async fn cancel_on_signal(token: CancellationToken) {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
    token.cancel();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_runs_four_times_a_window_at_most_every_ten_minutes() {
        assert_eq!(
            purge_interval(Duration::from_secs(86_400)),
            Duration::from_secs(600)
        );
        assert_eq!(
            purge_interval(Duration::from_secs(1_200)),
            Duration::from_secs(300)
        );
        assert_eq!(purge_interval(Duration::ZERO), Duration::from_secs(1));
    }
}
