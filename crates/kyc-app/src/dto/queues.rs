//! The wire shapes of the operator queues (`GET /api/queues/<name>`, NATS
//! `….query.customer.<name>`): Cybrid's page shape, `{total, page, per_page, objects}`, with
//! entries that name ids, types, states, levels, actors and times, and no personal data.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::operator_queues::{
    AwaitingApproval, ExpiringDocument, PendingDocument, QueueEntries, QueuePage, QueueQuery,
    ReviewFallingDue,
};

/// A document awaiting review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PendingDocumentDto {
    /// The customer's guid.
    pub customer_guid: String,
    /// `individual` or `business`.
    pub customer_type: String,
    /// The customer's lifecycle state: `unverified`, or `verified` (a document answering a
    /// periodic review or replacing an expired one).
    pub state: String,
    /// The document's guid.
    pub document_guid: String,
    /// What the document is (`passport`, `proof_of_address`, …).
    pub document_type: String,
    /// The associate the document identifies, for a business's associate documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associate_guid: Option<String>,
    /// When it was submitted (to the microsecond).
    pub submitted_at: DateTime<Utc>,
}

impl From<&PendingDocument> for PendingDocumentDto {
    fn from(entry: &PendingDocument) -> Self {
        Self {
            customer_guid: entry.customer_guid.to_string(),
            customer_type: entry.customer_type.as_str().to_owned(),
            state: entry.state.as_str().to_owned(),
            document_guid: entry.document_guid.to_string(),
            document_type: entry.document_kind.as_str().to_owned(),
            associate_guid: entry.associate_guid.map(|guid| guid.to_string()),
            submitted_at: entry.submitted_at,
        }
    }
}

/// A page of the documents awaiting review, oldest submission first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentsPendingReviewDto {
    /// Documents awaiting review in all pages.
    pub total: u64,
    /// This page, from 0.
    pub page: u32,
    /// Page size.
    pub per_page: u32,
    /// The documents.
    pub objects: Vec<PendingDocumentDto>,
}

/// A customer awaiting the second, senior approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AwaitingApprovalDto {
    /// The customer's guid.
    pub customer_guid: String,
    /// `individual` or `business`.
    pub customer_type: String,
    /// The risk level that needs four eyes.
    pub risk_level: String,
    /// Who gave the first approval (a token's `sub`); the second approver must be someone
    /// else.
    pub first_approver: String,
    /// When (to the microsecond).
    pub first_approved_at: DateTime<Utc>,
}

impl From<&AwaitingApproval> for AwaitingApprovalDto {
    fn from(entry: &AwaitingApproval) -> Self {
        Self {
            customer_guid: entry.customer_guid.to_string(),
            customer_type: entry.customer_type.as_str().to_owned(),
            risk_level: entry.risk_level.as_str().to_owned(),
            first_approver: entry.first_approver.as_str().to_owned(),
            first_approved_at: entry.first_approved_at,
        }
    }
}

/// A page of the customers awaiting the second approval, oldest first approval first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AwaitingSecondApprovalDto {
    /// Customers awaiting the second approval in all pages.
    pub total: u64,
    /// This page, from 0.
    pub page: u32,
    /// Page size.
    pub per_page: u32,
    /// The customers.
    pub objects: Vec<AwaitingApprovalDto>,
}

/// A verified customer whose periodic review falls due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewFallingDueDto {
    /// The customer's guid.
    pub customer_guid: String,
    /// `individual` or `business`.
    pub customer_type: String,
    /// The risk level whose review period applies (`low` before any rating).
    pub risk_level: String,
    /// When the customer was verified or last completed a review (to the microsecond).
    pub last_reviewed_at: DateTime<Utc>,
    /// When the review falls (or fell) due under the tenant's current risk policy.
    pub due_at: DateTime<Utc>,
}

impl From<&ReviewFallingDue> for ReviewFallingDueDto {
    fn from(entry: &ReviewFallingDue) -> Self {
        Self {
            customer_guid: entry.customer_guid.to_string(),
            customer_type: entry.customer_type.as_str().to_owned(),
            risk_level: entry.risk_level.as_str().to_owned(),
            last_reviewed_at: entry.last_reviewed_at,
            due_at: entry.due_at,
        }
    }
}

/// A page of the reviews falling due, soonest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewsFallingDueDto {
    /// Reviews falling due within the window in all pages.
    pub total: u64,
    /// This page, from 0.
    pub page: u32,
    /// Page size.
    pub per_page: u32,
    /// The window, in days from the request.
    pub within_days: u32,
    /// The customers.
    pub objects: Vec<ReviewFallingDueDto>,
}

/// A document in force that expires soon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExpiringDocumentDto {
    /// The customer's guid.
    pub customer_guid: String,
    /// `individual` or `business`.
    pub customer_type: String,
    /// The customer's lifecycle state (`unverified` or `verified`).
    pub state: String,
    /// The document's guid.
    pub document_guid: String,
    /// What the document is (`passport`, `drivers_license`, …).
    pub document_type: String,
    /// The associate the document identifies, for a business's associate documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associate_guid: Option<String>,
    /// Its last valid day (it expires the day after).
    pub expires_on: NaiveDate,
}

impl From<&ExpiringDocument> for ExpiringDocumentDto {
    fn from(entry: &ExpiringDocument) -> Self {
        Self {
            customer_guid: entry.customer_guid.to_string(),
            customer_type: entry.customer_type.as_str().to_owned(),
            state: entry.state.as_str().to_owned(),
            document_guid: entry.document_guid.to_string(),
            document_type: entry.document_kind.as_str().to_owned(),
            associate_guid: entry.associate_guid.map(|guid| guid.to_string()),
            expires_on: entry.expires_on,
        }
    }
}

/// A page of the documents expiring soon, soonest expiry first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentsExpiringDto {
    /// Documents expiring within the window in all pages.
    pub total: u64,
    /// This page, from 0.
    pub page: u32,
    /// Page size.
    pub per_page: u32,
    /// The window, in days from the request.
    pub within_days: u32,
    /// The documents.
    pub objects: Vec<ExpiringDocumentDto>,
}

/// A page of any operator queue: the body of `GET /api/queues/<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum QueueDto {
    /// `documents_pending_review`.
    DocumentsPendingReview(DocumentsPendingReviewDto),
    /// `awaiting_second_approval`.
    AwaitingSecondApproval(AwaitingSecondApprovalDto),
    /// `reviews_falling_due`.
    ReviewsFallingDue(ReviewsFallingDueDto),
    /// `documents_expiring`.
    DocumentsExpiring(DocumentsExpiringDto),
}

impl QueueDto {
    /// Renders `found`, the answer to `query`, whose window (for the queues that take one)
    /// spans `within_days`.
    pub fn new(query: &QueueQuery, within_days: u32, found: &QueuePage) -> Self {
        let (total, page, per_page) = (found.total, query.page, query.per_page);
        match &found.entries {
            QueueEntries::DocumentsPendingReview(entries) => {
                Self::DocumentsPendingReview(DocumentsPendingReviewDto {
                    total,
                    page,
                    per_page,
                    objects: entries.iter().map(PendingDocumentDto::from).collect(),
                })
            }
            QueueEntries::AwaitingSecondApproval(entries) => {
                Self::AwaitingSecondApproval(AwaitingSecondApprovalDto {
                    total,
                    page,
                    per_page,
                    objects: entries.iter().map(AwaitingApprovalDto::from).collect(),
                })
            }
            QueueEntries::ReviewsFallingDue(entries) => {
                Self::ReviewsFallingDue(ReviewsFallingDueDto {
                    total,
                    page,
                    per_page,
                    within_days,
                    objects: entries.iter().map(ReviewFallingDueDto::from).collect(),
                })
            }
            QueueEntries::DocumentsExpiring(entries) => {
                Self::DocumentsExpiring(DocumentsExpiringDto {
                    total,
                    page,
                    per_page,
                    within_days,
                    objects: entries.iter().map(ExpiringDocumentDto::from).collect(),
                })
            }
        }
    }
}
