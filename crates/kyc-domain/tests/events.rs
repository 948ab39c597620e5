//! Events are stored forever: every type round-trips through JSON, its stored key is its
//! `event_type`, and the released wire form of an event does not drift.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod support;

use std::collections::BTreeSet;

use kyc_domain::customer::{
    ApproveDraft, DecisionContext, IdentityKind, IdentityMatch, ResolveDuplicateDraft, RiskPolicy,
};
use kyc_domain::ids::CustomerGuid;
use kyc_domain::values::{AssociateDraft, IdentificationNumberDraft};
use kyc_domain::{CustomerCommand, CustomerEvent};
use support::*;

fn other_customer() -> CustomerGuid {
    CustomerGuid::parse("0190f5a3c2b47c3e8a1d2e3f4a5b6c99").unwrap()
}

/// A history that emits every event type at least once.
fn every_event_type() -> Vec<CustomerEvent> {
    let business = then_run(
        history([create(complete_business())]),
        [
            CustomerCommand::AddAssociate {
                associate_guid: associate_guid(1),
                draft: owner_and_control_person(),
                at: at(1),
            },
            CustomerCommand::UpdateAssociate {
                associate_guid: associate_guid(1),
                draft: AssociateDraft {
                    ownership_percentage: Some(40.0),
                    ..AssociateDraft::default()
                },
                at: at(2),
            },
            CustomerCommand::RemoveAssociate {
                associate_guid: associate_guid(1),
                at: at(3),
            },
            CustomerCommand::UpdateDetails {
                draft: kyc_domain::customer::CustomerDraft {
                    identification_numbers: Some(vec![IdentificationNumberDraft {
                        kind: Some("business_registration_number".into()),
                        issuing_country_code: Some("DE".into()),
                        identification_number: Some("HRB 12345".into()),
                    }]),
                    ..Default::default()
                },
                identity_matches: vec![IdentityMatch {
                    kind: IdentityKind::IdentificationNumber,
                    customer_guid: other_customer(),
                }],
                at: at(4),
            },
            CustomerCommand::ResolveDuplicate {
                draft: ResolveDuplicateDraft {
                    other_customer_guid: Some(other_customer().to_string()),
                    resolution: Some("same_person_allowed".into()),
                    note: Some("a second account of the same firm".into()),
                },
                at: at(5),
            },
        ],
    );
    let individual = then_run(
        ready_individual(),
        vec![
            review(3, reject_document("expired")),
            CustomerCommand::UpdateDetails {
                draft: kyc_domain::customer::CustomerDraft {
                    email_address: Some("ada@new.example".into()),
                    ..Default::default()
                },
                identity_matches: Vec::new(),
                at: at(200),
            },
            CustomerCommand::Reject {
                draft: rejection(true),
                at: at(201),
            },
            submit(4, document("proof_of_address")),
            review(4, accept()),
            CustomerCommand::Verify { at: at(202) },
            CustomerCommand::Freeze {
                draft: freeze_reason(),
                at: at(203),
            },
            CustomerCommand::Unfreeze { at: at(204) },
            legal_hold(true, 205),
            legal_hold(false, 206),
            close(207),
            erase(208, 0),
        ],
    );
    // Under a risk policy, with a named reviewer: ratings, reviewers and a first approval.
    let policy = RiskPolicy::default();
    let actor = reviewer();
    let context = DecisionContext {
        actor: Some(&actor),
        risk: Some(&policy),
        screener: None,
    };
    let rated = history_in(
        [
            create(complete_pep()),
            submit(1, document("passport")),
            review(1, accept()),
            submit(2, document("liveness_report")),
            review(2, accept()),
            submit(3, document("source_of_funds")),
            review(3, accept()),
            submit(4, document("proof_of_address")),
            review(4, accept()),
            CustomerCommand::Approve {
                draft: ApproveDraft {
                    note: Some("passport matches".into()),
                },
                at: at(10),
            },
        ],
        &context,
    );
    // Ongoing due diligence: a review falls due and is completed, a passport expires, the
    // verification lapses.
    let daily = RiskPolicy {
        review_every: [(
            kyc_domain::customer::RiskLevel::Low,
            std::time::Duration::from_secs(86_400),
        )]
        .into_iter()
        .collect(),
        ..RiskPolicy::default()
    };
    let context = DecisionContext {
        actor: Some(&actor),
        risk: Some(&daily),
        screener: None,
    };
    let later = |days: i64| at(0) + chrono::Duration::days(days);
    let due_diligence = history_in(
        [
            create(complete_individual()),
            submit(
                1,
                kyc_domain::customer::DocumentDraft {
                    expires_on: Some("2027-06-01".into()),
                    ..document("passport")
                },
            ),
            review(1, accept()),
            submit(2, document("liveness_report")),
            review(2, accept()),
            CustomerCommand::Verify { at: later(0) },
            CustomerCommand::CheckDueDiligence { at: later(2) },
            CustomerCommand::SubmitDocument {
                document_guid: document_guid(3),
                draft: document("proof_of_address"),
                content: content(),
                at: later(3),
            },
            CustomerCommand::ReviewDocument {
                document_guid: document_guid(3),
                draft: accept(),
                at: later(3),
            },
            CustomerCommand::CheckDueDiligence { at: later(200) },
            CustomerCommand::CheckDueDiligence { at: later(260) },
        ],
        &context,
    );
    // Screening: a potential match found at creation, decided a false positive by two
    // reviewers (the tenant puts sanctions matches under four eyes): a proposal, then its
    // confirmation.
    let screener = lists(vec![(
        "Lovelace",
        kyc_domain::customer::ScreeningTopic::Sanctions,
        "36",
        1,
    )]);
    let four_eyes = RiskPolicy {
        match_four_eyes: BTreeSet::from([kyc_domain::customer::ScreeningTopic::Sanctions]),
        ..RiskPolicy::default()
    };
    let context = DecisionContext {
        actor: Some(&actor),
        risk: Some(&four_eyes),
        screener: Some(&screener),
    };
    let screening = history_in(
        [
            create(complete_individual()),
            CustomerCommand::ResolveScreeningMatch {
                match_id: "m_36_1".into(),
                draft: kyc_domain::customer::ResolveMatchDraft {
                    decision: Some("false_positive".into()),
                    note: Some("the entry's date of birth is 1961".into()),
                },
                at: at(5),
            },
        ],
        &context,
    );
    let second = kyc_domain::customer::Actor {
        id: kyc_domain::customer::ActorId::parse("reviewer-alan").unwrap(),
        senior: false,
    };
    let screening = then_run_in(
        screening,
        [CustomerCommand::ResolveScreeningMatch {
            match_id: "m_36_1".into(),
            draft: kyc_domain::customer::ResolveMatchDraft {
                decision: Some("false_positive".into()),
                note: Some("agreed: a different person".into()),
            },
            at: at(6),
        }],
        &DecisionContext {
            actor: Some(&second),
            ..context
        },
    );
    assert!(matches!(
        screening.last(),
        Some(CustomerEvent::ScreeningMatchResolved {
            proposer: Some(_),
            ..
        })
    ));
    business
        .into_iter()
        .chain(individual)
        .chain(rated)
        .chain(due_diligence)
        .chain(screening)
        .collect()
}

#[test]
fn every_event_type_round_trips_through_json() {
    let events = every_event_type();
    let types: BTreeSet<&str> = events.iter().map(CustomerEvent::event_type).collect();
    assert_eq!(types, CustomerEvent::TYPES.into_iter().collect());
    for event in events {
        let json = serde_json::to_value(&event).unwrap();
        let object = json.as_object().unwrap();
        assert_eq!(
            object.keys().collect::<Vec<_>>(),
            [event.event_type()],
            "stored under its type"
        );
        assert_eq!(
            serde_json::from_value::<CustomerEvent>(json).unwrap(),
            event
        );
        let expected_version = match event {
            CustomerEvent::DocumentSubmitted { .. }
            | CustomerEvent::DocumentAccepted { .. }
            | CustomerEvent::DocumentRejected { .. }
            | CustomerEvent::CustomerVerified { .. } => "2",
            _ => "1",
        };
        assert_eq!(event.event_version(), expected_version);
    }
}

#[test]
fn version_one_reviews_and_verifications_read_without_their_actor() {
    for stored in [
        r#"{"DocumentAccepted":{"document_guid":"0190f5a3c2b47c3e8a1d2e3f4a5b6c7d","at":"2026-11-23T09:00:00Z"}}"#,
        r#"{"CustomerVerified":{"policy_version":"v1","at":"2026-11-23T09:00:00Z"}}"#,
    ] {
        let event: CustomerEvent = serde_json::from_str(stored).unwrap();
        assert!(matches!(
            event,
            CustomerEvent::DocumentAccepted { reviewer: None, .. }
                | CustomerEvent::CustomerVerified { approver: None, .. }
        ));
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            stored,
            "written back unchanged"
        );
    }
}

#[test]
fn released_wire_form_is_stable() {
    let frozen = CustomerEvent::CustomerFrozen {
        reason: Some(kyc_domain::values::LongText::parse("Suspicious activity reported").unwrap()),
        previous_state: kyc_domain::CustomerState::Verified,
        at: at(0),
    };
    assert_eq!(
        serde_json::to_string(&frozen).unwrap(),
        r#"{"CustomerFrozen":{"reason":"Suspicious activity reported","previous_state":"verified","at":"2026-11-23T09:00:00Z"}}"#
    );
    let created = &history([create(complete_individual())])[0];
    let json = serde_json::to_value(created).unwrap();
    let details = &json["CustomerCreated"]["details"];
    assert_eq!(
        details["name"],
        serde_json::json!({"first": "Ada", "last": "Lovelace"})
    );
    assert_eq!(details["date_of_birth"], "1990-04-21");
    assert_eq!(details["gender"], "O");
    assert_eq!(
        details["tax_identification"],
        serde_json::json!({"number": "123-45-6789", "type": "ssn", "country_code": "US"})
    );
}

#[test]
fn stored_events_with_invalid_values_are_refused_on_load() {
    let tampered = r#"{"CustomerDetailsUpdated":{"changes":{"phone_number":"12345"},"at":"2026-11-23T09:00:00Z"}}"#;
    assert!(serde_json::from_str::<CustomerEvent>(tampered).is_err());
}
