//! Production mode as the README's "Running in production" states it: kycd connects as a role
//! that is not a superuser and may create neither databases nor roles, owning only its own
//! database, which an administrator created; it migrates that database and serves.

// clippy.toml allows unwrap/expect inside `#[test]` functions only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use clap::Parser as _;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions as _, Connection, PgConnection};
use support::{token, ALL, BANK_A, SECRET};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn kycd_needs_no_more_than_owning_its_database() {
    let admin_url = kyc_testkit::servers::admin_url().await;
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..12];
    let role = format!("kyc_app_{tag}");
    // The testkit's naming, so that a database this test leaves behind is dropped later.
    let database = format!("kyc_test_{}_{tag}", std::process::id());
    for statement in [
        format!("CREATE ROLE \"{role}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"),
        format!("CREATE DATABASE \"{database}\" OWNER \"{role}\""),
    ] {
        sqlx::raw_sql(&statement).execute(&mut admin).await.unwrap();
    }
    let url = admin_url
        .parse::<PgConnectOptions>()
        .unwrap()
        .username(&role)
        .database(&database)
        .to_url_lossy()
        .to_string();

    let key_file = kyc_testkit::keys::test_key_file();
    let config = kycd::Config::try_parse_from([
        "kycd",
        "--database-url",
        &url,
        "--create-database",
        "false",
        "--listen",
        "127.0.0.1:0",
        "--jwt-secret",
        SECRET,
        "--master-key-file",
        &key_file.to_string_lossy(),
        "--log",
        "warn",
        "--shutdown-grace",
        "2s",
    ])
    .unwrap();
    let shutdown = CancellationToken::new();
    let (bound, address) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(kycd::run(config, shutdown.clone(), Some(bound)));
    let Ok(Ok(address)) = tokio::time::timeout(Duration::from_secs(60), address).await else {
        panic!("kycd did not serve as {role}: {:?}", task.await)
    };

    let http = reqwest::Client::new();
    let created = http
        .post(format!("http://{address}/api/customers"))
        .bearer_auth(token(BANK_A, ALL))
        .json(&support::individual())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let guid = created.json::<serde_json::Value>().await.unwrap()["guid"]
        .as_str()
        .unwrap()
        .to_owned();
    let read = http
        .get(format!("http://{address}/api/customers/{guid}"))
        .bearer_auth(token(BANK_A, ALL))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status().as_u16(), 200);

    // The role really is that limited.
    let (superuser, create_db, create_role): (bool, bool, bool) = sqlx::query_as(
        "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1",
    )
    .bind(&role)
    .fetch_one(&mut admin)
    .await
    .unwrap();
    assert_eq!((superuser, create_db, create_role), (false, false, false));

    shutdown.cancel();
    task.await.unwrap().unwrap();
    let _ = sqlx::raw_sql(&format!(
        "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE); DROP ROLE IF EXISTS \"{role}\""
    ))
    .execute(&mut admin)
    .await;
}
