//! The operator queues (`kyc_app::operator_queues`), read from the clear columns the projector
//! keeps for them (migrations/0015): each queue is a tenant's range of one partial index, in
//! the queue's order. Nothing here opens a sealed value, so no data key is read.

use chrono::{DateTime, NaiveDate, Utc};
use kyc_app::operator_queues::{
    AwaitingApproval, ExpiringDocument, OperatorQueue, PendingDocument, QueueEntries, QueuePage,
    QueueQuery, ReviewFallingDue,
};
use kyc_app::ports::StoreFailure;
use kyc_domain::customer::{ActorId, DocumentKind, RiskLevel};
use kyc_domain::ids::{AssociateGuid, CustomerGuid, DocumentGuid};
use kyc_domain::{CustomerState, CustomerType};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

use crate::customers::failure;

/// A page of `query`'s queue and its total.
pub(crate) async fn page(pool: &PgPool, query: &QueueQuery) -> Result<QueuePage, StoreFailure> {
    let statement = match query.queue {
        OperatorQueue::DocumentsPendingReview => include_str!("documents_pending_review.sql"),
        OperatorQueue::AwaitingSecondApproval => include_str!("awaiting_second_approval.sql"),
        OperatorQueue::ReviewsFallingDue => include_str!("reviews_falling_due.sql"),
        OperatorQueue::DocumentsExpiring => include_str!("documents_expiring.sql"),
    };
    let statement = sqlx::query(statement)
        .bind(query.bank_guid.to_string())
        .bind(i64::from(query.per_page))
        .bind(i64::try_from(query.offset()).unwrap_or(i64::MAX));
    let window = &query.window;
    let statement = match query.queue {
        OperatorQueue::DocumentsPendingReview | OperatorQueue::AwaitingSecondApproval => statement,
        OperatorQueue::ReviewsFallingDue => {
            let periods = window.review_periods;
            statement
                .bind(window.until)
                .bind(seconds(periods.low))
                .bind(seconds(periods.medium))
                .bind(seconds(periods.high))
        }
        OperatorQueue::DocumentsExpiring => statement.bind(window.until.date_naive()),
    };
    let rows = statement.fetch_all(pool).await.map_err(failure)?;
    let total: i64 = match rows.first() {
        Some(row) => row.try_get("total").map_err(failure)?,
        None => 0,
    };
    let entries = match query.queue {
        OperatorQueue::DocumentsPendingReview => {
            QueueEntries::DocumentsPendingReview(entries(&rows, "document_guid", pending_document)?)
        }
        OperatorQueue::AwaitingSecondApproval => QueueEntries::AwaitingSecondApproval(entries(
            &rows,
            "customer_guid",
            awaiting_approval,
        )?),
        OperatorQueue::ReviewsFallingDue => {
            QueueEntries::ReviewsFallingDue(entries(&rows, "customer_guid", review_falling_due)?)
        }
        OperatorQueue::DocumentsExpiring => {
            QueueEntries::DocumentsExpiring(entries(&rows, "document_guid", expiring_document)?)
        }
    };
    Ok(QueuePage {
        total: u64::try_from(total).unwrap_or_default(),
        entries,
    })
}

/// The entries of `rows`; the one row of an empty page (the total, and NULL where `id` is)
/// holds none.
fn entries<T>(
    rows: &[PgRow],
    id: &str,
    entry: fn(&PgRow) -> Result<T, StoreFailure>,
) -> Result<Vec<T>, StoreFailure> {
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        if row
            .try_get::<Option<String>, _>(id)
            .map_err(failure)?
            .is_some()
        {
            entries.push(entry(row)?);
        }
    }
    Ok(entries)
}

/// A column that must hold a value, parsed into a `T` by `parse` (see [`corrupt`] for a
/// failure).
fn column<T, V>(
    row: &PgRow,
    table: &str,
    name: &str,
    id: &str,
    parse: impl FnOnce(V) -> Option<T>,
) -> Result<T, StoreFailure>
where
    V: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get::<Option<V>, _>(name)
        .map_err(failure)?
        .and_then(parse)
        .ok_or_else(|| corrupt(table, name, id))
}

/// What every document entry names: its customer (type and state) and the document (kind,
/// associate), read from a row of the documents' queues.
struct DocumentIds {
    customer_guid: CustomerGuid,
    customer_type: CustomerType,
    state: CustomerState,
    document_guid: DocumentGuid,
    document_kind: DocumentKind,
    associate_guid: Option<AssociateGuid>,
}

fn document_ids(row: &PgRow, id: &str) -> Result<DocumentIds, StoreFailure> {
    let text = |name: &str| -> Result<String, StoreFailure> {
        column(row, "document_views", name, id, Some::<String>)
    };
    Ok(DocumentIds {
        customer_guid: CustomerGuid::parse(&text("customer_guid")?)
            .map_err(|_| corrupt("document_views", "customer_guid", id))?,
        customer_type: CustomerType::parse(&text("customer_type")?)
            .map_err(|_| corrupt("customer_views", "customer_type", id))?,
        state: CustomerState::parse(&text("state")?)
            .map_err(|_| corrupt("customer_views", "state", id))?,
        document_guid: DocumentGuid::parse(id)
            .map_err(|_| corrupt("document_views", "document_guid", id))?,
        document_kind: DocumentKind::parse(&text("kind")?)
            .map_err(|_| corrupt("document_views", "kind", id))?,
        associate_guid: row
            .try_get::<Option<String>, _>("associate_guid")
            .map_err(failure)?
            .map(|raw| {
                AssociateGuid::parse(&raw)
                    .map_err(|_| corrupt("document_views", "associate_guid", id))
            })
            .transpose()?,
    })
}

fn pending_document(row: &PgRow) -> Result<PendingDocument, StoreFailure> {
    let id: String = row.try_get("document_guid").map_err(failure)?;
    let ids = document_ids(row, &id)?;
    Ok(PendingDocument {
        customer_guid: ids.customer_guid,
        customer_type: ids.customer_type,
        state: ids.state,
        document_guid: ids.document_guid,
        document_kind: ids.document_kind,
        associate_guid: ids.associate_guid,
        submitted_at: column(
            row,
            "document_views",
            "submitted_at",
            &id,
            Some::<DateTime<Utc>>,
        )?,
    })
}

fn awaiting_approval(row: &PgRow) -> Result<AwaitingApproval, StoreFailure> {
    let id: String = row.try_get("customer_guid").map_err(failure)?;
    let text = |name: &str| -> Result<String, StoreFailure> {
        column(row, "customer_views", name, &id, Some::<String>)
    };
    Ok(AwaitingApproval {
        customer_guid: CustomerGuid::parse(&id)
            .map_err(|_| corrupt("customer_views", "customer_guid", &id))?,
        customer_type: CustomerType::parse(&text("customer_type")?)
            .map_err(|_| corrupt("customer_views", "customer_type", &id))?,
        risk_level: RiskLevel::parse(&text("risk_level")?)
            .map_err(|_| corrupt("customer_views", "risk_level", &id))?,
        first_approver: column(
            row,
            "customer_views",
            "first_approver",
            &id,
            |raw: String| ActorId::parse(&raw),
        )?,
        first_approved_at: column(
            row,
            "customer_views",
            "awaiting_second_approval_since",
            &id,
            Some::<DateTime<Utc>>,
        )?,
    })
}

/// A review period in whole seconds, at most a thousand years: a policy may set a period no
/// timestamp can be moved by, and PostgreSQL would refuse the subtraction.
fn seconds(period: chrono::Duration) -> i64 {
    const THOUSAND_YEARS: i64 = 1000 * 366 * 86_400;
    period.num_seconds().clamp(0, THOUSAND_YEARS)
}

fn review_falling_due(row: &PgRow) -> Result<ReviewFallingDue, StoreFailure> {
    let id: String = row.try_get("customer_guid").map_err(failure)?;
    let time = |name: &str| -> Result<DateTime<Utc>, StoreFailure> {
        column(row, "customer_views", name, &id, Some::<DateTime<Utc>>)
    };
    Ok(ReviewFallingDue {
        customer_guid: CustomerGuid::parse(&id)
            .map_err(|_| corrupt("customer_views", "customer_guid", &id))?,
        customer_type: column(
            row,
            "customer_views",
            "customer_type",
            &id,
            |raw: String| CustomerType::parse(&raw).ok(),
        )?,
        risk_level: column(row, "customer_views", "risk_level", &id, |raw: String| {
            RiskLevel::parse(&raw).ok()
        })?,
        last_reviewed_at: time("last_reviewed_at")?,
        due_at: time("due_at")?,
    })
}

fn expiring_document(row: &PgRow) -> Result<ExpiringDocument, StoreFailure> {
    let id: String = row.try_get("document_guid").map_err(failure)?;
    let ids = document_ids(row, &id)?;
    Ok(ExpiringDocument {
        customer_guid: ids.customer_guid,
        customer_type: ids.customer_type,
        state: ids.state,
        document_guid: ids.document_guid,
        document_kind: ids.document_kind,
        associate_guid: ids.associate_guid,
        expires_on: column(row, "document_views", "expires_on", &id, Some::<NaiveDate>)?,
    })
}

/// A failure naming the table, the column and the row, never the value (which could, in a
/// corrupt row, be anything).
fn corrupt(table: &str, name: &str, id: &str) -> StoreFailure {
    StoreFailure::Corrupt(format!("{table}: {name} of {id} is unreadable"))
}
