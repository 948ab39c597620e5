//! Test helpers: every test gets its own freshly created and migrated PostgreSQL database.
//!
//! Tests never share state and never skip: if PostgreSQL is unreachable, [`fresh_database`]
//! panics with instructions, so a missing database is a red test run, not a green one.
//!
//! The server is [`servers::admin_url`]: `KYC_TEST_DATABASE_URL`, else [`DEFAULT_ADMIN_URL`]
//! when it answers, else a private server this process starts; its user must be allowed to
//! create databases. Databases are named `kyc_test_<pid>_<random>`; those
//! left behind by test processes that have exited are dropped on the next run (Linux only).
//!
//! Adapters that only need *a* store (the HTTP API's tests, the application layer's) use
//! [`memory::MemoryStore`] instead: the same port contract, without a server. That contract is
//! one suite, [`contract`], run against both stores. [`locks`] proves from PostgreSQL that a
//! task waits for a lock; [`fixtures`] holds the customers and request bodies tests share.

pub mod contract;
pub mod fixtures;
pub mod keys;
pub mod locks;
pub mod memory;
pub mod servers;
pub mod venv;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

/// Server used when `KYC_TEST_DATABASE_URL` is not set.
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh, migrated database owned by one test.
#[derive(Debug, Clone)]
pub struct TestDatabase {
    /// Pool connected to the new database (up to 32 connections).
    pub pool: PgPool,
    /// URL of the new database.
    pub url: String,
    /// Name of the new database.
    pub name: String,
}

/// Creates a uniquely named database, runs `kyc_store::migrate` on it and returns it.
///
/// # Panics
///
/// If PostgreSQL cannot be reached or the database cannot be created or migrated: tests must
/// fail, never silently skip.
pub async fn fresh_database() -> TestDatabase {
    let admin_url = servers::admin_url().await;
    let mut admin = match PgConnection::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(err) => panic!(
            "cannot connect to PostgreSQL at {admin_url}: {err}\n\
             Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n\
             or point KYC_TEST_DATABASE_URL at a server whose user may CREATE DATABASE."
        ),
    };
    drop_abandoned_databases(&mut admin).await;

    let name = format!(
        "kyc_test_{}_{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    if let Err(err) = sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
    {
        panic!("cannot create test database {name}: {err}");
    }
    // Best effort: the admin connection is no longer needed.
    let _ = admin.close().await;

    let options = match admin_url.parse::<PgConnectOptions>() {
        Ok(options) => options.database(&name),
        Err(err) => panic!("KYC_TEST_DATABASE_URL {admin_url} is not a PostgreSQL URL: {err}"),
    };
    let url = options.to_url_lossy().to_string();
    let pool = match PgPoolOptions::new()
        .max_connections(32)
        .connect_with(options)
        .await
    {
        Ok(pool) => pool,
        Err(err) => panic!("cannot connect to test database {name}: {err}"),
    };
    if let Err(err) = kyc_store::migrate(&pool).await {
        panic!("cannot migrate test database {name}: {err:?}");
    }
    TestDatabase { pool, url, name }
}

/// Drops `kyc_test_<pid>_*` databases whose process no longer exists.
async fn drop_abandoned_databases(admin: &mut PgConnection) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'kyc\\_test\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).unwrap_or_default();
        if pid.is_empty() || std::path::Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        // Another test process may be dropping it at the same time: ignore failures.
        let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut *admin)
            .await;
    }
}
