//! `/api/customers`: create, list, read (now or as of a past instant), and `PATCH` in
//! Cybrid's style.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::Uri;
use chrono::{DateTime, Utc};
use kyc_app::ports::{CustomerStore, Cut};
use kyc_app::{ListParams, Operation};
use kyc_domain::customer::FreezeDraft;
use kyc_domain::values::ValidationCode;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{answer, execute, invalid, path, Handled};
use crate::cybrid;
use crate::error::HttpError;
use crate::extract::{customer_guid, query, Ctx, JsonBody};
use crate::state::HttpState;

/// The freeze reason recorded when `PATCH` freezes a customer without a `freeze_reason`
/// (Cybrid's clients send only `state`).
pub const PATCH_FREEZE_REASON: &str = "frozen via PATCH /api/customers";

/// `POST /api/customers`.
pub async fn create<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    JsonBody(body): JsonBody<Value>,
) -> Handled {
    let draft = cybrid::customer_draft(body).map_err(|e| ctx.fail(e))?;
    Ok(execute(&state, &ctx, Operation::Create { draft }).await)
}

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
    /// Cybrid's clients may send their tenant; the token decides, so another value matches
    /// nothing.
    bank_guid: Option<String>,
    #[serde(rename = "include_pii")]
    _include_pii: Option<String>,
}

/// `GET /api/customers`.
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

/// Query parameters of a customer read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerQueryParams {
    as_of: Option<String>,
    as_of_position: Option<i64>,
    #[serde(rename = "include_pii")]
    _include_pii: Option<String>,
}

/// `GET /api/customers/{guid}` (`?as_of=<RFC 3339>` or `?as_of_position=<n>`).
pub async fn get<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    guid: Result<Path<String>, PathRejection>,
    uri: Uri,
) -> Handled {
    let guid = customer_guid(&ctx, &path(&ctx, guid)?)?;
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

/// `PATCH /api/customers/{guid}`, Cybrid's way of changing a customer:
///
/// - `{"state": "frozen", "freeze_reason"?: "..."}` freezes (reason defaults to
///   [`PATCH_FREEZE_REASON`]);
/// - `{"state": "unverified" | "verified" | "rejected"}` unfreezes, which restores the state
///   the customer had before the freeze (the answer shows which);
/// - any other fields are detail changes (`UpdateDetails`), with unknown fields refused.
///
/// `state` cannot be combined with detail fields: that would be two commands, and one request
/// (and one idempotency key) executes exactly one.
pub async fn patch<S: CustomerStore>(
    State(state): State<HttpState<S>>,
    ctx: Ctx,
    guid: Result<Path<String>, PathRejection>,
    JsonBody(mut fields): JsonBody<Map<String, Value>>,
) -> Handled {
    let customer_guid = customer_guid(&ctx, &path(&ctx, guid)?)?;
    let requested_state = fields.remove("state");
    let freeze_reason = fields.remove("freeze_reason");
    let operation = match requested_state {
        None => {
            if freeze_reason.is_some() {
                return Err(ctx.fail(invalid(
                    "freeze_reason",
                    ValidationCode::NotAllowed,
                    "applies only with state frozen",
                )));
            }
            let draft = cybrid::customer_draft(Value::Object(fields)).map_err(|e| ctx.fail(e))?;
            Operation::UpdateDetails {
                customer_guid,
                draft,
            }
        }
        Some(requested) => {
            if !fields.is_empty() {
                return Err(ctx.fail(invalid(
                    "state",
                    ValidationCode::NotAllowed,
                    "cannot be combined with other fields; change details in a separate request",
                )));
            }
            match requested.as_str() {
                Some("frozen") => {
                    let reason = match freeze_reason {
                        None | Some(Value::Null) => PATCH_FREEZE_REASON.to_owned(),
                        Some(Value::String(reason)) => reason,
                        Some(_) => {
                            return Err(ctx.fail(invalid(
                                "freeze_reason",
                                ValidationCode::InvalidFormat,
                                "must be a string",
                            )))
                        }
                    };
                    Operation::Freeze {
                        customer_guid,
                        draft: FreezeDraft {
                            reason: Some(reason),
                        },
                    }
                }
                Some("unverified" | "verified" | "rejected") if freeze_reason.is_none() => {
                    Operation::Unfreeze { customer_guid }
                }
                Some("unverified" | "verified" | "rejected") => {
                    return Err(ctx.fail(invalid(
                        "freeze_reason",
                        ValidationCode::NotAllowed,
                        "applies only with state frozen",
                    )))
                }
                _ => {
                    return Err(ctx.fail(invalid(
                        "state",
                        ValidationCode::UnknownValue,
                        "must be frozen, or unverified, verified or rejected to unfreeze",
                    )))
                }
            }
        }
    };
    Ok(execute(&state, &ctx, operation).await)
}
