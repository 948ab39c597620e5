//! Decisions on a customer: approve, verify, reject, freeze, unfreeze.

use kyc_domain::customer::{ApproveDraft, FreezeDraft, RejectDraft};
use kyc_domain::ids::CustomerGuid;
use kyc_domain::CustomerCommand;
use serde::Serialize;

use super::vocabulary::{BodyFormat, Command, CommandSpec, Method, ServerValues, Target};
use crate::dto::{ApproveBody, FreezeBody, NoFields, RejectBody};
use crate::error::AppError;
use crate::principal::Scope;

/// Record the first of two approvals of a customer whose risk demands four eyes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approve {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// The approver's note.
    pub draft: ApproveDraft,
}

impl Command for Approve {
    type Body = ApproveBody;
    const SPEC: CommandSpec = CommandSpec {
        name: "approve",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/approve",
        body: BodyFormat::OptionalJson,
        scope: Scope::CustomersReview,
        creates: false,
        summary: "Record the first approval of a customer that needs four eyes; another actor \
                  holding customers:approve_high_risk then verifies",
    };

    fn from_request(target: &Target, body: ApproveBody) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
            draft: body.into(),
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::Approve {
            draft: self.draft.clone(),
            at: server.at,
        })
    }
}

/// Mark a customer verified; only when its verification profile is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Verify {
    /// The customer.
    pub customer_guid: CustomerGuid,
}

impl Command for Verify {
    type Body = NoFields;
    const SPEC: CommandSpec = CommandSpec {
        name: "verify",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/verify",
        body: BodyFormat::OptionalJson,
        scope: Scope::CustomersReview,
        creates: false,
        summary: "Verify a customer whose verification profile is complete (for a customer \
                  that needs four eyes: the second approval, by another actor holding \
                  customers:approve_high_risk)",
    };

    fn from_request(target: &Target, NoFields {}: NoFields) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::Verify { at: server.at })
    }
}

/// Reject a customer, finally or with leave to resubmit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Reasons, message, and whether the customer may try again.
    pub draft: RejectDraft,
}

impl Command for Reject {
    type Body = RejectBody;
    const SPEC: CommandSpec = CommandSpec {
        name: "reject",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/reject",
        body: BodyFormat::OptionalJson,
        scope: Scope::CustomersReview,
        creates: false,
        summary: "Reject a customer",
    };

    fn from_request(target: &Target, body: RejectBody) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
            draft: body.into(),
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::Reject {
            draft: self.draft.clone(),
            at: server.at,
        })
    }
}

/// Freeze a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Freeze {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// Why.
    pub draft: FreezeDraft,
}

impl Command for Freeze {
    type Body = FreezeBody;
    const SPEC: CommandSpec = CommandSpec {
        name: "freeze",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/freeze",
        body: BodyFormat::OptionalJson,
        scope: Scope::CustomersFreeze,
        creates: false,
        summary: "Freeze a customer",
    };

    fn from_request(target: &Target, body: FreezeBody) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
            draft: body.into(),
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::Freeze {
            draft: self.draft.clone(),
            at: server.at,
        })
    }
}

/// Lift a freeze, restoring the state from before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Unfreeze {
    /// The customer.
    pub customer_guid: CustomerGuid,
}

impl Command for Unfreeze {
    type Body = NoFields;
    const SPEC: CommandSpec = CommandSpec {
        name: "unfreeze",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/unfreeze",
        body: BodyFormat::OptionalJson,
        scope: Scope::CustomersFreeze,
        creates: false,
        summary: "Lift a customer's freeze",
    };

    fn from_request(target: &Target, NoFields {}: NoFields) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::Unfreeze { at: server.at })
    }
}
