//! Errors as the HTTP API answers them: the one table from a failure's class to its status,
//! and the one error body of DESIGN.md §4: `{status, error_message, message_code, trace_id,
//! errors?}`. The NATS service answers with the same statuses and bodies.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kyc_app::{AppError, FailureKind, FieldErrorDto, Refusal};
use serde::{Deserialize, Serialize};

/// Seconds a client is told to wait after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// The status that answers a failure of `kind`.
pub fn status_of(kind: FailureKind) -> StatusCode {
    match kind {
        FailureKind::Malformed => StatusCode::BAD_REQUEST,
        FailureKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        FailureKind::Forbidden => StatusCode::FORBIDDEN,
        FailureKind::NotFound => StatusCode::NOT_FOUND,
        FailureKind::Conflict => StatusCode::CONFLICT,
        FailureKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        FailureKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        FailureKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        FailureKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The HTTP status, repeated.
    pub status: u16,
    /// A sentence for people; never database text or personal data.
    pub error_message: String,
    /// A stable code for programs: `validation`, `invalid_transition`, `customer_not_found` …
    pub message_code: String,
    /// The request id (`X-Request-Id`), to quote when asking about the request.
    pub trace_id: String,
    /// For `retention_hold`: when the retention period ends and the customer may be erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_until: Option<chrono::DateTime<chrono::Utc>>,
    /// Field details, for validation failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldErrorDto>>,
}

impl ErrorBody {
    /// The body answering `refusal` with `status`.
    pub fn new(status: StatusCode, refusal: &Refusal, trace_id: &str) -> Self {
        Self {
            status: status.as_u16(),
            error_message: refusal.message.clone(),
            message_code: refusal.code.clone(),
            trace_id: trace_id.to_owned(),
            retention_until: refusal.retention_until,
            errors: (!refusal.errors.is_empty()).then(|| refusal.errors.clone()),
        }
    }
}

/// Why a request was refused: by the application, or by the adapter itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// A refusal of the application (or one the adapter words the same way).
    Refused(Refusal),
    /// The route exists, the method does not.
    MethodNotAllowed,
}

impl From<AppError> for HttpError {
    fn from(error: AppError) -> Self {
        Self::Refused(error.refusal())
    }
}

impl From<Refusal> for HttpError {
    fn from(refusal: Refusal) -> Self {
        Self::Refused(refusal)
    }
}

impl HttpError {
    /// A 400 `malformed_request` naming the problem.
    pub fn malformed(message: impl Into<String>) -> Self {
        AppError::Malformed(message.into()).into()
    }

    /// A 413 naming the limit.
    pub fn too_large(message: impl Into<String>) -> Self {
        AppError::TooLarge(message.into()).into()
    }

    /// A 404 for a path that names no route.
    pub fn route_not_found() -> Self {
        Self::Refused(Refusal::new(
            FailureKind::NotFound,
            "route_not_found",
            "no such route",
        ))
    }

    /// A 404 for a path id that names nothing: a malformed id is answered exactly like a
    /// missing resource of its kind.
    pub fn unknown_id(code: &str, message: &str) -> Self {
        Self::Refused(Refusal::new(FailureKind::NotFound, code, message))
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Refused(refusal) => status_of(refusal.kind),
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    /// The answer, with `trace_id` set to the request id.
    pub fn respond(&self, trace_id: &str) -> Response {
        let status = self.status();
        let body = match self {
            Self::Refused(refusal) => ErrorBody::new(status, refusal, trace_id),
            Self::MethodNotAllowed => ErrorBody::new(
                status,
                &Refusal::new(
                    FailureKind::Malformed,
                    "method_not_allowed",
                    "this method is not allowed on this route",
                ),
                trace_id,
            ),
        };
        json_response(status, &body)
    }
}

/// A JSON response with `status`; a 503 carries `Retry-After`.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    }
    response
}

/// An error together with the request id it answers; what handlers return on failure.
#[derive(Debug)]
pub struct Failure {
    /// The error.
    pub error: HttpError,
    /// The request id, used as `trace_id`.
    pub trace_id: String,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        self.error.respond(&self.trace_id)
    }
}
