//! Embedded mode's wiring: with no database URL, kycd starts its own PostgreSQL (and NATS, when
//! installed) in the data directory and makes the development secrets it would otherwise
//! require, then prints where the API is and a token to call it with.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use kyc_embedded::{
    ensure_secret_file, locate_nats_server, DataDir, EmbeddedNats, EmbeddedPostgres,
    PostgresBinaries,
};

use crate::Config;

/// The development tenant of the printed token (the README's examples use it).
pub const DEV_TENANT: &str = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7d";

/// How long the printed development token is valid.
pub const DEV_TOKEN_TTL: Duration = Duration::from_secs(30 * 86_400);

/// The children embedded mode started, stopped with kycd.
#[derive(Debug)]
pub struct Embedded {
    data: DataDir,
    postgres: EmbeddedPostgres,
    nats: Option<EmbeddedNats>,
}

impl Embedded {
    /// Prepares `config` for embedded mode: the data directory, its secrets where none are
    /// configured, PostgreSQL, and NATS when no URL is given and a server is installed. Fills
    /// in the database and NATS URLs.
    pub async fn start(config: &mut Config) -> anyhow::Result<Self> {
        let data = DataDir::create(&config.data_dir)?;
        if config.jwt_secret.is_none() && config.jwt_public_key.is_none() {
            let secret = ensure_secret_file(&data.jwt_secret(), || {
                hex::encode(kyc_crypto::DataKey::generate().expose())
            })?;
            config.jwt_secret = Some(secret.trim().to_owned());
        }
        if config.master_key_file.is_none() {
            ensure_secret_file(&data.master_key(), || {
                format!("{}\n", kyc_crypto::generate_key_line("dev"))
            })?;
            config.master_key_file = Some(data.master_key());
        }
        let binaries = PostgresBinaries::locate(config.pg_bin.as_deref())?;
        let postgres = {
            let data = data.clone();
            tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&data, &binaries))
                .await
                .context("starting the embedded PostgreSQL")??
        };
        config.database_url = Some(data.database_url("kyc"));
        let binary =
            locate_nats_server(config.nats_bin.as_deref()).filter(|_| config.nats_url.is_none());
        let nats = if let Some(binary) = binary {
            let data = data.clone();
            let nats = tokio::task::spawn_blocking(move || EmbeddedNats::start(&data, &binary))
                .await
                .context("starting the embedded NATS server")??;
            config.nats_url = Some(nats.url().to_owned());
            Some(nats)
        } else {
            None
        };
        Ok(Self {
            data,
            postgres,
            nats,
        })
    }

    /// Prints where the API listens and a development token (also written to the data
    /// directory's `dev-token`, mode 0600), on standard output: the token is the operator's to
    /// use, never logged.
    pub fn announce(&self, config: &Config, address: SocketAddr) -> anyhow::Result<()> {
        let Some(secret) = &config.jwt_secret else {
            return Ok(());
        };
        let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default();
        let claims = kyc_http::Claims {
            sub: "developer".to_owned(),
            bank_guid: DEV_TENANT.to_owned(),
            scope: kyc_app::Scope::ALL
                .iter()
                .map(|scope| scope.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            exp: now + DEV_TOKEN_TTL.as_secs(),
        };
        let token = kyc_http::mint_hs256(secret.as_bytes(), &claims)
            .context("signing the development token")?;
        let path = self.data.dev_token();
        // A token from an earlier start is replaced: it may have expired.
        let _ = std::fs::remove_file(&path);
        ensure_secret_file(&path, || token.clone())?;
        let bus = match (&self.nats, &config.nats_url) {
            (Some(nats), _) => format!("embedded NATS at {}", nats.url()),
            (None, Some(url)) => format!("NATS at {}", crate::redact(url)),
            (None, None) => "no NATS (install nats-server or set KYC_NATS_URL)".to_owned(),
        };
        println!(
            "\nkycd is running in embedded mode; everything it keeps is in {data}\n\
             \n  API        http://{address}/api/customers\
             \n  API docs   http://{address}/docs (OpenAPI: /openapi.json)\
             \n  Health     http://{address}/healthz\
             \n  Events     {bus}\
             \n\nA development token (tenant {DEV_TENANT}, every scope, valid 30 days; also in {token_file}):\n\
             \n  export TOKEN={token}\n\
             \nkycctl finds this data directory too (KYC_DATA_DIR), e.g. `cargo run -p kycctl -- lists status`.\n\
             Production: set KYC_DATABASE_URL, KYC_JWT_SECRET (or KYC_JWT_PUBLIC_KEY) and KYC_MASTER_KEY_FILE.\n",
            data = self.data.root().display(),
            token_file = path.display(),
        );
        Ok(())
    }

    /// Stops NATS, then PostgreSQL (a fast shutdown: the last checkpoint is written).
    pub async fn stop(self) {
        let Self { postgres, nats, .. } = self;
        let stopped = tokio::task::spawn_blocking(move || {
            if let Some(nats) = nats {
                nats.stop(Duration::from_secs(10));
            }
            postgres.stop(Duration::from_secs(30));
        })
        .await;
        if let Err(error) = stopped {
            tracing::warn!(%error, "stopping the embedded servers");
        }
    }
}
