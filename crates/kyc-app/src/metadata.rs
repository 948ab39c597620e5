//! Event metadata: who caused each event, through which request, and its link in the chain.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::context::Source;

/// Metadata stored beside every event. Holds ids only, never personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMetadata {
    /// The actor (token subject).
    pub actor: String,
    /// The tenant the actor acted for.
    pub bank_guid: String,
    /// The request that caused the event.
    pub request_id: String,
    /// The caller's idempotency key, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The adapter the request came through.
    pub source: Source,
    /// When the command was received.
    pub occurred_at: DateTime<Utc>,
    /// The version of this event's chain link (see [`crate::chain`]): `None` for v1, the
    /// events written before the store linked the chain; `Some(2)` for every new event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<u32>,
    /// This event's link in the customer's hash chain. Set by the store when it appends (what
    /// a caller passes is replaced), over the payload as stored and the other fields above.
    pub hash: String,
}
