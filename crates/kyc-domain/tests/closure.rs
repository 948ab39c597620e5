//! Given/when/then tests for closing a relationship, legal holds and erasure (issue #12), and
//! for the retention rules the sweeper will use.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use kyc_domain::customer::{
    CloseDraft, ClosureReason, EraseDraft, LegalHoldDraft, RetentionPeriod,
};
use kyc_domain::values::LongText;
use kyc_domain::{Customer, CustomerCommand, CustomerError, CustomerEvent, CustomerState};
use support::*;

fn text(raw: &str) -> LongText {
    LongText::parse(raw).unwrap()
}

fn minutes(n: u64) -> RetentionPeriod {
    RetentionPeriod::new(Duration::from_secs(n * 60))
}

/// A customer created by mistake: nothing submitted, nothing decided.
fn pristine() -> Vec<CustomerEvent> {
    history([create(complete_individual())])
}

fn final_rejection(events: Vec<CustomerEvent>, minute: i64) -> Vec<CustomerEvent> {
    then_run(
        events,
        [CustomerCommand::Reject {
            draft: rejection(false),
            at: at(minute),
        }],
    )
}

// --- Close ---------------------------------------------------------------------------------

#[test]
fn close_records_reason_message_and_the_state_it_left() {
    let verified = then_run(
        ready_individual(),
        [CustomerCommand::Verify { at: at(200) }],
    );
    given(&verified)
        .when(close(300))
        .then_events(&[CustomerEvent::CustomerClosed {
            reason: ClosureReason::CustomerRequest,
            message: Some(text("Moving abroad")),
            previous_state: CustomerState::Verified,
            at: at(300),
        }]);
    let customer = given(&verified)
        .when(close(300))
        .then_state(CustomerState::Closed);
    let closure = customer.record().unwrap().closure.clone().unwrap();
    assert_eq!(closure.previous_state, CustomerState::Verified);
    assert_eq!(
        customer.record().unwrap().retention_clock_start(),
        Some(at(300))
    );
}

#[test]
fn close_ends_a_freeze() {
    let frozen = then_run(
        ready_individual(),
        [CustomerCommand::Freeze {
            draft: freeze_reason(),
            at: at(200),
        }],
    );
    let customer = given(frozen)
        .when(close(300))
        .then_state(CustomerState::Closed);
    assert!(customer.record().unwrap().frozen.is_none());
}

#[test]
fn close_needs_a_known_reason() {
    for reason in [None, Some("bored".to_owned())] {
        let error = given(pristine())
            .when(CustomerCommand::Close {
                draft: CloseDraft {
                    reason,
                    message: None,
                },
                at: at(5),
            })
            .then_error_code("validation");
        let CustomerError::Validation(errors) = error else {
            unreachable!()
        };
        assert_eq!(errors.errors()[0].field, "reason");
    }
}

#[test]
fn a_closed_customer_accepts_only_legal_holds_and_erasure() {
    let closed = then_run(ready_individual(), [close(200)]);
    given(&closed)
        .when(close(300))
        .then_error(&CustomerError::InvalidTransition {
            command: kyc_domain::CommandKind::Close,
            state: CustomerState::Closed,
        });
    given(&closed)
        .when(CustomerCommand::Freeze {
            draft: freeze_reason(),
            at: at(300),
        })
        .then_error_code("invalid_transition");
    given(&closed)
        .when(legal_hold(true, 300))
        .then_state(CustomerState::Closed);
}

// --- Legal hold ----------------------------------------------------------------------------

#[test]
fn a_legal_hold_is_placed_and_lifted() {
    let held = then_run(ready_individual(), [legal_hold(true, 200)]);
    let record = Customer::from_events(&held).record().unwrap().clone();
    assert_eq!(record.legal_hold.unwrap().since, at(200));
    assert_eq!(
        record.state,
        CustomerState::Unverified,
        "a hold is no state"
    );
    given(&held)
        .when(legal_hold(true, 300))
        .then_error(&CustomerError::LegalHoldUnchanged { on: true });
    let lifted = then_run(held, [legal_hold(false, 300)]);
    assert!(Customer::from_events(&lifted)
        .record()
        .unwrap()
        .legal_hold
        .is_none());
    given(&lifted)
        .when(legal_hold(false, 400))
        .then_error_code("legal_hold_unchanged");
}

#[test]
fn a_legal_hold_needs_on_and_a_reason() {
    let error = given(pristine())
        .when(CustomerCommand::SetLegalHold {
            draft: LegalHoldDraft::default(),
            at: at(5),
        })
        .then_error_code("validation");
    let CustomerError::Validation(errors) = error else {
        unreachable!()
    };
    let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["on", "reason"]);
}

// --- Erasure -------------------------------------------------------------------------------

#[test]
fn a_customer_without_a_record_keeping_duty_is_erased_at_once() {
    let customer = given(pristine())
        .when(erase(5, 5 * 365 * 24 * 60))
        .then_state(CustomerState::Closed);
    let record = customer.record().unwrap();
    assert_eq!(record.erased_at, Some(at(5)));
    assert_eq!(record.details.name, None);
    assert_eq!(record.details.email_address, None);
    assert!(record.closure.is_none(), "closed by the erasure itself");
}

#[test]
fn an_open_relationship_with_a_duty_must_be_closed_first() {
    given(ready_individual())
        .when(erase(300, 0))
        .then_error(&CustomerError::RetentionNotStarted);
}

#[test]
fn erasure_waits_for_the_retention_period_after_the_close() {
    let closed = then_run(ready_individual(), [close(200)]);
    let error = given(&closed)
        .when(erase(259, 60))
        .then_error_code("retention_hold");
    assert_eq!(
        error,
        CustomerError::RetentionHold {
            retention_until: at(260)
        }
    );
    assert!(
        error.to_string().contains("2026-11-23T13:20:00Z"),
        "{error}"
    );
    given(&closed)
        .when(erase(260, 60))
        .then_state(CustomerState::Closed);
}

#[test]
fn the_retention_clock_also_starts_at_a_final_rejection() {
    let rejected = final_rejection(ready_individual(), 200);
    given(&rejected)
        .when(erase(230, 60))
        .then_error(&CustomerError::RetentionHold {
            retention_until: at(260),
        });
    given(&rejected)
        .when(erase(260, 60))
        .then_state(CustomerState::Closed);
    // A close after the rejection restarts the clock: the period is never cut short.
    let closed = then_run(rejected, [close(250)]);
    given(closed)
        .when(erase(260, 60))
        .then_error(&CustomerError::RetentionHold {
            retention_until: at(310),
        });
}

#[test]
fn a_retryable_rejection_starts_no_clock() {
    let rejected = then_run(
        ready_individual(),
        [CustomerCommand::Reject {
            draft: rejection(true),
            at: at(200),
        }],
    );
    given(rejected)
        .when(erase(900, 0))
        .then_error_code("invalid_transition");
}

#[test]
fn a_legal_hold_blocks_erasure_even_after_retention() {
    let held = then_run(ready_individual(), [close(200), legal_hold(true, 210)]);
    given(&held)
        .when(erase(900, 60))
        .then_error(&CustomerError::LegalHold);
    let lifted = then_run(held, [legal_hold(false, 220)]);
    given(lifted)
        .when(erase(900, 60))
        .then_state(CustomerState::Closed);
}

#[test]
fn erase_needs_a_reason() {
    given(pristine())
        .when(CustomerCommand::Erase {
            draft: EraseDraft { reason: None },
            retention: minutes(0),
            at: at(5),
        })
        .then_error_code("validation");
}

#[test]
fn an_erased_customer_accepts_nothing() {
    let erased = history([create(complete_individual()), erase(5, 0)]);
    for command in [
        erase(10, 0),
        legal_hold(true, 10),
        close(10),
        CustomerCommand::Verify { at: at(10) },
    ] {
        given(&erased)
            .when(command)
            .then_error(&CustomerError::Erased);
    }
}

#[test]
fn erasure_blanks_every_personal_field_and_keeps_the_rest() {
    let events = then_run(
        ready_business(),
        [
            review(5, reject_document("expired")),
            CustomerCommand::Freeze {
                draft: freeze_reason(),
                at: at(200),
            },
            close(210),
            legal_hold(true, 211),
            legal_hold(false, 212),
            erase(400, 60),
        ],
    );
    let before = Customer::from_events(&events[..events.len() - 1]);
    let record = Customer::from_events(&events).record().unwrap().clone();
    let kept = before.record().unwrap();
    assert_eq!(record.details.labels, kept.details.labels);
    assert_eq!(record.details.legal_name, None);
    assert_eq!(record.details.address, None);
    assert_eq!(record.details.registration_number, None);
    assert_eq!(record.documents.len(), kept.documents.len());
    assert!(record.documents.values().all(|d| d.file_name.is_none()));
    for (guid, associate) in &record.associates {
        assert_eq!(associate.name, None);
        assert_eq!(associate.date_of_birth, None);
        assert_eq!(
            associate.ownership_percentage,
            kept.associates[guid].ownership_percentage
        );
        assert_eq!(associate.roles, kept.associates[guid].roles);
    }
    assert_eq!(record.closure.as_ref().unwrap().message, None);
    assert_eq!(
        record.closure.as_ref().unwrap().reason,
        ClosureReason::CustomerRequest
    );
    assert!(record.documents.values().any(|d| matches!(
        d.status,
        kyc_domain::customer::DocumentStatus::Rejected { message: None, .. }
    )));
    assert_eq!(record.erased_at, Some(at(400)));
    let CustomerEvent::CustomerErased { reason, .. } = events.last().unwrap() else {
        unreachable!()
    };
    assert_eq!(
        reason.as_str(),
        "Retention period ended",
        "the reason stays"
    );
}

// --- What the sweeper will use ---------------------------------------------------------------

#[test]
fn retention_until_is_the_clock_start_plus_the_period() {
    let open = Customer::from_events(&ready_individual());
    assert_eq!(open.record().unwrap().retention_until(minutes(60)), None);
    let closed = Customer::from_events(&then_run(ready_individual(), [close(200)]));
    assert_eq!(
        closed.record().unwrap().retention_until(minutes(60)),
        Some(at(260))
    );
    let mistaken = Customer::from_events(&then_run(pristine(), [close(5)]));
    assert_eq!(
        mistaken.record().unwrap().retention_until(minutes(60)),
        None,
        "nothing to keep"
    );
    let forever = RetentionPeriod::new(Duration::MAX);
    assert!(closed.record().unwrap().retention_until(forever).is_some());
}

#[test]
fn only_open_applications_go_dormant() {
    let hour = Duration::from_secs(3600);
    let open = Customer::from_events(&ready_individual());
    let record = open.record().unwrap();
    let last = record.updated_at;
    assert!(!record.is_dormant(last + chrono::Duration::minutes(59), hour));
    assert!(record.is_dormant(last + chrono::Duration::minutes(60), hour));
    let verified = Customer::from_events(&then_run(
        ready_individual(),
        [CustomerCommand::Verify { at: at(200) }],
    ));
    assert!(!verified.record().unwrap().is_dormant(at(10_000), hour));
    let closed = Customer::from_events(&then_run(ready_individual(), [close(200)]));
    assert!(!closed.record().unwrap().is_dormant(at(10_000), hour));
}
