//! Given/when/then tests for every row of DESIGN.md §2's transition table, and the refusal of
//! every command in every state that does not allow it.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod support;

use kyc_domain::customer::{
    ApproveDraft, Criterion, CustomerDraft, DecisionContext, DuplicateResolution, IdentityKind,
    IdentityMatch, LockReason, PolicyVersion, ResolveDuplicateDraft,
};
use kyc_domain::ids::CustomerGuid;
use kyc_domain::values::{AssociateDraft, ValidationCode};
use kyc_domain::{
    CommandKind, Customer, CustomerCommand, CustomerError, CustomerEvent, CustomerState,
};
use support::*;

/// Where a customer can stand, for the matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    Unverified,
    Verified,
    RejectedRetryable,
    RejectedFinal,
    Frozen,
    Closed,
}

const STAGES: [Stage; 6] = [
    Stage::Unverified,
    Stage::Verified,
    Stage::RejectedRetryable,
    Stage::RejectedFinal,
    Stage::Frozen,
    Stage::Closed,
];

/// The table, restated independently of the aggregate: which commands each stage allows.
fn expected_allowed(command: CommandKind, stage: Stage) -> bool {
    use CommandKind as C;
    // Legal holds concern the records and are allowed in every state.
    if command == C::SetLegalHold {
        return true;
    }
    match stage {
        Stage::Unverified => !matches!(command, C::Create | C::Unfreeze),
        // A verified customer may submit and have reviewed new documents (ongoing due
        // diligence), and is checked for what falls due.
        Stage::Verified => matches!(
            command,
            C::UpdateDetails
                | C::SubmitDocument
                | C::ReviewDocument
                | C::CheckDueDiligence
                | C::ResolveScreeningMatch
                | C::Rescreen
                | C::Freeze
                | C::Close
        ),
        Stage::RejectedRetryable => matches!(
            command,
            C::UpdateDetails
                | C::SubmitDocument
                | C::Freeze
                | C::Close
                | C::ResolveDuplicate
                | C::ResolveScreeningMatch
                | C::Rescreen
        ),
        // Ongoing monitoring covers every relationship that is not over.
        Stage::RejectedFinal => matches!(command, C::Freeze | C::Close | C::Erase | C::Rescreen),
        Stage::Frozen => matches!(command, C::Unfreeze | C::Close | C::Rescreen),
        Stage::Closed => command == C::Erase,
    }
}

fn customer_in(stage: Stage, ready: fn() -> Vec<CustomerEvent>) -> Vec<CustomerEvent> {
    let events = ready();
    match stage {
        Stage::Unverified => events,
        Stage::Verified => then_run(events, [CustomerCommand::Verify { at: at(200) }]),
        Stage::RejectedRetryable => then_run(
            events,
            [CustomerCommand::Reject {
                draft: rejection(true),
                at: at(200),
            }],
        ),
        Stage::RejectedFinal => then_run(
            events,
            [CustomerCommand::Reject {
                draft: rejection(false),
                at: at(200),
            }],
        ),
        Stage::Frozen => then_run(
            events,
            [CustomerCommand::Freeze {
                draft: freeze_reason(),
                at: at(200),
            }],
        ),
        Stage::Closed => then_run(events, [close(200)]),
    }
}

/// A command of `kind` that is valid in every respect but, possibly, the customer's state.
fn valid_command(kind: CommandKind, business: bool) -> CustomerCommand {
    let now = at(300);
    match kind {
        CommandKind::Create => create(complete_individual()),
        CommandKind::UpdateDetails => CustomerCommand::UpdateDetails {
            draft: CustomerDraft {
                email_address: Some("new@example.com".into()),
                ..CustomerDraft::default()
            },
            identity_matches: Vec::new(),
            at: now,
        },
        CommandKind::SubmitDocument => submit(
            50,
            document(if business {
                "source_of_funds"
            } else {
                "proof_of_address"
            }),
        ),
        CommandKind::ReviewDocument => {
            // The pending extra document of the ready fixtures.
            review(if business { 5 } else { 3 }, accept())
        }
        CommandKind::AddAssociate => CustomerCommand::AddAssociate {
            associate_guid: associate_guid(9),
            draft: AssociateDraft {
                ownership_percentage: Some(10.0),
                ..owner_and_control_person()
            },
            at: now,
        },
        CommandKind::UpdateAssociate => CustomerCommand::UpdateAssociate {
            associate_guid: associate_guid(1),
            draft: AssociateDraft {
                email_address: Some("grace.h@acme.example".into()),
                ..AssociateDraft::default()
            },
            at: now,
        },
        CommandKind::RemoveAssociate => CustomerCommand::RemoveAssociate {
            associate_guid: associate_guid(1),
            at: now,
        },
        CommandKind::Approve => CustomerCommand::Approve {
            draft: ApproveDraft {
                note: Some("documents match the details".into()),
            },
            at: now,
        },
        CommandKind::Verify => CustomerCommand::Verify { at: now },
        CommandKind::Reject => CustomerCommand::Reject {
            draft: rejection(true),
            at: now,
        },
        CommandKind::Freeze => CustomerCommand::Freeze {
            draft: freeze_reason(),
            at: now,
        },
        CommandKind::Unfreeze => CustomerCommand::Unfreeze { at: now },
        CommandKind::Close => close(300),
        CommandKind::SetLegalHold => legal_hold(true, 300),
        // A period that has run out by `now` for a clock started at `at(200)`.
        CommandKind::Erase => erase(300, 60),
        CommandKind::CheckDueDiligence => CustomerCommand::CheckDueDiligence { at: now },
        CommandKind::ResolveDuplicate => CustomerCommand::ResolveDuplicate {
            draft: resolution(&other_customer(), "same_person_allowed"),
            at: now,
        },
        // The match of `screened_with_a_pep_match`.
        CommandKind::ResolveScreeningMatch => CustomerCommand::ResolveScreeningMatch {
            match_id: "m_pep_1".into(),
            draft: kyc_domain::customer::ResolveMatchDraft {
                decision: Some("false_positive".into()),
                note: Some("another person: the dates of birth differ".into()),
            },
            at: now,
        },
        // Without lists (no screener) a re-screening finds nothing to record.
        CommandKind::Rescreen => CustomerCommand::Rescreen { at: now },
    }
}

/// Another customer of the tenant, holding the same tax number.
fn other_customer() -> CustomerGuid {
    CustomerGuid::parse("0190f5a3c2b47c3e8a1d2e3f4a5b6c99").unwrap()
}

fn resolution(other: &CustomerGuid, resolution: &str) -> ResolveDuplicateDraft {
    ResolveDuplicateDraft {
        other_customer_guid: Some(other.to_string()),
        resolution: Some(resolution.into()),
        note: Some("different dates of birth".into()),
    }
}

fn tax_match() -> IdentityMatch {
    IdentityMatch {
        kind: IdentityKind::TaxId,
        customer_guid: other_customer(),
    }
}

/// A duplicate flagged at creation and already resolved, so that the customer can still be
/// verified and a reviewer can resolve it again.
fn resolved_duplicate() -> [CustomerEvent; 2] {
    [
        CustomerEvent::DuplicateIdentityFlagged {
            other_customer_guid: other_customer(),
            kind: IdentityKind::TaxId,
            at: at(0),
        },
        CustomerEvent::DuplicateIdentityResolved {
            other_customer_guid: other_customer(),
            resolution: DuplicateResolution::NotSamePerson,
            note: None,
            at: at(0),
        },
    ]
}

/// A screening at creation that found one potential PEP match, `m_pep_1`.
fn screened_with_a_pep_match() -> CustomerEvent {
    use kyc_domain::customer::{ListVersionRef, MatchId, ScreeningHit, ScreeningTopic};
    CustomerEvent::ScreeningCompleted {
        list_versions: vec![ListVersionRef {
            list: "opensanctions".into(),
            version: 1,
        }],
        hits: vec![ScreeningHit {
            match_id: MatchId::parse("m_pep_1").unwrap(),
            associate_guid: None,
            topic: ScreeningTopic::Pep,
            list: ListVersionRef {
                list: "opensanctions".into(),
                version: 1,
            },
            entry_id: "Q-fictional-1".into(),
            entry_fingerprint: "ab".repeat(32),
            score_bp: 9_100,
        }],
        alerts: Vec::new(),
        at: at(0),
    }
}

fn check_matrix(business: bool, ready: fn() -> Vec<CustomerEvent>) {
    for stage in STAGES {
        for kind in CommandKind::all() {
            let mut events = customer_in(stage, ready);
            if kind == CommandKind::ResolveDuplicate {
                events.splice(1..1, resolved_duplicate());
            }
            if kind == CommandKind::ResolveScreeningMatch {
                events.insert(1, screened_with_a_pep_match());
            }
            let customer = Customer::from_events(&events);
            let state = customer.state().unwrap();
            let actor = reviewer();
            let context = DecisionContext {
                actor: Some(&actor),
                risk: None,
                screener: None,
            };
            let result = customer.decide_with(valid_command(kind, business), &context);
            let associate_command = matches!(
                kind,
                CommandKind::AddAssociate
                    | CommandKind::UpdateAssociate
                    | CommandKind::RemoveAssociate
            );
            if associate_command && !business {
                assert_eq!(
                    result.unwrap_err().code(),
                    "wrong_customer_type",
                    "{kind} on an individual"
                );
            } else if kind == CommandKind::Erase && stage == Stage::Unverified {
                // Allowed from `unverified` only before any record-keeping duty; the ready
                // fixtures have submitted documents.
                assert_eq!(result.unwrap_err().code(), "retention_not_started");
            } else if matches!(kind, CommandKind::CheckDueDiligence | CommandKind::Rescreen)
                && expected_allowed(kind, stage)
            {
                // Allowed, and nothing is due (or screened, without lists) for the fixtures.
                assert_eq!(result, Ok(Vec::new()), "{kind} in {stage:?}");
            } else if expected_allowed(kind, stage) {
                let events = result.unwrap_or_else(|e| panic!("{kind} in {stage:?}: {e:?}"));
                assert!(!events.is_empty(), "{kind} in {stage:?} emitted nothing");
            } else {
                assert_eq!(
                    result,
                    Err(CustomerError::InvalidTransition {
                        command: kind,
                        state
                    }),
                    "{kind} in {stage:?}"
                );
            }
        }
    }
}

#[test]
fn every_command_in_every_state_of_an_individual() {
    check_matrix(false, ready_individual);
}

#[test]
fn every_command_in_every_state_of_a_business() {
    check_matrix(true, ready_business);
}

#[test]
fn commands_before_creation_find_no_customer() {
    for kind in CommandKind::all().filter(|k| *k != CommandKind::Create) {
        given(vec![])
            .when(valid_command(kind, false))
            .then_error(&CustomerError::NotFound);
    }
}

// --- Create -------------------------------------------------------------------------------

#[test]
fn create_makes_an_unverified_individual_with_gender_defaulting_to_other() {
    let customer = given(vec![])
        .when(create(complete_individual()))
        .then_state(CustomerState::Unverified);
    let record = customer.record().unwrap();
    assert_eq!(
        record.details.gender,
        Some(kyc_domain::values::Gender::Other)
    );
    assert_eq!(record.guid, customer_guid());
    assert_eq!(record.bank_guid, bank_guid());
    assert_eq!(customer.version(), 1);
}

#[test]
fn create_requires_a_type() {
    let error = given(vec![])
        .when(create(CustomerDraft {
            customer_type: None,
            ..complete_individual()
        }))
        .then_error_code("validation");
    let CustomerError::Validation(errors) = error else {
        unreachable!()
    };
    assert_eq!(errors.errors()[0].field, "type");
    assert_eq!(errors.errors()[0].code, ValidationCode::Required);
}

#[test]
fn create_reports_every_invalid_field_by_path() {
    let draft = CustomerDraft {
        email_address: Some("not-an-email".into()),
        phone_number: Some("4155550123".into()),
        date_of_birth: Some("2015-01-01".into()),
        nationality: Some("XX".into()),
        address: Some(kyc_domain::values::AddressDraft {
            country_code: Some("ZZ".into()),
            ..address()
        }),
        ..complete_individual()
    };
    let error = given(vec![])
        .when(create(draft))
        .then_error_code("validation");
    let CustomerError::Validation(errors) = error else {
        unreachable!()
    };
    let found = errors.fields_and_codes();
    assert_eq!(
        found,
        [
            ("address.country_code", ValidationCode::UnknownValue),
            ("phone_number", ValidationCode::InvalidFormat),
            ("email_address", ValidationCode::InvalidFormat),
            ("date_of_birth", ValidationCode::Underage),
            ("nationality", ValidationCode::UnknownValue),
        ]
    );
}

#[test]
fn tax_identification_needs_an_address() {
    let draft = CustomerDraft {
        address: None,
        ..complete_individual()
    };
    let error = given(vec![])
        .when(create(draft))
        .then_error_code("validation");
    let CustomerError::Validation(errors) = error else {
        unreachable!()
    };
    assert_eq!(errors.errors()[0].field, "address");
    assert_eq!(errors.errors()[0].code, ValidationCode::MissingDependency);
}

#[test]
fn a_tax_identification_added_to_a_customer_without_an_address_conflicts_with_it() {
    let created = CustomerDraft {
        address: None,
        tax_identification: None,
        ..complete_individual()
    };
    let change = CustomerDraft {
        tax_identification: complete_individual().tax_identification,
        ..CustomerDraft::default()
    };
    let error = given(history([create(created)]))
        .when(update(change))
        .then_error_code("inconsistent_with_stored_details");
    let CustomerError::InconsistentWithStored(errors) = error else {
        unreachable!()
    };
    assert_eq!(errors.errors()[0].field, "address");
    assert_eq!(errors.errors()[0].code, ValidationCode::MissingDependency);
}

#[test]
fn fields_of_the_other_customer_type_are_refused() {
    let draft = CustomerDraft {
        website: Some("https://ada.example".into()),
        ..complete_individual()
    };
    let error = given(vec![])
        .when(create(draft))
        .then_error_code("validation");
    let CustomerError::Validation(errors) = error else {
        unreachable!()
    };
    assert_eq!(errors.errors()[0].field, "website");
    assert_eq!(errors.errors()[0].code, ValidationCode::NotAllowed);
}

#[test]
fn create_on_an_existing_customer_is_an_invalid_transition() {
    given(history([create(complete_individual())]))
        .when(create(complete_individual()))
        .then_error(&CustomerError::InvalidTransition {
            command: CommandKind::Create,
            state: CustomerState::Unverified,
        });
}

// --- UpdateDetails ------------------------------------------------------------------------

fn update(draft: CustomerDraft) -> CustomerCommand {
    CustomerCommand::UpdateDetails {
        draft,
        identity_matches: Vec::new(),
        at: at(400),
    }
}

fn new_name() -> CustomerDraft {
    CustomerDraft {
        name: Some(kyc_domain::values::NameDraft {
            first: Some("Augusta".into()),
            last: Some("King".into()),
            ..Default::default()
        }),
        ..CustomerDraft::default()
    }
}

#[test]
fn update_changes_only_the_given_fields() {
    let customer = given(history([create(complete_individual())]))
        .when(update(new_name()))
        .then_state(CustomerState::Unverified);
    let details = &customer.record().unwrap().details;
    assert_eq!(details.name.as_ref().unwrap().full(), "Augusta King");
    assert!(details.email_address.is_some());
    assert_eq!(customer.record().unwrap().updated_at, at(400));
}

#[test]
fn identity_fields_lock_once_a_document_is_submitted() {
    given(history([
        create(complete_individual()),
        submit(1, document("passport")),
    ]))
    .when(update(new_name()))
    .then_error(&CustomerError::FieldLocked {
        fields: vec!["name"],
        reason: LockReason::DocumentSubmitted,
    });
}

#[test]
fn resending_an_unchanged_identity_field_is_not_a_change() {
    let events = history([
        create(complete_individual()),
        submit(1, document("passport")),
    ]);
    given(events)
        .when(update(CustomerDraft {
            date_of_birth: Some("1990-04-21".into()),
            ..CustomerDraft::default()
        }))
        .then_events(&[]);
}

#[test]
fn a_verified_customer_may_change_only_contact_details_labels_and_metadata() {
    let verified = customer_in(Stage::Verified, ready_individual);
    given(verified.clone())
        .when(update(CustomerDraft {
            phone_number: Some("+4930123456".into()),
            labels: Some(vec!["vip".into()]),
            ..CustomerDraft::default()
        }))
        .then_state(CustomerState::Verified);
    given(verified)
        .when(update(CustomerDraft {
            address: Some(kyc_domain::values::AddressDraft {
                city: Some("Shelbyville".into()),
                ..address()
            }),
            ..CustomerDraft::default()
        }))
        .then_error(&CustomerError::FieldLocked {
            fields: vec!["address"],
            reason: LockReason::Verified,
        });
}

#[test]
fn type_and_external_id_never_change() {
    given(history([create(complete_individual())]))
        .when(update(CustomerDraft {
            customer_type: Some("business".into()),
            ..CustomerDraft::default()
        }))
        .then_error(&CustomerError::FieldLocked {
            fields: vec!["type"],
            reason: LockReason::Immutable,
        });
}

#[test]
fn updating_the_other_types_fields_conflicts_with_the_customer() {
    // On create the body names the type, so the same fields are invalid input (above); on an
    // update the type is the stored customer's, so the request conflicts with it.
    given(history([create(complete_individual())]))
        .when(update(CustomerDraft {
            website: Some("https://ada.example".into()),
            email_address: Some("ada@example.org".into()),
            registration_number: Some("HRB 1".into()),
            ..CustomerDraft::default()
        }))
        .then_error_code("wrong_customer_type");
}

#[test]
fn a_name_of_the_other_types_shape_conflicts_with_the_customer() {
    use kyc_domain::values::NameDraft;
    let legal_name = NameDraft {
        full: Some("Analytical Engines Ltd".into()),
        ..NameDraft::default()
    };
    given(history([create(complete_individual())]))
        .when(update(CustomerDraft {
            name: Some(legal_name),
            ..CustomerDraft::default()
        }))
        .then_error_code("wrong_customer_type");
    let person = NameDraft {
        first: Some("Ada".into()),
        last: Some("Lovelace".into()),
        ..NameDraft::default()
    };
    given(history([create(complete_business())]))
        .when(update(CustomerDraft {
            name: Some(person),
            ..CustomerDraft::default()
        }))
        .then_error_code("wrong_customer_type");
    // A person's name that also sends the derived full name is invalid input, not the other
    // type's.
    let both = NameDraft {
        first: Some("Ada".into()),
        last: Some("Lovelace".into()),
        full: Some("Ada Lovelace".into()),
        ..NameDraft::default()
    };
    given(history([create(complete_individual())]))
        .when(update(CustomerDraft {
            name: Some(both),
            ..CustomerDraft::default()
        }))
        .then_error_code("validation");
}

#[test]
fn an_empty_update_is_refused() {
    given(history([create(complete_individual())]))
        .when(update(CustomerDraft::default()))
        .then_error_code("validation");
}

// --- Documents ----------------------------------------------------------------------------

#[test]
fn a_submitted_document_is_pending() {
    let customer = given(history([create(complete_individual())]))
        .when(submit(1, document("passport")))
        .then_state(CustomerState::Unverified);
    let profile = customer.record().unwrap().verification_profile();
    assert!(profile
        .criteria
        .pending
        .iter()
        .any(|c| c.as_str() == "identity_document"));
}

#[test]
fn submitting_to_a_retryable_rejection_reopens_verification() {
    let rejected = customer_in(Stage::RejectedRetryable, ready_individual);
    let result = given(rejected)
        .when(submit(60, document("passport")))
        .result()
        .unwrap();
    assert!(matches!(
        result[0],
        CustomerEvent::VerificationReopened { .. }
    ));
    assert!(matches!(result[1], CustomerEvent::DocumentSubmitted { .. }));
    assert_eq!(result.len(), 2);
}

#[test]
fn business_documents_about_people_name_an_existing_associate() {
    let business = history([create(complete_business())]);
    let error = given(business.clone())
        .when(submit(1, document("passport")))
        .then_error_code("wrong_customer_type");
    // Which documents name an associate depends on the stored customer's type: a conflict
    // with it (409), not invalid input.
    let CustomerError::FieldsOfOtherType { errors, .. } = error else {
        unreachable!()
    };
    assert_eq!(errors.errors()[0].field, "associate_guid");
    given(business)
        .when(submit(1, associate_document("passport", associate_guid(7))))
        .then_error(&CustomerError::UnknownAssociate(associate_guid(7)));
}

#[test]
fn oversized_or_empty_content_is_refused() {
    let mut command = submit(1, document("passport"));
    if let CustomerCommand::SubmitDocument { content, .. } = &mut command {
        content.size_bytes = kyc_domain::customer::MAX_DOCUMENT_BYTES + 1;
    }
    given(history([create(complete_individual())]))
        .when(command)
        .then_error_code("validation");
}

#[test]
fn review_accepts_or_rejects_a_pending_document() {
    let events = history([
        create(complete_individual()),
        submit(1, document("passport")),
    ]);
    given(events.clone())
        .when(review(1, accept()))
        .then_events(&[CustomerEvent::DocumentAccepted {
            reviewer: None,
            document_guid: document_guid(1),
            at: at(100),
        }]);
    let customer = given(events)
        .when(review(1, reject_document("unreadable")))
        .then_state(CustomerState::Unverified);
    let profile = customer.record().unwrap().verification_profile();
    assert!(profile
        .criteria
        .required
        .iter()
        .any(|c| c.as_str() == "identity_document"));
    assert_eq!(profile.criteria.errors[0].code, "unreadable");
}

#[test]
fn review_needs_a_known_pending_document() {
    let events = history([
        create(complete_individual()),
        submit(1, document("passport")),
        review(1, accept()),
    ]);
    given(events.clone())
        .when(review(2, accept()))
        .then_error(&CustomerError::UnknownDocument(document_guid(2)));
    given(events)
        .when(review(1, accept()))
        .then_error(&CustomerError::DocumentAlreadyReviewed(document_guid(1)));
}

// --- Associates ---------------------------------------------------------------------------

#[test]
fn associates_are_added_updated_and_removed_on_businesses_only() {
    let business = history([create(complete_business())]);
    let added = then_run(
        business,
        [CustomerCommand::AddAssociate {
            associate_guid: associate_guid(1),
            draft: owner_and_control_person(),
            at: at(1),
        }],
    );
    let customer = given(added.clone())
        .when(CustomerCommand::UpdateAssociate {
            associate_guid: associate_guid(1),
            draft: AssociateDraft {
                ownership_percentage: Some(60.0),
                ..AssociateDraft::default()
            },
            at: at(2),
        })
        .then_state(CustomerState::Unverified);
    let share = customer.record().unwrap().associates[&associate_guid(1)].ownership_percentage;
    assert_eq!(share.unwrap().basis_points(), 6000);
    let customer = given(added)
        .when(CustomerCommand::RemoveAssociate {
            associate_guid: associate_guid(1),
            at: at(3),
        })
        .then_state(CustomerState::Unverified);
    assert!(customer.record().unwrap().associates.is_empty());

    given(history([create(complete_individual())]))
        .when(CustomerCommand::AddAssociate {
            associate_guid: associate_guid(1),
            draft: owner_and_control_person(),
            at: at(1),
        })
        .then_error(&CustomerError::WrongCustomerType {
            command: CommandKind::AddAssociate,
            required: kyc_domain::CustomerType::Business,
        });
}

#[test]
fn owners_shares_may_not_exceed_one_hundred_percent() {
    let events = then_run(
        history([create(complete_business())]),
        [CustomerCommand::AddAssociate {
            associate_guid: associate_guid(1),
            draft: AssociateDraft {
                ownership_percentage: Some(80.0),
                ..owner_and_control_person()
            },
            at: at(1),
        }],
    );
    let error = given(events)
        .when(CustomerCommand::AddAssociate {
            associate_guid: associate_guid(2),
            draft: AssociateDraft {
                ownership_percentage: Some(20.01),
                ..owner_and_control_person()
            },
            at: at(2),
        })
        .then_error_code("ownership_exceeded");
    assert_eq!(error, CustomerError::OwnershipExceeded);
}

#[test]
fn unknown_associates_are_reported() {
    given(history([create(complete_business())]))
        .when(CustomerCommand::RemoveAssociate {
            associate_guid: associate_guid(5),
            at: at(1),
        })
        .then_error(&CustomerError::UnknownAssociate(associate_guid(5)));
}

// --- Verify, Reject -----------------------------------------------------------------------

#[test]
fn verify_records_the_policy_version() {
    given(ready_individual())
        .when(CustomerCommand::Verify { at: at(500) })
        .then_events(&[CustomerEvent::CustomerVerified {
            approver: None,
            policy_version: PolicyVersion::V2,
            at: at(500),
        }]);
}

#[test]
fn verify_is_refused_while_anything_is_required_pending_or_in_error() {
    let events = history([
        create(complete_individual()),
        submit(1, document("passport")),
        submit(2, document("liveness_report")),
        review(2, reject_document("liveness_failed")),
    ]);
    let error = given(events)
        .when(CustomerCommand::Verify { at: at(500) })
        .then_error_code("profile_incomplete");
    let CustomerError::ProfileIncomplete {
        required,
        pending,
        errors,
    } = error
    else {
        unreachable!()
    };
    let names = |list: &[kyc_domain::customer::Criterion]| {
        list.iter().map(|c| c.as_str()).collect::<Vec<_>>()
    };
    assert_eq!(names(&pending), ["identity_document"]);
    assert_eq!(names(&required), ["liveness_report_document"]);
    assert_eq!(names(&errors), ["liveness_report_document"]);
}

#[test]
fn a_pep_also_needs_a_source_of_funds_document() {
    let events = history([
        create(complete_pep()),
        submit(1, document("passport")),
        review(1, accept()),
        submit(2, document("liveness_report")),
        review(2, accept()),
    ]);
    let error = given(events.clone())
        .when(CustomerCommand::Verify { at: at(500) })
        .then_error_code("profile_incomplete");
    let CustomerError::ProfileIncomplete { required, .. } = error else {
        unreachable!()
    };
    assert_eq!(
        required.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        ["source_of_funds_document"]
    );
    let events = then_run(
        events,
        [submit(3, document("source_of_funds")), review(3, accept())],
    );
    given(events)
        .when(CustomerCommand::Verify { at: at(500) })
        .then_state(CustomerState::Verified);
}

#[test]
fn reject_needs_reasons_and_retryability() {
    let error = given(ready_individual())
        .when(CustomerCommand::Reject {
            draft: kyc_domain::customer::RejectDraft {
                reason_codes: Some(vec!["bad_vibes".into()]),
                ..Default::default()
            },
            at: at(500),
        })
        .then_error_code("validation");
    let CustomerError::Validation(errors) = error else {
        unreachable!()
    };
    let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["reason_codes[0]", "retryable"]);
}

#[test]
fn a_final_rejection_allows_only_freezing() {
    let rejected = customer_in(Stage::RejectedFinal, ready_individual);
    given(rejected)
        .when(submit(60, document("passport")))
        .then_error(&CustomerError::InvalidTransition {
            command: CommandKind::SubmitDocument,
            state: CustomerState::Rejected,
        });
}

// --- Freeze, Unfreeze ---------------------------------------------------------------------

#[test]
fn freeze_needs_a_reason_and_remembers_the_state_it_left() {
    given(ready_individual())
        .when(CustomerCommand::Freeze {
            draft: kyc_domain::customer::FreezeDraft::default(),
            at: at(500),
        })
        .then_error_code("validation");
    for (stage, state) in [
        (Stage::Unverified, CustomerState::Unverified),
        (Stage::Verified, CustomerState::Verified),
        (Stage::RejectedRetryable, CustomerState::Rejected),
        (Stage::RejectedFinal, CustomerState::Rejected),
    ] {
        let before = Customer::from_events(&customer_in(stage, ready_individual));
        let frozen = then_run(
            customer_in(stage, ready_individual),
            [CustomerCommand::Freeze {
                draft: freeze_reason(),
                at: at(600),
            }],
        );
        let after = given(frozen)
            .when(CustomerCommand::Unfreeze { at: at(700) })
            .then_state(state);
        let (mut before, mut after) = (
            before.record().unwrap().clone(),
            after.record().unwrap().clone(),
        );
        before.updated_at = at(0);
        after.updated_at = at(0);
        assert_eq!(
            after, before,
            "unfreeze from {stage:?} restores exactly the earlier record"
        );
    }
}

// --- Duplicates ---------------------------------------------------------------------------

fn create_with(identity_matches: Vec<IdentityMatch>) -> CustomerCommand {
    create_of(complete_individual(), identity_matches)
}

fn create_of(draft: CustomerDraft, identity_matches: Vec<IdentityMatch>) -> CustomerCommand {
    let CustomerCommand::Create {
        customer_guid,
        bank_guid,
        draft,
        at,
        ..
    } = create(draft)
    else {
        unreachable!()
    };
    CustomerCommand::Create {
        customer_guid,
        bank_guid,
        draft,
        identity_matches,
        at,
    }
}

#[test]
fn a_create_whose_tax_number_another_customer_holds_flags_the_duplicate() {
    given(vec![])
        .when(create_with(vec![
            tax_match(),
            tax_match(),
            // Emails are shared by families and firms: never a duplicate.
            IdentityMatch {
                kind: IdentityKind::Email,
                customer_guid: other_customer(),
            },
            // The customer itself is no duplicate of itself.
            IdentityMatch {
                kind: IdentityKind::TaxId,
                customer_guid: customer_guid(),
            },
        ]))
        .then_state(CustomerState::Unverified);
    let events = Customer::default()
        .decide(create_with(vec![tax_match(), tax_match()]))
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[1],
        CustomerEvent::DuplicateIdentityFlagged {
            other_customer_guid: other_customer(),
            kind: IdentityKind::TaxId,
            at: at(0),
        }
    );
}

#[test]
fn a_match_on_a_kind_the_command_does_not_give_flags_nothing() {
    let without_numbers = CustomerDraft {
        identification_numbers: None,
        ..complete_individual()
    };
    let events = Customer::default()
        .decide(create_of(
            without_numbers,
            vec![IdentityMatch {
                kind: IdentityKind::IdentificationNumber,
                customer_guid: other_customer(),
            }],
        ))
        .unwrap();
    assert_eq!(events.len(), 1);
}

#[test]
fn an_open_duplicate_is_a_profile_error_naming_the_other_customer_and_blocks_verification() {
    let mut events = ready_individual();
    events.push(CustomerEvent::DuplicateIdentityFlagged {
        other_customer_guid: other_customer(),
        kind: IdentityKind::TaxId,
        at: at(150),
    });
    let customer = Customer::from_events(&events);
    let profile = customer.record().unwrap().verification_profile();
    assert_eq!(profile.criteria.required, [Criterion::UniqueIdentity]);
    assert_eq!(profile.criteria.errors.len(), 1);
    let error = &profile.criteria.errors[0];
    assert_eq!(error.code, "duplicate_identity");
    assert!(error
        .message
        .as_deref()
        .unwrap_or_default()
        .contains(&other_customer().to_string()));
    let refused = given(&events)
        .when(CustomerCommand::Verify { at: at(300) })
        .then_error_code("profile_incomplete");
    let CustomerError::ProfileIncomplete {
        required, errors, ..
    } = refused
    else {
        unreachable!()
    };
    assert_eq!(required, [Criterion::UniqueIdentity]);
    assert_eq!(errors, [Criterion::UniqueIdentity]);

    let resolve = CustomerCommand::ResolveDuplicate {
        draft: resolution(&other_customer(), "not_same_person"),
        at: at(301),
    };
    let resolved = then_run(events, [resolve]);
    let customer = Customer::from_events(&resolved);
    assert!(customer
        .record()
        .unwrap()
        .verification_profile()
        .is_satisfied());
    given(&resolved)
        .when(CustomerCommand::Verify { at: at(302) })
        .then_state(CustomerState::Verified);
}

#[test]
fn an_update_flags_only_new_matches_of_the_kinds_it_changes() {
    let flagged = history([create(CustomerDraft {
        tax_identification: None,
        ..complete_individual()
    })]);
    let update = |draft: CustomerDraft| CustomerCommand::UpdateDetails {
        draft,
        identity_matches: vec![tax_match()],
        at: at(400),
    };
    let new_tax = CustomerDraft {
        tax_identification: Some(tax()),
        ..CustomerDraft::default()
    };
    let events = given(&flagged)
        .when(update(new_tax.clone()))
        .result()
        .unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(matches!(
        events[1],
        CustomerEvent::DuplicateIdentityFlagged { .. }
    ));
    // Already flagged: not again.
    let twice = then_run(flagged, [update(new_tax)]);
    let again = given(&twice)
        .when(update(CustomerDraft {
            tax_identification: Some(kyc_domain::values::TaxIdentificationDraft {
                number: Some("987-65-4321".into()),
                ..tax()
            }),
            ..CustomerDraft::default()
        }))
        .result()
        .unwrap();
    assert_eq!(again.len(), 1, "{again:?}");
    // A change of the email only: the tax match is not this command's.
    let email = given(&twice)
        .when(update(CustomerDraft {
            email_address: Some("other@example.com".into()),
            ..CustomerDraft::default()
        }))
        .result()
        .unwrap();
    assert_eq!(email.len(), 1);
}

#[test]
fn resolving_needs_a_flagged_customer_and_a_known_resolution() {
    given(ready_individual())
        .when(CustomerCommand::ResolveDuplicate {
            draft: resolution(&other_customer(), "not_same_person"),
            at: at(300),
        })
        .then_error(&CustomerError::UnknownDuplicate(other_customer()));
    let error = given(ready_individual())
        .when(CustomerCommand::ResolveDuplicate {
            draft: ResolveDuplicateDraft {
                other_customer_guid: Some("nope".into()),
                resolution: Some("maybe".into()),
                note: None,
            },
            at: at(300),
        })
        .then_error_code("validation");
    let CustomerError::Validation(errors) = error else {
        unreachable!()
    };
    assert_eq!(
        errors.fields_and_codes(),
        [
            ("other_customer_guid", ValidationCode::InvalidFormat),
            ("resolution", ValidationCode::UnknownValue),
        ]
    );
}
