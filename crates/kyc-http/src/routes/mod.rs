//! Route handlers: every command through one generic handler ([`commands`]), every operator
//! queue through another ([`queues`]), the reads one module per resource, and what they share:
//! path ids and query answers.

pub mod commands;
pub mod compat;
pub mod connect;
pub mod customers;
pub mod documents;
pub mod layer2;
pub mod layer2_applications;
pub mod ops;
pub mod queues;
pub mod screening;
pub mod spherepay;
pub mod views;

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use kyc_app::commands::Target;
use kyc_app::AppError;
use kyc_domain::ids::{AssociateGuid, CustomerGuid, DocumentGuid};
use serde::Serialize;

use crate::error::{json_response, Failure, HttpError};
use crate::extract::{request_id, Ctx};

/// What a handler returns.
pub type Handled = Result<Response, Failure>;

/// A query result as a 200, or the error it ended with.
pub fn answer<T: Serialize>(ctx: &Ctx, result: Result<T, AppError>) -> Handled {
    result
        .map(|value| json_response(StatusCode::OK, &value))
        .map_err(|error| ctx.fail(error))
}

/// The ids of a route's path (`{guid}`, `{document_guid}`, `{associate_guid}`, `{match_id}`).
/// A malformed id names nothing that exists, so it is answered exactly like a missing resource
/// of its kind.
#[derive(Debug, Clone)]
pub struct PathIds(pub Target);

impl<St: Send + Sync> FromRequestParts<St> for PathIds {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let trace_id = request_id(&parts.extensions);
        let fail = |error: HttpError| Failure {
            error,
            trace_id: trace_id.clone(),
        };
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| fail(AppError::NotFound.into()))?;
        let mut target = Target::default();
        if let Some(raw) = params.get("guid") {
            target.customer =
                Some(CustomerGuid::parse(raw).map_err(|_| fail(AppError::NotFound.into()))?);
        }
        if let Some(raw) = params.get("document_guid") {
            target.document = Some(DocumentGuid::parse(raw).map_err(|_| {
                fail(HttpError::unknown_id(
                    "unknown_document",
                    "document not found",
                ))
            })?);
        }
        if let Some(raw) = params.get("associate_guid") {
            target.associate = Some(AssociateGuid::parse(raw).map_err(|_| {
                fail(HttpError::unknown_id(
                    "unknown_associate",
                    "associate not found",
                ))
            })?);
        }
        target.screening_match = params.get("match_id").cloned();
        Ok(Self(target))
    }
}

impl PathIds {
    /// The customer of a `/api/customers/{guid}…` route.
    pub fn customer(&self, ctx: &Ctx) -> Result<CustomerGuid, Failure> {
        self.0.customer().map_err(|error| ctx.fail(error))
    }

    /// The document of a `…/documents/{document_guid}…` route.
    pub fn document(&self, ctx: &Ctx) -> Result<DocumentGuid, Failure> {
        self.0.document().map_err(|error| ctx.fail(error))
    }
}
