//! Decisions on a customer (verify, reject, freeze, unfreeze) and its derived views
//! (verification profiles, audit trail).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use kyc_app::ports::CustomerStore;
use kyc_app::Operation;
use kyc_domain::customer::{FreezeDraft, RejectDraft};
use serde_json::json;

use super::{answer, execute, path, Handled};
use crate::extract::{customer_guid, Ctx, NoFields, OptionalJsonBody};
use crate::state::HttpState;

/// `POST /api/customers/{guid}/verify` (empty body or `{}`).
pub async fn verify<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    guid: Result<Path<String>, PathRejection>,
    OptionalJsonBody(NoFields {}): OptionalJsonBody<NoFields>,
) -> Handled {
    let customer_guid = customer_guid(&ctx, &path(&ctx, guid)?)?;
    Ok(execute(&state, &ctx, Operation::Verify { customer_guid }).await)
}

/// `POST /api/customers/{guid}/reject`.
pub async fn reject<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    guid: Result<Path<String>, PathRejection>,
    OptionalJsonBody(draft): OptionalJsonBody<RejectDraft>,
) -> Handled {
    let customer_guid = customer_guid(&ctx, &path(&ctx, guid)?)?;
    Ok(execute(
        &state,
        &ctx,
        Operation::Reject {
            customer_guid,
            draft,
        },
    )
    .await)
}

/// `POST /api/customers/{guid}/freeze`.
pub async fn freeze<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    guid: Result<Path<String>, PathRejection>,
    OptionalJsonBody(draft): OptionalJsonBody<FreezeDraft>,
) -> Handled {
    let customer_guid = customer_guid(&ctx, &path(&ctx, guid)?)?;
    Ok(execute(
        &state,
        &ctx,
        Operation::Freeze {
            customer_guid,
            draft,
        },
    )
    .await)
}

/// `POST /api/customers/{guid}/unfreeze` (empty body or `{}`).
pub async fn unfreeze<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    guid: Result<Path<String>, PathRejection>,
    OptionalJsonBody(NoFields {}): OptionalJsonBody<NoFields>,
) -> Handled {
    let customer_guid = customer_guid(&ctx, &path(&ctx, guid)?)?;
    Ok(execute(&state, &ctx, Operation::Unfreeze { customer_guid }).await)
}

/// `GET /api/customers/{guid}/verification_profiles` → `{verification_profiles: [...]}`.
pub async fn verification_profiles<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    guid: Result<Path<String>, PathRejection>,
) -> Handled {
    let guid = customer_guid(&ctx, &path(&ctx, guid)?)?;
    let result = state.queries.verification_profiles(&ctx.0, guid).await;
    answer(
        &ctx,
        result.map(|profiles| json!({ "verification_profiles": profiles })),
    )
}

/// `GET /api/customers/{guid}/events` → `{customer_guid, events: [...]}`, the audit trail.
pub async fn events<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    guid: Result<Path<String>, PathRejection>,
) -> Handled {
    let guid = customer_guid(&ctx, &path(&ctx, guid)?)?;
    let result = state.queries.audit_trail(&ctx.0, guid).await;
    answer(
        &ctx,
        result.map(|events| json!({ "customer_guid": guid.to_string(), "events": events })),
    )
}
