//! The wire form of published events: CloudEvents 1.0 JSON envelopes with PII-free data.
//!
//! Consumers learn *that* something happened and to which customer — ids, types, states,
//! reason codes, criterion names — and read details through the API with the PII scope. So a
//! stream that is replicated, mirrored or logged never carries personal data.

use kyc_app::metadata::EventMetadata;
use kyc_domain::customer::DetailField;
use kyc_domain::CustomerEvent;
use kyc_log::StoredEvent;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use thiserror::Error;

/// The event's short name, used in subjects and CloudEvents types (`verified`,
/// `document_submitted`, …).
pub fn event_name(event: &CustomerEvent) -> &'static str {
    match event {
        CustomerEvent::CustomerCreated { .. } => "created",
        CustomerEvent::CustomerDetailsUpdated { .. } => "details_updated",
        CustomerEvent::DocumentSubmitted { .. } => "document_submitted",
        CustomerEvent::DocumentAccepted { .. } => "document_accepted",
        CustomerEvent::DocumentRejected { .. } => "document_rejected",
        CustomerEvent::AssociateAdded { .. } => "associate_added",
        CustomerEvent::AssociateUpdated { .. } => "associate_updated",
        CustomerEvent::AssociateRemoved { .. } => "associate_removed",
        CustomerEvent::CustomerVerified { .. } => "verified",
        CustomerEvent::CustomerRejected { .. } => "rejected",
        CustomerEvent::VerificationReopened { .. } => "verification_reopened",
        CustomerEvent::CustomerFrozen { .. } => "frozen",
        CustomerEvent::CustomerUnfrozen { .. } => "unfrozen",
        CustomerEvent::CustomerClosed { .. } => "closed",
        CustomerEvent::LegalHoldChanged { .. } => "legal_hold_changed",
        CustomerEvent::CustomerErased { .. } => "erased",
        CustomerEvent::DuplicateIdentityFlagged { .. } => "duplicate_identity_flagged",
        CustomerEvent::DuplicateIdentityResolved { .. } => "duplicate_identity_resolved",
        CustomerEvent::ApprovalRecorded { .. } => "approval_recorded",
        CustomerEvent::RiskRated { .. } => "risk_rated",
        CustomerEvent::DocumentExpired { .. } => "document_expired",
        CustomerEvent::ReviewDue { .. } => "review_due",
        CustomerEvent::ReviewCompleted { .. } => "review_completed",
        CustomerEvent::VerificationLapsed { .. } => "verification_lapsed",
        CustomerEvent::ScreeningCompleted { .. } => "screening_completed",
        CustomerEvent::ScreeningMatchProposed { .. } => "screening_match_proposed",
        CustomerEvent::ScreeningMatchResolved { .. } => "screening_match_resolved",
    }
}

/// `<prefix>.<bank_guid>.customer.<guid>.<event_name>`.
pub fn subject(
    prefix: &str,
    bank_guid: &str,
    customer_guid: &str,
    event: &CustomerEvent,
) -> String {
    format!(
        "{prefix}.{bank_guid}.customer.{customer_guid}.{}",
        event_name(event)
    )
}

/// A CloudEvents 1.0 structured-mode JSON event.
///
/// Extension attribute names are lower-case letters only, as CloudEvents 1.0 requires
/// (`globalposition`, not `global_position`), so generic CloudEvents SDKs accept them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent {
    /// Always `1.0`.
    pub specversion: String,
    /// `<customer guid>:<sequence>`; also the `Nats-Msg-Id`.
    pub id: String,
    /// The producing service.
    pub source: String,
    /// `kyc.customer.<event>.v<version>`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The customer guid.
    pub subject: String,
    /// When the command was received.
    pub time: chrono::DateTime<chrono::Utc>,
    /// Always `application/json`.
    pub datacontenttype: String,
    /// The event's sequence within its customer.
    pub sequence: i64,
    /// The event's position in the whole log.
    pub globalposition: i64,
    /// The tenant.
    pub bankguid: String,
    /// The request that caused the event.
    pub requestid: String,
    /// PII-free facts about the event.
    pub data: Value,
}

/// The CloudEvents `source` of every event.
pub const SOURCE: &str = "urn:kyc:customers";

/// Why a stored event could not be enveloped.
#[derive(Debug, Error)]
pub enum EnvelopeError {
    /// The stored payload is not a known event.
    #[error("event {id} does not deserialize: {source}")]
    Payload {
        /// The event id.
        id: String,
        /// Why.
        source: serde_json::Error,
    },
    /// The stored metadata is not the expected shape.
    #[error("metadata of event {id} does not deserialize: {source}")]
    Metadata {
        /// The event id.
        id: String,
        /// Why.
        source: serde_json::Error,
    },
}

/// The envelope's id for an event: `<customer guid>:<sequence>`.
pub fn event_id(stored: &StoredEvent) -> String {
    format!("{}:{}", stored.aggregate_id, stored.sequence)
}

/// Envelopes a stored event.
pub fn envelope(stored: &StoredEvent) -> Result<(CustomerEvent, CloudEvent), EnvelopeError> {
    let id = event_id(stored);
    // Personal fields are sealed in the log and stay out of NATS: the relay holds no keys.
    // What is left (ids, types, codes, states) is all the envelope carries anyway.
    let mut clear = stored.payload.clone();
    kyc_crypto::json::strip_sealed(&mut clear);
    let event: CustomerEvent =
        serde_json::from_value(clear).map_err(|source| EnvelopeError::Payload {
            id: id.clone(),
            source,
        })?;
    let metadata: EventMetadata =
        serde_json::from_value(stored.metadata.clone()).map_err(|source| {
            EnvelopeError::Metadata {
                id: id.clone(),
                source,
            }
        })?;
    let cloud_event = CloudEvent {
        specversion: "1.0".to_owned(),
        id,
        source: SOURCE.to_owned(),
        event_type: format!(
            "kyc.customer.{}.v{}",
            event_name(&event),
            event.event_version()
        ),
        subject: stored.aggregate_id.clone(),
        time: event.at(),
        datacontenttype: "application/json".to_owned(),
        sequence: stored.sequence,
        globalposition: stored.global_position,
        bankguid: metadata.bank_guid,
        requestid: metadata.request_id,
        data: pii_free_data(&event, &stored.payload),
    };
    Ok((event, cloud_event))
}

/// The detail fields present in the stored payload's `member` object (sealed or not), in wire
/// order: which fields were given or changed is not personal, their values are.
fn field_names(payload: &Value, event_type: &str, member: &str) -> Vec<&'static str> {
    let Some(details) = payload
        .get(event_type)
        .and_then(|body| body.get(member))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    DetailField::ALL
        .into_iter()
        .filter(|field| {
            details.contains_key(field.as_str())
                || (*field == DetailField::Name && details.contains_key("legal_name"))
        })
        .map(DetailField::as_str)
        .collect()
}

/// What consumers may know without the PII scope. Free text (messages, freeze reasons) is left
/// out: people type personal data into it.
/// `payload` is the event as stored, for the names of its detail fields.
// One arm per event type is the point: it grows with the event list.
#[allow(clippy::too_many_lines)]
pub fn pii_free_data(event: &CustomerEvent, payload: &Value) -> Value {
    match event {
        CustomerEvent::CustomerCreated { customer_type, .. } => json!({
            "customer_type": customer_type.as_str(),
            "state": "unverified",
            "given_fields": field_names(payload, "CustomerCreated", "details"),
        }),
        CustomerEvent::CustomerDetailsUpdated { .. } => json!({
            "changed_fields": field_names(payload, "CustomerDetailsUpdated", "changes"),
        }),
        CustomerEvent::DocumentSubmitted {
            document_guid,
            kind,
            associate_guid,
            content,
            ..
        } => json!({
            "document_guid": document_guid.to_string(),
            "document_type": kind.as_str(),
            "associate_guid": associate_guid.map(|g| g.to_string()),
            "content_type": content.content_type.as_str(),
            "size_bytes": content.size_bytes,
        }),
        CustomerEvent::DocumentAccepted { document_guid, .. }
        | CustomerEvent::DocumentExpired { document_guid, .. } => json!({
            "document_guid": document_guid.to_string(),
        }),
        CustomerEvent::DocumentRejected {
            document_guid,
            reason,
            ..
        } => json!({
            "document_guid": document_guid.to_string(),
            "reason_code": reason.as_str(),
        }),
        CustomerEvent::AssociateAdded {
            associate_guid,
            details,
            ..
        } => json!({
            "associate_guid": associate_guid.to_string(),
            "roles": details.roles.iter().flatten().map(|r| r.as_str()).collect::<Vec<_>>(),
        }),
        CustomerEvent::AssociateUpdated {
            associate_guid,
            changes,
            ..
        } => json!({
            "associate_guid": associate_guid.to_string(),
            "roles": changes.roles.as_ref().map(|roles| roles.iter().map(|r| r.as_str()).collect::<Vec<_>>()),
        }),
        CustomerEvent::AssociateRemoved { associate_guid, .. } => json!({
            "associate_guid": associate_guid.to_string(),
        }),
        CustomerEvent::CustomerVerified { policy_version, .. } => json!({
            "state": "verified",
            "policy_version": policy_version.as_str(),
        }),
        // The note is free text, and who approved is for the audit trail, not the stream.
        CustomerEvent::ApprovalRecorded { .. } => json!({ "approval": "first" }),
        CustomerEvent::ReviewDue { due_at, .. } | CustomerEvent::ReviewCompleted { due_at, .. } => {
            json!({ "due_at": due_at })
        }
        CustomerEvent::VerificationLapsed { due_since, .. } => json!({
            "state": "unverified",
            "due_since": due_since,
        }),
        CustomerEvent::RiskRated {
            level,
            score,
            factors,
            policy_version,
            four_eyes,
            ..
        } => json!({
            "risk_level": level.as_str(),
            "score": score,
            "factors": factors.iter().map(|f| f.kind.as_str()).collect::<Vec<_>>(),
            "policy_version": policy_version.as_str(),
            "four_eyes": four_eyes,
        }),
        // Which lists, and which matches are new (the alerts): ids and topics, never the
        // entries' names or the customer's.
        CustomerEvent::ScreeningCompleted {
            list_versions,
            hits,
            alerts,
            ..
        } => json!({
            "list_versions": list_versions
                .iter()
                .map(|v| json!({ "list": v.list, "version": v.version }))
                .collect::<Vec<_>>(),
            "matches": hits
                .iter()
                .map(|h| json!({ "match_id": h.match_id.as_str(), "topic": h.topic.as_str() }))
                .collect::<Vec<_>>(),
            "alerts": alerts.iter().map(kyc_domain::customer::MatchId::as_str).collect::<Vec<_>>(),
        }),
        // The note is free text.
        CustomerEvent::ScreeningMatchProposed {
            match_id,
            topic,
            decision,
            ..
        }
        | CustomerEvent::ScreeningMatchResolved {
            match_id,
            topic,
            decision,
            ..
        } => json!({
            "match_id": match_id.as_str(),
            "topic": topic.as_str(),
            "decision": decision.as_str(),
        }),
        CustomerEvent::CustomerRejected {
            reasons, retryable, ..
        } => json!({
            "state": "rejected",
            "reason_codes": reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "retryable": retryable,
        }),
        CustomerEvent::VerificationReopened { .. } => json!({ "state": "unverified" }),
        CustomerEvent::CustomerFrozen { previous_state, .. } => json!({
            "state": "frozen",
            "previous_state": previous_state.as_str(),
        }),
        CustomerEvent::CustomerUnfrozen { restored_state, .. } => json!({
            "state": restored_state.as_str(),
        }),
        CustomerEvent::CustomerClosed { .. }
        | CustomerEvent::LegalHoldChanged { .. }
        | CustomerEvent::CustomerErased { .. }
        | CustomerEvent::DuplicateIdentityFlagged { .. }
        | CustomerEvent::DuplicateIdentityResolved { .. } => record_keeping_data(event),
    }
}

/// [`pii_free_data`] of the events about the relationship's end and the customer's identity.
fn record_keeping_data(event: &CustomerEvent) -> Value {
    match event {
        // The message and the hold's reason are free text, so they stay out.
        CustomerEvent::CustomerClosed {
            reason,
            previous_state,
            ..
        } => json!({
            "state": "closed",
            "reason_code": reason.as_str(),
            "previous_state": previous_state.as_str(),
        }),
        CustomerEvent::LegalHoldChanged { on, .. } => json!({ "legal_hold": on }),
        CustomerEvent::CustomerErased { .. } => {
            json!({ "state": "closed", "personal_data": "erased" })
        }
        CustomerEvent::DuplicateIdentityFlagged {
            other_customer_guid,
            kind,
            ..
        } => json!({
            "other_customer_guid": other_customer_guid.to_string(),
            "kind": kind.as_str(),
        }),
        // The reviewer's note is free text: left out.
        CustomerEvent::DuplicateIdentityResolved {
            other_customer_guid,
            resolution,
            ..
        } => json!({
            "other_customer_guid": other_customer_guid.to_string(),
            "resolution": resolution.as_str(),
        }),
        _ => json!({}),
    }
}
