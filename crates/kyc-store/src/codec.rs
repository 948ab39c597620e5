//! The Customer's events as the log stores them: serialized payload and metadata.
//!
//! Shared by the port adapter (`customers`) and the projection (`projector`), which otherwise
//! know nothing of each other.

use kyc_app::metadata::EventMetadata;
use kyc_app::ports::RecordedEvent;
use kyc_domain::CustomerEvent;
use kyc_log::{describe_json_error, StoredEvent};
use serde::Deserialize;

use crate::StoreError;

/// Deserializes one stored event of a customer stream.
pub(crate) fn recorded_event(stored: &StoredEvent) -> Result<RecordedEvent, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        aggregate_id: stored.aggregate_id.clone(),
        sequence: stored.sequence,
        reason,
    };
    // Deserialized straight from the borrowed JSON values, without copying them.
    let event = CustomerEvent::deserialize(&stored.payload).map_err(|e| {
        corrupt(format!(
            "event {}: {}",
            stored.event_type,
            describe_json_error(&e)
        ))
    })?;
    let metadata = EventMetadata::deserialize(&stored.metadata)
        .map_err(|e| corrupt(format!("metadata: {}", describe_json_error(&e))))?;
    let sequence = u64::try_from(stored.sequence).map_err(|e| corrupt(format!("sequence: {e}")))?;
    Ok(RecordedEvent {
        sequence,
        global_position: stored.global_position,
        event,
        metadata,
        recorded_at: stored.recorded_at,
    })
}
