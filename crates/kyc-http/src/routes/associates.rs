//! A business's associates (owners, directors, control persons).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use kyc_app::ports::CustomerStore;
use kyc_app::Operation;
use kyc_domain::values::AssociateDraft;

use super::{execute, path, Handled};
use crate::extract::{associate_guid, customer_guid, Ctx, JsonBody};
use crate::state::HttpState;

/// `POST /api/customers/{guid}/associates`.
pub async fn add<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    guid: Result<Path<String>, PathRejection>,
    JsonBody(draft): JsonBody<AssociateDraft>,
) -> Handled {
    let customer_guid = customer_guid(&ctx, &path(&ctx, guid)?)?;
    Ok(execute(
        &state,
        &ctx,
        Operation::AddAssociate {
            customer_guid,
            draft,
        },
    )
    .await)
}

/// `PATCH /api/customers/{guid}/associates/{associate_guid}`.
pub async fn update<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    ids: Result<Path<(String, String)>, PathRejection>,
    JsonBody(draft): JsonBody<AssociateDraft>,
) -> Handled {
    let (guid, associate) = path(&ctx, ids)?;
    let customer_guid = customer_guid(&ctx, &guid)?;
    let associate_guid = associate_guid(&ctx, &associate)?;
    Ok(execute(
        &state,
        &ctx,
        Operation::UpdateAssociate {
            customer_guid,
            associate_guid,
            draft,
        },
    )
    .await)
}

/// `DELETE /api/customers/{guid}/associates/{associate_guid}`.
pub async fn remove<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Handled {
    let (guid, associate) = path(&ctx, ids)?;
    let customer_guid = customer_guid(&ctx, &guid)?;
    let associate_guid = associate_guid(&ctx, &associate)?;
    Ok(execute(
        &state,
        &ctx,
        Operation::RemoveAssociate {
            customer_guid,
            associate_guid,
        },
    )
    .await)
}
