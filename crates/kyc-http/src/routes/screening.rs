//! `POST /api/screenings`: screen a person or organisation against the tenant's sanctions and
//! PEP lists, ad hoc. Nothing is stored.

use axum::extract::State;
use kyc_app::dto::{ScreeningDto, ScreeningRequest};
use kyc_app::ports::CustomerStore;

use super::{answer, Handled};
use crate::extract::{Ctx, JsonBody};
use crate::state::HttpState;

/// `POST /api/screenings`.
#[utoipa::path(
    post,
    path = "/api/screenings",
    operation_id = "screen",
    tag = "screening",
    request_body = ScreeningRequest,
    responses(
        (status = 200, description = "The candidate list entries, best first, with scores and explanations", body = ScreeningDto),
    )
)]
pub async fn screen<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    JsonBody(request): JsonBody<ScreeningRequest>,
) -> Handled {
    answer(&ctx, state.queries.screen(&ctx.0, &request))
}
