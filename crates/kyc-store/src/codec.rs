//! The Customer's data as stored: events, view records, stored answers and document bytes,
//! with every personal field sealed under the customer's data key.
//!
//! Shared by the port adapter (`customers`) and the projection (`projector`), which otherwise
//! know nothing of each other.
//!
//! # What is sealed
//! A *region* names a JSON object inside a stored document and which of its members are
//! personal. Rules say which members stay clear rather than which are sealed wherever a new
//! field could appear (customer and associate details), so a field added later is sealed by
//! default. Ids, types, states, reason codes, labels, timestamps, digests and sizes stay clear
//! (lists, filters, the relay and `kycctl verify` need them); names, addresses, contact details,
//! dates of birth, nationality, tax and identification numbers, PEP details, metadata, file
//! names and every free-text message are sealed, each under associated data naming the
//! customer, the record (event sequence, view, answer, document) and the member's path, so a
//! sealed value moved anywhere else no longer opens.
//!
//! Once the key is destroyed, sealed members are dropped on reading: the domain reads them as
//! absent, exactly what [`kyc_domain::CustomerEvent::without_personal_data`] leaves (a test
//! below holds the two to the same set).

use kyc_app::metadata::EventMetadata;
use kyc_app::ports::RecordedEvent;
use kyc_crypto::json::{is_sealed, open_value, seal_value};
use kyc_crypto::DataKey;
use kyc_domain::CustomerEvent;
use kyc_log::{describe_json_error, StoredEvent};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::keys::KeyState;
use crate::StoreError;

/// Which members of an object are personal.
#[derive(Debug, Clone, Copy)]
enum Members {
    /// Only these.
    Only(&'static [&'static str]),
    /// All but these.
    AllExcept(&'static [&'static str]),
}

impl Members {
    fn is_personal(self, member: &str) -> bool {
        match self {
            Self::Only(names) => names.contains(&member),
            Self::AllExcept(names) => !names.contains(&member),
        }
    }
}

/// An object in a stored document (`*` walks every member of a map) and its personal members.
#[derive(Debug, Clone, Copy)]
struct Region {
    path: &'static [&'static str],
    members: Members,
}

/// Members of customer details that stay clear: the caller's labels (filters need them).
const CLEAR_DETAILS: Members = Members::AllExcept(&["labels"]);
/// Members of associate details that stay clear: share and roles (profiles and the relay).
const CLEAR_ASSOCIATE: Members = Members::AllExcept(&["ownership_percentage", "roles"]);

const fn region(path: &'static [&'static str], members: Members) -> Region {
    Region { path, members }
}

const DETAILS: &[Region] = &[region(&["details"], CLEAR_DETAILS)];
const CHANGES: &[Region] = &[region(&["changes"], CLEAR_DETAILS)];
const ASSOCIATE_DETAILS: &[Region] = &[region(&["details"], CLEAR_ASSOCIATE)];
const ASSOCIATE_CHANGES: &[Region] = &[region(&["changes"], CLEAR_ASSOCIATE)];
/// A document's file name and dates (a passport's dates are the holder's data).
const DOCUMENT_FIELDS: &[Region] = &[region(
    &[],
    Members::Only(&["file_name", "issued_on", "expires_on"]),
)];
const MESSAGE: &[Region] = &[region(&[], Members::Only(&["message"]))];
const REASON_TEXT: &[Region] = &[region(&[], Members::Only(&["reason"]))];
const NOTE: &[Region] = &[region(&[], Members::Only(&["note"]))];
const NOTHING: &[Region] = &[];

/// The personal regions of each event type's payload body (inside `{"<type>": body}`); `None`
/// for a type without a rule, which is refused on writing rather than stored in clear.
fn event_regions(event_type: &str) -> Option<&'static [Region]> {
    Some(match event_type {
        "CustomerCreated" => DETAILS,
        "CustomerDetailsUpdated" => CHANGES,
        "DocumentSubmitted" => DOCUMENT_FIELDS,
        "DocumentRejected" | "CustomerRejected" | "CustomerClosed" => MESSAGE,
        "AssociateAdded" => ASSOCIATE_DETAILS,
        "AssociateUpdated" => ASSOCIATE_CHANGES,
        "CustomerFrozen" | "LegalHoldChanged" => REASON_TEXT,
        // A reviewer's or approver's note is free text; the other guid, kind and resolution are
        // not personal, and who approved is an operator id, as in metadata.
        "DuplicateIdentityResolved"
        | "ApprovalRecorded"
        | "ScreeningMatchProposed"
        | "ScreeningMatchResolved" => NOTE,
        // Levels, scores, factor kinds and policy names: no fact about the person.
        // Ids and times: when a document expired, a review fell due or a verification lapsed.
        "RiskRated"
        | "DocumentExpired"
        | "ReviewDue"
        | "ReviewCompleted"
        | "VerificationLapsed"
        | "DocumentAccepted"
        | "AssociateRemoved"
        | "CustomerVerified"
        | "VerificationReopened"
        | "CustomerUnfrozen"
        | "CustomerErased"
        | "DuplicateIdentityFlagged"
        // List names and versions, entry ids, match ids and scores: what a list says, never
        // what the customer gave (the names screened are not recorded).
        | "ScreeningCompleted" => NOTHING,
        _ => return None,
    })
}

/// The personal regions of a serialized `CustomerRecord` (a view row).
const RECORD_REGIONS: &[Region] = &[
    region(&["details"], CLEAR_DETAILS),
    region(
        &["documents", "*"],
        Members::Only(&["file_name", "issued_on", "expires_on"]),
    ),
    region(&["documents", "*", "status"], Members::Only(&["message"])),
    region(&["associates", "*"], CLEAR_ASSOCIATE),
    region(&["rejection"], Members::Only(&["message"])),
    region(&["frozen"], Members::Only(&["reason"])),
    region(&["closure"], Members::Only(&["message"])),
    region(&["legal_hold"], Members::Only(&["reason"])),
    region(&["approvals", "*"], Members::Only(&["note"])),
    region(&["screening", "resolutions", "*"], Members::Only(&["note"])),
    region(&["screening", "proposals", "*"], Members::Only(&["note"])),
];

/// What a sealed value is bound to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Record<'a> {
    /// The event with this sequence.
    Event(i64),
    /// The customer's view row.
    View,
    /// A stored answer under this idempotency scope and key.
    Answer(&'a str, &'a str),
    /// A document's bytes.
    Document(&'a str),
}

fn context(customer: &str, record: Record<'_>, path: &str) -> Vec<u8> {
    let record = match record {
        Record::Event(sequence) => format!("event\u{1f}{sequence}"),
        Record::View => "view".to_owned(),
        Record::Answer(scope, key) => format!("answer\u{1f}{scope}\u{1f}{key}"),
        Record::Document(guid) => format!("document\u{1f}{guid}"),
    };
    format!("kyc/v1\u{1f}{customer}\u{1f}{record}\u{1f}{path}").into_bytes()
}

/// What [`walk`] calls with each object it reaches and its dotted location.
type Visitor<'a> = dyn FnMut(&mut Map<String, Value>, &str) -> Result<(), StoreError> + 'a;

/// Calls `visit` with every object `path` leads to under `value`, and its dotted location.
fn walk(
    value: &mut Value,
    path: &[&str],
    location: &mut String,
    visit: &mut Visitor<'_>,
) -> Result<(), StoreError> {
    let Value::Object(object) = value else {
        return Ok(());
    };
    let Some((first, rest)) = path.split_first() else {
        return visit(object, location);
    };
    let start = location.len();
    if *first == "*" {
        for (name, member) in object.iter_mut() {
            push_segment(location, name);
            walk(member, rest, location, visit)?;
            location.truncate(start);
        }
    } else if let Some(member) = object.get_mut(*first) {
        push_segment(location, first);
        walk(member, rest, location, visit)?;
        location.truncate(start);
    }
    Ok(())
}

fn push_segment(location: &mut String, segment: &str) {
    if !location.is_empty() {
        location.push('.');
    }
    location.push_str(segment);
}

fn member_path(location: &str, member: &str) -> String {
    if location.is_empty() {
        member.to_owned()
    } else {
        format!("{location}.{member}")
    }
}

/// Seals the personal members of `regions` in `value`.
fn seal_regions(
    value: &mut Value,
    regions: &[Region],
    key: &DataKey,
    customer: &str,
    record: Record<'_>,
) -> Result<(), StoreError> {
    for region in regions {
        walk(
            value,
            region.path,
            &mut String::new(),
            &mut |object, location| {
                for (name, member) in object.iter_mut() {
                    if region.members.is_personal(name) && !member.is_null() && !is_sealed(member) {
                        let ctx = context(customer, record, &member_path(location, name));
                        *member = seal_value(key, &ctx, member);
                    }
                }
                Ok(())
            },
        )?;
    }
    Ok(())
}

/// Opens the sealed members of `regions` in `value`, or drops them when the key is destroyed.
/// Returns true when something was dropped. Clear members (written before encryption) are
/// left as they are.
fn open_regions(
    value: &mut Value,
    regions: &[Region],
    key: &KeyState,
    customer: &str,
    record: Record<'_>,
    sequence: i64,
) -> Result<bool, StoreError> {
    let mut dropped = false;
    for region in regions {
        walk(
            value,
            region.path,
            &mut String::new(),
            &mut |object, location| {
                let sealed: Vec<String> = object
                    .iter()
                    .filter(|(_, member)| is_sealed(member))
                    .map(|(name, _)| name.clone())
                    .collect();
                for name in sealed {
                    match key {
                        KeyState::Active(key) => {
                            let ctx = context(customer, record, &member_path(location, &name));
                            if let Some(member) = object.get_mut(&name) {
                                *member = open_value(key, &ctx, member).map_err(|source| {
                                    StoreError::Corrupt {
                                        aggregate_id: customer.to_owned(),
                                        sequence,
                                        reason: format!(
                                            "sealed {} does not open: {source}",
                                            member_path(location, &name)
                                        ),
                                    }
                                })?;
                            }
                        }
                        KeyState::Destroyed => {
                            object.remove(&name);
                            dropped = true;
                        }
                        KeyState::Absent => {
                            return Err(StoreError::MissingDataKey(customer.to_owned()))
                        }
                    }
                }
                Ok(())
            },
        )?;
    }
    Ok(dropped)
}

/// The body of an event payload (`{"<type>": body}`).
fn event_body<'v>(payload: &'v mut Value, event_type: &str) -> Option<&'v mut Value> {
    payload.get_mut(event_type)
}

/// Seals the personal fields of a serialized event of `customer` at `sequence`.
pub(crate) fn seal_event(
    payload: &mut Value,
    event_type: &str,
    customer: &str,
    sequence: i64,
    key: &DataKey,
) -> Result<(), StoreError> {
    let regions = event_regions(event_type).ok_or_else(|| StoreError::Corrupt {
        aggregate_id: customer.to_owned(),
        sequence,
        reason: format!(
            "event type {event_type} has no sealing rule; refusing to store it in clear"
        ),
    })?;
    if let Some(body) = event_body(payload, event_type) {
        seal_regions(body, regions, key, customer, Record::Event(sequence))?;
    }
    Ok(())
}

/// True when a serialized event of this type carries a personal field (needs a key to store).
pub(crate) fn has_personal_data(payload: &Value, event_type: &str) -> bool {
    let Some(regions) = event_regions(event_type) else {
        return true;
    };
    let mut payload = payload.clone();
    let Some(body) = event_body(&mut payload, event_type) else {
        return false;
    };
    let mut found = false;
    for region in regions {
        let _ = walk(body, region.path, &mut String::new(), &mut |object, _| {
            found |= object
                .iter()
                .any(|(name, member)| region.members.is_personal(name) && !member.is_null());
            Ok(())
        });
    }
    found
}

/// Opens (or, with a destroyed key, drops) the sealed fields of a stored event payload and
/// decodes it.
pub(crate) fn open_event(
    mut payload: Value,
    event_type: &str,
    customer: &str,
    sequence: i64,
    key: &KeyState,
) -> Result<CustomerEvent, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        aggregate_id: customer.to_owned(),
        sequence,
        reason,
    };
    if let (Some(regions), Some(body)) = (
        event_regions(event_type),
        event_body(&mut payload, event_type),
    ) {
        open_regions(
            body,
            regions,
            key,
            customer,
            Record::Event(sequence),
            sequence,
        )?;
    }
    // Deserialized from the borrowed JSON values, without copying them.
    CustomerEvent::deserialize(&payload)
        .map_err(|e| corrupt(format!("event {event_type}: {}", describe_json_error(&e))))
}

/// Why an event read as JSON text did not decode.
#[derive(Debug)]
pub enum TextEventError {
    /// The text, or the opened event, is not a valid event.
    Json(serde_json::Error),
    /// A sealed field did not open.
    Store(StoreError),
}

/// Opens and decodes an event payload read as JSON text (`{"<type>": body}`).
pub fn open_event_text(
    text: &str,
    customer: &str,
    sequence: i64,
    key: &KeyState,
) -> Result<CustomerEvent, TextEventError> {
    let payload: Value = serde_json::from_str(text).map_err(TextEventError::Json)?;
    open_event_value(payload, customer, sequence, key)
}

/// Opens and decodes an event payload whose type is only known from its shape
/// (`{"<type>": body}`).
pub fn open_event_value(
    mut payload: Value,
    customer: &str,
    sequence: i64,
    key: &KeyState,
) -> Result<CustomerEvent, TextEventError> {
    let event_type = match &payload {
        Value::Object(object) if object.len() == 1 => object.keys().next().cloned(),
        _ => None,
    };
    if let Some(event_type) = event_type {
        if let (Some(regions), Some(body)) = (
            event_regions(&event_type),
            event_body(&mut payload, &event_type),
        ) {
            open_regions(
                body,
                regions,
                key,
                customer,
                Record::Event(sequence),
                sequence,
            )
            .map_err(TextEventError::Store)?;
        }
    }
    CustomerEvent::deserialize(&payload).map_err(TextEventError::Json)
}

impl TextEventError {
    /// As a store error about `customer`'s event `sequence`.
    pub fn into_store_error(self, customer: &str, sequence: i64) -> StoreError {
        match self {
            Self::Json(error) => StoreError::Corrupt {
                aggregate_id: customer.to_owned(),
                sequence,
                reason: format!("event: {}", describe_json_error(&error)),
            },
            Self::Store(error) => error,
        }
    }
}

/// Opens (or, with a destroyed key, drops) the sealed fields of a stored event payload in place.
pub fn open_payload(
    payload: &mut Value,
    event_type: &str,
    customer: &str,
    sequence: i64,
    key: &KeyState,
) -> Result<(), StoreError> {
    if let (Some(regions), Some(body)) =
        (event_regions(event_type), event_body(payload, event_type))
    {
        open_regions(
            body,
            regions,
            key,
            customer,
            Record::Event(sequence),
            sequence,
        )?;
    }
    Ok(())
}

/// Opens and decodes one stored event of a customer stream.
pub fn recorded_event(stored: &StoredEvent, key: &KeyState) -> Result<RecordedEvent, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        aggregate_id: stored.aggregate_id.clone(),
        sequence: stored.sequence,
        reason,
    };
    let event = open_event(
        stored.payload.clone(),
        &stored.event_type,
        &stored.aggregate_id,
        stored.sequence,
        key,
    )?;
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

/// A serialized `CustomerRecord` (as JSON value) with its personal fields sealed.
pub(crate) fn seal_record(
    record: &mut Value,
    customer: &str,
    key: &DataKey,
) -> Result<(), StoreError> {
    seal_regions(record, RECORD_REGIONS, key, customer, Record::View)
}

/// Opens (or drops, once erased) the sealed fields of a stored record.
pub fn open_record(
    record: &mut Value,
    customer: &str,
    sequence: i64,
    key: &KeyState,
) -> Result<(), StoreError> {
    open_regions(
        record,
        RECORD_REGIONS,
        key,
        customer,
        Record::View,
        sequence,
    )
    .map(drop)
}

/// A stored answer sealed whole (it repeats the customer's details).
pub(crate) fn seal_answer(
    answer: &Value,
    customer: &str,
    scope: &str,
    idempotency_key: &str,
    key: &DataKey,
) -> Value {
    let ctx = context(customer, Record::Answer(scope, idempotency_key), "outcome");
    serde_json::json!({ "customer_guid": customer, "sealed_outcome": seal_value(key, &ctx, answer) })
}

/// The clear answer of what [`seal_answer`] stored; clear answers (refusals, and answers
/// stored before encryption) pass through.
pub(crate) fn open_answer(
    stored: Value,
    scope: &str,
    idempotency_key: &str,
    key_of: impl FnOnce(&str) -> Option<KeyState>,
) -> Result<Value, StoreError> {
    let (Some(customer), Some(sealed)) = (
        stored.get("customer_guid").and_then(Value::as_str),
        stored.get("sealed_outcome"),
    ) else {
        return Ok(stored);
    };
    let corrupt = |reason: String| StoreError::Corrupt {
        aggregate_id: customer.to_owned(),
        sequence: 0,
        reason,
    };
    match key_of(customer) {
        Some(KeyState::Active(key)) => {
            let ctx = context(customer, Record::Answer(scope, idempotency_key), "outcome");
            open_value(&key, &ctx, sealed)
                .map_err(|e| corrupt(format!("stored answer does not open: {e}")))
        }
        Some(KeyState::Destroyed) => Err(corrupt("stored answer of an erased customer".to_owned())),
        Some(KeyState::Absent) | None => Err(StoreError::MissingDataKey(customer.to_owned())),
    }
}

/// The customer a sealed stored answer belongs to.
pub(crate) fn answer_customer(stored: &Value) -> Option<&str> {
    stored
        .get("sealed_outcome")
        .and(stored.get("customer_guid"))
        .and_then(Value::as_str)
}

/// A document's bytes sealed under its customer's key.
pub(crate) fn seal_document(
    content: &[u8],
    customer: &str,
    document: &str,
    key: &DataKey,
) -> Vec<u8> {
    key.seal(
        &context(customer, Record::Document(document), "content"),
        content,
    )
}

/// The clear bytes of a sealed document.
pub(crate) fn open_document(
    sealed: &[u8],
    customer: &str,
    document: &str,
    key: &DataKey,
) -> Result<Vec<u8>, StoreError> {
    key.open(
        &context(customer, Record::Document(document), "content"),
        sealed,
    )
    .map_err(|source| StoreError::DataKey {
        customer: customer.to_owned(),
        source,
    })
}
