//! Cybrid's official Python client (`cybrid-api-bank-python`, pinned in
//! tests/cybrid/requirements.txt) creates, gets, lists and patches customers against a real
//! kycd on PostgreSQL. The client is installed into a virtualenv under `target/` on first use
//! (from `PyPI`), so the test needs `python3` with `venv` and `pip`, and fails if they are missing.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use clap::Parser;
use kyc_testkit::venv::{pinned_venv, workspace_root};
use tokio_util::sync::CancellationToken;

const SECRET: &str = "cybrid-roundtrip-secret-0123456789";
const BANK: &str = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7d";

/// Python with the pinned client.
fn python_with_client() -> PathBuf {
    pinned_venv("tests/cybrid/requirements.txt", "cybrid-venv").join("bin/python")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_cybrid_python_client_round_trips_customers() {
    let python = tokio::task::spawn_blocking(python_with_client)
        .await
        .unwrap();
    let db = kyc_testkit::fresh_database().await;
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let config = kycd::Config::parse_from([
        "kycd",
        "--database-url",
        &db.url,
        "--listen",
        "127.0.0.1:0",
        "--jwt-secret",
        SECRET,
        "--master-key-file",
        &kyc_testkit::keys::test_key_file().to_string_lossy(),
        "--nats-stream",
        &format!("KYC_CYBRID_{tag}"),
        "--nats-subject-prefix",
        &format!("kyccybrid.{tag}"),
        "--relay",
        "false",
        "--nats-service",
        "false",
    ]);
    let shutdown = CancellationToken::new();
    let (bound, address) = tokio::sync::oneshot::channel();
    let server = tokio::spawn(kycd::run(config, shutdown.clone(), Some(bound)));
    let address = address.await.expect("kycd did not start");
    let token = kyc_http::mint_hs256(
        SECRET.as_bytes(),
        &kyc_http::Claims {
            sub: "cybrid-client".into(),
            bank_guid: BANK.into(),
            scope: "customers:read customers:write customers:execute customers:pii:read customers:freeze".into(),
            exp: u64::try_from(chrono::Utc::now().timestamp()).unwrap() + 600,
        },
    )
    .unwrap();
    let script = workspace_root().join("tests/cybrid/roundtrip.py");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .arg(format!("http://{address}"))
            .arg(token)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    shutdown.cancel();
    server.await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the Cybrid client round trip failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("OK:"), "{stdout}");
}
