//! `GET /api/queues/<name>`: the operator queues, one route per [`OperatorQueue`], all
//! answered by one handler. A new queue gets its route from [`OperatorQueue::ALL`].

use axum::extract::State;
use axum::http::Uri;
use axum::routing::get;
use axum::Router;
use kyc_app::ports::CustomerStore;
use kyc_app::{OperatorQueue, QueueParams};
use serde::Deserialize;

use super::{answer, Handled};
use crate::extract::{query, Ctx};
use crate::state::HttpState;

/// Query parameters of a queue: the paging, the window of the falling-due queues, and
/// `include_pii`, which every `/api` route reads
/// (a queue shows no personal data, so it changes nothing here).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueQueryParams {
    page: Option<u32>,
    per_page: Option<u32>,
    within_days: Option<u32>,
    #[serde(rename = "include_pii")]
    _include_pii: Option<String>,
}

/// Adds every queue's route to `router`.
pub fn add<S: CustomerStore>(router: Router<HttpState<S>>) -> Router<HttpState<S>> {
    OperatorQueue::ALL
        .into_iter()
        .fold(router, |router, queue| {
            router.route(
                &queue.path(),
                get(
                    move |State(state): State<HttpState<S>>, ctx: Ctx, uri: Uri| {
                        page(state, ctx, uri, queue)
                    },
                ),
            )
        })
}

/// `GET /api/queues/<queue>?page=&per_page=[&within_days=]`: a page of the caller's tenant's queue, oldest
/// first (`customers:review`). Documented per queue in [`crate::openapi`].
async fn page<S: CustomerStore>(
    state: HttpState<S>,
    ctx: Ctx,
    uri: Uri,
    queue: OperatorQueue,
) -> Handled {
    let params: QueueQueryParams = query(&ctx, &uri)?;
    let paging = QueueParams {
        page: params.page,
        per_page: params.per_page,
        within_days: params.within_days,
    };
    answer(&ctx, state.queries.queue(&ctx.0, queue, &paging).await)
}
