//! Why a request failed, and how each failure is answered: one table of status and code.

use kyc_domain::values::{FieldError, ValidationErrors};
use kyc_domain::CustomerError;
use thiserror::Error;

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
    /// A dependency is down; retry after the given seconds.
    #[error("service unavailable")]
    Unavailable,
    /// A bug or corrupt data; details are logged, never shown.
    #[error("internal error")]
    Internal(String),
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
    /// The HTTP status (also carried in NATS replies).
    pub fn status(&self) -> u16 {
        match self {
            Self::Malformed(_) => 400,
            Self::Unauthenticated => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound => 404,
            Self::Domain(error) => match error {
                CustomerError::NotFound
                | CustomerError::UnknownDocument(_)
                | CustomerError::UnknownAssociate(_) => 404,
                CustomerError::InvalidTransition { .. }
                | CustomerError::FieldLocked { .. }
                | CustomerError::ProfileIncomplete { .. }
                | CustomerError::DocumentAlreadyReviewed(_)
                | CustomerError::DuplicateId(_)
                // The request is well formed; the customer it targets is of the other type,
                // as fixed at creation: a conflict with the resource, not invalid input.
                // (As a 422, a schema-valid request was "rejected" in the contract fuzz test.)
                | CustomerError::WrongCustomerType { .. } => 409,
                CustomerError::Validation(_) => 422,
            },
            Self::DuplicateExternalId | Self::ConcurrentModification => 409,
            Self::Invalid(_) | Self::IdempotencyMismatch => 422,
            Self::Unavailable => 503,
            Self::Internal(_) => 500,
        }
    }

    /// The stable `message_code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Domain(error) => error.code(),
            Self::Malformed(_) => "malformed_request",
            Self::Invalid(_) => "validation",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound => "customer_not_found",
            Self::IdempotencyMismatch => "idempotency_key_reused",
            Self::DuplicateExternalId => "duplicate_external_id",
            Self::ConcurrentModification => "concurrent_modification",
            Self::Unavailable => "service_unavailable",
            Self::Internal(_) => "internal_error",
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
            Self::Domain(CustomerError::Validation(errors)) | Self::Invalid(errors) => {
                errors.errors().to_vec()
            }
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
                    details.extend(
                        list.iter()
                            .map(|c| FieldError::new(c.as_str(), code, message)),
                    );
                }
                details
            }
            _ => Vec::new(),
        }
    }
}
