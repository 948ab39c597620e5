//! The HTTP adapter of kyc: the customer resource of DESIGN.md §4 over axum.
//!
//! [`router`] builds the whole API from an [`HttpState`]: the application's command and query
//! services, a [`JwtVerifier`] for bearer tokens, readiness [`Probe`]s and a Prometheus
//! registry. Handlers only translate: they authenticate, parse paths and bodies into the
//! domain's drafts, hand an [`kyc_app::Operation`] to the command service (which handles
//! scopes, tenant isolation and idempotency) and send back its answer as is.
//!
//! The OpenAPI document is written by hand (`openapi.json`, embedded with `include_str!`)
//! rather than derived: the request bodies are the domain's drafts, and deriving schemas
//! would put an HTTP documentation dependency into the pure domain crate. A test checks that
//! every route of the router appears in the document, so the two cannot drift apart silently.

pub mod auth;
pub mod cybrid;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod routes;
pub mod state;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post};
use axum::Router;
use kyc_app::ports::CustomerStore;

pub use auth::{mint_hs256, AuthConfigError, Claims, JwtVerifier};
pub use error::{Failure, HttpError};
pub use state::{HttpState, Probe, ProbeFuture};

use routes::{associates, customers, documents, lifecycle, ops};

/// Largest JSON body outside document uploads.
pub const MAX_JSON_BODY_BYTES: usize = 1024 * 1024;

/// Every route as `(method, path template)`, in the order the router declares them; the
/// OpenAPI test checks each one is documented.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/customers"),
    ("get", "/api/customers"),
    ("get", "/api/customers/{guid}"),
    ("patch", "/api/customers/{guid}"),
    ("post", "/api/customers/{guid}/documents"),
    (
        "get",
        "/api/customers/{guid}/documents/{document_guid}/content",
    ),
    (
        "post",
        "/api/customers/{guid}/documents/{document_guid}/review",
    ),
    ("post", "/api/customers/{guid}/associates"),
    ("patch", "/api/customers/{guid}/associates/{associate_guid}"),
    (
        "delete",
        "/api/customers/{guid}/associates/{associate_guid}",
    ),
    ("post", "/api/customers/{guid}/verify"),
    ("post", "/api/customers/{guid}/reject"),
    ("post", "/api/customers/{guid}/freeze"),
    ("post", "/api/customers/{guid}/unfreeze"),
    ("get", "/api/customers/{guid}/verification_profiles"),
    ("get", "/api/customers/{guid}/events"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("get", "/docs"),
];

/// The whole HTTP API.
pub fn router<S: CustomerStore>(state: HttpState<S>) -> Router {
    let api = Router::new()
        .route(
            "/api/customers",
            post(customers::create::<S>).get(customers::list::<S>),
        )
        .route(
            "/api/customers/{guid}",
            get(customers::get::<S>).patch(customers::patch::<S>),
        )
        .route(
            "/api/customers/{guid}/documents",
            post(documents::submit::<S>)
                .layer(DefaultBodyLimit::max(documents::MAX_UPLOAD_BODY_BYTES)),
        )
        .route(
            "/api/customers/{guid}/documents/{document_guid}/content",
            get(documents::content::<S>),
        )
        .route(
            "/api/customers/{guid}/documents/{document_guid}/review",
            post(documents::review::<S>),
        )
        .route(
            "/api/customers/{guid}/associates",
            post(associates::add::<S>),
        )
        .route(
            "/api/customers/{guid}/associates/{associate_guid}",
            patch(associates::update::<S>).delete(associates::remove::<S>),
        )
        .route("/api/customers/{guid}/verify", post(lifecycle::verify::<S>))
        .route("/api/customers/{guid}/reject", post(lifecycle::reject::<S>))
        .route("/api/customers/{guid}/freeze", post(lifecycle::freeze::<S>))
        .route(
            "/api/customers/{guid}/unfreeze",
            post(lifecycle::unfreeze::<S>),
        )
        .route(
            "/api/customers/{guid}/verification_profiles",
            get(lifecycle::verification_profiles::<S>),
        )
        .route("/api/customers/{guid}/events", get(lifecycle::events::<S>))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz::<S>))
        .route("/metrics", get(ops::metrics::<S>))
        .route("/openapi.json", get(ops::openapi))
        .route("/docs", get(ops::docs))
        .fallback(middleware::not_found);
    api.layer(DefaultBodyLimit::max(MAX_JSON_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe::<S>,
        ))
        .with_state(state)
}
