//! `kycctl history` and `kycctl state-at`: what happened to a customer, and how it stood.

use anyhow::{bail, Context};
use kyc_app::dto::{audit_trail, CustomerDto};
use kyc_app::ports::{CustomerStore, Cut};
use kyc_domain::ids::CustomerGuid;
use kyc_domain::Customer;
use kyc_store::PgCustomerStore;

use crate::output;

/// Prints every event of a customer with actor, time, request id, source and state change.
pub async fn history(store: &PgCustomerStore, guid: &str, as_json: bool) -> anyhow::Result<()> {
    let guid = CustomerGuid::parse(guid).map_err(|e| anyhow::anyhow!("customer guid: {e}"))?;
    let events = store
        .load(guid, None)
        .await
        .context("reading the event log")?;
    if events.is_empty() {
        bail!("customer {guid} not found");
    }
    let trail = audit_trail(&events);
    if as_json {
        return output::json(&trail);
    }
    let mut table = output::table(&[
        "seq",
        "position",
        "time",
        "event",
        "actor",
        "source",
        "request id",
        "state",
    ]);
    for entry in &trail {
        let state = match &entry.state_before {
            Some(before) if before != &entry.state_after => {
                format!("{before} → {}", entry.state_after)
            }
            Some(before) => before.clone(),
            None => format!("→ {}", entry.state_after),
        };
        table.add_row(vec![
            entry.sequence.to_string(),
            entry.global_position.to_string(),
            entry
                .occurred_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            entry.event_type.clone(),
            entry.actor.clone(),
            entry.source.clone(),
            entry.request_id.clone(),
            state,
        ]);
    }
    println!("{table}");
    Ok(())
}

/// Parses `--at`: an RFC 3339 instant or a log position.
pub fn parse_cut(raw: &str) -> anyhow::Result<Cut> {
    if let Ok(position) = raw.parse::<i64>() {
        return Ok(Cut::Position(position));
    }
    let instant = chrono::DateTime::parse_from_rfc3339(raw)
        .with_context(|| format!("--at {raw:?} is neither an RFC 3339 time nor a log position"))?;
    Ok(Cut::Instant(instant.with_timezone(&chrono::Utc)))
}

/// The customer and its verification profile as they were at `cut` — the same answer as the
/// API's `as_of`.
pub async fn state_at(
    store: &PgCustomerStore,
    guid: &str,
    cut: Cut,
    include_pii: bool,
) -> anyhow::Result<CustomerDto> {
    let guid = CustomerGuid::parse(guid).map_err(|e| anyhow::anyhow!("customer guid: {e}"))?;
    let events = store
        .load(guid, Some(cut))
        .await
        .context("reading the event log")?;
    let customer = Customer::from_events(events.iter().map(|r| &r.event));
    let Some(record) = customer.record() else {
        bail!("customer {guid} did not exist at that point");
    };
    Ok(CustomerDto::new(record, include_pii))
}
