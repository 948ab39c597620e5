//! Beneficial owners and control persons pass KYC as people (issue #13): their own criteria,
//! the business verified only once every one passes, a per-tenant ownership threshold, and
//! identity fields that lock once an identity document is accepted.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use kyc_domain::customer::{
    Criterion, CustomerError, DecisionContext, LockReason, RiskLevel, RiskPolicy,
};
use kyc_domain::ids::AssociateGuid;
use kyc_domain::values::{AssociateDraft, NameDraft};
use kyc_domain::{Customer, CustomerCommand, CustomerEvent, CustomerState};
use support::*;

fn owner(first: &str, share: f64) -> AssociateDraft {
    AssociateDraft {
        name: Some(NameDraft {
            first: Some(first.into()),
            last: Some("Owner".into()),
            ..NameDraft::default()
        }),
        date_of_birth: Some("1975-03-04".into()),
        address: Some(address()),
        email_address: None,
        ownership_percentage: Some(share),
        roles: Some(vec!["owner".into()]),
        ..AssociateDraft::default()
    }
}

fn add(n: u64, draft: AssociateDraft) -> CustomerCommand {
    CustomerCommand::AddAssociate {
        associate_guid: associate_guid(n),
        draft,
        at: at(i64::try_from(n).unwrap()),
    }
}

/// A business with its own documents accepted, a 30% owner who is the control person
/// (associate 1) and a second 30% owner (associate 2); no associate documents yet.
fn business_with_two_owners(policy: &RiskPolicy) -> Vec<CustomerEvent> {
    let actor = reviewer();
    let context = DecisionContext {
        actor: Some(&actor),
        risk: Some(policy),
        screener: None,
    };
    history_in(
        [
            create(complete_business()),
            add(1, owner_and_control_person()),
            add(2, owner("Ada", 30.0)),
            submit(10, document("incorporation_certificate")),
            review(10, accept()),
            submit(11, document("proof_of_address")),
            review(11, accept()),
            submit(12, document("ownership_structure")),
            review(12, accept()),
        ],
        &context,
    )
}

fn decide(
    events: &[CustomerEvent],
    commands: impl IntoIterator<Item = CustomerCommand>,
    policy: &RiskPolicy,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let actor = reviewer();
    let context = DecisionContext {
        actor: Some(&actor),
        risk: Some(policy),
        screener: None,
    };
    let mut customer = Customer::from_events(events);
    let mut all = events.to_vec();
    for command in commands {
        let emitted = customer.decide_with(command, &context)?;
        for event in &emitted {
            customer.apply(event);
        }
        all.extend(emitted);
    }
    Ok(all)
}

fn identify(n: u64, associate: AssociateGuid) -> [CustomerCommand; 2] {
    [
        submit(n, associate_document("passport", associate)),
        review(n, accept()),
    ]
}

#[test]
fn each_owner_over_the_threshold_has_criteria_of_its_own() {
    let policy = RiskPolicy::default();
    let events = business_with_two_owners(&policy);
    let profile = Customer::from_events(&events)
        .record()
        .unwrap()
        .verification_profile();
    let guids: Vec<AssociateGuid> = profile
        .associates
        .iter()
        .map(|a| a.associate_guid)
        .collect();
    assert_eq!(guids, [associate_guid(1), associate_guid(2)]);
    for associate in &profile.associates {
        assert_eq!(associate.criteria.required, [Criterion::IdentityDocument]);
        assert!(associate.criteria.complete.contains(&Criterion::Name));
    }
    assert!(profile
        .criteria
        .required
        .contains(&Criterion::BeneficialOwners));
}

#[test]
fn the_business_is_verified_only_once_both_owners_pass() {
    let policy = RiskPolicy::default();
    let events = business_with_two_owners(&policy);
    let one = decide(&events, identify(20, associate_guid(1)), &policy).unwrap();
    let refused = decide(&one, [CustomerCommand::Verify { at: at(30) }], &policy).unwrap_err();
    let CustomerError::ProfileIncomplete { required, .. } = refused else {
        panic!("{refused:?}")
    };
    assert_eq!(required, [Criterion::BeneficialOwners]);
    let both = decide(&one, identify(21, associate_guid(2)), &policy).unwrap();
    let verified = decide(&both, [CustomerCommand::Verify { at: at(31) }], &policy).unwrap();
    assert_eq!(
        Customer::from_events(&verified).state(),
        Some(CustomerState::Verified)
    );
}

#[test]
fn the_ownership_threshold_is_the_tenants() {
    let policy = RiskPolicy::default();
    let ten_percent = RiskPolicy {
        ubo_threshold_bp: 1_000,
        ..RiskPolicy::default()
    };
    for (policy, expected) in [(&policy, 0), (&ten_percent, 1)] {
        let events = decide(
            &business_with_two_owners(policy),
            [add(3, owner("Minor", 15.0))],
            policy,
        )
        .unwrap();
        let profile = Customer::from_events(&events)
            .record()
            .unwrap()
            .verification_profile();
        let minor = profile
            .associates
            .iter()
            .filter(|a| a.associate_guid == associate_guid(3))
            .count();
        assert_eq!(minor, expected, "threshold {}", policy.ubo_threshold_bp);
    }
}

#[test]
fn a_high_risk_business_s_associates_need_a_liveness_report() {
    // Every business is high risk under this policy.
    let strict = RiskPolicy {
        weights: [(kyc_domain::customer::RiskFactorKind::LegalEntity, 100)]
            .into_iter()
            .collect(),
        ..RiskPolicy::default()
    };
    let events = business_with_two_owners(&strict);
    let record = Customer::from_events(&events).record().cloned().unwrap();
    assert_eq!(record.risk.as_ref().map(|r| r.level), Some(RiskLevel::High));
    let profile = record.verification_profile();
    assert!(profile.associates[0]
        .criteria
        .required
        .contains(&Criterion::LivenessReportDocument));
}

#[test]
fn an_associate_s_identity_fields_lock_once_its_identity_document_is_accepted() {
    let policy = RiskPolicy::default();
    let events = decide(
        &business_with_two_owners(&policy),
        identify(20, associate_guid(2)),
        &policy,
    )
    .unwrap();
    let renamed = CustomerCommand::UpdateAssociate {
        associate_guid: associate_guid(2),
        draft: AssociateDraft {
            date_of_birth: Some("1980-01-01".into()),
            ..AssociateDraft::default()
        },
        at: at(40),
    };
    let refused = decide(&events, [renamed], &policy).unwrap_err();
    assert_eq!(
        refused,
        CustomerError::FieldLocked {
            fields: vec!["date_of_birth"],
            reason: LockReason::IdentityDocumentAccepted,
        }
    );
    // Contact details and the share still change.
    let changed = CustomerCommand::UpdateAssociate {
        associate_guid: associate_guid(2),
        draft: AssociateDraft {
            email_address: Some("ada@owner.example".into()),
            ..AssociateDraft::default()
        },
        at: at(41),
    };
    assert!(decide(&events, [changed], &policy).is_ok());
}

#[test]
fn a_politically_exposed_owner_makes_the_business_high_risk() {
    let policy = RiskPolicy::default();
    let exposed = AssociateDraft {
        pep: Some(kyc_domain::values::PepDraft {
            is_pep: Some(true),
            explanation: Some("Member of parliament".into()),
        }),
        ..owner("Pia", 20.0)
    };
    let events = decide(
        &business_with_two_owners(&policy),
        [add(3, exposed)],
        &policy,
    )
    .unwrap();
    let record = Customer::from_events(&events).record().cloned().unwrap();
    let rating = record.risk.clone().unwrap();
    assert_eq!(rating.level, RiskLevel::High);
    assert!(rating
        .factors
        .iter()
        .any(|f| f.kind == kyc_domain::customer::RiskFactorKind::PoliticallyExposed));
    assert!(rating.four_eyes && rating.associate_liveness);
    // Its owners now need a liveness report each, and the business a senior approval.
    let profile = record.verification_profile();
    assert!(profile.associates[0]
        .criteria
        .required
        .contains(&Criterion::LivenessReportDocument));
    assert!(profile
        .criteria
        .required
        .contains(&Criterion::SeniorApproval));
}
