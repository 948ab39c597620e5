//! Settling a possible duplicate: another customer of the tenant gave the same tax or
//! identification number (see `kyc_domain::customer::IdentityValue`), and a reviewer says
//! whether it is the same person or business.

use kyc_domain::customer::ResolveDuplicateDraft;
use kyc_domain::ids::CustomerGuid;
use kyc_domain::CustomerCommand;
use serde::Serialize;

use super::vocabulary::{BodyFormat, Command, CommandSpec, Method, ServerValues, Target};
use crate::dto::ResolveDuplicateBody;
use crate::error::AppError;
use crate::principal::Scope;

/// Resolve the `duplicate_identity` entries naming another customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolveDuplicate {
    /// The customer whose profile shows the duplicate.
    pub customer_guid: CustomerGuid,
    /// The other customer, the resolution and a note.
    pub draft: ResolveDuplicateDraft,
}

impl Command for ResolveDuplicate {
    type Body = ResolveDuplicateBody;
    const SPEC: CommandSpec = CommandSpec {
        name: "resolve_duplicate",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/resolve_duplicate",
        body: BodyFormat::Json,
        scope: Scope::CustomersReview,
        creates: false,
        summary: "Resolve a possible duplicate: another customer with the same tax or \
                  identification number",
    };

    fn from_request(target: &Target, body: ResolveDuplicateBody) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
            draft: body.into(),
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::ResolveDuplicate {
            draft: self.draft.clone(),
            at: server.at,
        })
    }
}
