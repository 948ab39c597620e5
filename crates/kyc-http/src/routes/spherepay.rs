//! `/compat/spherepay/v2/customer`: SpherePay's customer resource, translated by
//! [`kyc_compat::spherepay`] and executed by the same command and query services as the native
//! API. Answers are SpherePay's customer object (201 on create), and every error is
//! `{status, detail, code, correlationId, errors?: [{detail, pointer}]}`.

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kyc_app::commands::{Command, Create, PatchCustomer, Target};
use kyc_app::dto::{CustomerDto, CustomerPatchBody};
use kyc_app::ports::CustomerStore;
use kyc_app::{AppError, FailureKind, FieldErrorDto, ListParams, Refusal};
use kyc_compat::spherepay;
use kyc_domain::customer::ProfileStatus;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::compat::{self, with_pii};
use super::Handled;
use crate::error::{json_response, Failure};
use crate::extract::{query, Ctx, JsonBody};
use crate::state::HttpState;

/// SpherePay's default and largest page sizes.
const DEFAULT_LIMIT: u32 = 10;
const MAX_LIMIT: u32 = 100;

/// The SpherePay routes, each error answered in SpherePay's shape.
pub fn routes<S: CustomerStore>() -> Router<HttpState<S>> {
    Router::new()
        .route(
            "/compat/spherepay/v2/customer",
            get(list::<S>).post(create::<S>),
        )
        .route(
            "/compat/spherepay/v2/customer/{id}",
            get(read::<S>).patch(change::<S>),
        )
        .route_layer(axum::middleware::map_response(spherepay_errors))
}

/// SpherePay's error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpherePayError {
    /// The HTTP status, repeated.
    pub status: u16,
    /// A sentence for people.
    pub detail: String,
    /// `validation/failed`, `resource/not-found`, `request/invalid`, `auth/unauthorized`,
    /// `auth/forbidden`, `customer/conflict`, `request/too-large` or `server/unavailable`.
    pub code: String,
    /// The request id (`X-Request-Id`).
    pub correlation_id: String,
    /// One per invalid field, each at its JSON pointer into the request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<SpherePayFieldError>>,
}

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SpherePayFieldError {
    /// What is wrong.
    pub detail: String,
    /// The field, as a JSON pointer (`/personalInformation/firstName`).
    pub pointer: String,
}

/// SpherePay's code for an answer's status.
fn code_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "request/invalid",
        401 => "auth/unauthorized",
        403 => "auth/forbidden",
        404 => "resource/not-found",
        409 => "customer/conflict",
        413 => "request/too-large",
        422 => "validation/failed",
        _ => "server/unavailable",
    }
}

/// Rewrites our error body into SpherePay's.
async fn spherepay_errors(response: Response) -> Response {
    compat::rewrite_errors(response, |status, ours| {
        let theirs = SpherePayError {
            status: status.as_u16(),
            detail: ours.error_message,
            code: code_of(status).to_owned(),
            correlation_id: ours.trace_id,
            errors: ours.errors.map(|fields| {
                fields
                    .into_iter()
                    .map(|field| SpherePayFieldError {
                        detail: field.message,
                        pointer: if field.field.starts_with('/') {
                            field.field
                        } else {
                            spherepay::pointer(&field.field)
                        },
                    })
                    .collect()
            }),
        };
        (status, serde_json::to_vec(&theirs).unwrap_or_default())
    })
    .await
}

/// A validation refusal carrying `errors` (already JSON pointers).
fn invalid(errors: Vec<FieldErrorDto>) -> Refusal {
    compat::invalid(errors, "Validation failed")
}

/// How a body's fields are named in SpherePay's pointers.
#[derive(Debug, Clone, Copy)]
struct Naming {
    business: bool,
    registered: Option<usize>,
    operating: Option<usize>,
}

impl Naming {
    fn of(body: &spherepay::Customer, business: bool) -> Self {
        let (registered, operating) = spherepay::address_indexes(body);
        Self {
            business,
            registered,
            operating,
        }
    }

    /// `refusal` with its field paths as SpherePay pointers.
    fn apply(self, mut refusal: Refusal) -> Refusal {
        for error in &mut refusal.errors {
            error.field = spherepay::field_pointer(
                &error.field,
                self.business,
                self.registered,
                self.operating,
            );
        }
        refusal
    }
}

/// Executes a translated command (its answer with personal data, by scope), its refusal
/// named by SpherePay's pointers.
async fn execute<S: CustomerStore, C: Command>(
    state: &HttpState<S>,
    ctx: &Ctx,
    command: C,
    naming: Naming,
) -> Result<Box<CustomerDto>, Failure> {
    compat::execute(state, &with_pii(ctx), command)
        .await
        .map(|executed| executed.customer)
        .map_err(|refusal| ctx.fail(naming.apply(refusal)))
}

/// `POST /compat/spherepay/v2/customer`.
#[utoipa::path(
    post,
    path = "/compat/spherepay/v2/customer",
    operation_id = "spherepay_create_customer",
    tag = "compat-spherepay",
    request_body = spherepay::Customer,
    responses(
        (status = 201, description = "Created: SpherePay's customer object"),
        (status = 200, description = "Replayed under the same `Idempotency-Key`"),
        (status = 422, description = "Invalid fields, each at its JSON pointer", body = SpherePayError),
    )
)]
pub async fn create<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    JsonBody(body): JsonBody<spherepay::Customer>,
) -> Handled {
    let business = body.is_business();
    let naming = Naming::of(&body, business);
    let native = body
        .into_native(true)
        .map_err(|errors| ctx.fail(invalid(errors)))?;
    let command = Create::from_request(&Target::default(), native)
        .map_err(|error| ctx.fail(naming.apply(error.refusal())))?;
    let executed = compat::execute(&state, &with_pii(&ctx), command)
        .await
        .map_err(|refusal| ctx.fail(naming.apply(refusal)))?;
    let status = if executed.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json_response(
        status,
        &spherepay::render(&executed.customer),
    ))
}

/// The customer a SpherePay id names.
async fn resolve<S: CustomerStore>(
    state: &HttpState<S>,
    ctx: &Ctx,
    id: &str,
) -> Result<CustomerDto, Failure> {
    let guid = spherepay::guid_of(id).ok_or_else(|| ctx.fail(AppError::NotFound))?;
    state
        .queries
        .customer(&with_pii(ctx).0, guid, None)
        .await
        .map_err(|error| ctx.fail(error))
}

/// `GET /compat/spherepay/v2/customer/{id}`.
#[utoipa::path(
    get,
    path = "/compat/spherepay/v2/customer/{id}",
    operation_id = "spherepay_get_customer",
    tag = "compat-spherepay",
    params(("id" = String, Path, description = "`customer_` and 32 lowercase hex characters")),
    responses(
        (status = 200, description = "SpherePay's customer object"),
        (status = 404, description = "No such customer in the tenant", body = SpherePayError),
    )
)]
pub async fn read<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Handled {
    let customer = resolve(&state, &ctx, &id).await?;
    Ok(json_response(StatusCode::OK, &spherepay::render(&customer)))
}

/// `PATCH /compat/spherepay/v2/customer/{id}`: an individual's `address`,
/// `personalInformation` members and `meta`.
#[utoipa::path(
    patch,
    path = "/compat/spherepay/v2/customer/{id}",
    operation_id = "spherepay_update_customer",
    tag = "compat-spherepay",
    params(("id" = String, Path, description = "`customer_` and 32 lowercase hex characters")),
    request_body = spherepay::CustomerChange,
    responses(
        (status = 200, description = "Changed: SpherePay's customer object"),
        (status = 404, description = "No such customer in the tenant", body = SpherePayError),
        (status = 409, description = "A business (SpherePay changes individuals only), or a change the customer's state forbids", body = SpherePayError),
        (status = 422, description = "Invalid fields, each at its JSON pointer", body = SpherePayError),
    )
)]
pub async fn change<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(change): JsonBody<spherepay::CustomerChange>,
) -> Handled {
    let current = resolve(&state, &ctx, &id).await?;
    if current.customer_type == "business" {
        return Err(ctx.fail(Refusal::new(
            FailureKind::Conflict,
            "wrong_customer_type",
            "SpherePay changes individual customers only",
        )));
    }
    let guid = kyc_domain::ids::CustomerGuid::parse(&current.guid)
        .map_err(|_| ctx.fail(AppError::NotFound))?;
    let body = spherepay::merge_change(&spherepay::render(&current), change.into_customer())
        .map_err(|errors| {
            ctx.fail(Refusal {
                errors,
                ..Refusal::new(
                    FailureKind::Conflict,
                    "conflicts_with_customer",
                    "the change needs what the customer does not have",
                )
            })
        })?;
    let naming = Naming::of(&body, false);
    let native = body
        .into_native(false)
        .map_err(|errors| ctx.fail(invalid(errors)))?;
    // Nothing given (every member `null` or empty): the customer as it is.
    if native == kyc_app::dto::CustomerBody::default() {
        return Ok(json_response(StatusCode::OK, &spherepay::render(&current)));
    }
    let target = Target {
        customer: Some(guid),
        ..Target::default()
    };
    let command = PatchCustomer::from_request(
        &target,
        CustomerPatchBody {
            state: None,
            freeze_reason: None,
            details: native,
        },
    )
    .map_err(|error| ctx.fail(naming.apply(error.refusal())))?;
    let customer = execute(&state, &ctx, command, naming).await?;
    Ok(json_response(StatusCode::OK, &spherepay::render(&customer)))
}

/// Query parameters of SpherePay's list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SpherePayListParams {
    /// Page, from 1 (default 1).
    #[param(pattern = "^[1-9][0-9]{0,8}$")]
    pub page: Option<String>,
    /// Customers per page, 1 to 100 (default 10).
    #[param(pattern = "^(?:[1-9]|[1-9][0-9]|100)$")]
    pub limit: Option<String>,
    /// `incomplete`, `pending`, `approved` or `rejected`: the verification profile's status.
    #[param(pattern = "^(?:incomplete|pending|approved|rejected)$")]
    pub status: Option<String>,
    /// `individual` or `business`.
    #[serde(rename = "type")]
    #[param(rename = "type", pattern = "^(?:individual|business)$")]
    pub customer_type: Option<String>,
    /// Customers with exactly this email address (needs `customers:pii:read`).
    #[param(format = "email", max_length = 254)]
    pub email: Option<String>,
}

/// `GET /compat/spherepay/v2/customer`.
#[utoipa::path(
    get,
    path = "/compat/spherepay/v2/customer",
    operation_id = "spherepay_list_customers",
    tag = "compat-spherepay",
    params(SpherePayListParams),
    responses(
        (status = 200, description = "`{\"customers\": [...], \"pagination\": {page, limit, total, totalPages, hasNext, hasPrevious}}`"),
        (status = 422, description = "A bad filter", body = SpherePayError),
    )
)]
pub async fn list<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    uri: Uri,
) -> Handled {
    let params: SpherePayListParams = query(&ctx, &uri)?;
    let mut errors = Vec::new();
    let number =
        |errors: &mut Vec<FieldErrorDto>, name: &str, raw: Option<&str>, default, max| match raw
            // Digits only, no leading zero: what the parameter's pattern says.
            .map(|raw| {
                if raw.starts_with('0') || !raw.bytes().all(|b| b.is_ascii_digit()) {
                    Err(())
                } else {
                    raw.parse::<u32>().map_err(|_| ())
                }
            }) {
            None => Some(default),
            Some(Ok(value)) if (1..=max).contains(&value) => Some(value),
            Some(_) => {
                errors.push(kyc_compat::field_error(
                    name,
                    "out_of_range",
                    &format!("must be a whole number from 1 to {max}"),
                ));
                None
            }
        };
    let page = number(&mut errors, "page", params.page.as_deref(), 1, 999_999_999);
    let limit = number(
        &mut errors,
        "limit",
        params.limit.as_deref(),
        DEFAULT_LIMIT,
        MAX_LIMIT,
    );
    // SpherePay's statuses are its verification profile's, which ours are.
    // Spelt exactly, as its pattern says.
    let exactly = |raw: &str| {
        ProfileStatus::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == raw)
    };
    let statuses: Vec<ProfileStatus> = match params.status.as_deref().map(exactly) {
        None => Vec::new(),
        Some(Some(status)) => vec![status],
        Some(None) => {
            errors.push(kyc_compat::field_error(
                "status",
                "unknown_value",
                "must be incomplete, pending, approved or rejected",
            ));
            Vec::new()
        }
    };
    let (Some(page), Some(limit)) = (page, limit) else {
        return Err(ctx.fail(invalid(errors)));
    };
    if !errors.is_empty() {
        return Err(ctx.fail(invalid(errors)));
    }
    let list = ListParams {
        page: Some(page - 1),
        per_page: Some(limit),
        customer_type: params.customer_type.clone(),
        email_address: params.email.clone(),
        ..ListParams::default()
    };
    let found = state
        .queries
        .list_in_profile_statuses(&with_pii(&ctx).0, &list, &statuses)
        .await
        .map_err(|error| {
            let mut refusal = error.refusal();
            for field in &mut refusal.errors {
                if field.field == "email_address" {
                    "email".clone_into(&mut field.field);
                }
            }
            ctx.fail(refusal)
        })?;
    let total_pages = found.total.div_ceil(u64::from(limit));
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "customers": found.objects.iter().map(spherepay::render).collect::<Vec<_>>(),
            "pagination": {
                "page": page,
                "limit": limit,
                "total": found.total,
                "totalPages": total_pages,
                "hasNext": u64::from(page) < total_pages,
                "hasPrevious": page > 1,
            }
        }),
    ))
}
