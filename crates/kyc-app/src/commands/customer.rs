//! Creating a customer and changing it with `PATCH` (Cybrid's style).

use kyc_domain::customer::{CustomerDraft, FreezeDraft};
use kyc_domain::ids::CustomerGuid;
use kyc_domain::values::ValidationCode;
use kyc_domain::CustomerCommand;
use serde::Serialize;

use super::lifecycle::{Freeze, Unfreeze};
use super::vocabulary::{BodyFormat, Command, CommandSpec, Method, ServerValues, Target};
use crate::dto::{CustomerBody, CustomerPatchBody};
use crate::error::AppError;
use crate::principal::Scope;

/// The freeze reason recorded when `PATCH` freezes a customer without a `freeze_reason`
/// (Cybrid's clients send only `state`).
pub const PATCH_FREEZE_REASON: &str = "frozen via PATCH /api/customers";

/// Create a customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Create {
    /// Type and details.
    pub draft: CustomerDraft,
}

impl Command for Create {
    type Body = CustomerBody;
    const SPEC: CommandSpec = CommandSpec {
        name: "create",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers",
        body: BodyFormat::Json,
        scope: Scope::CustomersWrite,
        creates: true,
        summary: "Create a customer (individual or business)",
    };

    fn from_request(_target: &Target, body: CustomerBody) -> Result<Self, AppError> {
        Ok(Self {
            draft: body.into_draft().map_err(AppError::Invalid)?,
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        None
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::Create {
            customer_guid: server.customer_guid,
            bank_guid: server.bank_guid,
            draft: self.draft.clone(),
            identity_matches: server.identity_matches.clone(),
            at: server.at,
        })
    }
}

/// `PATCH /api/customers/{guid}`: detail changes, or Cybrid's state changes.
///
/// `{"state": "frozen", "freeze_reason"?}` freezes; `{"state": "unverified" | "verified" |
/// "rejected"}` lifts a freeze, which restores the state from before it; any other fields
/// change details. `state` cannot be combined with detail fields: that would be two commands,
/// and one request (and one idempotency key) executes exactly one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // One per request, never held in bulk.
pub enum PatchCustomer {
    /// Change details.
    Details {
        /// The customer.
        customer_guid: CustomerGuid,
        /// The fields to change.
        draft: CustomerDraft,
    },
    /// `state: frozen`.
    Freeze(Freeze),
    /// `state` back to what it was.
    Unfreeze(Unfreeze),
}

impl Command for PatchCustomer {
    type Body = CustomerPatchBody;
    const SPEC: CommandSpec = CommandSpec {
        name: "update_details",
        legacy_names: &["update"],
        method: Method::Patch,
        path: "/api/customers/{guid}",
        body: BodyFormat::Json,
        scope: Scope::CustomersWrite,
        creates: false,
        summary: "Change a customer's details, or freeze / unfreeze it with `state`",
    };

    fn from_request(target: &Target, body: CustomerPatchBody) -> Result<Self, AppError> {
        let customer_guid = target.customer()?;
        let invalid = |field: &str, code, message: &str| {
            AppError::Invalid(kyc_domain::values::FieldError::new(field, code, message).into())
        };
        match body.state.as_deref() {
            None if body.freeze_reason.is_some() => Err(invalid(
                "freeze_reason",
                ValidationCode::NotAllowed,
                "applies only with state frozen",
            )),
            None => Ok(Self::Details {
                customer_guid,
                draft: body.details.into_draft().map_err(AppError::Invalid)?,
            }),
            Some(_) if body.details != CustomerBody::default() => Err(invalid(
                "state",
                ValidationCode::NotAllowed,
                "cannot be combined with other fields; change details in a separate request",
            )),
            Some("frozen") => Ok(Self::Freeze(Freeze {
                customer_guid,
                draft: FreezeDraft {
                    reason: Some(
                        body.freeze_reason
                            .unwrap_or_else(|| PATCH_FREEZE_REASON.to_owned()),
                    ),
                },
            })),
            Some("unverified" | "verified" | "rejected") if body.freeze_reason.is_some() => {
                Err(invalid(
                    "freeze_reason",
                    ValidationCode::NotAllowed,
                    "applies only with state frozen",
                ))
            }
            Some("unverified" | "verified" | "rejected") => {
                Ok(Self::Unfreeze(Unfreeze { customer_guid }))
            }
            Some(_) => Err(invalid(
                "state",
                ValidationCode::UnknownValue,
                "must be frozen, or unverified, verified or rejected to unfreeze",
            )),
        }
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        match self {
            Self::Details { customer_guid, .. } => Some(*customer_guid),
            Self::Freeze(freeze) => freeze.customer_guid(),
            Self::Unfreeze(unfreeze) => unfreeze.customer_guid(),
        }
    }

    fn scope(&self) -> Scope {
        match self {
            Self::Details { .. } => Self::SPEC.scope,
            Self::Freeze(freeze) => freeze.scope(),
            Self::Unfreeze(unfreeze) => unfreeze.scope(),
        }
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        match self {
            Self::Details { draft, .. } => Ok(CustomerCommand::UpdateDetails {
                draft: draft.clone(),
                identity_matches: server.identity_matches.clone(),
                at: server.at,
            }),
            Self::Freeze(freeze) => freeze.to_domain(server),
            Self::Unfreeze(unfreeze) => unfreeze.to_domain(server),
        }
    }
}
