//! What a command ends with, as the adapters answer it and an idempotency record replays it.

use serde::{Deserialize, Serialize};

use crate::dto::CustomerDto;
use crate::error::Refusal;

/// A command that was carried out: the customer as it now is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Executed {
    /// True when the command created a resource (a customer, document or associate).
    pub created: bool,
    /// The customer after the command (boxed: outcomes travel through enums and results).
    pub customer: Box<CustomerDto>,
    /// The id of the customer, document or associate the command created, which an answer
    /// that names only the new resource needs (answers stored before it existed have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_guid: Option<String>,
}

/// The id of the resource that `events` create, if they create one.
pub fn created_guid(events: &[kyc_domain::CustomerEvent]) -> Option<String> {
    use kyc_domain::CustomerEvent as E;
    events.iter().find_map(|event| match event {
        E::CustomerCreated { customer_guid, .. } => Some(customer_guid.to_string()),
        E::DocumentSubmitted { document_guid, .. } => Some(document_guid.to_string()),
        E::AssociateAdded { associate_guid, .. } => Some(associate_guid.to_string()),
        _ => None,
    })
}

/// The outcome of a command: carried out, or refused. A refusal is an answer like any other:
/// a retry under the same idempotency key gets the same one.
pub type CommandOutcome = Result<Executed, Refusal>;

/// The customer a stored outcome shows, if it shows one: what erasure deletes stored answers by.
pub fn outcome_customer(outcome: &CommandOutcome) -> Option<kyc_domain::ids::CustomerGuid> {
    let executed = outcome.as_ref().ok()?;
    kyc_domain::ids::CustomerGuid::parse(&executed.customer.guid).ok()
}
