//! A business's associates: owners, directors, control persons, signers.

use kyc_domain::ids::{AssociateGuid, CustomerGuid};
use kyc_domain::values::AssociateDraft;
use kyc_domain::CustomerCommand;
use serde::Serialize;

use super::vocabulary::{BodyFormat, Command, CommandSpec, Method, ServerValues, Target};
use crate::dto::{AssociateBody, AssociateChanges, NoFields};
use crate::error::AppError;
use crate::principal::Scope;

/// Add an associate to a business.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddAssociate {
    /// The business.
    pub customer_guid: CustomerGuid,
    /// The associate.
    pub draft: AssociateDraft,
}

impl Command for AddAssociate {
    type Body = AssociateBody;
    const SPEC: CommandSpec = CommandSpec {
        name: "add_associate",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/associates",
        body: BodyFormat::Json,
        scope: Scope::CustomersWrite,
        creates: true,
        summary: "Add an owner, director, control person or signer to a business",
    };

    fn from_request(target: &Target, body: AssociateBody) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
            draft: body.into(),
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::AddAssociate {
            associate_guid: AssociateGuid::from_uuid(server.new_id),
            draft: self.draft.clone(),
            at: server.at,
        })
    }
}

/// Change an associate's details.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateAssociate {
    /// The business.
    pub customer_guid: CustomerGuid,
    /// The associate.
    pub associate_guid: AssociateGuid,
    /// The fields to change.
    pub draft: AssociateDraft,
}

impl Command for UpdateAssociate {
    type Body = AssociateChanges;
    const SPEC: CommandSpec = CommandSpec {
        name: "update_associate",
        legacy_names: &[],
        method: Method::Patch,
        path: "/api/customers/{guid}/associates/{associate_guid}",
        body: BodyFormat::Json,
        scope: Scope::CustomersWrite,
        creates: false,
        summary: "Change an associate's details",
    };

    fn from_request(target: &Target, body: AssociateChanges) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
            associate_guid: target.associate()?,
            draft: body.0.into(),
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::UpdateAssociate {
            associate_guid: self.associate_guid,
            draft: self.draft.clone(),
            at: server.at,
        })
    }
}

/// Remove an associate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RemoveAssociate {
    /// The business.
    pub customer_guid: CustomerGuid,
    /// The associate.
    pub associate_guid: AssociateGuid,
}

impl Command for RemoveAssociate {
    type Body = NoFields;
    const SPEC: CommandSpec = CommandSpec {
        name: "remove_associate",
        legacy_names: &[],
        method: Method::Delete,
        path: "/api/customers/{guid}/associates/{associate_guid}",
        body: BodyFormat::Empty,
        scope: Scope::CustomersWrite,
        creates: false,
        summary: "Remove an associate",
    };

    fn from_request(target: &Target, NoFields {}: NoFields) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
            associate_guid: target.associate()?,
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::RemoveAssociate {
            associate_guid: self.associate_guid,
            at: server.at,
        })
    }
}
