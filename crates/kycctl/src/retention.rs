//! `kycctl retention run`: the retention sweeper on demand (kycd runs it on a schedule), with
//! a table of what it erased and closed, or with `--dry-run` would.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use kyc_app::retention::{SweepReport, Sweeper};
use kyc_app::tenant::{TenantPolicies, TenantPolicy};
use kyc_app::{CommandService, RetryPolicy};
use kyc_store::PgCustomerStore;

/// The tenants' policies from the same settings kycd reads.
pub fn policies(
    retention_default: Duration,
    dormant_after: Duration,
    file: Option<&Path>,
) -> anyhow::Result<TenantPolicies> {
    let defaults = TenantPolicy::new(retention_default, dormant_after);
    let Some(path) = file else {
        return Ok(TenantPolicies::uniform(defaults));
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading KYC_TENANT_POLICY_FILE {}", path.display()))?;
    TenantPolicies::from_json(defaults, &text)
        .with_context(|| format!("KYC_TENANT_POLICY_FILE {}", path.display()))
}

/// One sweep at the system time.
pub async fn run(
    store: PgCustomerStore,
    policies: TenantPolicies,
    limit: usize,
    dry_run: bool,
) -> anyhow::Result<SweepReport> {
    let store = Arc::new(store);
    let service = CommandService::new(Arc::clone(&store), RetryPolicy::default())
        .with_tenant_policies(policies);
    Sweeper::new(service, store)
        .sweep(chrono::Utc::now(), limit, dry_run)
        .await
        .map_err(|failure| anyhow::anyhow!("retention sweep: {failure}"))
}

/// The report as a table (one row per customer) and a summary line.
pub fn print(report: &SweepReport) {
    let (erase, close) = if report.dry_run {
        ("would erase", "would close (dormant)")
    } else {
        ("erased", "closed (dormant)")
    };
    let mut table = crate::output::table(&[
        "customer",
        "tenant",
        "action",
        "retention until / last activity",
    ]);
    for erased in &report.erased {
        table.add_row(vec![
            erased.customer_guid.to_string(),
            erased.bank_guid.to_string(),
            erase.to_owned(),
            erased.retention_until.to_rfc3339(),
        ]);
    }
    for closed in &report.closed_dormant {
        table.add_row(vec![
            closed.customer_guid.to_string(),
            closed.bank_guid.to_string(),
            close.to_owned(),
            closed.last_activity.to_rfc3339(),
        ]);
    }
    for failed in &report.failed {
        table.add_row(vec![
            failed.customer_guid.to_string(),
            failed.bank_guid.to_string(),
            format!("failed: {}", failed.code),
            String::new(),
        ]);
    }
    if !report.erased.is_empty() || !report.closed_dormant.is_empty() || !report.failed.is_empty() {
        println!("{table}");
    }
    println!(
        "{}{} {erase}, {} {close}, {} under legal hold, {} not yet due for their tenant, {} refused, {} failed",
        if report.dry_run { "dry run: " } else { "" },
        report.erased.len(),
        report.closed_dormant.len(),
        report.skipped_legal_hold,
        report.not_yet_due,
        report.refused,
        report.failed.len()
    );
}
