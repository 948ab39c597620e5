//! The HTTP contract, fuzzed: schemathesis (pinned with everything it pulls in, in
//! tests/schemathesis/requirements.txt) reads the spec kycd itself serves at `/openapi.json` and
//! throws generated requests at a real kycd binary on a fresh PostgreSQL database, with every
//! check and every phase it has by default (examples, coverage, fuzzing, stateful),
//! [`MAX_EXAMPLES`] generated cases per operation in the fuzzing phase (fewer only when an
//! operation fails, which ends its cases, or has fewer distinct inputs) on top of the coverage
//! and stateful phases' own, and a fixed seed. Any finding fails the test; the report is printed
//! either way. tests/schemathesis/schemathesis.toml turns off the one default that
//! would make a run depend on earlier ones (the failure cache), and tests/schemathesis/hooks.py
//! gives Idempotency-Keys unique prefixes (see there why).
//!
//! The spec is whatever kycd serves, so this test follows the spec as it changes: nothing here
//! names a route. Exclusions, if any, are listed in the README with the reason.
//!
//! schemathesis is installed into a virtualenv under `target/` on first use (from `PyPI`), so the
//! test needs `python3` with `venv` and `pip`, and fails if they are missing.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use kyc_testkit::venv::{pinned_venv, workspace_root};
use support::{token, ChildKycd, Env, ALL, BANK_A};

/// `--max-examples`: generated cases per operation; the issue asks for at least 100.
const MAX_EXAMPLES: u32 = 100;
/// The seed: the same pin and seed generate the same cases.
const SEED: u32 = 20_261_202;
/// Concurrent schemathesis workers. One: workers are threads, and with four of them this
/// machine's `CPython` 3.11.7 failed at random inside schemathesis's coverage phase with
/// `SystemError: AST constructor recursion depth mismatch` (the family of
/// python/cpython#106905); several workers also make the order of requests, and so a run,
/// differ from one run to the next.
const WORKERS: u32 = 1;
/// A run that takes longer than this is hung, not slow.
const RUN_LIMIT: Duration = Duration::from_secs(20 * 60);

/// The pinned schemathesis executable.
fn schemathesis() -> PathBuf {
    pinned_venv("tests/schemathesis/requirements.txt", "schemathesis-venv").join("bin/schemathesis")
}

/// The command line, without the token (printed as `$TOKEN`).
fn arguments(base: &str) -> Vec<String> {
    let config = workspace_root().join("tests/schemathesis/schemathesis.toml");
    vec![
        "--config-file".into(),
        config.display().to_string(),
        "run".into(),
        format!("{base}/openapi.json"),
        "--url".into(),
        base.into(),
        "--max-examples".into(),
        MAX_EXAMPLES.to_string(),
        "--seed".into(),
        SEED.to_string(),
        "--workers".into(),
        WORKERS.to_string(),
        // No example database: a run must not depend on what an earlier run found.
        "--generation-database".into(),
        "none".into(),
        "--no-color".into(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing_in_the_served_contract() {
    let setup = Instant::now();
    let executable = tokio::task::spawn_blocking(schemathesis).await.unwrap();
    let env = Env::new().await;
    let mut kycd = ChildKycd::start(&env).await;
    println!(
        "schemathesis installed, database and kycd ready in {:.1} s",
        setup.elapsed().as_secs_f64()
    );
    let args = arguments(&kycd.base);
    println!(
        "SCHEMATHESIS_HOOKS=hooks PYTHONPATH=tests/schemathesis {} {} -H 'Authorization: Bearer $TOKEN'",
        executable.display(),
        args.join(" ")
    );
    // An empty directory of its own, so that nothing an earlier run or the caller's working
    // directory holds (.schemathesis/, .hypothesis/, a schemathesis.toml) takes part.
    let run_dir = workspace_root().join("target/schemathesis-run");
    if run_dir.exists() {
        std::fs::remove_dir_all(&run_dir).unwrap();
    }
    std::fs::create_dir_all(&run_dir).unwrap();
    let started = Instant::now();
    let run = tokio::process::Command::new(&executable)
        .args(&args)
        .arg("-H")
        .arg(format!("Authorization: Bearer {}", token(BANK_A, ALL)))
        .current_dir(&run_dir)
        .env("PYTHONPATH", workspace_root().join("tests/schemathesis"))
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .env("COLUMNS", "120")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(RUN_LIMIT, run)
        .await
        .unwrap_or_else(|_| panic!("schemathesis did not finish within {RUN_LIMIT:?}"))
        .expect("cannot start schemathesis");
    let elapsed = started.elapsed();
    let survived = kycd.exit_status().is_none();
    let log = kycd.log_tail();
    drop(kycd);
    env.drop_stream().await;
    println!("{}", String::from_utf8_lossy(&output.stdout));
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    println!("schemathesis ran for {:.1} s", elapsed.as_secs_f64());
    assert!(survived, "kycd died during the run; its log:\n{log}");
    assert!(
        output.status.success(),
        "schemathesis reported findings ({}); the last lines kycd logged at warn level:\n{log}",
        output.status
    );
}
