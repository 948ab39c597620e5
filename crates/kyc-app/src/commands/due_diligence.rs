//! Ongoing due diligence, as the scheduler asks for it (not a route: nobody calls it by hand).

use kyc_domain::ids::CustomerGuid;
use kyc_domain::CustomerCommand;
use serde::Serialize;

use super::vocabulary::{BodyFormat, Command, CommandSpec, Method, ServerValues, Target};
use crate::dto::NoFields;
use crate::error::AppError;
use crate::principal::Scope;

/// Expire documents past their date, open a periodic review that fell due, and lapse a
/// verification whose grace period ran out, as of the request's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckDueDiligence {
    /// The customer.
    pub customer_guid: CustomerGuid,
}

impl Command for CheckDueDiligence {
    type Body = NoFields;
    const SPEC: CommandSpec = CommandSpec {
        name: "check_due_diligence",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/check_due_diligence",
        body: BodyFormat::Empty,
        scope: Scope::CustomersReview,
        creates: false,
        summary: "Apply ongoing due diligence as of now (the due-diligence scheduler)",
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
        Ok(CustomerCommand::CheckDueDiligence { at: server.at })
    }
}
