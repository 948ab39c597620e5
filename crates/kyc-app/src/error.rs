//! Why a request failed: typed errors, their transport-neutral class, and the [`Refusal`]
//! callers are told (and idempotency records keep). Status codes are the adapters' business.

use chrono::{DateTime, Utc};
use kyc_domain::customer::Criterion;
use kyc_domain::values::{FieldError, ValidationErrors};
use kyc_domain::CustomerError;
use thiserror::Error;

use serde::{Deserialize, Serialize};

use crate::ports::StoreFailure;
use crate::principal::Scope;

/// A failed request.
#[derive(Debug, Error)]
pub enum AppError {
    /// The domain refused the command.
    #[error(transparent)]
    Domain(#[from] CustomerError),
    /// The request could not be read (malformed JSON, wrong content type, bad parameter).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The request is well-formed but a field is invalid (outside the domain's own checks).
    #[error("invalid request: {0}")]
    Invalid(ValidationErrors),
    /// No credentials, or credentials that do not verify.
    #[error("authentication required")]
    Unauthenticated,
    /// The caller lacks a scope.
    #[error("missing scope {0}")]
    Forbidden(Scope),
    /// The customer does not exist or belongs to another tenant (indistinguishable on purpose).
    #[error("customer not found")]
    NotFound,
    /// The idempotency key was used before with a different request.
    #[error("idempotency key reused with a different request")]
    IdempotencyMismatch,
    /// The external id is used by another customer of the tenant.
    #[error("external id already in use")]
    DuplicateExternalId,
    /// Concurrent writers kept winning; the caller may retry.
    #[error("concurrent modification; retry the request")]
    ConcurrentModification,
    /// The request or a document in it is larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// A dependency is down; retry after the given seconds.
    #[error("service unavailable")]
    Unavailable,
    /// A bug or corrupt data; details are logged, never shown.
    #[error("internal error")]
    Internal(String),
    /// A close as `dormant` by the retention sweeper found the application active again (or
    /// no longer an application) when it came to decide.
    #[error("the application is not dormant")]
    NotDormant,
}

impl From<StoreFailure> for AppError {
    fn from(failure: StoreFailure) -> Self {
        match failure {
            StoreFailure::Conflict => Self::ConcurrentModification,
            StoreFailure::ExternalIdTaken(_) => Self::DuplicateExternalId,
            StoreFailure::Unavailable(_) => Self::Unavailable,
            StoreFailure::Corrupt(detail) | StoreFailure::Other(detail) => Self::Internal(detail),
        }
    }
}

impl AppError {
    /// The class of the failure, which each adapter answers in its own protocol.
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::Malformed(_) => FailureKind::Malformed,
            Self::Unauthenticated => FailureKind::Unauthenticated,
            Self::Forbidden(_) => FailureKind::Forbidden,
            Self::NotFound => FailureKind::NotFound,
            Self::Domain(error) => match error {
                CustomerError::NotFound
                | CustomerError::UnknownDocument(_)
                | CustomerError::UnknownAssociate(_)
                | CustomerError::UnknownDuplicate(_)
                | CustomerError::UnknownMatch(_) => FailureKind::NotFound,
                CustomerError::InvalidTransition { .. }
                | CustomerError::FieldLocked { .. }
                | CustomerError::ProfileIncomplete { .. }
                | CustomerError::DocumentAlreadyReviewed(_)
                | CustomerError::DuplicateId(_)
                // The request is well formed; the customer it targets is of the other type,
                // as fixed at creation: a conflict with the resource, not invalid input.
                | CustomerError::WrongCustomerType { .. }
                | CustomerError::FieldsOfOtherType { .. }
                | CustomerError::OwnershipExceeded
                | CustomerError::InconsistentWithStored(_)
                // Record keeping: what the customer's history and holds allow, not the input.
                | CustomerError::Erased
                | CustomerError::LegalHold
                | CustomerError::RetentionHold { .. }
                | CustomerError::RetentionNotStarted
                | CustomerError::LegalHoldUnchanged { .. }
                // Four eyes: who else has decided, not the input.
                | CustomerError::FourEyesRequired(_)
                | CustomerError::AlreadyApproved
                | CustomerError::MatchAlreadyResolved(_) => FailureKind::Conflict,
                CustomerError::SeniorApprovalRequired => FailureKind::Forbidden,
                CustomerError::Validation(_) => FailureKind::Invalid,
                // The service always names the actor; a command without one is its bug.
                CustomerError::ActorRequired(_) => FailureKind::Internal,
            },
            Self::DuplicateExternalId | Self::ConcurrentModification | Self::NotDormant => {
                FailureKind::Conflict
            }
            Self::Invalid(_) | Self::IdempotencyMismatch => FailureKind::Invalid,
            Self::TooLarge(_) => FailureKind::TooLarge,
            Self::Unavailable => FailureKind::Unavailable,
            Self::Internal(_) => FailureKind::Internal,
        }
    }

    /// What the caller is told. Internal errors and outages are logged here, once, with their
    /// detail; the refusal carries none of it.
    pub fn refusal(&self) -> Refusal {
        if matches!(self, Self::Internal(_) | Self::Unavailable) {
            tracing::error!(error = ?self, "request failed");
        }
        Refusal {
            kind: self.kind(),
            code: self.code().to_owned(),
            message: self.public_message(),
            retention_until: match self {
                Self::Domain(CustomerError::RetentionHold { retention_until }) => {
                    Some(*retention_until)
                }
                _ => None,
            },
            errors: self
                .field_errors()
                .into_iter()
                .map(|e| FieldErrorDto {
                    field: e.field,
                    code: e.code.as_str().to_owned(),
                    message: e.message,
                })
                .collect(),
        }
    }

    /// The stable `message_code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Domain(error) => error.code(),
            Self::Malformed(_) => "malformed_request",
            Self::TooLarge(_) => "payload_too_large",
            Self::Invalid(_) => "validation",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound => "customer_not_found",
            Self::IdempotencyMismatch => "idempotency_key_reused",
            Self::DuplicateExternalId => "duplicate_external_id",
            Self::ConcurrentModification => "concurrent_modification",
            Self::Unavailable => "service_unavailable",
            Self::Internal(_) => "internal_error",
            Self::NotDormant => "not_dormant",
        }
    }

    /// The sentence for the caller; never contains database text or personal data.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "an internal error occurred; it has been logged".to_owned(),
            Self::Unavailable => "a dependency is unavailable; retry later".to_owned(),
            Self::Domain(CustomerError::NotFound) => "customer not found".to_owned(),
            other => other.to_string(),
        }
    }

    /// Field-level details, where there are any.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Self::Domain(
                CustomerError::Validation(errors)
                | CustomerError::FieldsOfOtherType { errors, .. }
                | CustomerError::InconsistentWithStored(errors),
            )
            | Self::Invalid(errors) => errors.errors().to_vec(),
            Self::Domain(CustomerError::OwnershipExceeded) => vec![FieldError::new(
                "ownership_percentage",
                kyc_domain::values::ValidationCode::OutOfRange,
                "the associates' shares would exceed 100%",
            )],
            Self::Domain(CustomerError::FieldLocked { fields, .. }) => fields
                .iter()
                .map(|field| {
                    FieldError::new(
                        *field,
                        kyc_domain::values::ValidationCode::NotAllowed,
                        "is locked",
                    )
                })
                .collect(),
            Self::Domain(CustomerError::ProfileIncomplete {
                required,
                pending,
                errors,
            }) => {
                let mut details = Vec::new();
                for (list, code, message) in [
                    (
                        required,
                        kyc_domain::values::ValidationCode::Required,
                        "is required",
                    ),
                    (
                        pending,
                        kyc_domain::values::ValidationCode::Required,
                        "awaits review",
                    ),
                    (
                        errors,
                        kyc_domain::values::ValidationCode::Required,
                        "was rejected",
                    ),
                ] {
                    details.extend(list.iter().map(|c| {
                        let message = if *c == Criterion::UniqueIdentity {
                            "another customer has the same tax or identification number \
                             (resolve_duplicate)"
                        } else {
                            message
                        };
                        FieldError::new(c.as_str(), code, message)
                    }));
                }
                details
            }
            _ => Vec::new(),
        }
    }
}

/// The class of a failure: what an adapter needs to pick its protocol's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The request could not be read.
    Malformed,
    /// No valid credentials.
    Unauthenticated,
    /// A scope is missing.
    Forbidden,
    /// What the request names does not exist (for this tenant).
    NotFound,
    /// The request conflicts with the resource's state or another request.
    Conflict,
    /// A field is invalid.
    Invalid,
    /// The request is larger than allowed.
    TooLarge,
    /// A dependency is down.
    Unavailable,
    /// A bug or corrupt data.
    Internal,
}

/// One field's problem, as callers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldErrorDto {
    /// The field's path, such as `address.country_code` or `reason_codes[1]`.
    pub field: String,
    /// A stable code: `required`, `invalid_format`, `too_long`, …
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

/// A failure as the caller is told it: its class, a stable code, a sentence without database
/// text or personal data, and field details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// The class, from which adapters pick a status.
    pub kind: FailureKind,
    /// The stable `message_code`.
    pub code: String,
    /// The sentence.
    pub message: String,
    /// For `retention_hold`: when the records may be erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_until: Option<DateTime<Utc>>,
    /// Field details, where there are any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorDto>,
}

impl Refusal {
    /// True for a refusal by the rules (the customer moved on, or is gone); false for a
    /// failure, including a customer that kept being written concurrently, which a background
    /// run leaves to its next pass.
    pub fn is_rule(&self) -> bool {
        matches!(self.kind, FailureKind::Conflict | FailureKind::NotFound)
            && self.code != "concurrent_modification"
    }

    /// A refusal the adapter itself decides on (unknown route, wrong method …).
    pub fn new(kind: FailureKind, code: &str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: code.to_owned(),
            message: message.into(),
            retention_until: None,
            errors: Vec::new(),
        }
    }
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        error.refusal()
    }
}
