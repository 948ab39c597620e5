//! `/compat/layer2/v1/applications`: Layer2's onboarding flow, translated by
//! [`kyc_compat::layer2_applications`]. An application is the customer it onboards, named by
//! the customer's guid; its account to open, terms acceptance and submission are the
//! customer's `layer2:` labels, and its status is derived from the customer's state and
//! verification profile. Every change is a command of the native vocabulary (`create`,
//! `update_details`, `add_associate`, `update_associate`, `remove_associate`), with its
//! idempotency, scopes, tenants and audit; errors are answered in Layer2's shape by the
//! Layer2 router's error layer.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::Router;
use kyc_app::commands::{Command, Create, PatchCustomer, RemoveAssociate, Target};
use kyc_app::dto::{CustomerBody, CustomerDto, CustomerPatchBody, NoFields};
use kyc_app::ports::CustomerStore;
use kyc_app::{FailureKind, Refusal};
use kyc_compat::{layer2_applications as applications, layer2_individuals};
use serde_json::json;

use super::compat::{self, with_pii};
use super::layer2::{
    add_individual_to, change_individual_of, guid_of, individual_of, invalid, patch_refused,
    Layer2Errors,
};
use super::Handled;
use crate::error::{json_response, Failure};
use crate::extract::{Ctx, JsonBody};
use crate::state::HttpState;

/// The applications routes (the Layer2 router adds its error layer).
pub fn routes<S: CustomerStore>() -> Router<HttpState<S>> {
    Router::new()
        .route("/compat/layer2/v1/applications", post(start::<S>))
        .route(
            "/compat/layer2/v1/applications/{id}",
            get(read::<S>).patch(change::<S>),
        )
        .route(
            "/compat/layer2/v1/applications/{id}/status",
            get(status::<S>),
        )
        .route(
            "/compat/layer2/v1/applications/{id}/submit",
            post(submit::<S>),
        )
        .route(
            "/compat/layer2/v1/applications/{id}/individual",
            post(add_individual::<S>),
        )
        .route(
            "/compat/layer2/v1/applications/{id}/individual/{individual_id}",
            patch(change_individual::<S>).delete(remove_individual::<S>),
        )
}

/// `refusal` with its field paths as an application names them: `customer_details.<field>`
/// on a start, bare on a change.
fn in_application_names(mut refusal: Refusal, business: bool, starting: bool) -> Refusal {
    for error in &mut refusal.errors {
        error.field = if starting {
            applications::field_name(&error.field, business)
        } else if error.field == "labels" || error.field.starts_with("labels[") {
            "account_to_open".to_owned()
        } else {
            kyc_compat::layer2::field_name(&error.field, business)
        };
    }
    refusal
}

/// Executes a command of an application, its refusal in the application's names.
async fn execute<S: CustomerStore, C: Command>(
    state: &HttpState<S>,
    ctx: &Ctx,
    command: C,
    business: bool,
    starting: bool,
) -> Result<Box<CustomerDto>, Failure> {
    compat::execute(state, ctx, command)
        .await
        .map(|executed| executed.customer)
        .map_err(|refusal| ctx.fail(in_application_names(refusal, business, starting)))
}

/// The application `id` names: a customer of the tenant, by guid, onboarded through an
/// application; else 404.
async fn resolve<S: CustomerStore>(
    state: &HttpState<S>,
    ctx: &Ctx,
    id: &str,
) -> Result<CustomerDto, Failure> {
    let guid = kyc_domain::ids::CustomerGuid::parse(id)
        .map_err(|_| ctx.fail(kyc_app::AppError::NotFound))?;
    let customer = state
        .queries
        .customer(&ctx.0, guid, None)
        .await
        .map_err(|error| ctx.fail(error))?;
    if applications::is_application(&customer) {
        Ok(customer)
    } else {
        Err(ctx.fail(kyc_app::AppError::NotFound))
    }
}

/// 409 unless the application may still be changed.
fn editable(ctx: &Ctx, customer: &CustomerDto) -> Result<(), Failure> {
    if applications::is_editable(customer) {
        return Ok(());
    }
    let status = applications::status_of(customer);
    Err(ctx.fail(Refusal::new(
        FailureKind::Conflict,
        "application_not_editable",
        format!(
            "the application is {status}; it can be changed while INCOMPLETE, \
             READY_FOR_SUBMISSION or CHANGES_REQUESTED"
        ),
    )))
}

/// `{"data": {"id"}}` naming the application.
fn answer(customer: &CustomerDto) -> axum::response::Response {
    json_response(StatusCode::OK, &json!({"data": {"id": customer.guid}}))
}

/// The command setting `customer`'s details and labels.
fn change_of(
    ctx: &Ctx,
    customer: &CustomerDto,
    details: CustomerBody,
    business: bool,
) -> Result<PatchCustomer, Failure> {
    let target = Target {
        customer: Some(guid_of(ctx, customer)?),
        ..Target::default()
    };
    let body = CustomerPatchBody {
        state: None,
        freeze_reason: None,
        details,
    };
    PatchCustomer::from_request(&target, body)
        .map_err(|error| ctx.fail(in_application_names(error.refusal(), business, false)))
}

/// `POST /compat/layer2/v1/applications`.
#[utoipa::path(
    post,
    path = "/compat/layer2/v1/applications",
    operation_id = "layer2_start_application",
    tag = "compat-layer2",
    request_body = applications::Application,
    responses(
        (status = 200, description = "Started (or replayed under the same `x-l2f-idempotency-id`): `{\"data\": {\"id\"}}`, the application's id"),
        (status = 400, description = "Invalid fields, named as Layer2 names them (`customer_details.first_name`)", body = Layer2Errors),
        (status = 409, description = "The `customer_id` is taken", body = Layer2Errors),
    )
)]
pub async fn start<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    JsonBody(body): JsonBody<applications::Application>,
) -> Handled {
    let business = body.application_type.as_deref() == Some("CORPORATION");
    let native = body
        .into_native()
        .map_err(|errors| ctx.fail(invalid(errors)))?;
    let command = Create::from_request(&Target::default(), native)
        .map_err(|error| ctx.fail(in_application_names(error.refusal(), business, true)))?;
    let customer = execute(&state, &ctx, command, business, true).await?;
    Ok(answer(&customer))
}

/// `GET /compat/layer2/v1/applications/{id}`.
#[utoipa::path(
    get,
    path = "/compat/layer2/v1/applications/{id}",
    operation_id = "layer2_get_application",
    tag = "compat-layer2",
    params(("id" = String, Path, description = "The application's id, as starting it answered")),
    responses(
        (status = 200, description = "`{\"data\": ApplicationIndividual | ApplicationCorporation}`"),
        (status = 404, description = "No such application in the tenant", body = Layer2Errors),
    )
)]
pub async fn read<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Handled {
    let customer = resolve(&state, &with_pii(&ctx), &id).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": applications::render(&customer)}),
    ))
}

/// `GET /compat/layer2/v1/applications/{id}/status`: Layer2's KYC dashboard.
#[utoipa::path(
    get,
    path = "/compat/layer2/v1/applications/{id}/status",
    operation_id = "layer2_get_application_status",
    tag = "compat-layer2",
    params(("id" = String, Path, description = "The application's id")),
    responses(
        (status = 200, description = "`{\"data\": ApplicationState}`: the status, and the fields, documents and individuals that stand in its way"),
        (status = 404, description = "No such application in the tenant", body = Layer2Errors),
    )
)]
pub async fn status<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Handled {
    let customer = resolve(&state, &with_pii(&ctx), &id).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": applications::state(&customer)}),
    ))
}

/// `PATCH /compat/layer2/v1/applications/{id}`: `{updates: [{field, value}]}`.
#[utoipa::path(
    patch,
    path = "/compat/layer2/v1/applications/{id}",
    operation_id = "layer2_update_application",
    tag = "compat-layer2",
    params(("id" = String, Path, description = "The application's id")),
    request_body = applications::ApplicationPatch,
    responses(
        (status = 200, description = "Changed: `{\"data\": {\"id\"}}`"),
        (status = 400, description = "Invalid updates, named as Layer2 names them", body = Layer2Errors),
        (status = 404, description = "No such application in the tenant", body = Layer2Errors),
        (status = 409, description = "The application is submitted or decided, or the updates need what the customer lacks", body = Layer2Errors),
    )
)]
pub async fn change<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<applications::ApplicationPatch>,
) -> Handled {
    let customer = resolve(&state, &with_pii(&ctx), &id).await?;
    editable(&ctx, &customer)?;
    let business = customer.customer_type == "business";
    let changes = applications::apply_updates(&customer, &patch)
        .map_err(|refusal| patch_refused(&ctx, refusal, "application"))?;
    let mut details = match changes.customer {
        Some(fields) => fields
            .into_native(false)
            .map_err(|errors| ctx.fail(invalid(errors)))?,
        None => CustomerBody::default(),
    };
    details.labels = changes.labels;
    let command = change_of(&ctx, &customer, details, business)?;
    execute(&state, &ctx, command, business, false).await?;
    Ok(answer(&customer))
}

/// `POST /compat/layer2/v1/applications/{id}/submit`: only once `READY_FOR_SUBMISSION`.
#[utoipa::path(
    post,
    path = "/compat/layer2/v1/applications/{id}/submit",
    operation_id = "layer2_submit_application",
    tag = "compat-layer2",
    params(("id" = String, Path, description = "The application's id")),
    responses(
        (status = 200, description = "Submitted: `{\"data\": {\"id\"}}`"),
        (status = 404, description = "No such application in the tenant", body = Layer2Errors),
        (status = 409, description = "The application is not READY_FOR_SUBMISSION", body = Layer2Errors),
    )
)]
pub async fn submit<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Handled {
    let customer = resolve(&state, &ctx, &id).await?;
    if !applications::is_submittable(&customer) {
        let status = applications::status_of(&customer);
        return Err(ctx.fail(Refusal::new(
            FailureKind::Conflict,
            "application_not_ready",
            format!(
                "the application is {status}; it can be submitted once READY_FOR_SUBMISSION \
                 (see its status for what is missing)"
            ),
        )));
    }
    let business = customer.customer_type == "business";
    let details = CustomerBody {
        labels: Some(applications::submitted_labels(&customer)),
        ..CustomerBody::default()
    };
    let command = change_of(&ctx, &customer, details, business)?;
    execute(&state, &ctx, command, business, false).await?;
    Ok(answer(&customer))
}

/// `POST /compat/layer2/v1/applications/{id}/individual`: a person of a corporate
/// application.
#[utoipa::path(
    post,
    path = "/compat/layer2/v1/applications/{id}/individual",
    operation_id = "layer2_add_application_individual",
    tag = "compat-layer2",
    params(("id" = String, Path, description = "The application's id")),
    request_body = layer2_individuals::Individual,
    responses(
        (status = 200, description = "Added: `{\"data\": {\"id\"}}`, the individual's id"),
        (status = 400, description = "Invalid fields, named as Layer2 names them", body = Layer2Errors),
        (status = 404, description = "No such application in the tenant", body = Layer2Errors),
        (status = 409, description = "An individual application, one submitted or decided, or shares beyond 100", body = Layer2Errors),
    )
)]
pub async fn add_individual<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<layer2_individuals::Individual>,
) -> Handled {
    let native = body
        .into_native(true)
        .map_err(|errors| ctx.fail(invalid(errors)))?;
    let customer = resolve(&state, &ctx, &id).await?;
    editable(&ctx, &customer)?;
    add_individual_to(&state, &ctx, &customer, native).await
}

/// `PATCH /compat/layer2/v1/applications/{id}/individual/{individual_id}`.
#[utoipa::path(
    patch,
    path = "/compat/layer2/v1/applications/{id}/individual/{individual_id}",
    operation_id = "layer2_update_application_individual",
    tag = "compat-layer2",
    params(
        ("id" = String, Path, description = "The application's id"),
        ("individual_id" = String, Path, description = "The individual's id"),
    ),
    request_body = layer2_individuals::IndividualPatch,
    responses(
        (status = 200, description = "Changed: `{\"data\": {\"id\"}}`"),
        (status = 400, description = "Invalid updates, named as Layer2 names them", body = Layer2Errors),
        (status = 404, description = "No such application or individual", body = Layer2Errors),
        (status = 409, description = "The application is submitted or decided, or the updates need what the individual lacks", body = Layer2Errors),
    )
)]
pub async fn change_individual<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path((id, individual_id)): Path<(String, String)>,
    JsonBody(patch): JsonBody<layer2_individuals::IndividualPatch>,
) -> Handled {
    let customer = resolve(&state, &with_pii(&ctx), &id).await?;
    editable(&ctx, &customer)?;
    change_individual_of(&state, &ctx, &customer, &individual_id, &patch).await
}

/// `DELETE /compat/layer2/v1/applications/{id}/individual/{individual_id}`.
#[utoipa::path(
    delete,
    path = "/compat/layer2/v1/applications/{id}/individual/{individual_id}",
    operation_id = "layer2_delete_application_individual",
    tag = "compat-layer2",
    params(
        ("id" = String, Path, description = "The application's id"),
        ("individual_id" = String, Path, description = "The individual's id"),
    ),
    responses(
        (status = 200, description = "Removed: `{\"data\": {\"id\"}}`, the individual's id"),
        (status = 404, description = "No such application or individual", body = Layer2Errors),
        (status = 409, description = "The application is submitted or decided", body = Layer2Errors),
    )
)]
pub async fn remove_individual<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path((id, individual_id)): Path<(String, String)>,
) -> Handled {
    let customer = resolve(&state, &ctx, &id).await?;
    editable(&ctx, &customer)?;
    let individual = individual_of(&ctx, &customer, &individual_id)?;
    let target = Target {
        customer: Some(guid_of(&ctx, &customer)?),
        associate: kyc_domain::ids::AssociateGuid::parse(&individual.guid).ok(),
        ..Target::default()
    };
    let command = RemoveAssociate::from_request(&target, NoFields::default())
        .map_err(|error| ctx.fail(error.refusal()))?;
    compat::execute(&state, &ctx, command)
        .await
        .map_err(|refusal| ctx.fail(refusal))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": {"id": individual.guid}}),
    ))
}
