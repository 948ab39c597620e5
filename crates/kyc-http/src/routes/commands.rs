//! Every command of the API through one handler: its route, body and answer come from the
//! command's registration ([`kyc_app::commands::visit_commands`]).

use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::StatusCode;
use axum::routing::{delete, patch, post, MethodRouter};
use axum::Router;
use kyc_app::commands::{BodyFormat, Command, CommandVisitor, Method};
use kyc_app::ports::CustomerStore;

use super::documents::{read_multipart, MAX_UPLOAD_BODY_BYTES};
use super::{Handled, PathIds};
use crate::error::{json_response, Failure, HttpError};
use crate::extract::{is_json, is_multipart, optional_json_body, parse_json, Ctx, JsonBody};
use crate::state::HttpState;

/// Adds each visited command's route to a router.
pub struct CommandRoutes<S: CustomerStore> {
    /// The router so far.
    pub router: Router<HttpState<S>>,
}

impl<S: CustomerStore> CommandVisitor for CommandRoutes<S> {
    fn visit<C: Command>(&mut self) {
        let handler: MethodRouter<HttpState<S>> = match C::SPEC.method {
            Method::Post => post(handle::<S, C>),
            Method::Patch => patch(handle::<S, C>),
            Method::Delete => delete(handle::<S, C>),
        };
        let handler = if C::SPEC.body == BodyFormat::Upload {
            handler.layer(DefaultBodyLimit::max(MAX_UPLOAD_BODY_BYTES))
        } else {
            handler
        };
        let router = std::mem::take(&mut self.router);
        self.router = router.route(C::SPEC.path, handler);
    }
}

/// Reads the command from the request, executes it, counts it, and answers: 201 or 200 with
/// the customer, or the error body.
async fn handle<S: CustomerStore, C: Command>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    PathIds(target): PathIds,
    request: Request,
) -> Handled {
    let command = read_command::<S, C>(&state, &ctx, &target, request).await?;
    let outcome = state.commands.execute(&ctx.0, command).await;
    let label = match &outcome {
        Ok(_) => "ok",
        Err(refusal) => refusal.code.as_str(),
    };
    state.metrics.observe_command(C::SPEC.name, label);
    match outcome {
        Ok(executed) => {
            let status = if executed.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(json_response(status, &executed.customer))
        }
        Err(refusal) => Err(ctx.fail(refusal)),
    }
}

async fn read_command<S: CustomerStore, C: Command>(
    state: &HttpState<S>,
    ctx: &Ctx,
    target: &kyc_app::commands::Target,
    request: Request,
) -> Result<C, Failure> {
    let trace_id = &ctx.0.request_id;
    let body: C::Body = match C::SPEC.body {
        BodyFormat::Json => JsonBody::<C::Body>::from_request(request, state).await?.0,
        BodyFormat::Empty => parse_json(b"{}", trace_id)?,
        BodyFormat::OptionalJson => optional_json_body(request, state, trace_id).await?,
        BodyFormat::Upload if is_multipart(request.headers()) => {
            let (draft, content) = read_multipart(ctx, request, state).await?;
            return C::from_upload(target, draft, content).map_err(|error| ctx.fail(error));
        }
        BodyFormat::Upload if is_json(request.headers()) => {
            JsonBody::<C::Body>::from_request(request, state).await?.0
        }
        BodyFormat::Upload => {
            return Err(ctx.fail(HttpError::malformed(
                "Content-Type must be multipart/form-data or application/json",
            )))
        }
    };
    C::from_request(target, body).map_err(|error| ctx.fail(error))
}
