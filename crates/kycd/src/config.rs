//! Configuration: flags, each with an environment fallback and a default for a local setup.

use kyc_app::tenant::{TenantPolicies, TenantPolicy};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable, coloured when on a terminal.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// kycd — the KYC/KYB onboarding service.
///
/// Serves the HTTP API, the NATS request/reply service, the relay that publishes every event
/// to JetStream, and the projector that keeps the customer list current. Every flag can also be
/// set through the environment variable shown.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "kycd", version, about, long_about)]
#[allow(clippy::struct_excessive_bools)] // Command-line switches, each independent.
pub struct Config {
    /// PostgreSQL URL (production mode). The database is created if it does not exist (see
    /// --create-database) and migrated at start. Without it kycd runs in embedded mode: its own
    /// PostgreSQL in --data-dir, started and stopped with it, and development secrets kept
    /// there.
    #[arg(long, env = "KYC_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Embedded mode's directory: the PostgreSQL cluster and its socket, NATS's store, the
    /// development secrets and token, the children's logs.
    #[arg(long, env = "KYC_DATA_DIR", default_value = kyc_embedded::DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,

    /// Embedded mode: the directory of PostgreSQL's `postgres` and `initdb`; by default
    /// `pg_config --bindir`, then the usual installation places.
    #[arg(long, env = "KYC_PG_BIN")]
    pub pg_bin: Option<PathBuf>,

    /// Create the database named in --database-url when it does not exist.
    #[arg(long, env = "KYC_CREATE_DATABASE", default_value_t = true, action = clap::ArgAction::Set)]
    pub create_database: bool,

    /// Most PostgreSQL connections the service opens.
    #[arg(long, env = "KYC_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,

    /// NATS URL. kycd starts without NATS reachable and connects when it appears; events wait
    /// in the log until then. Without it: in embedded mode kycd runs `nats-server -js` (see
    /// --nats-bin) when one is installed; otherwise it runs without the bus.
    #[arg(long, env = "KYC_NATS_URL")]
    pub nats_url: Option<String>,

    /// Embedded mode: the `nats-server` binary; by default the one on the PATH.
    #[arg(long, env = "KYC_NATS_BIN")]
    pub nats_bin: Option<PathBuf>,

    /// JetStream stream the relay publishes to.
    #[arg(long, env = "KYC_NATS_STREAM", default_value = "KYC_EVENTS")]
    pub nats_stream: String,

    /// First tokens of every NATS subject (events and request/reply).
    #[arg(long, env = "KYC_NATS_SUBJECT_PREFIX", default_value = "kyc.v1")]
    pub nats_subject_prefix: String,

    /// Run the relay (one instance at a time publishes; others stand by).
    #[arg(long, env = "KYC_RELAY", default_value_t = true, action = clap::ArgAction::Set)]
    pub relay: bool,

    /// Run the NATS request/reply service.
    #[arg(long, env = "KYC_NATS_SERVICE", default_value_t = true, action = clap::ArgAction::Set)]
    pub nats_service: bool,

    /// Address the HTTP API listens on.
    #[arg(long, env = "KYC_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// HS256 secret that signs bearer tokens (at least 16 bytes). Use this or
    /// --jwt-public-key.
    #[arg(long, env = "KYC_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// PEM file with the RS256 public key that verifies bearer tokens.
    #[arg(long, env = "KYC_JWT_PUBLIC_KEY")]
    pub jwt_public_key: Option<PathBuf>,

    /// The master key file: `key_id:base64` lines of 256-bit key-encryption keys, the first
    /// current. Required: every customer's personal data is sealed under a data key wrapped
    /// by it. Make one with `kycctl keys generate --out kyc-master.key`.
    #[arg(long, env = "KYC_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,

    /// UNSAFE, for kyc-bench only: personal data of new customers is stored in clear (no data
    /// keys are made), so that the benchmark can measure what sealing costs. Hidden, without
    /// an environment variable, and logged as an error at start: never set it where real
    /// customers' data is stored. The master key file is still required (blind indexes).
    #[arg(long, hide = true)]
    pub unsafe_store_personal_data_in_clear_for_benchmarks: bool,

    /// Log format.
    #[arg(long, env = "KYC_LOG_FORMAT", value_enum, default_value = "pretty")]
    pub log_format: LogFormat,

    /// Log filter, e.g. `info` or `kyc_http=debug,info`.
    #[arg(long, env = "KYC_LOG", default_value = "info")]
    pub log: String,

    /// How long a stored idempotency answer is replayed to a retry with the same key; after
    /// it the key is fresh again, and a periodic task purges the record.
    #[arg(long, env = "KYC_IDEMPOTENCY_WINDOW", default_value = "24h", value_parser = parse_duration)]
    pub idempotency_window: Duration,

    /// How long in-flight requests may take to finish after SIGTERM/SIGINT.
    #[arg(long, env = "KYC_SHUTDOWN_GRACE", default_value = "20s", value_parser = parse_duration)]
    pub shutdown_grace: Duration,

    /// How long a customer's records are kept after its relationship ends (close or final
    /// rejection) before it may be erased; a tenant may override it in --tenant-policy-file.
    #[arg(long, env = "KYC_RETENTION_DEFAULT", default_value = "5y", value_parser = parse_duration)]
    pub retention_default: Duration,

    /// How long an application may see no command before it counts as abandoned (dormant);
    /// a tenant may override it in --tenant-policy-file.
    #[arg(long, env = "KYC_DORMANT_AFTER", default_value = "1y", value_parser = parse_duration)]
    pub dormant_after: Duration,

    /// How often the retention sweeper runs: it erases customers whose retention period has
    /// ended and closes abandoned applications as `dormant` (one instance at a time).
    #[arg(long, env = "KYC_RETENTION_SWEEP_INTERVAL", default_value = "1h", value_parser = parse_duration)]
    pub retention_sweep_interval: Duration,

    /// How often the due-diligence scheduler runs: it expires documents past their date, opens
    /// periodic reviews that fell due and lapses verifications whose grace period ran out (one
    /// instance at a time; the periods are in the risk policy).
    #[arg(long, env = "KYC_DUE_DILIGENCE_INTERVAL", default_value = "1h", value_parser = parse_duration)]
    pub due_diligence_interval: Duration,

    /// How often kycd looks for a newer version of a sanctions or PEP list
    /// (`kycctl lists import`) and, when there is one, screens against it from then on.
    #[arg(long, env = "KYC_LISTS_REFRESH_INTERVAL", default_value = "30s", value_parser = parse_duration)]
    pub lists_refresh_interval: Duration,

    /// JSON file of per-tenant overrides:
    /// `{"tenants": {"<bank_guid>": {"retention": "7y", "dormant_after": "180d"}}}`.
    #[arg(long, env = "KYC_TENANT_POLICY_FILE")]
    pub tenant_policy_file: Option<PathBuf>,
}

impl Config {
    /// Every tenant's policy: the defaults given, with the overrides of the policy file.
    pub fn tenant_policies(&self) -> anyhow::Result<TenantPolicies> {
        use anyhow::Context as _;
        let defaults = TenantPolicy::new(self.retention_default, self.dormant_after);
        let Some(path) = &self.tenant_policy_file else {
            return Ok(TenantPolicies::uniform(defaults));
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading KYC_TENANT_POLICY_FILE {}", path.display()))?;
        TenantPolicies::from_json(defaults, &text)
            .with_context(|| format!("KYC_TENANT_POLICY_FILE {}", path.display()))
    }
}

/// Parses a duration setting: see [`kyc_app::settings::parse_duration`].
fn parse_duration(raw: &str) -> Result<Duration, String> {
    kyc_app::settings::parse_duration(raw).map_err(|e| e.to_string())
}

/// The URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_duration("5h"), Ok(Duration::from_secs(18_000)));
        assert!(parse_duration("5w").is_err());
    }

    #[test]
    fn the_idempotency_window_defaults_to_a_day_and_reads_the_duration_grammar() {
        use clap::Parser;
        let config = Config::try_parse_from(["kycd"]).unwrap();
        assert_eq!(config.idempotency_window, Duration::from_secs(86_400));
        let config = Config::try_parse_from(["kycd", "--idempotency-window", "90m"]).unwrap();
        assert_eq!(config.idempotency_window, Duration::from_secs(5_400));
        assert!(Config::try_parse_from(["kycd", "--idempotency-window", "soon"]).is_err());
    }

    #[test]
    fn the_retention_sweep_runs_hourly_by_default() {
        use clap::Parser;
        let config = Config::try_parse_from(["kycd"]).unwrap();
        assert_eq!(config.retention_sweep_interval, Duration::from_secs(3_600));
        let config = Config::try_parse_from(["kycd", "--retention-sweep-interval", "10m"]).unwrap();
        assert_eq!(config.retention_sweep_interval, Duration::from_secs(600));
    }

    #[test]
    fn clear_storage_is_off_unless_its_hidden_flag_is_given() {
        use clap::{CommandFactory as _, Parser as _};
        let config = Config::try_parse_from(["kycd"]).unwrap();
        assert!(!config.unsafe_store_personal_data_in_clear_for_benchmarks);
        let config = Config::try_parse_from([
            "kycd",
            "--unsafe-store-personal-data-in-clear-for-benchmarks",
        ])
        .unwrap();
        assert!(config.unsafe_store_personal_data_in_clear_for_benchmarks);
        let help = Config::command().render_long_help().to_string();
        assert!(!help.contains("in-clear"), "{help}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://kyc:s3cret@db:5432/kyc"),
            "postgres://kyc:***@db:5432/kyc"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/kyc"),
            "postgres://postgres@127.0.0.1/kyc"
        );
        assert_eq!(redact("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
    }
}
