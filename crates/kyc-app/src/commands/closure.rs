//! The end of a relationship: close, legal hold, erase.

use kyc_domain::customer::{CloseDraft, EraseDraft, LegalHoldDraft};
use kyc_domain::ids::CustomerGuid;
use kyc_domain::CustomerCommand;
use serde::Serialize;

use super::vocabulary::{BodyFormat, Command, CommandSpec, Method, ServerValues, Target};
use crate::dto::{CloseBody, EraseBody, LegalHoldBody};
use crate::error::AppError;
use crate::principal::Scope;

/// Close a customer's relationship; afterwards only legal holds and erasure are possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Close {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Why.
    pub draft: CloseDraft,
}

impl Command for Close {
    type Body = CloseBody;
    const SPEC: CommandSpec = CommandSpec {
        name: "close",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/close",
        body: BodyFormat::Json,
        scope: Scope::CustomersClose,
        creates: false,
        summary: "Close a customer's relationship (the retention clock starts)",
    };

    fn from_request(target: &Target, body: CloseBody) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
            draft: body.into(),
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::Close {
            draft: self.draft.clone(),
            at: server.at,
        })
    }
}

/// Place or lift a legal hold, which blocks erasure while it is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetLegalHold {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// On or off, and why.
    pub draft: LegalHoldDraft,
}

impl Command for SetLegalHold {
    type Body = LegalHoldBody;
    const SPEC: CommandSpec = CommandSpec {
        name: "legal_hold",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/legal_hold",
        body: BodyFormat::Json,
        scope: Scope::CustomersClose,
        creates: false,
        summary: "Place or lift a legal hold on a customer's records",
    };

    fn from_request(target: &Target, body: LegalHoldBody) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
            draft: body.into(),
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::SetLegalHold {
            draft: self.draft.clone(),
            at: server.at,
        })
    }
}

/// Erase a customer's personal data, once its records need not be kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Erase {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Why (kept in clear for audit).
    pub draft: EraseDraft,
}

impl Command for Erase {
    type Body = EraseBody;
    const SPEC: CommandSpec = CommandSpec {
        name: "erase",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/erase",
        body: BodyFormat::Json,
        scope: Scope::CustomersErase,
        creates: false,
        summary: "Erase a customer's personal data (refused while records must be kept)",
    };

    fn from_request(target: &Target, body: EraseBody) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
            draft: body.into(),
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::Erase {
            draft: self.draft.clone(),
            retention: server.policy.retention,
            at: server.at,
        })
    }
}

/// The retention sweeper's close of an abandoned application (reason `dormant`). Not a route
/// of the API: it is [`Close`] plus the condition, checked in the command's transaction, that
/// the application is still dormant under the tenant's `dormant_after` — a command that arrived
/// since the sweeper looked makes it refuse with `not_dormant` instead of closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloseDormant {
    /// The customer.
    pub customer_guid: CustomerGuid,
}

/// The reason every dormant close records.
pub const DORMANT: &str = "dormant";

impl Command for CloseDormant {
    type Body = CloseBody;
    const SPEC: CommandSpec = CommandSpec {
        name: "close_dormant",
        summary: "Close an abandoned application as dormant (the retention sweeper)",
        ..Close::SPEC
    };

    fn from_request(target: &Target, _body: CloseBody) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn precondition(
        &self,
        customer: &kyc_domain::Customer,
        server: &ServerValues,
    ) -> Result<(), AppError> {
        match customer.record() {
            Some(record) if !record.is_dormant(server.at, server.policy.dormant_after) => {
                Err(AppError::NotDormant)
            }
            // A missing customer is the domain's answer to give.
            _ => Ok(()),
        }
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::Close {
            draft: CloseDraft {
                reason: Some(DORMANT.to_owned()),
                message: None,
            },
            at: server.at,
        })
    }
}
