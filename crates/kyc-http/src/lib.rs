//! The HTTP adapter of kyc: the customer resource of DESIGN.md §4 over axum.
//!
//! [`router`] builds the whole API from an [`HttpState`]: the application's command and query
//! services, a [`JwtVerifier`] for bearer tokens, readiness [`Probe`]s and a Prometheus
//! registry. Handlers only translate: they authenticate, read path ids and bodies into a
//! [`kyc_app::Command`], hand it to the command service (which handles scopes, tenant
//! isolation and idempotency) and render its typed outcome: the status and error body are
//! chosen here, once ([`error`]).
//!
//! Every command is routed from its registration in `kyc_app::commands`, through one
//! generic handler; [`openapi::document`] describes the same registrations and the read
//! handlers, so the published contract is generated from the code that serves it.

pub mod auth;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod state;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use kyc_app::ports::CustomerStore;

pub use auth::{mint_hs256, AuthConfigError, Claims, JwtVerifier};
pub use error::{status_of, ErrorBody, Failure, HttpError};
pub use state::{HttpState, Probe, ProbeFuture};

use kyc_app::commands::visit_commands;
use routes::commands::CommandRoutes;
use routes::{connect, customers, documents, layer2, ops, queues, screening, spherepay, views};

/// Largest JSON body outside document uploads.
pub const MAX_JSON_BODY_BYTES: usize = 1024 * 1024;

/// The whole HTTP API.
pub fn router<S: CustomerStore>(state: HttpState<S>) -> Router {
    let mut commands = CommandRoutes {
        router: Router::new(),
    };
    visit_commands(&mut commands);
    let api = queues::add(commands.router)
        .merge(layer2::routes::<S>())
        .merge(spherepay::routes::<S>())
        .merge(connect::routes::<S>())
        .route("/api/customers", get(customers::list::<S>))
        .route("/api/customers/{guid}", get(customers::get::<S>))
        .route(
            "/api/customers/{guid}/documents/{document_guid}/content",
            get(documents::content::<S>),
        )
        .route(
            "/api/customers/{guid}/verification_profiles",
            get(views::verification_profiles::<S>),
        )
        .route("/api/customers/{guid}/events", get(views::events::<S>))
        .route("/api/screenings", post(screening::screen::<S>))
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
