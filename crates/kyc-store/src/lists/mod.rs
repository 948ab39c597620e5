//! The sanctions and PEP lists (migrations/0018): each import is a version of its list, with
//! its entries; the newest version of each list is the one screened against.
//!
//! Lists are public data and belong to the service, not to a tenant; a tenant's policy picks
//! the lists it screens against. Nothing here is personal data, so nothing is sealed.

use chrono::{DateTime, NaiveDate, Utc};
use kyc_screening::{ListEntry, ListFormat, ListVersion};
use sqlx::{PgPool, Row};

use crate::error::StoreError;

/// What the store knows of one list version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredListVersion {
    /// The version number the store assigned (increasing across all lists).
    pub version: i64,
    /// The list's name.
    pub list: String,
    /// The format it was imported from.
    pub format: String,
    /// The publication date the file stated.
    pub published_on: Option<NaiveDate>,
    /// SHA-256 of the imported bytes, hex.
    pub content_hash: String,
    /// How many entries it holds.
    pub entry_count: i64,
    /// When it was imported.
    pub imported_at: DateTime<Utc>,
}

/// The outcome of storing an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// A new version of the list.
    New(StoredListVersion),
    /// The list's newest version already holds exactly these bytes: nothing was added.
    Unchanged(StoredListVersion),
}

/// A list's newest version and the latest re-screening against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListStatus {
    /// The newest version.
    pub newest: StoredListVersion,
    /// How many versions the list has had.
    pub versions: i64,
    /// The latest re-screening of the newest version, if one ran.
    pub rescreen: Option<RescreenReport>,
}

/// What a re-screening of every open customer after an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RescreenReport {
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
    /// Customers screened.
    pub screened: i64,
    /// Customers with new or changed potential matches (each got a `ScreeningCompleted`).
    pub alerted: i64,
    /// Customers whose re-screening failed (logged by guid; retried by the next run).
    pub failed: i64,
}

/// Two entries of one import share an id, which the source list promises never happens: the
/// import is refused rather than one of them silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry id {0} appears more than once in the file")]
pub struct DuplicateEntryId(pub String);

/// Stores `imported` as the newest version of its list, unless the newest version already
/// holds the same bytes. One transaction: a failed import leaves nothing behind.
pub async fn store_version(
    pool: &PgPool,
    imported: &ListVersion,
    imported_at: DateTime<Utc>,
) -> Result<Result<Stored, DuplicateEntryId>, StoreError> {
    let mut seen = std::collections::HashSet::with_capacity(imported.entries.len());
    if let Some(duplicate) = imported
        .entries
        .iter()
        .find(|entry| !seen.insert(entry.entry_id.as_str()))
    {
        return Ok(Err(DuplicateEntryId(duplicate.entry_id.clone())));
    }
    let mut tx = pool.begin().await?;
    // One import of a list at a time: the "newest" read below must stay the newest.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('screening-list:' || $1))")
        .bind(&imported.list)
        .execute(&mut *tx)
        .await?;
    let newest = sqlx::query(include_str!("latest_versions.sql"))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(version_of)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .find(|version| version.list == imported.list);
    if let Some(newest) = newest.filter(|v| v.content_hash == imported.content_hash) {
        return Ok(Ok(Stored::Unchanged(newest)));
    }
    let entry_count = i64::try_from(imported.entries.len()).unwrap_or(i64::MAX);
    let version: i64 = sqlx::query_scalar(include_str!("insert_version.sql"))
        .bind(&imported.list)
        .bind(imported.format.as_str())
        .bind(imported.published_on)
        .bind(&imported.content_hash)
        .bind(i32::try_from(entry_count).unwrap_or(i32::MAX))
        .bind(imported_at)
        .fetch_one(&mut *tx)
        .await?;
    // Bounded batches keep each statement's parameters a few MiB.
    for batch in imported.entries.chunks(5_000) {
        let ids: Vec<&str> = batch.iter().map(|e| e.entry_id.as_str()).collect();
        let fingerprints: Vec<String> = batch.iter().map(ListEntry::fingerprint).collect();
        let bodies = batch
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| corrupt(version, &e.to_string()))?;
        sqlx::query(include_str!("insert_entries.sql"))
            .bind(version)
            .bind(&ids)
            .bind(&fingerprints)
            .bind(&bodies)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Ok(Stored::New(StoredListVersion {
        version,
        list: imported.list.clone(),
        format: imported.format.as_str().to_owned(),
        published_on: imported.published_on,
        content_hash: imported.content_hash.clone(),
        entry_count,
        imported_at,
    })))
}

/// The newest version of every list, by list name.
pub async fn latest_versions(pool: &PgPool) -> Result<Vec<StoredListVersion>, StoreError> {
    sqlx::query(include_str!("latest_versions.sql"))
        .fetch_all(pool)
        .await?
        .iter()
        .map(version_of)
        .collect()
}

/// The entries of `version`, in entry id order.
pub async fn entries(pool: &PgPool, version: i64) -> Result<Vec<ListEntry>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT entry::text FROM screening_list_entries WHERE version = $1 ORDER BY entry_id",
    )
    .bind(version)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(body,)| serde_json::from_str(&body).map_err(|e| corrupt(version, &e.to_string())))
        .collect()
}

/// Every list's status, by list name.
pub async fn status(pool: &PgPool) -> Result<Vec<ListStatus>, StoreError> {
    let rows = sqlx::query(include_str!("status.sql"))
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            let newest = version_of(row)?;
            let started_at: Option<DateTime<Utc>> = row.try_get("started_at")?;
            let finished_at: Option<DateTime<Utc>> = row.try_get("finished_at")?;
            Ok(ListStatus {
                versions: row.try_get("versions")?,
                rescreen: match started_at.zip(finished_at) {
                    Some((started_at, finished_at)) => Some(RescreenReport {
                        started_at,
                        finished_at,
                        screened: row.try_get("screened")?,
                        alerted: row.try_get("alerted")?,
                        failed: row.try_get("failed")?,
                    }),
                    None => None,
                },
                newest,
            })
        })
        .collect()
}

/// Records a re-screening's report against `version`.
pub async fn record_rescreen(
    pool: &PgPool,
    version: i64,
    report: &RescreenReport,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO screening_runs (version, started_at, finished_at, screened, alerted, failed)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(version)
    .bind(report.started_at)
    .bind(report.finished_at)
    .bind(report.screened)
    .bind(report.alerted)
    .bind(report.failed)
    .execute(pool)
    .await?;
    Ok(())
}

fn version_of(row: &sqlx::postgres::PgRow) -> Result<StoredListVersion, StoreError> {
    let entry_count: i32 = row.try_get("entry_count")?;
    let format: String = row.try_get("format")?;
    let version: i64 = row.try_get("version")?;
    if format.parse::<ListFormat>().is_err() {
        return Err(corrupt(version, "unknown format"));
    }
    Ok(StoredListVersion {
        version,
        list: row.try_get("list")?,
        format,
        published_on: row.try_get("published_on")?,
        content_hash: row.try_get("content_hash")?,
        entry_count: i64::from(entry_count),
        imported_at: row.try_get("imported_at")?,
    })
}

fn corrupt(version: i64, reason: &str) -> StoreError {
    StoreError::Corrupt {
        aggregate_id: format!("screening list version {version}"),
        sequence: 0,
        reason: reason.to_owned(),
    }
}

/// The newest version of every list with its entries: what a screening index is built from.
pub async fn load_newest(
    pool: &PgPool,
) -> Result<Vec<(kyc_domain::customer::ListVersionRef, Vec<ListEntry>)>, StoreError> {
    let mut lists = Vec::new();
    for version in latest_versions(pool).await? {
        let entries = entries(pool, version.version).await?;
        lists.push((
            kyc_domain::customer::ListVersionRef {
                list: version.list,
                version: version.version,
            },
            entries,
        ));
    }
    Ok(lists)
}
