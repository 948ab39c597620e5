//! Sealing's cost, A/B in one run: the HTTP workload at 16 clients against two fresh kycds
//! started side by side — one sealing personal data as in production, one started with the
//! benchmark-only `--unsafe-store-personal-data-in-clear-for-benchmarks` (no data keys, events
//! stored as before encryption) — measured one after the other, the order alternating from run
//! to run so that neither side always gets the warmer machine. With `--runs 3` the table holds
//! the medians of each side and of the runs' ratios.

use std::path::Path;
use std::time::Duration;

use kyc_domain::ids::BankGuid;
use serde::Serialize;

use crate::client::HttpClient;
use crate::env::{Databases, Kycd, KycdOptions};
use crate::workload::{self, Throughput};

/// Clients of the A/B step (the level issue #12's target names).
pub const CLIENTS: usize = 16;

/// How long each kycd serves one client before it is measured.
const WARM_UP: Duration = Duration::from_millis(500);

/// Both sides of one run.
#[derive(Debug, Clone, Serialize)]
pub struct SealingAb {
    /// Which side ran first in this run.
    pub first: &'static str,
    /// kycd as in production: personal data sealed under per-customer data keys.
    pub sealed: Throughput,
    /// kycd storing personal data in clear (benchmark-only flag).
    pub plaintext: Throughput,
}

/// What the A/B step needs from the run.
#[derive(Debug)]
pub struct AbRun<'a> {
    /// The kycd binary.
    pub binary: &'a Path,
    /// The run's id (names the kycds' subject prefixes and logs).
    pub run_id: &'a str,
    /// The run's number: odd runs measure the sealed side first, even runs the plaintext one.
    pub number: u32,
    /// NATS.
    pub nats_url: &'a str,
    /// One JetStream stream for each side's relay: sealed, plaintext.
    pub streams: [&'a str; 2],
    /// How long each side is measured.
    pub step: Duration,
}

/// Starts both kycds on fresh databases, measures each side once, stops them.
pub async fn measure(run: AbRun<'_>, databases: &mut Databases) -> anyhow::Result<SealingAb> {
    let secret = format!("kyc-bench-{}-ab-secret", run.run_id);
    let mut kycds = Vec::with_capacity(2);
    for (side, plaintext, stream) in [
        ("sealed", false, run.streams[0]),
        ("plain", true, run.streams[1]),
    ] {
        let options = databases.create(&format!("ab_{side}")).await?;
        kycds.push(
            Kycd::start(KycdOptions {
                binary: run.binary,
                database_url: crate::env::url_of(&options),
                nats_url: run.nats_url,
                stream,
                prefix: &format!("kycbench{}{side}.v1", run.run_id),
                jwt_secret: &secret,
                log: std::env::temp_dir().join(format!("kyc-bench-{}-{side}.log", run.run_id)),
                plaintext,
            })
            .await?,
        );
    }
    let token = crate::bench_token(
        &secret,
        &BankGuid::from_uuid(uuid::Uuid::now_v7()).to_string(),
    )?;
    // One client first on each, as the levels before do for the main kycd: a cold kycd whose
    // first commands come 16 at once starves its pool (each command's transaction waits for
    // the blind-index root, which is read once through the same pool) until acquires time out.
    for kycd in &kycds {
        let (addr, token) = (kycd.addr, &token);
        workload::run(1, WARM_UP, kycd.pid, || HttpClient::connect(addr, token)).await?;
    }
    let order = if run.number % 2 == 1 { [0, 1] } else { [1, 0] };
    let mut results: [Option<Throughput>; 2] = [None, None];
    for side in order {
        let (addr, pid) = (kycds[side].addr, kycds[side].pid);
        let token = &token;
        results[side] =
            Some(workload::run(CLIENTS, run.step, pid, || HttpClient::connect(addr, token)).await?);
    }
    for kycd in kycds {
        kycd.stop().await?;
    }
    let [Some(sealed), Some(plaintext)] = results else {
        anyhow::bail!("the A/B step measured only one side");
    };
    Ok(SealingAb {
        first: if order[0] == 0 { "sealed" } else { "plaintext" },
        sealed,
        plaintext,
    })
}
