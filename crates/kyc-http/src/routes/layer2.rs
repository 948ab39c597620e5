//! `/compat/layer2/v1/customers`: Layer2 Financial's customer resource, translated by
//! [`kyc_compat::layer2`] and executed by the same command and query services as the native
//! API. Answers are Layer2's: `200 {"data": {"id"}}` on create and change, `{"data": customer}`
//! on read, and every error as `{"errors": [{"description", "code"}]}` with 400 where we
//! would say 422 (Layer2 declares no 422).

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kyc_app::commands::{AddAssociate, Command, Create, PatchCustomer, Target, UpdateAssociate};
use kyc_app::dto::{AssociateChanges, AssociateDto, CustomerDto, CustomerPatchBody};
use kyc_app::ports::CustomerStore;
use kyc_app::{FailureKind, FieldErrorDto, ListParams, Refusal};
use kyc_compat::{layer2, layer2_individuals};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::compat::{self, with_pii};
use super::Handled;
use crate::error::{json_response, Failure};
use crate::extract::{query, Ctx, JsonBody};
use crate::state::HttpState;

/// Layer2's default and largest page sizes.
const DEFAULT_PAGE_SIZE: u32 = 20;
const MAX_PAGE_SIZE: u32 = 100;

/// The Layer2 routes, each error answered in Layer2's shape.
pub fn routes<S: CustomerStore>() -> Router<HttpState<S>> {
    Router::new()
        .route(
            "/compat/layer2/v1/customers",
            get(list::<S>).post(create::<S>),
        )
        .route(
            "/compat/layer2/v1/customers/{id}",
            get(read::<S>).patch(change::<S>),
        )
        .route(
            "/compat/layer2/v1/customers/{id}/individuals",
            post(add_individual::<S>),
        )
        .route(
            "/compat/layer2/v1/customers/{id}/individuals/{individual_id}",
            get(read_individual::<S>).patch(change_individual::<S>),
        )
        .merge(super::layer2_applications::routes())
        .route_layer(axum::middleware::map_response(layer2_errors))
}

/// Layer2's error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Layer2Errors {
    /// The errors: one per field for a validation failure.
    pub errors: Vec<Layer2Error>,
}

/// One Layer2 error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Layer2Error {
    /// What went wrong (`<field>: <problem>` for a field).
    pub description: String,
    /// A stable code: the field's (`required`, `unknown_value` …) or the request's
    /// (`customer_not_found`, `unauthorized` …).
    pub code: String,
}

/// Rewrites our error body into Layer2's; 422 becomes 400.
async fn layer2_errors(response: Response) -> Response {
    compat::rewrite_errors(response, |status, ours| {
        let errors = match &ours.errors {
            Some(fields) if !fields.is_empty() => fields
                .iter()
                .map(|field| Layer2Error {
                    description: format!("{}: {}", field.field, field.message),
                    code: field.code.clone(),
                })
                .collect(),
            _ => vec![Layer2Error {
                description: ours.error_message.clone(),
                code: ours.message_code.clone(),
            }],
        };
        let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
            StatusCode::BAD_REQUEST
        } else {
            status
        };
        (
            status,
            serde_json::to_vec(&Layer2Errors { errors }).unwrap_or_default(),
        )
    })
    .await
}

/// A validation refusal carrying `errors` (already in Layer2's names).
pub(super) fn invalid(errors: Vec<FieldErrorDto>) -> Refusal {
    compat::invalid(errors, "the request has invalid fields")
}

/// `refusal` with its field paths in Layer2's names.
fn in_layer2_names(mut refusal: Refusal, business: bool) -> Refusal {
    for error in &mut refusal.errors {
        error.field = layer2::field_name(&error.field, business);
    }
    refusal
}

/// Executes a translated command, its refusal in Layer2's names.
async fn execute<S: CustomerStore, C: Command>(
    state: &HttpState<S>,
    ctx: &Ctx,
    command: C,
    business: bool,
) -> Result<Box<CustomerDto>, Failure> {
    compat::execute(state, ctx, command)
        .await
        .map(|executed| executed.customer)
        .map_err(|refusal| ctx.fail(in_layer2_names(refusal, business)))
}

/// `refusal` with its field paths in Layer2's names for an individual.
pub(super) fn in_individual_names(mut refusal: Refusal) -> Refusal {
    for error in &mut refusal.errors {
        error.field = layer2_individuals::field_name(&error.field);
    }
    refusal
}

/// A 409 for updates the stored customer or individual cannot take, or a 400.
pub(super) fn patch_refused(ctx: &Ctx, refusal: layer2::PatchRefusal, holder: &str) -> Failure {
    match refusal {
        layer2::PatchRefusal::Invalid(errors) => ctx.fail(invalid(errors)),
        layer2::PatchRefusal::Conflict(errors) => ctx.fail(Refusal {
            errors,
            ..Refusal::new(
                FailureKind::Conflict,
                "conflicts_with_customer",
                format!("the updates need what the {holder} does not have"),
            )
        }),
    }
}

/// `{"data": {"id"}}`, as Layer2 answers a create or a change.
fn created(customer: &CustomerDto) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"data": {"id": layer2::id_of(customer)}}),
    )
}

/// `POST /compat/layer2/v1/customers`.
#[utoipa::path(
    post,
    path = "/compat/layer2/v1/customers",
    operation_id = "layer2_create_customer",
    tag = "compat-layer2",
    request_body = layer2::Customer,
    responses(
        (status = 200, description = "Created (or replayed under the same `x-l2f-idempotency-id`): `{\"data\": {\"id\"}}`"),
        (status = 400, description = "Invalid fields, named as Layer2 names them", body = Layer2Errors),
    )
)]
pub async fn create<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    JsonBody(body): JsonBody<layer2::Customer>,
) -> Handled {
    let business = body.is_business();
    let native = body
        .into_native(true)
        .map_err(|errors| ctx.fail(invalid(errors)))?;
    let command = Create::from_request(&Target::default(), native)
        .map_err(|error| ctx.fail(in_layer2_names(error.refusal(), business)))?;
    let customer = execute(&state, &ctx, command, business).await?;
    Ok(created(&customer))
}

/// The customer a Layer2 id names: by external id, else (for customers created elsewhere
/// without one) by guid.
pub(super) async fn resolve<S: CustomerStore>(
    state: &HttpState<S>,
    ctx: &Ctx,
    id: &str,
) -> Result<CustomerDto, Failure> {
    let guid = match state.queries.customer_guid_by_external_id(&ctx.0, id).await {
        Ok(guid) => guid,
        Err(kyc_app::AppError::NotFound) => {
            let guid = kyc_domain::ids::CustomerGuid::parse(id)
                .map_err(|_| ctx.fail(kyc_app::AppError::NotFound))?;
            let customer = state
                .queries
                .customer(&ctx.0, guid, None)
                .await
                .map_err(|error| ctx.fail(error))?;
            // A customer with an id of its own is named by it only.
            if customer.external_id.is_some() {
                return Err(ctx.fail(kyc_app::AppError::NotFound));
            }
            return Ok(customer);
        }
        Err(error) => return Err(ctx.fail(error)),
    };
    state
        .queries
        .customer(&ctx.0, guid, None)
        .await
        .map_err(|error| ctx.fail(error))
}

/// `GET /compat/layer2/v1/customers/{id}`.
#[utoipa::path(
    get,
    path = "/compat/layer2/v1/customers/{id}",
    operation_id = "layer2_get_customer",
    tag = "compat-layer2",
    params(("id" = String, Path, description = "The client's id for the customer (its guid if it has none)")),
    responses(
        (status = 200, description = "`{\"data\": IndividualCustomer | CorporationCustomer}`"),
        (status = 404, description = "No such customer in the tenant", body = Layer2Errors),
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
        &json!({"data": layer2::render(&customer)}),
    ))
}

/// `PATCH /compat/layer2/v1/customers/{id}`: `{updates: [{field, value}], updated_by, reason}`.
#[utoipa::path(
    patch,
    path = "/compat/layer2/v1/customers/{id}",
    operation_id = "layer2_update_customer",
    tag = "compat-layer2",
    params(("id" = String, Path, description = "The client's id for the customer")),
    request_body = layer2::CustomerPatch,
    responses(
        (status = 200, description = "Changed: `{\"data\": {\"id\"}}`"),
        (status = 400, description = "Invalid updates, named as Layer2 names them", body = Layer2Errors),
        (status = 404, description = "No such customer in the tenant", body = Layer2Errors),
    )
)]
pub async fn change<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<layer2::CustomerPatch>,
) -> Handled {
    // The whole customer is read (with its personal data, which the change needs to merge
    // members of an object), but only the changed fields are sent: the command checks the
    // caller's scopes as for any change.
    let current = resolve(&state, &with_pii(&ctx), &id).await?;
    let business = current.customer_type == "business";
    let guid = kyc_domain::ids::CustomerGuid::parse(&current.guid)
        .map_err(|_| ctx.fail(kyc_app::AppError::NotFound))?;
    let changed = layer2::apply_updates(&layer2::render(&current), &patch)
        .map_err(|refusal| patch_refused(&ctx, refusal, "customer"))?;
    let native = changed
        .into_native(false)
        .map_err(|errors| ctx.fail(invalid(errors)))?;
    let target = Target {
        customer: Some(guid),
        ..Target::default()
    };
    let body = CustomerPatchBody {
        state: None,
        freeze_reason: None,
        details: native,
    };
    let command = PatchCustomer::from_request(&target, body)
        .map_err(|error| ctx.fail(in_layer2_names(error.refusal(), business)))?;
    let customer = execute(&state, &ctx, command, business).await?;
    Ok(created(&customer))
}

/// The guid of a customer resolved by its Layer2 id.
pub(super) fn guid_of(
    ctx: &Ctx,
    customer: &CustomerDto,
) -> Result<kyc_domain::ids::CustomerGuid, Failure> {
    kyc_domain::ids::CustomerGuid::parse(&customer.guid)
        .map_err(|_| ctx.fail(kyc_app::AppError::NotFound))
}

/// The individual `individual_id` of `customer`, or 404.
pub(super) fn individual_of<'a>(
    ctx: &Ctx,
    customer: &'a CustomerDto,
    individual_id: &str,
) -> Result<&'a AssociateDto, Failure> {
    customer
        .associates
        .iter()
        .find(|associate| associate.guid == individual_id)
        .ok_or_else(|| ctx.fail(kyc_app::AppError::NotFound))
}

/// `POST /compat/layer2/v1/customers/{id}/individuals`: an officer, beneficial owner, control
/// person or authorised person of a corporation, added as an associate.
#[utoipa::path(
    post,
    path = "/compat/layer2/v1/customers/{id}/individuals",
    operation_id = "layer2_add_individual",
    tag = "compat-layer2",
    params(("id" = String, Path, description = "The client's id for the corporation")),
    request_body = layer2_individuals::Individual,
    responses(
        (status = 200, description = "Added (or replayed under the same `x-l2f-idempotency-id`): `{\"data\": {\"id\"}}`, the individual's id"),
        (status = 400, description = "Invalid fields, named as Layer2 names them", body = Layer2Errors),
        (status = 404, description = "No such customer in the tenant", body = Layer2Errors),
        (status = 409, description = "The customer is not a corporation, is past onboarding, or the shares would pass 100", body = Layer2Errors),
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
    add_individual_to(&state, &ctx, &customer, native).await
}

/// Adds the translated individual `native` to `customer`: `{"data": {"id"}}`.
pub(super) async fn add_individual_to<S: CustomerStore>(
    state: &HttpState<S>,
    ctx: &Ctx,
    customer: &CustomerDto,
    native: kyc_app::dto::AssociateBody,
) -> Handled {
    let target = Target {
        customer: Some(guid_of(ctx, customer)?),
        ..Target::default()
    };
    let command = AddAssociate::from_request(&target, native)
        .map_err(|error| ctx.fail(in_individual_names(error.refusal())))?;
    let executed = compat::execute(state, ctx, command)
        .await
        .map_err(|refusal| ctx.fail(in_individual_names(refusal)))?;
    let individual = executed.created_guid.ok_or_else(|| {
        ctx.fail(kyc_app::AppError::Internal(
            "an added associate has no id".to_owned(),
        ))
    })?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": {"id": individual}}),
    ))
}

/// `GET /compat/layer2/v1/customers/{id}/individuals/{individual_id}`.
#[utoipa::path(
    get,
    path = "/compat/layer2/v1/customers/{id}/individuals/{individual_id}",
    operation_id = "layer2_get_individual",
    tag = "compat-layer2",
    params(
        ("id" = String, Path, description = "The client's id for the corporation"),
        ("individual_id" = String, Path, description = "The individual's id, as adding it answered"),
    ),
    responses(
        (status = 200, description = "`{\"data\": Individual}`"),
        (status = 404, description = "No such customer or individual", body = Layer2Errors),
    )
)]
pub async fn read_individual<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path((id, individual_id)): Path<(String, String)>,
) -> Handled {
    let customer = resolve(&state, &with_pii(&ctx), &id).await?;
    let individual = individual_of(&ctx, &customer, &individual_id)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": layer2_individuals::render(individual)}),
    ))
}

/// `PATCH /compat/layer2/v1/customers/{id}/individuals/{individual_id}`: `{updates: [{field,
/// value}]}`.
#[utoipa::path(
    patch,
    path = "/compat/layer2/v1/customers/{id}/individuals/{individual_id}",
    operation_id = "layer2_update_individual",
    tag = "compat-layer2",
    params(
        ("id" = String, Path, description = "The client's id for the corporation"),
        ("individual_id" = String, Path, description = "The individual's id"),
    ),
    request_body = layer2_individuals::IndividualPatch,
    responses(
        (status = 200, description = "Changed: `{\"data\": {\"id\"}}`"),
        (status = 400, description = "Invalid updates, named as Layer2 names them", body = Layer2Errors),
        (status = 404, description = "No such customer or individual", body = Layer2Errors),
        (status = 409, description = "The updates need what the individual lacks, or the customer is past onboarding", body = Layer2Errors),
    )
)]
pub async fn change_individual<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path((id, individual_id)): Path<(String, String)>,
    JsonBody(patch): JsonBody<layer2_individuals::IndividualPatch>,
) -> Handled {
    // Read with personal data to merge members of the address and parts of the name; only
    // the changed fields are sent, and the command checks the caller's scopes as for any
    // change.
    let customer = resolve(&state, &with_pii(&ctx), &id).await?;
    change_individual_of(&state, &ctx, &customer, &individual_id, &patch).await
}

/// Applies a Layer2 patch to the individual `individual_id` of `customer` (read with its
/// personal data): `{"data": {"id"}}`.
pub(super) async fn change_individual_of<S: CustomerStore>(
    state: &HttpState<S>,
    ctx: &Ctx,
    customer: &CustomerDto,
    individual_id: &str,
    patch: &layer2_individuals::IndividualPatch,
) -> Handled {
    let individual = individual_of(ctx, customer, individual_id)?;
    let changed = layer2_individuals::apply_updates(&layer2_individuals::render(individual), patch)
        .map_err(|refusal| patch_refused(ctx, refusal, "individual"))?;
    let native = changed
        .into_native(false)
        .map_err(|errors| ctx.fail(invalid(errors)))?;
    let target = Target {
        customer: Some(guid_of(ctx, customer)?),
        associate: kyc_domain::ids::AssociateGuid::parse(&individual.guid).ok(),
        ..Target::default()
    };
    let command = UpdateAssociate::from_request(&target, AssociateChanges(native))
        .map_err(|error| ctx.fail(in_individual_names(error.refusal())))?;
    compat::execute(state, ctx, command)
        .await
        .map_err(|refusal| ctx.fail(in_individual_names(refusal)))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": {"id": individual.guid}}),
    ))
}

/// Query parameters of Layer2's list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Layer2ListParams {
    /// Page, from 0.
    #[param(minimum = 0, maximum = 4_294_967_295_i64)]
    pub page: Option<u32>,
    /// Customers per page (default 20, at most 100).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<u32>,
    /// `INDIVIDUAL` or `CORPORATION`.
    #[serde(rename = "type")]
    #[param(rename = "type", pattern = "^(?:INDIVIDUAL|CORPORATION)$")]
    pub customer_type: Option<String>,
    /// `ACTIVE`, `CLOSED`, `FROZEN`, `PENDING`, `EDD` or `DORMANT`.
    #[param(pattern = "^(?:ACTIVE|CLOSED|FROZEN|PENDING|EDD|DORMANT)$")]
    pub status: Option<String>,
}

/// `GET /compat/layer2/v1/customers`.
#[utoipa::path(
    get,
    path = "/compat/layer2/v1/customers",
    operation_id = "layer2_list_customers",
    tag = "compat-layer2",
    params(Layer2ListParams),
    responses(
        (status = 200, description = "`{\"data\": {\"customers\": [...]}, \"links\": {self, first, prev, next, last}}`"),
        (status = 400, description = "A bad filter", body = Layer2Errors),
    )
)]
pub async fn list<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    uri: Uri,
) -> Handled {
    let params: Layer2ListParams = query(&ctx, &uri)?;
    let page_size = params.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if page_size == 0 || page_size > MAX_PAGE_SIZE {
        return Err(ctx.fail(invalid(vec![kyc_compat::field_error(
            "page_size",
            "out_of_range",
            "must be 1 to 100",
        )])));
    }
    let customer_type = params
        .customer_type
        .as_deref()
        .map(layer2::customer_type_for)
        .transpose()
        .map_err(|error| ctx.fail(invalid(vec![error])))?;
    let states = params
        .status
        .as_deref()
        .map(layer2::states_for)
        .transpose()
        .map_err(|error| ctx.fail(invalid(vec![error])))?;
    let page = params.page.unwrap_or(0);
    let (total, customers) = match states {
        // A status none of ours stands for (EDD, DORMANT): nobody, on every page.
        Some([]) => (0, Vec::new()),
        states => {
            let list = ListParams {
                page: Some(page),
                per_page: Some(page_size),
                customer_type: customer_type.map(str::to_owned),
                ..ListParams::default()
            };
            let found = state
                .queries
                .list_in_states(&with_pii(&ctx).0, &list, states.unwrap_or_default())
                .await
                .map_err(|error| ctx.fail(error))?;
            (
                found.total,
                found.objects.iter().map(layer2::render).collect(),
            )
        }
    };
    let last = u32::try_from(total.div_ceil(u64::from(page_size)))
        .unwrap_or(u32::MAX)
        .saturating_sub(1);
    let link = |page: u32| {
        let mut link = format!(
            "{}/v1/customers?page={page}&page_size={page_size}",
            layer2::PREFIX
        );
        if let Some(kind) = &params.customer_type {
            link.push_str("&type=");
            link.push_str(kind);
        }
        if let Some(status) = &params.status {
            link.push_str("&status=");
            link.push_str(status);
        }
        link
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "data": {"customers": customers},
            "links": {
                "self": link(page),
                "first": link(0),
                "prev": link(page.saturating_sub(1)),
                "next": link(if page < last { page + 1 } else { last }),
                "last": link(last),
            }
        }),
    ))
}
