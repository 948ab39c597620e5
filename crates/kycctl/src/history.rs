//! `kycctl history` and `kycctl state-at`: what happened to a customer, and how it stood.

use anyhow::{bail, Context};
use kyc_app::dto::{audit_trail, AuditDecisionDto, CustomerDto};
use kyc_app::ports::{CustomerStore, Cut};
use kyc_domain::ids::CustomerGuid;
use kyc_domain::Customer;
use kyc_store::PgCustomerStore;

use crate::output;

/// Prints every event of a customer with actor, time, request id, source, state change and,
/// for transitions and reviews, the reasons they recorded.
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
        "why",
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
            entry.decision.as_ref().map(why).unwrap_or_default(),
        ]);
    }
    println!("{table}");
    Ok(())
}

/// A decision in one cell: `codes: message`, then what else it records, e.g.
/// `identity_unverifiable, document_issues: "We could not…" (retryable)`.
fn why(decision: &AuditDecisionDto) -> String {
    let mut parts = Vec::new();
    if !decision.reason_codes.is_empty() {
        parts.push(decision.reason_codes.join(", "));
    }
    if let Some(message) = &decision.message {
        parts.push(format!("{message:?}"));
    }
    let mut why = parts.join(": ");
    let mut notes = Vec::new();
    match decision.retryable {
        Some(true) => notes.push("retryable".to_owned()),
        Some(false) => notes.push("final".to_owned()),
        None => {}
    }
    if let Some(policy) = &decision.policy_version {
        notes.push(format!("policy {policy}"));
    }
    if let Some(document) = &decision.document_guid {
        notes.push(format!("document {document}"));
    }
    if !notes.is_empty() {
        if !why.is_empty() {
            why.push(' ');
        }
        why.push('(');
        why.push_str(&notes.join(", "));
        why.push(')');
    }
    why
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_reads_as_codes_message_and_notes() {
        let rejection = AuditDecisionDto {
            reason_codes: vec!["sanctions_match".into(), "pep_high_risk".into()],
            message: Some("Listed".into()),
            retryable: Some(false),
            ..AuditDecisionDto::default()
        };
        assert_eq!(
            why(&rejection),
            r#"sanctions_match, pep_high_risk: "Listed" (final)"#
        );
        let freeze = AuditDecisionDto {
            message: Some("Fraud report".into()),
            ..AuditDecisionDto::default()
        };
        assert_eq!(why(&freeze), r#""Fraud report""#);
        let verified = AuditDecisionDto {
            policy_version: Some("v1".into()),
            ..AuditDecisionDto::default()
        };
        assert_eq!(why(&verified), "(policy v1)");
        assert_eq!(why(&AuditDecisionDto::default()), "");
    }
}
