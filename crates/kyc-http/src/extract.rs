//! Extractors: the request context (who, which request, which retry key), JSON bodies and
//! path ids, each refusing in the API's error shape rather than axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use kyc_app::ports::CustomerStore;
use kyc_app::{RequestContext, Source};
use serde::de::DeserializeOwned;

use crate::error::{Failure, HttpError};
use crate::state::HttpState;

/// The request id of a request: the caller's `X-Request-Id` or a generated one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// Marks a request whose `X-Request-Id` was malformed (it got a fresh id instead). The
/// middleware only marks it; [`Ctx`] (after the token) and [`CheckedRequestId`] refuse it, so
/// that an unknown route stays a 404, an undeclared method a 405 and a missing token a 401
/// whatever the header says.
#[derive(Debug, Clone, Copy)]
pub struct MalformedRequestId;

/// The request id of a route without a token (the operational routes): refuses a malformed
/// `X-Request-Id` like [`Ctx`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRequestId(pub String);

impl<St: Send + Sync> FromRequestParts<St> for CheckedRequestId {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _: &St) -> Result<Self, Self::Rejection> {
        let request_id = request_id(&parts.extensions);
        refuse_malformed_request_id(&parts.extensions, &request_id)?;
        Ok(Self(request_id))
    }
}

fn refuse_malformed_request_id(
    extensions: &axum::http::Extensions,
    request_id: &str,
) -> Result<(), Failure> {
    if extensions.get::<MalformedRequestId>().is_none() {
        return Ok(());
    }
    Err(Failure {
        error: HttpError::malformed(
            "X-Request-Id must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':', '-'",
        ),
        trace_id: request_id.to_owned(),
    })
}

/// Longest accepted `X-Request-Id`.
pub const MAX_REQUEST_ID_LEN: usize = 128;
/// Longest accepted `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// A new request id: a UUID v7 as 32 hex characters.
pub fn new_request_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// True for a request id a caller may send: 1–128 of `A–Z a–z 0–9 . _ : -`. Anything else
/// could smuggle text into logs and event metadata.
pub fn valid_request_id(raw: &str) -> bool {
    !raw.is_empty()
        && raw.len() <= MAX_REQUEST_ID_LEN
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// True for an idempotency key: 1–255 printable ASCII characters.
pub fn valid_idempotency_key(raw: &str) -> bool {
    !raw.is_empty()
        && raw.len() <= MAX_IDEMPOTENCY_KEY_LEN
        && raw.bytes().all(|b| (0x20..=0x7E).contains(&b))
}

/// The request id the middleware attached (a fresh one if it did not run).
pub fn request_id(parts: &axum::http::Extensions) -> String {
    parts
        .get::<RequestId>()
        .map_or_else(new_request_id, |id| id.0.clone())
}

/// The authenticated request context.
#[derive(Debug, Clone)]
pub struct Ctx(pub RequestContext);

impl Ctx {
    /// A failure answering this request.
    pub fn fail(&self, error: impl Into<HttpError>) -> Failure {
        Failure {
            error: error.into(),
            trace_id: self.0.request_id.clone(),
        }
    }
}

impl<S: CustomerStore> FromRequestParts<HttpState<S>> for Ctx {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &HttpState<S>,
    ) -> Result<Self, Self::Rejection> {
        let request_id = request_id(&parts.extensions);
        let fail = |error: HttpError| Failure {
            error,
            trace_id: request_id.clone(),
        };
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let principal = state
            .auth
            .verify_header(authorization)
            .map_err(|e| fail(e.into()))?;
        refuse_malformed_request_id(&parts.extensions, &request_id)?;
        let idempotency_key = if matches!(
            parts.method,
            Method::POST | Method::PATCH | Method::DELETE | Method::PUT
        ) {
            idempotency_key(&parts.headers).map_err(fail)?
        } else {
            None
        };
        let include_pii = include_pii(&parts.uri).map_err(fail)?;
        Ok(Self(RequestContext {
            principal,
            request_id: request_id.clone(),
            idempotency_key,
            source: Source::Http,
            received_at: chrono::Utc::now(),
            include_pii,
        }))
    }
}

/// The headers carrying an idempotency key, in order of precedence: ours (and Cybrid's,
/// SpherePay's), then Layer2's.
pub const IDEMPOTENCY_KEY_HEADERS: [&str; 2] = ["Idempotency-Key", "x-l2f-idempotency-id"];

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, HttpError> {
    let mut key = None;
    // Every given header is checked, so that a malformed one is never silently ignored.
    for name in IDEMPOTENCY_KEY_HEADERS {
        let Some(value) = headers.get(name) else {
            continue;
        };
        match value.to_str() {
            Ok(raw) if valid_idempotency_key(raw) => {
                key.get_or_insert_with(|| raw.to_owned());
            }
            _ => {
                return Err(HttpError::malformed(format!(
                    "{name} must be 1 to 255 printable ASCII characters"
                )))
            }
        }
    }
    Ok(key)
}

fn include_pii(uri: &axum::http::Uri) -> Result<bool, HttpError> {
    // Unknown parameters are judged by each route's own parameter type; this reads one, from
    // the pairs, so that a query the route would otherwise ignore cannot hide a repeated or
    // malformed `include_pii`.
    let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(uri) else {
        return Err(HttpError::malformed("the query string cannot be read"));
    };
    let mut given = pairs
        .into_iter()
        .filter(|(name, _)| name == "include_pii")
        .map(|(_, value)| value);
    let include_pii = given.next();
    if given.next().is_some() {
        return Err(HttpError::malformed(
            "query parameter include_pii is given more than once",
        ));
    }
    // Case-insensitive: Cybrid's Python client sends Python's `True` and `False`.
    match include_pii.as_deref() {
        None => Ok(false),
        Some(raw) if raw.eq_ignore_ascii_case("false") => Ok(false),
        Some(raw) if raw.eq_ignore_ascii_case("true") => Ok(true),
        Some(_) => Err(HttpError::malformed(
            "query parameter include_pii must be true or false",
        )),
    }
}

/// Query parameters of type `T` (which should deny unknown fields); a bad one is a 400 naming it.
pub fn query<T: DeserializeOwned>(ctx: &Ctx, uri: &axum::http::Uri) -> Result<T, Failure> {
    Query::<T>::try_from_uri(uri)
        .map(|Query(value)| value)
        .map_err(|rejection| {
            ctx.fail(HttpError::malformed(format!(
                "invalid query string: {}",
                rejection.body_text()
            )))
        })
}

/// A JSON body: `Content-Type: application/json` required, unknown fields refused.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// True when the request declares a JSON body (`application/json` or `application/*+json`).
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .is_some_and(|mime| {
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}

/// True when the request declares a multipart form.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Reads the whole body; a body over the route's limit is a 413.
pub async fn body_bytes<St: Send + Sync>(
    request: Request,
    state: &St,
    trace_id: &str,
) -> Result<Bytes, Failure> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| Failure {
            error: if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                HttpError::too_large("the request body is too large")
            } else {
                HttpError::malformed("the request body could not be read")
            },
            trace_id: trace_id.to_owned(),
        })
}

/// Parses a JSON body; serde's message names the offending field (and never reaches the logs).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8], trace_id: &str) -> Result<T, Failure> {
    serde_json::from_slice(bytes).map_err(|error| Failure {
        error: HttpError::malformed(format!("invalid JSON body: {error}")),
        trace_id: trace_id.to_owned(),
    })
}

impl<T: DeserializeOwned, St: Send + Sync> FromRequest<St> for JsonBody<T> {
    type Rejection = Failure;

    async fn from_request(request: Request, state: &St) -> Result<Self, Self::Rejection> {
        let trace_id = request_id(request.extensions());
        if !is_json(request.headers()) {
            return Err(Failure {
                error: HttpError::malformed("Content-Type must be application/json"),
                trace_id,
            });
        }
        let bytes = body_bytes(request, state, &trace_id).await?;
        parse_json(&bytes, &trace_id).map(JsonBody)
    }
}

/// An optional JSON body: no body (or only white space) reads as `{}`; otherwise as
/// [`JsonBody`].
pub async fn optional_json_body<T: DeserializeOwned, St: Send + Sync>(
    request: Request,
    state: &St,
    trace_id: &str,
) -> Result<T, Failure> {
    let declared_json = is_json(request.headers());
    let bytes = body_bytes(request, state, trace_id).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return parse_json(b"{}", trace_id);
    }
    if !declared_json {
        return Err(Failure {
            error: HttpError::malformed("Content-Type must be application/json"),
            trace_id: trace_id.to_owned(),
        });
    }
    parse_json(&bytes, trace_id)
}
