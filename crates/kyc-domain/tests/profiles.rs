//! Verification profiles: criteria and status for individuals (`kyc_profile_a`) and
//! businesses (`kyb_profile_a`), following DESIGN.md §2.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod support;

use kyc_domain::customer::{Criterion, ProfileName, ProfileStatus, VerificationProfile};
use kyc_domain::values::AssociateDraft;
use kyc_domain::{Customer, CustomerCommand, CustomerEvent};
use support::*;

fn profile(events: &[CustomerEvent]) -> VerificationProfile {
    Customer::from_events(events)
        .record()
        .unwrap()
        .verification_profile()
}

fn names(list: &[Criterion]) -> Vec<&'static str> {
    list.iter().map(|c| c.as_str()).collect()
}

fn assert_partition(profile: &VerificationProfile, all: &[&str]) {
    let mut seen: Vec<&str> = names(&profile.criteria.complete);
    seen.extend(names(&profile.criteria.pending));
    seen.extend(names(&profile.criteria.required));
    seen.sort_unstable();
    let mut expected = all.to_vec();
    expected.sort_unstable();
    assert_eq!(seen, expected, "each criterion in exactly one list");
}

const KYC: [&str; 8] = [
    "name",
    "date_of_birth",
    "email_address",
    "phone_number",
    "residential_address",
    "tax_identification_number",
    "identity_document",
    "liveness_report_document",
];

#[test]
fn a_new_individual_owes_its_documents() {
    let p = profile(&history([create(complete_individual())]));
    assert_eq!(p.name, ProfileName::KycProfileA);
    assert_eq!(p.status, ProfileStatus::Incomplete);
    assert_partition(&p, &KYC);
    assert_eq!(
        names(&p.criteria.required),
        ["identity_document", "liveness_report_document"]
    );
}

#[test]
fn a_sparse_individual_owes_its_data_too() {
    let draft = kyc_domain::customer::CustomerDraft {
        customer_type: Some("individual".into()),
        name: complete_individual().name,
        ..Default::default()
    };
    let p = profile(&history([create(draft)]));
    assert_eq!(names(&p.criteria.complete), ["name"]);
    assert_partition(&p, &KYC);
}

#[test]
fn documents_move_from_pending_to_complete_or_back_to_required_with_an_error() {
    let submitted = history([
        create(complete_individual()),
        submit(1, document("passport")),
        submit(2, document("liveness_report")),
    ]);
    let p = profile(&submitted);
    assert_eq!(p.status, ProfileStatus::Pending);
    assert_eq!(
        names(&p.criteria.pending),
        ["identity_document", "liveness_report_document"]
    );

    let reviewed = then_run(
        submitted,
        [
            review(1, accept()),
            review(2, reject_document("liveness_failed")),
        ],
    );
    let p = profile(&reviewed);
    assert_eq!(p.status, ProfileStatus::Incomplete);
    assert!(names(&p.criteria.complete).contains(&"identity_document"));
    assert_eq!(names(&p.criteria.required), ["liveness_report_document"]);
    assert_eq!(p.criteria.errors.len(), 1);
    assert_eq!(p.criteria.errors[0].name, Criterion::LivenessReportDocument);
    assert_eq!(p.criteria.errors[0].code, "liveness_failed");

    let resubmitted = then_run(reviewed, [submit(3, document("liveness_report"))]);
    let p = profile(&resubmitted);
    assert_eq!(names(&p.criteria.pending), ["liveness_report_document"]);
    assert!(
        p.criteria.errors.is_empty(),
        "a pending resubmission clears the error"
    );
}

#[test]
fn the_profile_follows_the_decision() {
    let verified = then_run(
        ready_individual(),
        [CustomerCommand::Verify { at: at(500) }],
    );
    let p = profile(&verified);
    assert_eq!(p.status, ProfileStatus::Approved);
    assert!(p.is_satisfied());
    let frozen = then_run(
        verified,
        [CustomerCommand::Freeze {
            draft: freeze_reason(),
            at: at(501),
        }],
    );
    assert_eq!(
        profile(&frozen).status,
        ProfileStatus::Approved,
        "a freeze does not undo verification"
    );
    let rejected = then_run(
        ready_individual(),
        [CustomerCommand::Reject {
            draft: rejection(false),
            at: at(500),
        }],
    );
    assert_eq!(profile(&rejected).status, ProfileStatus::Rejected);
}

#[test]
fn a_pep_owes_a_source_of_funds_document() {
    let p = profile(&history([create(complete_pep())]));
    assert!(names(&p.criteria.required).contains(&"source_of_funds_document"));
    let mut all = KYC.to_vec();
    all.push("source_of_funds_document");
    assert_partition(&p, &all);
}

const KYB: [&str; 9] = [
    "business_name",
    "registration_number",
    "registered_address",
    "tax_identification_number",
    "incorporation_document",
    "proof_of_address_document",
    "ownership_structure_document",
    "beneficial_owners",
    "control_person",
];

#[test]
fn a_complete_business_is_ready() {
    let p = profile(&ready_business());
    assert_eq!(p.name, ProfileName::KybProfileA);
    assert_partition(&p, &KYB);
    assert!(p.is_satisfied(), "{p:?}");
    assert_eq!(p.status, ProfileStatus::Pending);
}

#[test]
fn every_beneficial_owner_must_be_identified() {
    let base = history([create(complete_business())]);
    // A 25% owner with no date of birth is not identified, whatever documents exist.
    let events = then_run(
        base,
        [CustomerCommand::AddAssociate {
            associate_guid: associate_guid(2),
            draft: AssociateDraft {
                date_of_birth: None,
                ownership_percentage: Some(25.0),
                roles: Some(vec!["owner".into()]),
                ..owner_and_control_person()
            },
            at: at(1),
        }],
    );
    let p = profile(&events);
    assert!(names(&p.criteria.required).contains(&"beneficial_owners"));
    assert!(names(&p.criteria.required).contains(&"control_person"));

    // With the date of birth and a pending passport the owner is pending; accepted, complete.
    let events = then_run(
        events,
        [
            CustomerCommand::UpdateAssociate {
                associate_guid: associate_guid(2),
                draft: AssociateDraft {
                    date_of_birth: Some("1980-01-01".into()),
                    ..AssociateDraft::default()
                },
                at: at(2),
            },
            submit(9, associate_document("passport", associate_guid(2))),
        ],
    );
    assert!(names(&profile(&events).criteria.pending).contains(&"beneficial_owners"));
    let events = then_run(events, [review(9, reject_document("expired"))]);
    let p = profile(&events);
    assert!(names(&p.criteria.required).contains(&"beneficial_owners"));
    assert_eq!(p.criteria.errors[0].name, Criterion::BeneficialOwners);
    let events = then_run(
        events,
        [
            submit(10, associate_document("passport", associate_guid(2))),
            review(10, accept()),
        ],
    );
    assert!(names(&profile(&events).criteria.complete).contains(&"beneficial_owners"));
}

#[test]
fn owners_below_the_threshold_need_no_identification() {
    let events = then_run(
        history([create(complete_business())]),
        [CustomerCommand::AddAssociate {
            associate_guid: associate_guid(3),
            draft: AssociateDraft {
                date_of_birth: None,
                ownership_percentage: Some(24.99),
                roles: Some(vec!["owner".into()]),
                ..owner_and_control_person()
            },
            at: at(1),
        }],
    );
    assert!(names(&profile(&events).criteria.complete).contains(&"beneficial_owners"));
}
