//! `/api/customers` reads: the list, and one customer now or as of a past instant.

use axum::extract::State;
use axum::http::Uri;
use chrono::{DateTime, Utc};
use kyc_app::dto::{CustomerDto, CustomerListDto};
use kyc_app::ports::{CustomerStore, Cut};
use kyc_app::ListParams;
use serde::Deserialize;

use super::{answer, Handled, PathIds};
use crate::error::HttpError;
use crate::extract::{query, Ctx};
use crate::openapi::{CustomerPathParam, IncludePiiParam};
use crate::state::HttpState;

/// Query parameters of the customer list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQueryParams {
    page: Option<u32>,
    per_page: Option<u32>,
    #[serde(rename = "type")]
    customer_type: Option<String>,
    state: Option<String>,
    label: Option<String>,
    email_address: Option<String>,
    phone_number: Option<String>,
    identification_number: Option<String>,
    /// Cybrid's clients may send their tenant; the token decides, so another value matches
    /// nothing.
    bank_guid: Option<String>,
    #[serde(rename = "include_pii")]
    _include_pii: Option<String>,
}

/// `GET /api/customers`.
#[utoipa::path(
    get,
    path = "/api/customers",
    operation_id = "list_customers",
    tag = "customers",
    params(ListParams, ListBankParam, IncludePiiParam),
    responses(
        (status = 200, description = "A page of the tenant's customers, newest first", body = CustomerListDto),
    )
)]
pub async fn list<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    uri: Uri,
) -> Handled {
    let params: ListQueryParams = query(&ctx, &uri)?;
    let list = ListParams {
        page: params.page,
        per_page: params.per_page,
        customer_type: params.customer_type,
        state: params.state,
        label: params.label,
        email_address: params.email_address,
        phone_number: params.phone_number,
        identification_number: params.identification_number,
    };
    let mut result = state.queries.list(&ctx.0, &list).await;
    if let (Ok(page), Some(bank_guid)) = (&mut result, params.bank_guid) {
        if bank_guid != ctx.0.principal.bank_guid().to_string() {
            page.total = 0;
            page.objects.clear();
        }
    }
    answer(&ctx, result)
}

/// Cybrid's `bank_guid` list filter.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameter that `ListQueryParams` reads.
struct ListBankParam {
    /// Cybrid's clients may send their tenant; any other value matches nothing.
    bank_guid: Option<String>,
}

/// Query parameters of a customer read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerQueryParams {
    as_of: Option<String>,
    as_of_position: Option<i64>,
    #[serde(rename = "include_pii")]
    _include_pii: Option<String>,
}

/// The cut of a customer read, as one exploded query object: `as_of` or `as_of_position`,
/// not both (which two separate parameters could not say).
struct CutParam;

impl utoipa::IntoParams for CutParam {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::schema::{AdditionalProperties, KnownFormat, ObjectBuilder, Type};
        let cut = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "as_of",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                        KnownFormat::DateTime,
                    )))
                    .description(Some("The customer as it was at this instant (RFC 3339)")),
            )
            .property(
                "as_of_position",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                        KnownFormat::Int64,
                    )))
                    .minimum(Some(i64::MIN))
                    .maximum(Some(i64::MAX))
                    .description(Some("The customer as it was at this log position")),
            )
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .max_properties(Some(1));
        vec![utoipa::openapi::path::ParameterBuilder::new()
            .name("cut")
            .parameter_in(utoipa::openapi::path::ParameterIn::Query)
            .required(utoipa::openapi::Required::False)
            .style(Some(utoipa::openapi::path::ParameterStyle::Form))
            .explode(Some(true))
            .description(Some(
                "Read the customer as it was: `as_of=<RFC 3339>` or `as_of_position=<n>`, not both",
            ))
            .schema(Some(cut))
            .build()]
    }
}

/// `GET /api/customers/{guid}` (`?as_of=<RFC 3339>` or `?as_of_position=<n>`).
#[utoipa::path(
    get,
    path = "/api/customers/{guid}",
    operation_id = "get_customer",
    tag = "customers",
    params(CustomerPathParam, CutParam, IncludePiiParam),
    responses(
        (status = 200, description = "The customer", body = CustomerDto),
    )
)]
pub async fn get<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    ids: PathIds,
    uri: Uri,
) -> Handled {
    let guid = ids.customer(&ctx)?;
    let params: CustomerQueryParams = query(&ctx, &uri)?;
    let cut = match (params.as_of, params.as_of_position) {
        (Some(_), Some(_)) => {
            return Err(ctx.fail(HttpError::malformed(
                "give as_of or as_of_position, not both",
            )))
        }
        (Some(raw), None) => Some(Cut::Instant(
            DateTime::parse_from_rfc3339(&raw)
                .map_err(|_| {
                    ctx.fail(HttpError::malformed(
                        "query parameter as_of must be an RFC 3339 timestamp",
                    ))
                })?
                .with_timezone(&Utc),
        )),
        (None, Some(position)) => Some(Cut::Position(position)),
        (None, None) => None,
    };
    answer(&ctx, state.queries.customer(&ctx.0, guid, cut).await)
}
