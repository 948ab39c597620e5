//! `kycctl lists import | status`: the sanctions and PEP lists screening runs against.
//!
//! An import parses the whole file before anything is written, so a malformed file is refused
//! with the place that is wrong (element path or line and column) and changes nothing; a
//! well-formed one becomes the newest version of its list in one transaction.

use std::path::PathBuf;

use anyhow::Context;
use kyc_screening::ListFormat;
use kyc_store::lists::{ListStatus, Stored, StoredListVersion};
use serde::Serialize;

/// Runs a `lists` subcommand, printing a table or, with `--json`, JSON.
pub async fn run(cli: &crate::Cli, action: &crate::ListsAction) -> anyhow::Result<()> {
    let pool = crate::pool(cli).await?;
    match action {
        crate::ListsAction::Import {
            format,
            list,
            files,
            no_rescreen,
            tenant_policy_file,
        } => {
            let mut report = import(&pool, *format, list.as_deref(), files).await?;
            if report.outcome == "imported" && !no_rescreen {
                report.rescreen = Some(
                    rescreen(cli, &pool, report.version, tenant_policy_file.as_deref()).await?,
                );
            }
            if cli.json {
                crate::output::json(&report)?;
            } else {
                print_import(&report);
            }
        }
        crate::ListsAction::Rescreen { tenant_policy_file } => {
            let newest = kyc_store::lists::latest_versions(&pool).await?;
            let version =
                newest.iter().map(|v| v.version).max().ok_or_else(|| {
                    anyhow::anyhow!("no list imported: nothing to screen against")
                })?;
            let report = rescreen(cli, &pool, version, tenant_policy_file.as_deref()).await?;
            if cli.json {
                crate::output::json(&report)?;
            } else {
                print_rescreen(&report);
            }
        }
        crate::ListsAction::Status => {
            let rows = status(&pool).await?;
            if cli.json {
                crate::output::json(&rows)?;
            } else {
                print_status(&rows);
            }
        }
    }
    Ok(())
}

/// What a re-screening did, for the table and `--json`.
#[derive(Debug, Serialize)]
pub struct RescreenSummary {
    /// Customers screened.
    pub screened: u64,
    /// Customers whose screening was recorded (first screenings, new, changed or gone
    /// matches).
    pub recorded: u64,
    /// Of those, customers left with potential matches to decide.
    pub alerted: u64,
    /// Customers the domain refused to screen.
    pub refused: u64,
    /// Customers whose screening failed.
    pub failed: u64,
    /// Seconds it took.
    pub seconds: f64,
}

/// Re-screens every open customer against each list's newest version and records the report
/// against `version`.
async fn rescreen(
    cli: &crate::Cli,
    pool: &sqlx::PgPool,
    version: i64,
    tenant_policy_file: Option<&std::path::Path>,
) -> anyhow::Result<RescreenSummary> {
    let started_at = chrono::Utc::now();
    let started = std::time::Instant::now();
    let snapshot =
        kyc_app::screening::ListSnapshot::build(kyc_store::lists::load_newest(pool).await?);
    let policies = crate::retention::policies(
        kyc_app::tenant::DEFAULT_RETENTION,
        kyc_app::tenant::DEFAULT_DORMANT_AFTER,
        tenant_policy_file,
    )?;
    let store = std::sync::Arc::new(crate::store(cli).await?);
    let service = kyc_app::CommandService::new(
        std::sync::Arc::clone(&store),
        kyc_app::RetryPolicy::default(),
    )
    .with_tenant_policies(policies)
    .with_screening_lists(kyc_app::screening::ScreeningLists::new(snapshot));
    let bar = crate::progress_bar(0, "customers", cli.json);
    let report =
        kyc_app::screening::rescreen_all(&service, store.as_ref(), chrono::Utc::now(), |n| {
            bar.set_length(n);
            bar.set_position(n);
        })
        .await
        .map_err(|failure| anyhow::anyhow!("re-screening: {failure}"))?;
    bar.finish_and_clear();
    let finished_at = chrono::Utc::now();
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    kyc_store::lists::record_rescreen(
        pool,
        version,
        &kyc_store::lists::RescreenReport {
            started_at,
            finished_at,
            screened: count(report.screened),
            alerted: count(report.alerted),
            failed: count(report.failed),
        },
    )
    .await?;
    Ok(RescreenSummary {
        screened: report.screened,
        recorded: report.recorded,
        alerted: report.alerted,
        refused: report.refused,
        failed: report.failed,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Prints a re-screening's report.
pub fn print_rescreen(report: &RescreenSummary) {
    println!(
        "re-screened {} customers in {:.1} s: {} screenings recorded, {} customers with matches to decide, {} refused, {} failed",
        report.screened, report.seconds, report.recorded, report.alerted, report.refused, report.failed
    );
}

/// What an import did, for the table and `--json`.
#[derive(Debug, Serialize)]
pub struct ImportReport {
    /// `imported`, or `unchanged` when the list's newest version holds the same bytes.
    pub outcome: &'static str,
    /// The version now newest.
    pub version: i64,
    /// The list.
    pub list: String,
    /// The format read.
    pub format: String,
    /// The publication date the file states.
    pub published_on: Option<chrono::NaiveDate>,
    /// Entries in the version.
    pub entries: i64,
    /// SHA-256 of the bytes read.
    pub content_hash: String,
    /// Seconds spent parsing and storing.
    pub seconds: f64,
    /// The re-screening of every open customer that followed, if it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rescreen: Option<RescreenSummary>,
}

/// Reads `files` in `format` and stores them as a new version of `list` (the format's default
/// list name when `None`).
pub async fn import(
    pool: &sqlx::PgPool,
    format: ListFormat,
    list: Option<&str>,
    files: &[PathBuf],
) -> anyhow::Result<ImportReport> {
    let started = std::time::Instant::now();
    let contents = files
        .iter()
        .map(|path| std::fs::read(path).with_context(|| format!("reading {}", path.display())))
        .collect::<anyhow::Result<Vec<Vec<u8>>>>()?;
    let slices: Vec<&[u8]> = contents.iter().map(Vec::as_slice).collect();
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let parsed = kyc_lists::import(format, list, &slices).with_context(|| {
        format!(
            "{} is not a valid {format} list; nothing was imported",
            names.join(" + ")
        )
    })?;
    let stored = kyc_store::lists::store_version(pool, &parsed, chrono::Utc::now())
        .await?
        .with_context(|| "nothing was imported".to_owned())?;
    let (outcome, version) = match stored {
        Stored::New(version) => ("imported", version),
        Stored::Unchanged(version) => ("unchanged", version),
    };
    Ok(report(outcome, &version, started.elapsed().as_secs_f64()))
}

fn report(outcome: &'static str, version: &StoredListVersion, seconds: f64) -> ImportReport {
    ImportReport {
        outcome,
        version: version.version,
        list: version.list.clone(),
        format: version.format.clone(),
        published_on: version.published_on,
        entries: version.entry_count,
        content_hash: version.content_hash.clone(),
        seconds,
        rescreen: None,
    }
}

/// Prints an import's report.
pub fn print_import(report: &ImportReport) {
    match report.outcome {
        "unchanged" => println!(
            "{} is unchanged: version {} already holds these bytes ({} entries)",
            report.list, report.version, report.entries
        ),
        _ => println!(
            "imported {} version {} from {}: {} entries, published {}, sha256 {} ({:.2} s)",
            report.list,
            report.version,
            report.format,
            report.entries,
            report
                .published_on
                .map_or_else(|| "(not stated)".to_owned(), |d| d.to_string()),
            report.content_hash,
            report.seconds
        ),
    }
    if let Some(rescreen) = &report.rescreen {
        print_rescreen(rescreen);
    }
}

/// One row of `lists status`.
#[derive(Debug, Serialize)]
pub struct StatusRow {
    /// The list.
    pub list: String,
    /// Its newest version.
    pub version: i64,
    /// How many versions it has had.
    pub versions: i64,
    /// The format of the newest version.
    pub format: String,
    /// Its publication date.
    pub published_on: Option<chrono::NaiveDate>,
    /// When it was imported.
    pub imported_at: chrono::DateTime<chrono::Utc>,
    /// Its entries.
    pub entries: i64,
    /// SHA-256 of its bytes.
    pub content_hash: String,
    /// When every open customer was last re-screened against it.
    pub rescreened_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Customers screened then.
    pub screened: Option<i64>,
    /// Customers with new or changed potential matches then.
    pub alerted: Option<i64>,
}

/// Every list's newest version.
pub async fn status(pool: &sqlx::PgPool) -> anyhow::Result<Vec<StatusRow>> {
    Ok(kyc_store::lists::status(pool)
        .await?
        .into_iter()
        .map(|status: ListStatus| StatusRow {
            list: status.newest.list,
            version: status.newest.version,
            versions: status.versions,
            format: status.newest.format,
            published_on: status.newest.published_on,
            imported_at: status.newest.imported_at,
            entries: status.newest.entry_count,
            content_hash: status.newest.content_hash,
            rescreened_at: status.rescreen.map(|r| r.finished_at),
            screened: status.rescreen.map(|r| r.screened),
            alerted: status.rescreen.map(|r| r.alerted),
        })
        .collect())
}

/// Prints the status as a table.
pub fn print_status(rows: &[StatusRow]) {
    if rows.is_empty() {
        println!("no list imported: customers are not screened (kycctl lists import --help)");
        return;
    }
    let mut table = crate::output::table(&[
        "list",
        "version",
        "versions",
        "format",
        "published",
        "imported",
        "entries",
        "re-screened",
    ]);
    for row in rows {
        table.add_row(vec![
            row.list.clone(),
            row.version.to_string(),
            row.versions.to_string(),
            row.format.clone(),
            row.published_on
                .map_or_else(|| "-".to_owned(), |d| d.to_string()),
            row.imported_at.format("%Y-%m-%d %H:%M").to_string(),
            row.entries.to_string(),
            match (row.rescreened_at, row.screened, row.alerted) {
                (Some(at), Some(screened), Some(alerted)) => format!(
                    "{} ({screened} screened, {alerted} alerted)",
                    at.format("%Y-%m-%d %H:%M")
                ),
                _ => "never".to_owned(),
            },
        ]);
    }
    println!("{table}");
}
