//! Deciding a potential sanctions or PEP match that screening found (see
//! `kyc_domain::customer::ScreeningState`).

use kyc_domain::customer::ResolveMatchDraft;
use kyc_domain::ids::CustomerGuid;
use kyc_domain::CustomerCommand;
use serde::Serialize;

use super::vocabulary::{BodyFormat, Command, CommandSpec, Method, ServerValues, Target};
use crate::dto::{NoFields, ResolveMatchBody};
use crate::error::AppError;
use crate::principal::Scope;

/// Resolve a potential match as a true match or a false positive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolveScreeningMatch {
    /// The customer whose screening found the match.
    pub customer_guid: CustomerGuid,
    /// The match, as the path named it.
    pub match_id: String,
    /// The decision and why.
    pub draft: ResolveMatchDraft,
}

impl Command for ResolveScreeningMatch {
    type Body = ResolveMatchBody;
    const SPEC: CommandSpec = CommandSpec {
        name: "resolve_screening_match",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/screening_matches/{match_id}/resolve",
        body: BodyFormat::Json,
        scope: Scope::CustomersReview,
        creates: false,
        summary: "Decide a potential sanctions or PEP match: a true sanctions match rejects an \
                  applicant finally or freezes a verified customer; a true PEP match raises the \
                  risk rating; a false positive does not alert again unless the entry changes",
    };

    fn from_request(target: &Target, body: ResolveMatchBody) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
            match_id: target.screening_match()?.to_owned(),
            draft: body.into(),
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::ResolveScreeningMatch {
            match_id: self.match_id.clone(),
            draft: self.draft.clone(),
            at: server.at,
        })
    }
}

/// Screen a customer again after a list changed (not a route: a list import's re-screening
/// issues it). Records a screening only when the matches differ from the latest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rescreen {
    /// The customer.
    pub customer_guid: CustomerGuid,
}

impl Command for Rescreen {
    type Body = NoFields;
    const SPEC: CommandSpec = CommandSpec {
        name: "rescreen",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/rescreen",
        body: BodyFormat::Empty,
        scope: Scope::CustomersReview,
        creates: false,
        summary: "Screen the customer again against the lists as they stand (list imports)",
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
        Ok(CustomerCommand::Rescreen { at: server.at })
    }
}
