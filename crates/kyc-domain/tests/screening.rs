//! Sanctions and PEP screening as the domain records it: given/when/then tests for each rule.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use kyc_domain::customer::{
    Criterion, CustomerDraft, DecisionContext, ResolveMatchDraft, RiskFactorKind, RiskPolicy,
    ScreeningTopic,
};
use kyc_domain::values::NameDraft;
use kyc_domain::{Customer, CustomerCommand, CustomerError, CustomerEvent, CustomerState};
use support::*;

fn in_lists(screener: &FixedList) -> DecisionContext<'_> {
    DecisionContext {
        actor: None,
        risk: None,
        screener: Some(screener),
    }
}

fn named(last: &str) -> CustomerDraft {
    CustomerDraft {
        name: Some(NameDraft {
            first: Some("Ada".into()),
            last: Some(last.into()),
            ..NameDraft::default()
        }),
        ..complete_individual()
    }
}

/// A complete individual named `last`, created and documented under `screener`.
fn ready_named(last: &str, screener: &FixedList) -> Vec<CustomerEvent> {
    history_in(
        [
            create(named(last)),
            submit(1, document("passport")),
            review(1, accept()),
            submit(2, document("liveness_report")),
            review(2, accept()),
        ],
        &in_lists(screener),
    )
}

fn resolve(match_id: &str, decision: &str, minutes: i64) -> CustomerCommand {
    CustomerCommand::ResolveScreeningMatch {
        match_id: match_id.into(),
        draft: ResolveMatchDraft {
            decision: Some(decision.into()),
            note: Some("date of birth and nationality differ from the entry".into()),
        },
        at: at(minutes),
    }
}

fn profile(events: &[CustomerEvent]) -> kyc_domain::customer::VerificationProfile {
    Customer::from_events(events)
        .record()
        .unwrap()
        .verification_profile()
}

fn screenings(events: &[CustomerEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, CustomerEvent::ScreeningCompleted { .. }))
        .count()
}

#[test]
fn a_creation_is_screened_in_the_same_decision_and_a_clear_result_completes_both_criteria() {
    let screener = lists(vec![("Karimova", ScreeningTopic::Sanctions, "36", 1)]);
    let events = history_in([create(complete_individual())], &in_lists(&screener));
    assert!(matches!(
        events.as_slice(),
        [
            CustomerEvent::CustomerCreated { .. },
            CustomerEvent::ScreeningCompleted { hits, list_versions, .. }
        ] if hits.is_empty() && list_versions.len() == 1
    ));
    let profile = profile(&events);
    assert!(profile
        .criteria
        .complete
        .contains(&Criterion::SanctionsScreening));
    assert!(profile.criteria.complete.contains(&Criterion::PepScreening));
}

#[test]
fn a_tenant_without_lists_records_no_screening_and_asks_for_none() {
    let screener = FixedList {
        entries: Vec::new(),
        empty: true,
    };
    let events = ready_named("Lovelace", &screener);
    assert_eq!(screenings(&events), 0);
    let profile = profile(&events);
    let all: Vec<Criterion> = [
        profile.criteria.complete,
        profile.criteria.pending,
        profile.criteria.required,
    ]
    .concat();
    assert!(!all.contains(&Criterion::SanctionsScreening));
    given(&events)
        .when(CustomerCommand::Verify { at: at(50) })
        .then_state(CustomerState::Verified);
}

#[test]
fn an_open_match_requires_the_criterion_names_the_match_and_blocks_verification() {
    let screener = lists(vec![("Karimova", ScreeningTopic::Sanctions, "36", 1)]);
    let events = ready_named("Karimova", &screener);
    let profile = profile(&events);
    assert!(profile
        .criteria
        .required
        .contains(&Criterion::SanctionsScreening));
    assert!(profile.criteria.complete.contains(&Criterion::PepScreening));
    let error = &profile.criteria.errors[0];
    assert_eq!(error.name, Criterion::SanctionsScreening);
    assert_eq!(error.code, "screening_match");
    assert!(error.message.as_deref().unwrap().contains("m_36_1"));
    given(&events)
        .when(CustomerCommand::Verify { at: at(50) })
        .then_error_code("profile_incomplete");
}

#[test]
fn a_false_positive_clears_the_match_and_does_not_alert_again_unless_the_entry_changes() {
    let screener = lists(vec![("Karimova", ScreeningTopic::Sanctions, "36", 1)]);
    let events = then_run_in(
        ready_named("Karimova", &screener),
        [resolve("m_36_1", "false_positive", 40)],
        &in_lists(&screener),
    );
    assert!(profile(&events)
        .criteria
        .complete
        .contains(&Criterion::SanctionsScreening));
    // The same entry in a new list version: nothing to record.
    given(&events)
        .when_in(
            CustomerCommand::Rescreen { at: at(60) },
            &in_lists(&screener),
        )
        .then_events(&[]);
    // The entry changed: a new match, open again.
    let changed = lists(vec![("Karimova", ScreeningTopic::Sanctions, "36", 2)]);
    let events = then_run_in(
        events,
        [CustomerCommand::Rescreen { at: at(61) }],
        &in_lists(&changed),
    );
    let profile = profile(&events);
    assert!(profile
        .criteria
        .required
        .contains(&Criterion::SanctionsScreening));
    assert!(profile.criteria.errors[0]
        .message
        .as_deref()
        .unwrap()
        .contains("m_36_2"));
    given(&events)
        .when(CustomerCommand::Verify { at: at(70) })
        .then_error_code("profile_incomplete");
}

#[test]
fn a_true_sanctions_match_rejects_an_applicant_finally() {
    let screener = lists(vec![("Karimova", ScreeningTopic::Sanctions, "36", 1)]);
    let customer = given(ready_named("Karimova", &screener))
        .when_in(resolve("m_36_1", "true_match", 40), &in_lists(&screener))
        .then_state(CustomerState::Rejected);
    let rejection = customer.record().unwrap().rejection.clone().unwrap();
    assert!(!rejection.retryable);
    assert_eq!(
        rejection
            .reasons
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>(),
        ["sanctions_match"]
    );
}

#[test]
fn a_true_sanctions_match_freezes_a_verified_customer() {
    // Verified while the list had no such entry; the list gains it; the re-screening finds it.
    let before = lists(Vec::new());
    let events = then_run_in(
        ready_named("Karimova", &before),
        [CustomerCommand::Verify { at: at(50) }],
        &in_lists(&before),
    );
    let after = lists(vec![("Karimova", ScreeningTopic::Sanctions, "36", 1)]);
    let events = then_run_in(
        events,
        [CustomerCommand::Rescreen { at: at(60) }],
        &in_lists(&after),
    );
    let customer = Customer::from_events(&events);
    assert_eq!(customer.state(), Some(CustomerState::Verified));
    assert!(customer
        .record()
        .unwrap()
        .verification_profile()
        .criteria
        .required
        .contains(&Criterion::SanctionsScreening));
    given(&events)
        .when_in(resolve("m_36_1", "true_match", 70), &in_lists(&after))
        .then_state(CustomerState::Frozen);
}

#[test]
fn a_true_pep_match_is_a_risk_factor() {
    let screener = lists(vec![("Karimova", ScreeningTopic::Pep, "Q42", 1)]);
    let policy = RiskPolicy::default();
    let actor = reviewer();
    let context = DecisionContext {
        actor: Some(&actor),
        risk: Some(&policy),
        screener: Some(&screener),
    };
    let events = history_in(
        [
            create(named("Karimova")),
            resolve("m_Q42_1", "true_match", 5),
        ],
        &context,
    );
    let record = Customer::from_events(&events).record().unwrap().clone();
    assert_eq!(record.state, CustomerState::Unverified, "a PEP is no ban");
    let rating = record.risk.unwrap();
    assert!(rating
        .factors
        .iter()
        .any(|f| f.kind == RiskFactorKind::ConfirmedPepMatch));
    assert_eq!(rating.level, kyc_domain::customer::RiskLevel::High);
    let resolution = record.screening.resolutions.values().next().unwrap();
    assert_eq!(
        resolution.resolver.as_ref().unwrap().as_str(),
        "reviewer-ada"
    );
}

#[test]
fn a_change_of_a_screened_field_is_screened_again_and_a_contact_change_is_not() {
    let screener = lists(vec![("Karimova", ScreeningTopic::Sanctions, "36", 1)]);
    let events = history_in([create(complete_individual())], &in_lists(&screener));
    let phone = CustomerCommand::UpdateDetails {
        draft: CustomerDraft {
            phone_number: Some("+14155550199".into()),
            ..CustomerDraft::default()
        },
        identity_matches: Vec::new(),
        at: at(5),
    };
    let after_phone = given(&events)
        .when_in(phone, &in_lists(&screener))
        .result()
        .unwrap();
    assert_eq!(screenings(&after_phone), 0);
    let rename = CustomerCommand::UpdateDetails {
        draft: CustomerDraft {
            name: Some(NameDraft {
                first: Some("Ada".into()),
                last: Some("Karimova".into()),
                ..NameDraft::default()
            }),
            ..CustomerDraft::default()
        },
        identity_matches: Vec::new(),
        at: at(6),
    };
    let after_rename = given(&events)
        .when_in(rename, &in_lists(&screener))
        .result()
        .unwrap();
    assert!(matches!(
        after_rename.last(),
        Some(CustomerEvent::ScreeningCompleted { hits, .. }) if hits.len() == 1
    ));
}

#[test]
fn a_change_decided_without_the_lists_leaves_the_screening_pending() {
    let screener = lists(Vec::new());
    let events = history_in([create(complete_individual())], &in_lists(&screener));
    let events = then_run(
        events,
        [CustomerCommand::UpdateDetails {
            draft: CustomerDraft {
                date_of_birth: Some("1991-04-21".into()),
                ..CustomerDraft::default()
            },
            identity_matches: Vec::new(),
            at: at(5),
        }],
    );
    let profile = profile(&events);
    assert!(profile
        .criteria
        .pending
        .contains(&Criterion::SanctionsScreening));
    // The re-screening brings it up to date.
    let events = then_run_in(
        events,
        [CustomerCommand::Rescreen { at: at(6) }],
        &in_lists(&screener),
    );
    assert!(super_complete(&events));
}

fn super_complete(events: &[CustomerEvent]) -> bool {
    let profile = profile(events);
    profile
        .criteria
        .complete
        .contains(&Criterion::SanctionsScreening)
        && profile.criteria.complete.contains(&Criterion::PepScreening)
}

#[test]
fn bad_resolutions_are_refused_naming_the_field_or_the_match() {
    let screener = lists(vec![("Karimova", ScreeningTopic::Sanctions, "36", 1)]);
    let events = ready_named("Karimova", &screener);
    let context = in_lists(&screener);
    let refused = given(&events)
        .when_in(
            CustomerCommand::ResolveScreeningMatch {
                match_id: "m_36_1".into(),
                draft: ResolveMatchDraft {
                    decision: Some("maybe".into()),
                    note: None,
                },
                at: at(40),
            },
            &context,
        )
        .then_error_code("validation");
    let CustomerError::Validation(errors) = refused else {
        panic!("{refused:?}")
    };
    let fields: Vec<&str> = errors
        .fields_and_codes()
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(fields, ["decision", "note"]);
    given(&events)
        .when_in(resolve("m_nope", "false_positive", 40), &context)
        .then_error(&CustomerError::UnknownMatch("m_nope".into()));
    given(&events)
        .when_in(resolve("../etc", "false_positive", 40), &context)
        .then_error(&CustomerError::UnknownMatch("../etc".into()));
    let resolved = then_run_in(events, [resolve("m_36_1", "false_positive", 40)], &context);
    given(&resolved)
        .when_in(resolve("m_36_1", "true_match", 41), &context)
        .then_error(&CustomerError::MatchAlreadyResolved("m_36_1".into()));
}

#[test]
fn erasure_forgets_the_resolution_notes() {
    let screener = lists(vec![("Karimova", ScreeningTopic::Sanctions, "36", 1)]);
    let events = then_run_in(
        ready_named("Karimova", &screener),
        [resolve("m_36_1", "false_positive", 40)],
        &in_lists(&screener),
    );
    let record = Customer::from_events(&events).record().unwrap().clone();
    let erased = record.without_personal_data();
    assert!(erased
        .screening
        .resolutions
        .values()
        .all(|r| r.note.is_none()));
    let resolved = events
        .iter()
        .find(|e| matches!(e, CustomerEvent::ScreeningMatchResolved { .. }))
        .unwrap();
    assert!(matches!(
        resolved.without_personal_data(),
        CustomerEvent::ScreeningMatchResolved { note: None, .. }
    ));
}

/// The tenant's lists under a risk policy that puts sanctions matches under four eyes,
/// decided by `actor`.
fn four_eyes<'a>(
    screener: &'a FixedList,
    policy: &'a RiskPolicy,
    actor: &'a kyc_domain::customer::Actor,
) -> DecisionContext<'a> {
    DecisionContext {
        actor: Some(actor),
        risk: Some(policy),
        screener: Some(screener),
    }
}

fn sanctions_under_four_eyes() -> RiskPolicy {
    RiskPolicy {
        match_four_eyes: [ScreeningTopic::Sanctions].into_iter().collect(),
        ..RiskPolicy::default()
    }
}

#[test]
fn under_four_eyes_a_first_decision_is_a_proposal_that_another_reviewer_confirms() {
    let screener = lists(vec![("Karimova", ScreeningTopic::Sanctions, "36", 1)]);
    let policy = sanctions_under_four_eyes();
    let (ada, alan) = (reviewer(), other_reviewer());
    let events = history_in(
        [create(named("Karimova"))],
        &four_eyes(&screener, &policy, &ada),
    );
    let proposed = then_run_in(
        events,
        [resolve("m_36_1", "true_match", 40)],
        &four_eyes(&screener, &policy, &ada),
    );
    assert!(matches!(
        proposed.last(),
        Some(CustomerEvent::ScreeningMatchProposed { proposer: Some(p), .. }) if *p == ada.id
    ));
    // Still open, and still blocking: a proposal decides nothing.
    let record = Customer::from_events(&proposed).record().unwrap().clone();
    assert_eq!(record.state, CustomerState::Unverified);
    assert_eq!(
        record
            .screening
            .open_hits(ScreeningTopic::Sanctions)
            .count(),
        1
    );
    assert_eq!(
        profile(&proposed).criteria.errors[0].name,
        Criterion::SanctionsScreening
    );
    // The proposer cannot confirm their own decision.
    given(&proposed)
        .when_in(
            resolve("m_36_1", "true_match", 41),
            &four_eyes(&screener, &policy, &ada),
        )
        .then_error_code("four_eyes_required");
    // Another reviewer confirms it: the decision and what it entails are recorded, with both
    // names.
    let customer = given(&proposed)
        .when_in(
            resolve("m_36_1", "true_match", 42),
            &four_eyes(&screener, &policy, &alan),
        )
        .then_state(CustomerState::Rejected);
    let resolution = customer
        .record()
        .unwrap()
        .screening
        .resolutions
        .values()
        .next()
        .cloned();
    let resolution = resolution.unwrap();
    assert_eq!(resolution.proposer.as_ref(), Some(&ada.id));
    assert_eq!(resolution.resolver.as_ref(), Some(&alan.id));
    assert!(customer.record().unwrap().screening.proposals.is_empty());
}

#[test]
fn under_four_eyes_a_reviewer_who_disagrees_replaces_the_proposal() {
    let screener = lists(vec![("Karimova", ScreeningTopic::Sanctions, "36", 1)]);
    let policy = sanctions_under_four_eyes();
    let (ada, alan) = (reviewer(), other_reviewer());
    let proposed = then_run_in(
        history_in(
            [create(named("Karimova"))],
            &four_eyes(&screener, &policy, &ada),
        ),
        [resolve("m_36_1", "false_positive", 40)],
        &four_eyes(&screener, &policy, &ada),
    );
    // Alan thinks it is the listed person: his decision becomes the proposal.
    let countered = then_run_in(
        proposed,
        [resolve("m_36_1", "true_match", 41)],
        &four_eyes(&screener, &policy, &alan),
    );
    let record = Customer::from_events(&countered).record().unwrap().clone();
    let proposal = record.screening.proposals.values().next().unwrap();
    assert_eq!(proposal.proposer.as_ref(), Some(&alan.id));
    assert_eq!(record.state, CustomerState::Unverified);
    // Ada may now confirm Alan's decision: two people agree.
    given(&countered)
        .when_in(
            resolve("m_36_1", "true_match", 42),
            &four_eyes(&screener, &policy, &ada),
        )
        .then_state(CustomerState::Rejected);
}

#[test]
fn four_eyes_covers_only_the_topics_the_policy_names() {
    let screener = lists(vec![("Karimova", ScreeningTopic::Pep, "q1", 1)]);
    let policy = sanctions_under_four_eyes();
    let ada = reviewer();
    let events = history_in(
        [create(named("Karimova"))],
        &four_eyes(&screener, &policy, &ada),
    );
    let decided = then_run_in(
        events,
        [resolve("m_q1_1", "false_positive", 40)],
        &four_eyes(&screener, &policy, &ada),
    );
    assert!(matches!(
        decided.last(),
        Some(CustomerEvent::ScreeningMatchResolved { proposer: None, .. })
    ));
}

#[test]
fn erasure_forgets_the_proposal_notes() {
    let screener = lists(vec![("Karimova", ScreeningTopic::Sanctions, "36", 1)]);
    let policy = sanctions_under_four_eyes();
    let ada = reviewer();
    let events = then_run_in(
        history_in(
            [create(named("Karimova"))],
            &four_eyes(&screener, &policy, &ada),
        ),
        [resolve("m_36_1", "false_positive", 40)],
        &four_eyes(&screener, &policy, &ada),
    );
    let record = Customer::from_events(&events).record().unwrap().clone();
    assert!(record
        .screening
        .proposals
        .values()
        .all(|p| p.note.is_some()));
    assert!(record
        .without_personal_data()
        .screening
        .proposals
        .values()
        .all(|p| p.note.is_none()));
    assert!(matches!(
        events.last().unwrap().without_personal_data(),
        CustomerEvent::ScreeningMatchProposed { note: None, .. }
    ));
}
