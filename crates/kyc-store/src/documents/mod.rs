//! Document contents: the uploaded bytes, stored once, apart from the events that mention them.
//!
//! Events carry only the document's guid and digest; keeping the bytes out of the log keeps
//! the log small and lets contents be purged (e.g. on erasure requests) without editing events.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor, Row};

use crate::error::{db_code_and_constraint, UNIQUE_VIOLATION};
use crate::StoreError;

/// Largest accepted content: 15 MiB (also a CHECK constraint of the table).
pub const MAX_DOCUMENT_BYTES: usize = 15 * 1024 * 1024;

/// Content to store for a document.
#[derive(Debug, Clone, Copy)]
pub struct NewDocumentContent<'a> {
    /// The document's guid (write-once key).
    pub document_guid: &'a str,
    /// Tenant owning the document.
    pub bank_guid: &'a str,
    /// Customer the document belongs to.
    pub customer_guid: &'a str,
    /// MIME type as declared at upload.
    pub content_type: &'a str,
    /// The bytes.
    pub content: &'a [u8],
    /// The bytes as stored, sealed under the customer's data key (`None` stores them clear:
    /// only for tools and tests that predate encryption).
    pub sealed: Option<&'a [u8]>,
}

/// Stored content of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentContent {
    /// The document's guid.
    pub document_guid: String,
    /// Tenant owning the document.
    pub bank_guid: String,
    /// Customer the document belongs to.
    pub customer_guid: String,
    /// MIME type as declared at upload.
    pub content_type: String,
    /// The bytes as stored: sealed when `sealed` is true.
    pub content: Vec<u8>,
    /// Whether `content` is sealed under the customer's data key.
    pub sealed: bool,
    /// Lowercase hex SHA-256 of `content`.
    pub sha256: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// Stores a document's content and returns its lowercase hex SHA-256 (computed here, never
/// taken from the client). Refuses content over [`MAX_DOCUMENT_BYTES`] and a second content
/// for the same guid.
pub async fn put_document_content(
    conn: &mut PgConnection,
    document: NewDocumentContent<'_>,
) -> Result<String, StoreError> {
    let too_large = || StoreError::DocumentTooLarge {
        size_bytes: document.content.len(),
    };
    if document.content.len() > MAX_DOCUMENT_BYTES {
        return Err(too_large());
    }
    let size_bytes = i64::try_from(document.content.len()).map_err(|_| too_large())?;
    let sha256 = hex::encode(Sha256::digest(document.content));
    sqlx::query(include_str!("insert.sql"))
        .bind(document.document_guid)
        .bind(document.bank_guid)
        .bind(document.customer_guid)
        .bind(document.sealed.unwrap_or(document.content))
        .bind(&sha256)
        .bind(document.content_type)
        .bind(size_bytes)
        .bind(document.sealed.is_some())
        .execute(conn)
        .await
        .map_err(|err| match db_code_and_constraint(&err) {
            Some((code, _)) if code == UNIQUE_VIOLATION => StoreError::DocumentAlreadyStored {
                document_guid: document.document_guid.to_owned(),
            },
            _ => StoreError::from(err),
        })?;
    Ok(sha256)
}

/// Loads a document's content, if it exists for this tenant.
pub async fn get_document_content<'e, E: PgExecutor<'e>>(
    executor: E,
    bank_guid: &str,
    document_guid: &str,
) -> Result<Option<DocumentContent>, StoreError> {
    let Some(row) = sqlx::query(include_str!("select.sql"))
        .bind(bank_guid)
        .bind(document_guid)
        .fetch_optional(executor)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(DocumentContent {
        document_guid: row.try_get("document_guid")?,
        bank_guid: row.try_get("bank_guid")?,
        customer_guid: row.try_get("customer_guid")?,
        content_type: row.try_get("content_type")?,
        content: row.try_get("content")?,
        sealed: row.try_get("sealed")?,
        sha256: row.try_get("sha256")?,
        created_at: row.try_get("created_at")?,
    }))
}
