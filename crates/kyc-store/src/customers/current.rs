//! A customer as it stands now, from the projection's stored fold plus the events after it.
//!
//! `customer_views.record` with `last_sequence` is the serialized [`Customer`] after that many
//! events (see the projector), and always a contiguous prefix of the stream. Starting from it,
//! a command on a customer with a thousand events reads and decodes a handful of them instead
//! of all. The row is only a cache: whenever it does not fit the log (unreadable, another
//! customer's identity, ahead of the events, a hole after it) the whole stream is folded
//! instead, and a warning says why. A bad row never fails a command.
//!
//! # Locks
//!
//! Reading the row takes an ACCESS SHARE lock on `customer_views`, held until the reading
//! transaction ends. A replay's swap (`projector::rebuild`) takes ACCESS EXCLUSIVE on the
//! table: a command that reads during the swap waits until it commits (briefly), and the swap
//! waits for commands that have read the row to finish. That cannot deadlock: a command reads
//! the row in its first statement, before it holds any other lock or a transaction id, and
//! nothing a command does after that waits for the swap, nor does the swap wait for anything
//! but the table lock.

use kyc_app::ports::{CurrentCustomer, StoreFailure};
use kyc_app::AGGREGATE_TYPE;
use kyc_domain::ids::CustomerGuid;
use kyc_domain::{Customer, CustomerEvent};
use serde::Deserialize;
use sqlx::PgConnection;
use thiserror::Error;

use super::{failure, load_opened};
use crate::codec::{open_event_text, open_record};
use crate::keys::{CustomerKeys, KeyState};

/// Which part of the answer a row is: the stored fold, the stream's first event (to check the
/// fold's identity), or the events from the fold's last one on.
const PART_VIEW: i32 = 0;
const PART_CREATED: i32 = 1;
const PART_TAIL: i32 = 2;

/// One row of the answer.
struct LoadedRow {
    part: i32,
    sequence: i64,
    body: String,
    hash: Option<String>,
}

/// Why the stored fold was not used.
#[derive(Debug, Error)]
enum Unfit {
    #[error("customer_views record does not deserialize: {}", kyc_log::describe_json_error(.0))]
    UnreadableRecord(serde_json::Error),
    #[error("customer_views record has no customer")]
    NoRecord,
    #[error("customer_views record is not this customer's (guid, tenant, type or creation differ from its first event)")]
    Identity,
    #[error("event {sequence} does not deserialize: {}", kyc_log::describe_json_error(.source))]
    UnreadableEvent {
        sequence: i64,
        source: serde_json::Error,
    },
    #[error("expected event {expected}, found {found:?}")]
    Gap { expected: i64, found: Option<i64> },
    #[error("event {0} has no hash in its metadata")]
    NoHash(i64),
    #[error("sealed data does not open: {0}")]
    Sealed(crate::StoreError),
}

/// The customer `guid` as it stands in what `conn` sees: from its stored fold when that fits
/// the log, else from all its events.
pub(crate) async fn load_current(
    conn: &mut PgConnection,
    keys: &CustomerKeys,
    guid: CustomerGuid,
) -> Result<CurrentCustomer, StoreFailure> {
    let id = guid.to_string();
    let folded = kyc_log::load_after_fold(
        &mut *conn,
        include_str!("load_view.sql"),
        AGGREGATE_TYPE,
        &id,
    )
    .await
    .map_err(failure)?;
    let as_row = |part, event: kyc_log::SuffixEvent| LoadedRow {
        part,
        sequence: event.sequence,
        body: event.payload,
        hash: event.hash,
    };
    let rows: Vec<LoadedRow> = folded
        .fold
        .map(|fold| LoadedRow {
            part: PART_VIEW,
            sequence: fold.last_sequence,
            body: fold.body,
            hash: None,
        })
        .into_iter()
        .chain(folded.first.map(|first| as_row(PART_CREATED, first)))
        .chain(
            folded
                .events
                .into_iter()
                .map(|event| as_row(PART_TAIL, event)),
        )
        .collect();
    // A customer without events needs no key (a create's guid is new).
    let key = if rows.is_empty() {
        KeyState::Absent
    } else {
        keys.get(&mut *conn, &id).await.map_err(failure)?
    };
    match from_parts(guid, &rows, &key) {
        Ok(current) => Ok(current),
        Err(unfit) => {
            tracing::warn!(customer_guid = %guid, reason = %unfit, "stored fold not used; folding the whole stream");
            full_fold(conn, keys, &id).await
        }
    }
}

/// The customer from its events alone, as before snapshots: the fallback, and the judge of
/// any corrupt event (reported as [`StoreFailure::Corrupt`]).
async fn full_fold(
    conn: &mut PgConnection,
    keys: &CustomerKeys,
    id: &str,
) -> Result<CurrentCustomer, StoreFailure> {
    let history = load_opened(conn, keys, id, None).await?;
    Ok(CurrentCustomer {
        customer: Customer::from_events(history.iter().map(|r| &r.event)),
        last_hash: history.last().map(|r| r.metadata.hash.clone()),
    })
}

/// Starts from the stored fold (if any) and applies the tail, checking that each fits.
fn from_parts(
    guid: CustomerGuid,
    parts: &[LoadedRow],
    key: &KeyState,
) -> Result<CurrentCustomer, Unfit> {
    let view = parts.iter().find(|p| p.part == PART_VIEW);
    let created = parts.iter().find(|p| p.part == PART_CREATED);
    let tail = parts.iter().filter(|p| p.part == PART_TAIL);
    // `covered`: events already folded into the start; the tail begins at `expected`.
    let (mut customer, covered, mut expected) = match view {
        Some(view) => {
            let customer =
                stored_customer(guid, &view.body, view.sequence, key).map_err(Unfit::from)?;
            check_identity(guid, &customer, created, key)?;
            // The view's own last event leads the tail: its hash is the chain's head.
            (customer, view.sequence, view.sequence)
        }
        None => (Customer::default(), 0, 1),
    };
    let mut last_hash = None;
    for event in tail {
        if event.sequence != expected {
            return Err(Unfit::Gap {
                expected,
                found: Some(event.sequence),
            });
        }
        if event.sequence > covered {
            customer.apply(&decode_event(guid, event, key)?);
        }
        last_hash = Some(event.hash.clone().ok_or(Unfit::NoHash(event.sequence))?);
        expected += 1;
    }
    if view.is_some() && last_hash.is_none() {
        // The view is ahead of every event this statement saw.
        return Err(Unfit::Gap {
            expected,
            found: None,
        });
    }
    Ok(CurrentCustomer {
        customer,
        last_hash,
    })
}

/// Why a view row does not give a customer.
#[derive(Debug, Error)]
pub(crate) enum StoredFoldError {
    /// The JSON does not deserialize.
    #[error("customer_views record does not deserialize: {}", kyc_log::describe_json_error(.0))]
    Unreadable(serde_json::Error),
    /// A sealed field does not open.
    #[error("sealed data does not open: {0}")]
    Sealed(crate::StoreError),
    /// It holds no customer.
    #[error("customer_views record has no customer")]
    NoRecord,
}

impl From<StoredFoldError> for Unfit {
    fn from(error: StoredFoldError) -> Self {
        match error {
            StoredFoldError::Unreadable(source) => Self::UnreadableRecord(source),
            StoredFoldError::Sealed(source) => Self::Sealed(source),
            StoredFoldError::NoRecord => Self::NoRecord,
        }
    }
}

/// The serialized [`Customer`] a view row stands for: `{record, version}`, the shape the
/// projector's unit test pins, with the record's sealed fields opened. `last_sequence` is the
/// row's: the number of events folded into it.
pub(crate) fn stored_customer(
    guid: CustomerGuid,
    body: &str,
    last_sequence: i64,
    key: &KeyState,
) -> Result<Customer, StoredFoldError> {
    let mut record: serde_json::Value =
        serde_json::from_str(body).map_err(StoredFoldError::Unreadable)?;
    open_record(&mut record, &guid.to_string(), last_sequence, key)
        .map_err(StoredFoldError::Sealed)?;
    let customer =
        Customer::deserialize(&serde_json::json!({ "record": record, "version": last_sequence }))
            .map_err(StoredFoldError::Unreadable)?;
    if customer.record().is_none() {
        return Err(StoredFoldError::NoRecord);
    }
    Ok(customer)
}

/// The view must describe the customer the log's first event created: same guid, tenant,
/// type and creation time. A row that disagrees is never trusted (a tenant check reads the
/// bank guid from it).
fn check_identity(
    guid: CustomerGuid,
    customer: &Customer,
    created: Option<&LoadedRow>,
    key: &KeyState,
) -> Result<(), Unfit> {
    let record = customer.record().ok_or(Unfit::NoRecord)?;
    let Some(created) = created else {
        return Err(Unfit::Gap {
            expected: 1,
            found: None,
        });
    };
    match decode_event(guid, created, key)? {
        CustomerEvent::CustomerCreated {
            customer_guid,
            bank_guid,
            customer_type,
            at,
            ..
        } if customer_guid == guid
            && record.guid == guid
            && record.bank_guid == bank_guid
            && record.customer_type == customer_type
            && record.created_at == at =>
        {
            Ok(())
        }
        _ => Err(Unfit::Identity),
    }
}

fn decode_event(
    guid: CustomerGuid,
    part: &LoadedRow,
    key: &KeyState,
) -> Result<CustomerEvent, Unfit> {
    open_event_text(&part.body, &guid.to_string(), part.sequence, key).map_err(
        |error| match error {
            crate::codec::TextEventError::Json(source) => Unfit::UnreadableEvent {
                sequence: part.sequence,
                source,
            },
            crate::codec::TextEventError::Store(error) => Unfit::Sealed(error),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(body: &str, sequence: i64) -> LoadedRow {
        LoadedRow {
            part: PART_VIEW,
            sequence,
            body: body.to_owned(),
            hash: None,
        }
    }

    fn event(part: i32, sequence: i64, event: &CustomerEvent) -> LoadedRow {
        LoadedRow {
            part,
            sequence,
            body: serde_json::to_string(event).unwrap(),
            hash: Some(format!("hash{sequence}")),
        }
    }

    /// A created customer's stream, its view after the first event, and the parts of a load
    /// whose tail is `sequences` (the created event standing in for each).
    fn load(sequences: &[i64]) -> (CustomerGuid, Vec<LoadedRow>) {
        let guid = CustomerGuid::from_uuid(uuid::Uuid::now_v7());
        let created = Customer::default()
            .decide(kyc_domain::CustomerCommand::Create {
                customer_guid: guid,
                bank_guid: kyc_domain::ids::BankGuid::from_uuid(uuid::Uuid::now_v7()),
                draft: kyc_domain::customer::CustomerDraft {
                    customer_type: Some("individual".into()),
                    ..Default::default()
                },
                identity_matches: Vec::new(),
                at: chrono::Utc::now(),
            })
            .unwrap()
            .remove(0);
        let record = Customer::from_events([&created]);
        let record = serde_json::to_string(record.record().unwrap()).unwrap();
        let mut parts = vec![view(&record, 1), event(PART_CREATED, 1, &created)];
        parts.extend(sequences.iter().map(|&n| event(PART_TAIL, n, &created)));
        (guid, parts)
    }

    #[test]
    fn the_view_and_a_contiguous_tail_are_used() {
        let (guid, parts) = load(&[1, 2, 3]);
        let current = from_parts(guid, &parts, &KeyState::Absent).unwrap();
        assert_eq!(current.customer.version(), 3);
        assert_eq!(current.last_hash.as_deref(), Some("hash3"));
    }

    #[test]
    fn a_hole_or_a_missing_head_is_unfit() {
        let (guid, parts) = load(&[1, 3]);
        assert!(matches!(
            from_parts(guid, &parts, &KeyState::Absent),
            Err(Unfit::Gap {
                expected: 2,
                found: Some(3)
            })
        ));
        // The view's own last event is not visible.
        let (guid, parts) = load(&[2]);
        assert!(matches!(
            from_parts(guid, &parts, &KeyState::Absent),
            Err(Unfit::Gap { .. })
        ));
        let (guid, parts) = load(&[]);
        assert!(matches!(
            from_parts(guid, &parts, &KeyState::Absent),
            Err(Unfit::Gap { .. })
        ));
        // Another customer's view.
        let (_, parts) = load(&[1]);
        let other = CustomerGuid::from_uuid(uuid::Uuid::now_v7());
        assert!(matches!(
            from_parts(other, &parts, &KeyState::Absent),
            Err(Unfit::Identity)
        ));
    }

    #[test]
    fn an_empty_stream_is_a_new_customer() {
        let guid = CustomerGuid::from_uuid(uuid::Uuid::now_v7());
        let current = from_parts(guid, &[], &KeyState::Absent).unwrap();
        assert_eq!(current, CurrentCustomer::default());
    }

    #[test]
    fn a_view_without_events_is_not_trusted() {
        let guid = CustomerGuid::from_uuid(uuid::Uuid::now_v7());
        assert!(matches!(
            from_parts(guid, &[view("null", 3)], &KeyState::Absent),
            Err(Unfit::NoRecord)
        ));
        assert!(matches!(
            from_parts(guid, &[view("{", 3)], &KeyState::Absent),
            Err(Unfit::UnreadableRecord(_))
        ));
    }
}
