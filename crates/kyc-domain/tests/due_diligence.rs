//! Ongoing due diligence: document expiry, periodic reviews and lapses, each rule a
//! given/when/then test with the clock in the commands (no test waits for time to pass).

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use kyc_domain::customer::{
    Criterion, DecisionContext, DocumentDraft, RiskPolicy, DOCUMENT_EXPIRED, REVIEW_DUE,
};
use kyc_domain::{Customer, CustomerCommand, CustomerEvent, CustomerState};
use support::*;

fn day(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 12, 0, 0).unwrap()
}

fn passport_expiring(expires_on: &str) -> DocumentDraft {
    DocumentDraft {
        expires_on: Some(expires_on.into()),
        issued_on: Some("2018-06-01".into()),
        ..document("passport")
    }
}

fn check(at: DateTime<Utc>) -> CustomerCommand {
    CustomerCommand::CheckDueDiligence { at }
}

/// A low-risk individual verified on 2026-11-23 (see `support::at`) whose passport expires
/// on 2028-06-01.
fn verified_with_passport(policy: &RiskPolicy) -> Vec<CustomerEvent> {
    let actor = reviewer();
    let context = DecisionContext {
        actor: Some(&actor),
        risk: Some(policy),
        screener: None,
    };
    history_in(
        [
            create(complete_individual()),
            submit(1, passport_expiring("2028-06-01")),
            review(1, accept()),
            submit(2, document("liveness_report")),
            review(2, accept()),
            CustomerCommand::Verify { at: at(10) },
        ],
        &context,
    )
}

fn decide(
    events: &[CustomerEvent],
    command: CustomerCommand,
    policy: &RiskPolicy,
) -> Vec<CustomerEvent> {
    let actor = reviewer();
    let context = DecisionContext {
        actor: Some(&actor),
        risk: Some(policy),
        screener: None,
    };
    Customer::from_events(events)
        .decide_with(command, &context)
        .unwrap()
}

fn fold(events: &[CustomerEvent], more: &[CustomerEvent]) -> Vec<CustomerEvent> {
    events.iter().chain(more).cloned().collect()
}

#[test]
fn a_document_is_valid_through_its_expiry_date_and_expires_the_day_after() {
    let policy = RiskPolicy::default();
    let events = verified_with_passport(&policy);
    assert_eq!(decide(&events, check(day(2028, 6, 1)), &policy), []);
    let expired = decide(&events, check(day(2028, 6, 2)), &policy);
    assert!(
        matches!(expired.as_slice(), [CustomerEvent::DocumentExpired { .. }]),
        "{expired:?}"
    );
    let after = fold(&events, &expired);
    let customer = Customer::from_events(&after);
    let record = customer.record().unwrap();
    assert_eq!(
        record.state,
        CustomerState::Verified,
        "verified during the grace period"
    );
    let profile = record.verification_profile();
    assert!(profile
        .criteria
        .required
        .contains(&Criterion::IdentityDocument));
    assert!(profile
        .criteria
        .errors
        .iter()
        .any(|e| e.name == Criterion::IdentityDocument && e.code == DOCUMENT_EXPIRED));
    // Never twice for one document.
    assert_eq!(decide(&after, check(day(2028, 6, 3)), &policy), []);
}

#[test]
fn an_expired_passport_not_replaced_within_the_grace_period_lapses_the_verification() {
    let policy = RiskPolicy::default();
    let events = verified_with_passport(&policy);
    let expired = fold(&events, &decide(&events, check(day(2028, 6, 2)), &policy));
    // 30 days of grace by default, counted from the expiry being recorded.
    assert_eq!(decide(&expired, check(day(2028, 7, 1)), &policy), []);
    let lapsed = decide(&expired, check(day(2028, 7, 3)), &policy);
    assert!(
        matches!(
            lapsed.as_slice(),
            [CustomerEvent::VerificationLapsed { .. }]
        ),
        "{lapsed:?}"
    );
    let customer = Customer::from_events(&fold(&expired, &lapsed));
    assert_eq!(customer.state(), Some(CustomerState::Unverified));
}

#[test]
fn a_replacement_accepted_within_the_grace_period_keeps_the_customer_verified() {
    let policy = RiskPolicy::default();
    let events = verified_with_passport(&policy);
    let expired = fold(&events, &decide(&events, check(day(2028, 6, 2)), &policy));
    let submitted = fold(
        &expired,
        &decide(
            &expired,
            CustomerCommand::SubmitDocument {
                document_guid: document_guid(7),
                draft: passport_expiring("2038-06-01"),
                content: content(),
                at: day(2028, 6, 10),
            },
            &policy,
        ),
    );
    let replaced = fold(
        &submitted,
        &decide(
            &submitted,
            CustomerCommand::ReviewDocument {
                document_guid: document_guid(7),
                draft: accept(),
                at: day(2028, 6, 11),
            },
            &policy,
        ),
    );
    let record = Customer::from_events(&replaced).record().cloned().unwrap();
    assert!(record.verification_profile().is_satisfied());
    assert_eq!(decide(&replaced, check(day(2028, 8, 1)), &policy), []);
}

#[test]
fn a_periodic_review_falls_due_once_after_the_risk_levels_period() {
    let policy = RiskPolicy::default();
    let events = verified_with_passport(&policy);
    let verified_at = at(10);
    // Low risk: five years (of 365 days).
    let due_at = verified_at + Duration::days(5 * 365);
    // The passport expires first; replace the question: look at a customer without one.
    let without_expiry: Vec<CustomerEvent> = events
        .iter()
        .map(|event| match event {
            CustomerEvent::DocumentSubmitted {
                document_guid,
                kind,
                associate_guid,
                file_name,
                content,
                at,
                ..
            } => CustomerEvent::DocumentSubmitted {
                document_guid: *document_guid,
                kind: *kind,
                associate_guid: *associate_guid,
                file_name: file_name.clone(),
                issued_on: None,
                expires_on: None,
                content: content.clone(),
                at: *at,
            },
            other => other.clone(),
        })
        .collect();
    assert_eq!(
        decide(
            &without_expiry,
            check(due_at - Duration::seconds(1)),
            &policy
        ),
        []
    );
    let due = decide(&without_expiry, check(due_at), &policy);
    assert_eq!(due, [CustomerEvent::ReviewDue { due_at, at: due_at }]);
    let after = fold(&without_expiry, &due);
    let record = Customer::from_events(&after).record().cloned().unwrap();
    assert_eq!(record.state, CustomerState::Verified);
    assert!(record
        .verification_profile()
        .criteria
        .errors
        .iter()
        .any(|e| e.name == Criterion::PeriodicReview && e.code == REVIEW_DUE));
    // Never twice for one due date.
    assert_eq!(
        decide(&after, check(due_at + Duration::days(1)), &policy),
        []
    );
    // An accepted re-submission completes it; the next review is due a period later.
    let submitted = fold(
        &after,
        &decide(
            &after,
            CustomerCommand::SubmitDocument {
                document_guid: document_guid(8),
                draft: document("proof_of_address"),
                content: content(),
                at: due_at + Duration::days(2),
            },
            &policy,
        ),
    );
    let reviewed_at = due_at + Duration::days(3);
    let completed = decide(
        &submitted,
        CustomerCommand::ReviewDocument {
            document_guid: document_guid(8),
            draft: accept(),
            at: reviewed_at,
        },
        &policy,
    );
    assert!(completed.contains(&CustomerEvent::ReviewCompleted {
        due_at,
        at: reviewed_at
    }));
    let done = fold(&submitted, &completed);
    let record = Customer::from_events(&done).record().cloned().unwrap();
    assert_eq!(record.review_due_at, None);
    assert_eq!(record.last_reviewed_at, Some(reviewed_at));
    assert_eq!(
        decide(&done, check(reviewed_at + Duration::days(60)), &policy),
        []
    );
}

#[test]
fn an_unanswered_review_lapses_after_the_grace_period() {
    let policy = RiskPolicy {
        review_every: [(
            kyc_domain::customer::RiskLevel::Low,
            std::time::Duration::from_secs(86_400),
        )]
        .into_iter()
        .collect(),
        ..RiskPolicy::default()
    };
    let actor = reviewer();
    let context = DecisionContext {
        actor: Some(&actor),
        risk: Some(&policy),
        screener: None,
    };
    let events = history_in(
        [
            create(complete_individual()),
            submit(1, document("passport")),
            review(1, accept()),
            submit(2, document("liveness_report")),
            review(2, accept()),
            CustomerCommand::Verify { at: at(10) },
        ],
        &context,
    );
    let due_at = at(10) + Duration::days(1);
    // One check long after: the review falls due and, its grace long over, lapses at once.
    let events_now = decide(&events, check(due_at + Duration::days(40)), &policy);
    assert_eq!(
        events_now,
        [
            CustomerEvent::ReviewDue {
                due_at,
                at: due_at + Duration::days(40)
            },
            CustomerEvent::VerificationLapsed {
                due_since: due_at,
                at: due_at + Duration::days(40)
            }
        ]
    );
}

#[test]
fn document_dates_are_checked() {
    let events = history([create(complete_individual())]);
    let submit_with = |draft: DocumentDraft| {
        given(&events)
            .when(CustomerCommand::SubmitDocument {
                document_guid: document_guid(1),
                draft,
                content: content(),
                at: at(1),
            })
            .then_error_code("validation")
    };
    let error = submit_with(passport_expiring("2026-11-01"));
    assert!(format!("{error:?}").contains("expires_on"), "{error:?}");
    let error = submit_with(DocumentDraft {
        expires_on: Some("2030-01-01".into()),
        ..document("proof_of_address")
    });
    assert!(format!("{error:?}").contains("expires_on"), "{error:?}");
    let error = submit_with(DocumentDraft {
        issued_on: Some("2030-01-01".into()),
        ..document("passport")
    });
    assert!(format!("{error:?}").contains("issued_on"), "{error:?}");
}
