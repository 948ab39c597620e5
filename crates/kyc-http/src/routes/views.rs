//! A customer's derived views: its verification profiles and its audit trail.

use axum::extract::State;
use kyc_app::dto::{AuditTrailDto, VerificationProfilesDto};
use kyc_app::ports::CustomerStore;

use super::{answer, Handled, PathIds};
use crate::extract::Ctx;
use crate::openapi::CustomerPathParam;
use crate::state::HttpState;

/// `GET /api/customers/{guid}/verification_profiles`.
#[utoipa::path(
    get,
    path = "/api/customers/{guid}/verification_profiles",
    operation_id = "get_verification_profiles",
    tag = "customers",
    params(CustomerPathParam),
    responses(
        (status = 200, description = "What the customer has, awaits and lacks", body = VerificationProfilesDto),
    )
)]
pub async fn verification_profiles<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    ids: PathIds,
) -> Handled {
    let guid = ids.customer(&ctx)?;
    answer(
        &ctx,
        state.queries.verification_profiles(&ctx.0, guid).await,
    )
}

/// `GET /api/customers/{guid}/events`: the audit trail.
#[utoipa::path(
    get,
    path = "/api/customers/{guid}/events",
    operation_id = "get_audit_trail",
    tag = "customers",
    params(CustomerPathParam),
    responses(
        (status = 200, description = "Every event of the customer, with actor, time and request id", body = AuditTrailDto),
    )
)]
pub async fn events<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    ids: PathIds,
) -> Handled {
    let guid = ids.customer(&ctx)?;
    answer(&ctx, state.queries.audit_trail(&ctx.0, guid).await)
}
