//! `/compat/connectfinancial`: Connect Financial's customer resource, translated by
//! [`kyc_compat::connect`] and executed by the same command and query services as the native
//! API. Every answer carries `traceId` (the request id) and `message`; errors are
//! `{traceId, message}` with Connect's statuses (400 for invalid input, 403 for a bad key; 401
//! when there is no key at all, as HTTP says).

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kyc_app::commands::{AddAssociate, Command, Create, Target, UpdateAssociate};
use kyc_app::dto::{AssociateChanges, CustomerBody, CustomerDto};
use kyc_app::ports::CustomerStore;
use kyc_app::{AppError, FailureKind, FieldErrorDto, ListParams, Refusal};
use kyc_compat::{connect, connect_relations};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::compat::{self, with_pii};
use super::Handled;
use crate::error::{json_response, Failure};
use crate::extract::{query, Ctx, JsonBody};
use crate::state::HttpState;

/// Connect's default and largest page sizes (kyc gives at most 100 a page; `hasMoreResults`
/// then says there are more).
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 200;
const MAX_PAGE: u32 = 100;

/// The Connect routes: its raw-key `Authorization` accepted, each error answered in its shape.
pub fn routes<S: CustomerStore>() -> Router<HttpState<S>> {
    Router::new()
        .route(
            "/compat/connectfinancial/customers/individual",
            post(create_individual::<S>),
        )
        .route(
            "/compat/connectfinancial/customers/business",
            post(create_business::<S>),
        )
        .route("/compat/connectfinancial/customers/{id}", get(read::<S>))
        .route("/compat/connectfinancial/v1/customers", get(list::<S>))
        .route(
            "/compat/connectfinancial/v1/compliance/status/{customer_id}",
            get(compliance::<S>),
        )
        .route(
            "/compat/connectfinancial/v1/compliance/business/status/{customer_id}",
            get(business_compliance::<S>),
        )
        .route(
            "/compat/connectfinancial/v1/customers/business/{business_user_id}/related-persons",
            post(add_related_person::<S>).patch(update_related_person::<S>),
        )
        .route_layer(axum::middleware::from_fn(connect_frame))
}

/// Connect's framing of a request: its bare key accepted, its errors in its shape. A request
/// with no key at all is answered 401; a key refused, 403 (Connect's status for a bad key).
async fn connect_frame(mut request: Request, next: axum::middleware::Next) -> Response {
    let has_key = request.headers().contains_key(header::AUTHORIZATION);
    bearer_from_raw_key(&mut request);
    connect_errors(next.run(request).await, has_key).await
}

/// Connect's clients send their key as the whole `Authorization` header (no `Bearer`).
fn bearer_from_raw_key(request: &mut Request) {
    let raw = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.contains(' '))
        .map(|key| format!("Bearer {key}"));
    if let Some(Ok(value)) = raw.map(|raw| HeaderValue::from_str(&raw)) {
        request.headers_mut().insert(header::AUTHORIZATION, value);
    }
}

/// Connect's error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectError {
    /// The request id.
    pub trace_id: String,
    /// What went wrong; for invalid fields, each as `<field>: <problem>`.
    pub message: String,
}

/// Rewrites our error body into Connect's: 401 for a key given becomes 403 (an invalid key),
/// 422 becomes 400.
async fn connect_errors(response: Response, has_key: bool) -> Response {
    compat::rewrite_errors(response, |status, ours| {
        let message = match ours.errors.as_deref() {
            Some(fields) if !fields.is_empty() => format!(
                "Invalid request payload: {}",
                fields
                    .iter()
                    .map(|field| format!("{}: {}", field.field, field.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            _ => ours.error_message,
        };
        let status = match status {
            StatusCode::UNAUTHORIZED if has_key => StatusCode::FORBIDDEN,
            StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
            other => other,
        };
        let body = serde_json::to_vec(&ConnectError {
            trace_id: ours.trace_id,
            message,
        })
        .unwrap_or_default();
        (status, body)
    })
    .await
}

/// A validation refusal carrying `errors` (already in Connect's names).
fn invalid(errors: Vec<FieldErrorDto>) -> Refusal {
    compat::invalid(errors, "Invalid request payload")
}

/// `refusal` with its field paths in Connect's names.
fn in_connect_names(mut refusal: Refusal, business: bool) -> Refusal {
    for error in &mut refusal.errors {
        error.field = connect::field_name(&error.field, business);
    }
    refusal
}

/// `{traceId, message, data}`.
fn answer(ctx: &Ctx, status: StatusCode, message: &str, data: &Value) -> Response {
    json_response(
        status,
        &json!({"traceId": ctx.0.request_id, "message": message, "data": data}),
    )
}

/// Creates a translated customer; `201 {traceId, message, data: {id}}`.
async fn create<S: CustomerStore>(
    state: &HttpState<S>,
    ctx: &Ctx,
    native: CustomerBody,
    business: bool,
) -> Handled {
    let command = Create::from_request(&Target::default(), native)
        .map_err(|error| ctx.fail(in_connect_names(error.refusal(), business)))?;
    let executed = compat::execute(state, ctx, command)
        .await
        .map_err(|refusal| ctx.fail(in_connect_names(refusal, business)))?;
    let status = if executed.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(answer(
        ctx,
        status,
        "Customer created with success.",
        &json!({"id": connect::id_of(&executed.customer)}),
    ))
}

/// `POST /compat/connectfinancial/customers/individual`.
#[utoipa::path(
    post,
    path = "/compat/connectfinancial/customers/individual",
    operation_id = "connect_create_individual_customer",
    tag = "compat-connectfinancial",
    request_body = connect::IndividualRequest,
    responses(
        (status = 201, description = "`{traceId, message, data: {id}}`"),
        (status = 200, description = "Replayed under the same `Idempotency-Key`"),
    )
)]
pub async fn create_individual<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    JsonBody(body): JsonBody<connect::IndividualRequest>,
) -> Handled {
    let native = body
        .into_native()
        .map_err(|errors| ctx.fail(invalid(errors)))?;
    create(&state, &ctx, native, false).await
}

/// `POST /compat/connectfinancial/customers/business`.
#[utoipa::path(
    post,
    path = "/compat/connectfinancial/customers/business",
    operation_id = "connect_create_business_customer",
    tag = "compat-connectfinancial",
    request_body = connect::BusinessRequest,
    responses(
        (status = 201, description = "`{traceId, message, data: {id}}`"),
        (status = 200, description = "Replayed under the same `Idempotency-Key`"),
    )
)]
pub async fn create_business<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    JsonBody(body): JsonBody<connect::BusinessRequest>,
) -> Handled {
    let native = body
        .into_native()
        .map_err(|errors| ctx.fail(invalid(errors)))?;
    create(&state, &ctx, native, true).await
}

/// The customer a Connect id (a UUID) names.
async fn resolve<S: CustomerStore>(
    state: &HttpState<S>,
    ctx: &Ctx,
    id: &str,
) -> Result<CustomerDto, Failure> {
    let guid = connect::guid_of(id).ok_or_else(|| ctx.fail(AppError::NotFound))?;
    state
        .queries
        .customer(&with_pii(ctx).0, guid, None)
        .await
        .map_err(|error| ctx.fail(error))
}

/// `GET /compat/connectfinancial/customers/{id}`.
#[utoipa::path(
    get,
    path = "/compat/connectfinancial/customers/{id}",
    operation_id = "connect_get_customer",
    tag = "compat-connectfinancial",
    params(("id" = String, Path, description = "The customer's UUID")),
    responses(
        (status = 200, description = "`{traceId, message, data: {id, name, type, portfolios}}`"),
    )
)]
pub async fn read<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Handled {
    let customer = resolve(&state, &ctx, &id).await?;
    Ok(answer(
        &ctx,
        StatusCode::OK,
        "The customer details were successfully retrieved.",
        &connect::render(&customer),
    ))
}

/// `GET …/v1/compliance/status/{customerId}`.
#[utoipa::path(
    get,
    path = "/compat/connectfinancial/v1/compliance/status/{customer_id}",
    operation_id = "connect_get_compliance_status",
    tag = "compat-connectfinancial",
    params(("customer_id" = String, Path, description = "The customer's UUID")),
    responses(
        (status = 200, description = "`{traceId, message, data: {isCompliant, onboardingStatus, nextAction, checks, summary}}`"),
    )
)]
pub async fn compliance<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path(customer_id): Path<String>,
) -> Handled {
    compliance_of(&state, &ctx, &customer_id, false).await
}

/// `GET …/v1/compliance/business/status/{customerId}`.
#[utoipa::path(
    get,
    path = "/compat/connectfinancial/v1/compliance/business/status/{customer_id}",
    operation_id = "connect_get_business_compliance_status",
    tag = "compat-connectfinancial",
    params(("customer_id" = String, Path, description = "The business customer's UUID")),
    responses(
        (status = 200, description = "`{traceId, message, data: {isCompliant, onboardingStatus, nextAction, checks, summary}}`"),
    )
)]
pub async fn business_compliance<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path(customer_id): Path<String>,
) -> Handled {
    compliance_of(&state, &ctx, &customer_id, true).await
}

/// The compliance status of a person (`business` false) or a business; the other type is
/// not found on that route.
async fn compliance_of<S: CustomerStore>(
    state: &HttpState<S>,
    ctx: &Ctx,
    id: &str,
    business: bool,
) -> Handled {
    let customer = resolve(state, ctx, id).await?;
    if (customer.customer_type == "business") != business {
        return Err(ctx.fail(AppError::NotFound));
    }
    Ok(answer(
        ctx,
        StatusCode::OK,
        "Compliance status retrieved successfully",
        &connect::compliance_status(&customer),
    ))
}

/// Query parameters of Connect's list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConnectListParams {
    /// Customers to give, 1 to 200 (default 20; at most 100 come back at once).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// Customers to skip (default 0).
    #[param(minimum = 0, maximum = 4_294_967_295_i64)]
    pub offset: Option<u32>,
}

/// `GET /compat/connectfinancial/v1/customers`.
#[utoipa::path(
    get,
    path = "/compat/connectfinancial/v1/customers",
    operation_id = "connect_list_customers",
    tag = "compat-connectfinancial",
    params(ConnectListParams),
    responses(
        (status = 200, description = "`{traceId, message, data: [...], pagination: {totalResults, hasMoreResults}}`, newest first"),
    )
)]
pub async fn list<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    uri: Uri,
) -> Handled {
    let params: ConnectListParams = query(&ctx, &uri)?;
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ctx.fail(invalid(vec![kyc_compat::field_error(
            "limit",
            "out_of_range",
            "must be 1 to 200",
        )])));
    }
    let offset = params.offset.unwrap_or(0);
    let list = ListParams {
        per_page: Some(limit.min(MAX_PAGE)),
        ..ListParams::default()
    };
    let found = state
        .queries
        .list_window(&with_pii(&ctx).0, &list, &[], Some(u64::from(offset)))
        .await
        .map_err(|error| ctx.fail(error))?;
    let given = u64::try_from(found.objects.len()).unwrap_or(u64::MAX);
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "traceId": ctx.0.request_id,
            "message": "Successfully retrieved the list of customers with pagination information.",
            "data": found.objects.iter().map(connect::render).collect::<Vec<_>>(),
            "pagination": {
                "totalResults": found.total,
                "hasMoreResults": u64::from(offset) + given < found.total,
            }
        }),
    ))
}

/// `refusal` with its field paths as a relation names them.
fn in_relation_names(mut refusal: Refusal) -> Refusal {
    for error in &mut refusal.errors {
        error.field = connect_relations::field_name(&error.field);
    }
    refusal
}

/// The business customer `id` names (read with personal data), or 404.
async fn business_of<S: CustomerStore>(
    state: &HttpState<S>,
    ctx: &Ctx,
    id: &str,
) -> Result<CustomerDto, Failure> {
    let business = resolve(state, ctx, id).await?;
    if business.customer_type == "business" {
        Ok(business)
    } else {
        Err(ctx.fail(AppError::NotFound))
    }
}

/// Gives the business `guid`'s linked `associate` the relation: its role, share and period.
async fn change_relation<S: CustomerStore>(
    state: &HttpState<S>,
    ctx: &Ctx,
    guid: kyc_domain::ids::CustomerGuid,
    associate: &kyc_app::dto::AssociateDto,
    relation: &connect_relations::ParsedRelation,
) -> Result<kyc_app::Executed, Failure> {
    let target = Target {
        customer: Some(guid),
        associate: kyc_domain::ids::AssociateGuid::parse(&associate.guid).ok(),
        ..Target::default()
    };
    let changes = connect_relations::changes_for(associate, relation);
    let command = UpdateAssociate::from_request(&target, AssociateChanges(changes))
        .map_err(|error| ctx.fail(in_relation_names(error.refusal())))?;
    compat::execute(state, ctx, command)
        .await
        .map_err(|refusal| ctx.fail(in_relation_names(refusal)))
}

/// `{traceId, message, data: {personRelations, action}}` for `business` after a change.
fn relations_answer(
    ctx: &Ctx,
    status: StatusCode,
    message: &str,
    business: &CustomerDto,
    action: &str,
) -> Response {
    answer(
        ctx,
        status,
        message,
        &json!({
            "personRelations": connect_relations::person_relations(business),
            "action": action,
        }),
    )
}

/// `POST …/v1/customers/business/{businessUserId}/related-persons`: a shareholder or
/// representative who is one of the tenant's individual customers, kept as an associate of
/// the business with the person's details as they stand.
#[utoipa::path(
    post,
    path = "/compat/connectfinancial/v1/customers/business/{business_user_id}/related-persons",
    operation_id = "connect_add_related_person",
    tag = "compat-connectfinancial",
    params(("business_user_id" = String, Path, description = "The business customer's UUID")),
    request_body = connect_relations::RelationRequest,
    responses(
        (status = 201, description = "`{traceId, message, data: {personRelations: [{userId, role, ownershipPercentage}], action: \"ADD\"}}`"),
        (status = 400, description = "Invalid relation, each field named", body = ConnectError),
        (status = 403, description = "A bad key, or a key that may not read the person's details (`customers:pii:read`)", body = ConnectError),
        (status = 404, description = "No such business customer, or no such individual customer", body = ConnectError),
        (status = 409, description = "The person already holds the role, is not an individual, is erased, or the business is past onboarding", body = ConnectError),
    )
)]
pub async fn add_related_person<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path(business_user_id): Path<String>,
    JsonBody(body): JsonBody<connect_relations::RelationRequest>,
) -> Handled {
    let relation = body.parse().map_err(|errors| ctx.fail(invalid(errors)))?;
    let reading = with_pii(&ctx);
    let business = business_of(&state, &ctx, &business_user_id).await?;
    let person = state
        .queries
        .customer(&reading.0, relation.person, None)
        .await
        .map_err(|error| ctx.fail(error))?;
    if person.customer_type != "individual" || person.erased_at.is_some() {
        return Err(ctx.fail(Refusal::new(
            FailureKind::Conflict,
            "not_a_person",
            "relation.userId: must be an individual customer whose details are not erased",
        )));
    }
    // The associate is made of the person's details: a key that may not read them may not
    // copy them either.
    if !reading.0.include_pii() {
        return Err(ctx.fail(AppError::Forbidden(kyc_app::Scope::CustomersPiiRead)));
    }
    let guid = connect::guid_of(&business_user_id).ok_or_else(|| ctx.fail(AppError::NotFound))?;
    let executed = match connect_relations::linked(&business, &relation.person) {
        Some(associate) if associate.roles.iter().any(|r| r == relation.role) => {
            return Err(ctx.fail(Refusal::new(
                FailureKind::Conflict,
                "relation_exists",
                "the person already holds this role: change it with PATCH",
            )));
        }
        Some(associate) => change_relation(&state, &reading, guid, associate, &relation).await?,
        None => {
            let target = Target {
                customer: Some(guid),
                ..Target::default()
            };
            let command = AddAssociate::from_request(
                &target,
                connect_relations::associate_of(&person, &relation),
            )
            .map_err(|error| ctx.fail(in_relation_names(error.refusal())))?;
            compat::execute(&state, &reading, command)
                .await
                .map_err(|refusal| ctx.fail(in_relation_names(refusal)))?
        }
    };
    Ok(relations_answer(
        &ctx,
        StatusCode::CREATED,
        "The person relation was successfully added.",
        &executed.customer,
        "ADD",
    ))
}

/// `PATCH …/v1/customers/business/{businessUserId}/related-persons`: the share (a
/// shareholder's) and the period of a relation the business has.
#[utoipa::path(
    patch,
    path = "/compat/connectfinancial/v1/customers/business/{business_user_id}/related-persons",
    operation_id = "connect_update_related_person",
    tag = "compat-connectfinancial",
    params(("business_user_id" = String, Path, description = "The business customer's UUID")),
    request_body = connect_relations::RelationRequest,
    responses(
        (status = 200, description = "`{traceId, message, data: {personRelations, action: \"UPDATE\"}}`"),
        (status = 400, description = "Invalid relation, each field named", body = ConnectError),
        (status = 404, description = "No such business customer, or no such relation", body = ConnectError),
        (status = 409, description = "The business is past onboarding, or the shares would pass 100", body = ConnectError),
    )
)]
pub async fn update_related_person<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path(business_user_id): Path<String>,
    JsonBody(body): JsonBody<connect_relations::RelationRequest>,
) -> Handled {
    let relation = body.parse().map_err(|errors| ctx.fail(invalid(errors)))?;
    let reading = with_pii(&ctx);
    let business = business_of(&state, &ctx, &business_user_id).await?;
    let associate = connect_relations::linked(&business, &relation.person)
        .filter(|associate| associate.roles.iter().any(|r| r == relation.role))
        .ok_or_else(|| ctx.fail(AppError::NotFound))?;
    let guid = connect::guid_of(&business_user_id).ok_or_else(|| ctx.fail(AppError::NotFound))?;
    let executed = change_relation(&state, &reading, guid, associate, &relation).await?;
    Ok(relations_answer(
        &ctx,
        StatusCode::OK,
        "The person relation was successfully updated.",
        &executed.customer,
        "UPDATE",
    ))
}
