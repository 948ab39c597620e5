//! Risk rating and four eyes: given/when/then tests for each rule.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use kyc_domain::customer::{
    ApproveDraft, Criterion, CustomerDraft, DecisionContext, FourEyesBreach, RiskFactorKind,
    RiskLevel, RiskPolicy,
};
use kyc_domain::values::AddressDraft;
use kyc_domain::{Customer, CustomerCommand, CustomerError, CustomerEvent, CustomerState};
use support::*;

fn context<'a>(
    actor: &'a kyc_domain::customer::Actor,
    policy: &'a RiskPolicy,
) -> DecisionContext<'a> {
    DecisionContext {
        actor: Some(actor),
        risk: Some(policy),
        screener: None,
    }
}

fn approve(minutes: i64) -> CustomerCommand {
    CustomerCommand::Approve {
        draft: ApproveDraft {
            note: Some("documents match the details".into()),
        },
        at: at(minutes),
    }
}

/// A PEP living in a grey-listed country (Bulgaria), every enhanced document accepted by the
/// reviewer, under the default policy.
fn ready_pep_in_grey_country(policy: &RiskPolicy) -> Vec<CustomerEvent> {
    let actor = reviewer();
    let mut draft = complete_pep();
    draft.address = Some(AddressDraft {
        country_code: Some("BG".into()),
        ..address()
    });
    history_in(
        [
            create(draft),
            submit(1, document("passport")),
            review(1, accept()),
            submit(2, document("liveness_report")),
            review(2, accept()),
            submit(3, document("source_of_funds")),
            review(3, accept()),
            submit(4, document("proof_of_address")),
            review(4, accept()),
        ],
        &context(&actor, policy),
    )
}

#[test]
fn a_pep_in_a_grey_listed_country_is_high_risk_with_its_factors() {
    let policy = RiskPolicy::default();
    let customer = Customer::from_events(&ready_pep_in_grey_country(&policy));
    let rating = customer.record().unwrap().risk.clone().unwrap();
    assert_eq!(rating.level, RiskLevel::High);
    let kinds: Vec<RiskFactorKind> = rating.factors.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            RiskFactorKind::PoliticallyExposed,
            RiskFactorKind::GreyListResidence
        ]
    );
    assert_eq!(rating.score, 90);
    assert!(rating.four_eyes);
    assert_eq!(rating.policy_version, policy.version);
}

#[test]
fn the_rating_is_recorded_at_creation_and_again_only_when_it_changes() {
    let policy = RiskPolicy::default();
    let events = ready_pep_in_grey_country(&policy);
    let ratings: Vec<&CustomerEvent> = events
        .iter()
        .filter(|e| matches!(e, CustomerEvent::RiskRated { .. }))
        .collect();
    // At creation (missing source of funds counts), and once the source of funds is accepted.
    assert_eq!(ratings.len(), 2, "{ratings:?}");
    let Some(CustomerEvent::RiskRated { factors, .. }) = ratings.first() else {
        unreachable!()
    };
    assert!(factors
        .iter()
        .any(|f| f.kind == RiskFactorKind::MissingSourceOfFunds));
}

#[test]
fn a_high_risk_profile_asks_for_enhanced_due_diligence_and_a_senior_approval() {
    let policy = RiskPolicy::default();
    let actor = reviewer();
    let events = history_in([create(complete_pep())], &context(&actor, &policy));
    let profile = Customer::from_events(&events)
        .record()
        .unwrap()
        .verification_profile();
    assert_eq!(profile.risk_level, Some(RiskLevel::High));
    for criterion in [
        Criterion::SourceOfFundsDocument,
        Criterion::ProofOfAddressDocument,
        Criterion::SeniorApproval,
    ] {
        assert!(
            profile.criteria.required.contains(&criterion),
            "{criterion}"
        );
    }
}

#[test]
fn a_high_risk_customer_needs_a_first_approval_before_verification() {
    let policy = RiskPolicy::default();
    let actor = senior();
    given(ready_pep_in_grey_country(&policy))
        .when_in(
            CustomerCommand::Verify { at: at(100) },
            &context(&actor, &policy),
        )
        .then_error(&CustomerError::FourEyesRequired(
            FourEyesBreach::NoFirstApproval,
        ));
}

#[test]
fn one_actor_cannot_give_both_approvals() {
    let policy = RiskPolicy::default();
    let actor = senior();
    let approved = then_run_in(
        ready_pep_in_grey_country(&policy),
        [approve(100)],
        &context(&actor, &policy),
    );
    given(&approved)
        .when_in(
            CustomerCommand::Verify { at: at(101) },
            &context(&actor, &policy),
        )
        .then_error(&CustomerError::FourEyesRequired(FourEyesBreach::SameActor));
    given(&approved)
        .when_in(approve(101), &context(&actor, &policy))
        .then_error(&CustomerError::FourEyesRequired(FourEyesBreach::SameActor));
}

#[test]
fn the_second_approver_needs_the_senior_permission() {
    let policy = RiskPolicy::default();
    let first = senior();
    let other = reviewer();
    let approved = then_run_in(
        ready_pep_in_grey_country(&policy),
        [approve(100)],
        &context(&first, &policy),
    );
    given(approved)
        .when_in(
            CustomerCommand::Verify { at: at(101) },
            &context(&other, &policy),
        )
        .then_error(&CustomerError::SeniorApprovalRequired);
}

#[test]
fn a_document_reviewer_may_not_verify_unless_the_policy_allows_it() {
    let policy = RiskPolicy::default();
    // The reviewer of every document holds the senior permission here.
    let reviewing_senior = kyc_domain::customer::Actor {
        id: reviewer().id,
        senior: true,
    };
    let first = kyc_domain::customer::Actor {
        id: kyc_domain::customer::ActorId::parse("analyst-alan").unwrap(),
        senior: false,
    };
    let approved = then_run_in(
        ready_pep_in_grey_country(&policy),
        [approve(100)],
        &context(&first, &policy),
    );
    given(&approved)
        .when_in(
            CustomerCommand::Verify { at: at(101) },
            &context(&reviewing_senior, &policy),
        )
        .then_error(&CustomerError::FourEyesRequired(
            FourEyesBreach::ReviewedOwnDocuments,
        ));
    let lenient = RiskPolicy {
        reviewer_may_verify: true,
        ..RiskPolicy::default()
    };
    given(&approved)
        .when_in(
            CustomerCommand::Verify { at: at(101) },
            &context(&reviewing_senior, &lenient),
        )
        .then_state(CustomerState::Verified);
}

#[test]
fn two_distinct_approvers_verify_a_high_risk_customer_and_both_are_recorded() {
    let policy = RiskPolicy::default();
    let first = reviewer();
    let second = senior();
    let approved = then_run_in(
        ready_pep_in_grey_country(&policy),
        [approve(100)],
        &context(&first, &policy),
    );
    let customer = given(approved)
        .when_in(
            CustomerCommand::Verify { at: at(101) },
            &context(&second, &policy),
        )
        .then_state(CustomerState::Verified);
    let record = customer.record().unwrap();
    assert_eq!(record.approvals[0].approver, first.id);
    assert_eq!(record.verified_by.as_ref(), Some(&second.id));
    let profile = record.verification_profile();
    assert!(profile
        .criteria
        .complete
        .contains(&Criterion::SeniorApproval));
}

#[test]
fn a_change_after_the_first_approval_voids_it() {
    let policy = RiskPolicy::default();
    let first = reviewer();
    let second = senior();
    let changed = then_run_in(
        ready_pep_in_grey_country(&policy),
        [
            approve(100),
            CustomerCommand::UpdateDetails {
                draft: CustomerDraft {
                    email_address: Some("ada@changed.example".into()),
                    ..CustomerDraft::default()
                },
                identity_matches: Vec::new(),
                at: at(101),
            },
        ],
        &context(&first, &policy),
    );
    assert!(Customer::from_events(&changed)
        .record()
        .unwrap()
        .approvals
        .is_empty());
    given(changed)
        .when_in(
            CustomerCommand::Verify { at: at(102) },
            &context(&second, &policy),
        )
        .then_error(&CustomerError::FourEyesRequired(
            FourEyesBreach::NoFirstApproval,
        ));
}

#[test]
fn a_low_risk_customer_is_verified_by_one_reviewer() {
    let policy = RiskPolicy::default();
    let actor = reviewer();
    let events = history_in(
        [
            create(complete_individual()),
            submit(1, document("passport")),
            review(1, accept()),
            submit(2, document("liveness_report")),
            review(2, accept()),
        ],
        &context(&actor, &policy),
    );
    let customer = given(events)
        .when_in(
            CustomerCommand::Verify { at: at(100) },
            &context(&actor, &policy),
        )
        .then_state(CustomerState::Verified);
    let rating = customer.record().unwrap().risk.clone().unwrap();
    assert_eq!(rating.level, RiskLevel::Low);
    assert!(!rating.four_eyes);
}

#[test]
fn a_policy_change_is_applied_by_the_next_command() {
    let policy = RiskPolicy::default();
    let actor = reviewer();
    let events = history_in([create(complete_individual())], &context(&actor, &policy));
    // The tenant now requires four eyes for everyone.
    let strict = RiskPolicy {
        version: kyc_domain::customer::RiskPolicyVersion::parse("strict-1").unwrap(),
        four_eyes: [RiskLevel::Low, RiskLevel::Medium, RiskLevel::High]
            .into_iter()
            .collect(),
        ..RiskPolicy::default()
    };
    let emitted = given(events)
        .when_in(
            CustomerCommand::UpdateDetails {
                draft: CustomerDraft {
                    email_address: Some("ada@changed.example".into()),
                    ..CustomerDraft::default()
                },
                identity_matches: Vec::new(),
                at: at(10),
            },
            &context(&actor, &strict),
        )
        .result()
        .unwrap();
    let Some(CustomerEvent::RiskRated {
        policy_version,
        four_eyes,
        ..
    }) = emitted.first()
    else {
        panic!("the new policy's rating comes first: {emitted:?}")
    };
    assert_eq!(policy_version.as_str(), "strict-1");
    assert!(four_eyes);
}

#[test]
fn a_retryable_rejection_lets_the_customer_correct_identity_fields() {
    let events = then_run(
        ready_individual(),
        [CustomerCommand::Reject {
            draft: kyc_domain::customer::RejectDraft {
                reason_codes: Some(vec!["identity_unverifiable".into()]),
                message: Some("the name differs from the passport".into()),
                retryable: Some(true),
            },
            at: at(100),
        }],
    );
    let correction = CustomerCommand::UpdateDetails {
        draft: CustomerDraft {
            date_of_birth: Some("1990-04-22".into()),
            ..CustomerDraft::default()
        },
        identity_matches: Vec::new(),
        at: at(101),
    };
    let customer = given(&events)
        .when(correction.clone())
        .then_state(CustomerState::Unverified);
    assert_eq!(
        customer
            .record()
            .unwrap()
            .details
            .date_of_birth
            .map(|d| d.to_string()),
        Some("1990-04-22".to_owned())
    );
    let emitted = given(&events).when(correction).result().unwrap();
    assert!(matches!(
        emitted[0],
        CustomerEvent::VerificationReopened { .. }
    ));
    assert!(matches!(
        emitted[1],
        CustomerEvent::CustomerDetailsUpdated { .. }
    ));
    // A final rejection keeps them locked.
    let final_rejection = then_run(
        ready_individual(),
        [CustomerCommand::Reject {
            draft: rejection(false),
            at: at(100),
        }],
    );
    given(final_rejection)
        .when(CustomerCommand::UpdateDetails {
            draft: CustomerDraft {
                date_of_birth: Some("1990-04-22".into()),
                ..CustomerDraft::default()
            },
            identity_matches: Vec::new(),
            at: at(101),
        })
        .then_error_code("invalid_transition");
}

/// The factors a new individual with `change` applied to its draft is rated with.
fn factors_of(change: impl FnOnce(&mut CustomerDraft)) -> Vec<RiskFactorKind> {
    let actor = reviewer();
    let policy = RiskPolicy::default();
    let mut draft = complete_individual();
    change(&mut draft);
    let events = history_in([create(draft)], &context(&actor, &policy));
    let customer = Customer::from_events(&events);
    let rating = customer.record().unwrap().risk.clone().unwrap();
    rating.factors.iter().map(|f| f.kind).collect()
}

#[test]
fn declared_jurisdictions_activities_and_residence_count_toward_the_risk() {
    let declared = |codes: &[&str]| {
        let codes: Vec<String> = codes.iter().map(|c| (*c).to_owned()).collect();
        move |draft: &mut CustomerDraft| draft.jurisdictions = Some(codes)
    };
    // Iran is on the call-for-action list, Bulgaria on the grey list: the worse counts once.
    let factors = factors_of(declared(&["US", "BG", "IR"]));
    assert!(factors.contains(&RiskFactorKind::HighRiskJurisdictionDeclared));
    assert!(!factors.contains(&RiskFactorKind::GreyListJurisdictionDeclared));
    let factors = factors_of(declared(&["US", "BG"]));
    assert!(factors.contains(&RiskFactorKind::GreyListJurisdictionDeclared));
    let factors = factors_of(declared(&["US", "DE"]));
    assert!(!factors.iter().any(|f| matches!(
        f,
        RiskFactorKind::HighRiskJurisdictionDeclared | RiskFactorKind::GreyListJurisdictionDeclared
    )));
    // A restricted activity counts; `none` does not.
    let factors = factors_of(|draft| draft.activities = Some(vec!["gambling".into()]));
    assert!(factors.contains(&RiskFactorKind::RestrictedActivityDeclared));
    let factors = factors_of(|draft| draft.activities = Some(vec!["none".into()]));
    assert!(!factors.contains(&RiskFactorKind::RestrictedActivityDeclared));
    // A declared country of residence counts like the address's country.
    let factors = factors_of(|draft| draft.country_of_residence = Some("IR".into()));
    assert!(factors.contains(&RiskFactorKind::HighRiskResidence));
}

#[test]
fn an_associate_s_nationality_counts_like_where_the_associate_lives() {
    let actor = reviewer();
    let policy = RiskPolicy::default();
    let rated = |nationality: Option<&str>| {
        let mut associate = owner_and_control_person();
        associate.nationality = nationality.map(str::to_owned);
        let events = history_in(
            [
                create(complete_business()),
                CustomerCommand::AddAssociate {
                    associate_guid: associate_guid(1),
                    draft: associate,
                    at: at(1),
                },
            ],
            &context(&actor, &policy),
        );
        let customer = Customer::from_events(&events);
        let rating = customer.record().unwrap().risk.clone().unwrap();
        rating
            .factors
            .iter()
            .map(|f| f.kind)
            .collect::<Vec<RiskFactorKind>>()
    };
    // Lives in an unlisted country; a national of Iran (call for action) or of nowhere listed.
    assert!(rated(Some("IR")).contains(&RiskFactorKind::AssociateInListedJurisdiction));
    assert!(!rated(Some("FR")).contains(&RiskFactorKind::AssociateInListedJurisdiction));
    assert!(!rated(None).contains(&RiskFactorKind::AssociateInListedJurisdiction));
}
