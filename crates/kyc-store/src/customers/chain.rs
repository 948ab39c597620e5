//! Links appended events into the customer's hash chain, over the payloads as stored.
//!
//! The link must cover the bytes the log keeps, so it is computed here, last, from the
//! payload value that goes into the `events` row: whatever [`super::PgCustomerTransaction::append`]
//! does to a payload before storing it must happen before [`chain_events`].

use kyc_app::chain::link_event;
use kyc_app::metadata::EventMetadata;
use kyc_log::NewEvent;
use serde_json::Value;

/// One event to append: its payload exactly as it will be stored.
pub(crate) struct Unlinked {
    pub event_type: String,
    pub event_version: String,
    pub payload: Value,
    pub metadata: EventMetadata,
}

/// Links `events`, in order, after `previous_hash` (the customer's latest link, or the genesis
/// hash): each gets the v2 link of [`kyc_app::chain`]. Returns the rows to insert and each
/// event's metadata as recorded (link included).
pub(crate) fn chain_events(
    previous_hash: &str,
    events: Vec<Unlinked>,
) -> Result<Vec<(NewEvent, EventMetadata)>, serde_json::Error> {
    let mut previous = previous_hash.to_owned();
    events
        .into_iter()
        .map(|mut event| {
            let metadata = link_event(
                &previous,
                &event.event_type,
                &event.event_version,
                &event.payload,
                &mut event.metadata,
            )?;
            previous.clone_from(&event.metadata.hash);
            Ok((
                NewEvent {
                    event_type: event.event_type,
                    event_version: event.event_version,
                    payload: event.payload,
                    metadata,
                },
                event.metadata,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use kyc_app::chain::{expected_link, GENESIS_HASH};
    use kyc_app::context::Source;
    use serde_json::json;

    fn unlinked(payload: Value) -> Unlinked {
        Unlinked {
            event_type: "CustomerVerified".into(),
            event_version: "1".into(),
            payload,
            metadata: EventMetadata {
                actor: "ops".into(),
                bank_guid: "bank".into(),
                request_id: "req".into(),
                idempotency_key: None,
                source: Source::Cli,
                occurred_at: Utc::now(),
                chain: None,
                hash: "ignored".into(),
            },
        }
    }

    #[test]
    fn each_event_links_to_the_one_before_over_what_is_stored() {
        let linked = chain_events(
            GENESIS_HASH,
            vec![unlinked(json!({"n": 1})), unlinked(json!({"n": 2}))],
        )
        .unwrap();
        let mut previous = GENESIS_HASH.to_owned();
        for (row, metadata) in &linked {
            assert_eq!(metadata.chain, Some(2));
            assert_eq!(row.metadata["hash"], json!(metadata.hash));
            assert_eq!(row.metadata["chain"], json!(2));
            // What a verifier recomputes from the stored row.
            let expected = expected_link(
                &previous,
                &row.event_type,
                &row.event_version,
                &row.payload,
                &row.metadata,
            )
            .unwrap();
            assert_eq!(metadata.hash, expected);
            previous.clone_from(&metadata.hash);
        }
        assert_ne!(linked[0].1.hash, linked[1].1.hash);
    }
}
