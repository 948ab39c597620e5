//! A property test: a deliberately simple reference model of the customer lifecycle and its
//! verification criteria, written without reusing the aggregate's logic, is run side by side
//! with the real aggregate over random command sequences, closing, legal holds and erasure
//! included.
//!
//! After every step the invariants of DESIGN.md §7 are checked: folding the emitted events
//! (through their JSON form) reproduces the state; refused commands emit nothing; a verified
//! customer has every criterion complete; a frozen customer accepts only Unfreeze, Close and
//! legal holds, a closed one only legal holds and Erase, an erased one nothing; the type never
//! changes; sequences are contiguous; unfreeze restores exactly the pre-freeze record; and
//! erasure commutes with blanking: folding the log and then `CustomerErased` equals folding
//! the log with every personal field blanked and then `CustomerErased` (what lets a replay
//! after crypto-shredding rebuild identical projections).
//!
//! Commands are decided by one of three actors (a reviewer, another reviewer, a senior approver)
//! under a risk policy that makes PEPs high risk: the model then states four eyes (a high-risk
//! customer needs a first approval, then a distinct senior verifier who reviewed none of its
//! documents) and the enhanced criteria, and the invariants add that a verified high-risk
//! customer always has two distinct approvers.
//!
//! `KYC_PROPTEST_CASES` overrides the number of cases (default 1,000, each up to 50 steps).

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use kyc_domain::customer::{
    Actor, ActorId, ApproveDraft, CloseDraft, CustomerDraft, CustomerRecord, DecisionContext,
    DocumentStatus, EraseDraft, IdentityKind, IdentityMatch, LegalHoldDraft, ResolveDuplicateDraft,
    RetentionPeriod, RiskFactorKind, RiskLevel, RiskPolicy,
};
use kyc_domain::ids::{AssociateGuid, CustomerGuid, DocumentGuid};
use kyc_domain::{Customer, CustomerCommand, CustomerEvent, CustomerState, CustomerType};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};
use support::*;

// ---------------------------------------------------------------------------------------------
// The reference model.
// ---------------------------------------------------------------------------------------------

/// Lifecycle as the model sees it: a freeze remembers what it interrupted.
#[derive(Debug, Clone, PartialEq)]
enum Life {
    Unverified,
    Verified,
    Rejected { retryable: bool },
    Frozen(Box<Life>),
    Closed,
}

/// The tenant's retention period in the model, in minutes (one step is one minute).
const RETENTION_MINUTES: u64 = 10;

/// What a document counts towards.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Identity,
    Liveness,
    SourceOfFunds,
    /// Counts towards nothing (proof of address for individuals).
    Extra,
    Incorporation,
    ProofOfAddress,
    Ownership,
    /// Identity document of the associate with this model id.
    AssociateIdentity(u64),
}

/// Who decides a step.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Reviewer,
    OtherReviewer,
    Senior,
}

impl Who {
    fn actor(self) -> Actor {
        let (id, senior) = match self {
            Self::Reviewer => ("reviewer-ada", false),
            Self::OtherReviewer => ("reviewer-alan", false),
            Self::Senior => ("senior-grace", true),
        };
        Actor {
            id: ActorId::parse(id).unwrap(),
            senior,
        }
    }
}

/// First approvals: mostly reviewers, as in practice.
fn approver() -> impl Strategy<Value = Who> {
    prop_oneof![
        3 => Just(Who::Reviewer),
        2 => Just(Who::OtherReviewer),
        1 => Just(Who::Senior)
    ]
}

/// Verifications: mostly the senior, so four eyes are completed as well as broken.
fn verifier() -> impl Strategy<Value = Who> {
    prop_oneof![
        1 => Just(Who::Reviewer),
        1 => Just(Who::OtherReviewer),
        3 => Just(Who::Senior)
    ]
}

/// Document reviews: mostly the reviewer, so a senior who reviewed nothing is often at hand.
fn document_reviewer() -> impl Strategy<Value = Who> {
    prop_oneof![
        8 => Just(Who::Reviewer),
        3 => Just(Who::OtherReviewer),
        1 => Just(Who::Senior)
    ]
}

/// Review periods and the grace period of the model's policy, in minutes (one step is one
/// minute): a high-risk (PEP) customer is reviewed more often.
const REVIEW_LOW_MINUTES: u64 = 4;
const REVIEW_HIGH_MINUTES: u64 = 3;
const GRACE_MINUTES: u64 = 2;

/// The model's risk policy: only political exposure counts, and it makes a customer high
/// risk; reviews and grace in minutes, so random walks reach them.
fn pep_policy() -> RiskPolicy {
    let minutes = |m: u64| std::time::Duration::from_secs(m * 60);
    RiskPolicy {
        weights: [(RiskFactorKind::PoliticallyExposed, 60)]
            .into_iter()
            .collect(),
        review_every: [
            (RiskLevel::Low, minutes(REVIEW_LOW_MINUTES)),
            (RiskLevel::High, minutes(REVIEW_HIGH_MINUTES)),
        ]
        .into_iter()
        .collect(),
        lapse_grace: minutes(GRACE_MINUTES),
        ..RiskPolicy::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Review {
    Pending,
    Accepted,
    Rejected,
}

#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools)]
struct ModelCustomer {
    business: bool,
    pep: bool,
    /// Every data criterion met.
    complete_details: bool,
    life: Life,
    documents: Vec<(Slot, Review)>,
    /// Model ids of live associates; each is a fully identified 30% owner and control person.
    associates: Vec<u64>,
    /// Something was submitted or decided: records must be kept.
    duty: bool,
    /// The minute the relationship ended (close or final rejection).
    ended_at: Option<u64>,
    legal_hold: bool,
    erased: bool,
    /// A possible duplicate flagged at creation, and whether a reviewer resolved it.
    duplicate: Duplicate,
    /// The first approval of the current verification cycle.
    approved_by: Option<Who>,
    /// Everyone who reviewed one of its documents.
    reviewers: Vec<Who>,
    /// The minute of the verification or the last completed review.
    last_reviewed: Option<u64>,
    /// The due minute of the open periodic review.
    review_due: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Duplicate {
    None,
    Open,
    Resolved,
}

/// The outcome the model predicts: how many events, or which error code.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Events(usize),
    Refused(&'static str),
}

#[derive(Debug, Clone)]
struct Model {
    customer: Option<ModelCustomer>,
    next_id: u64,
    expect: Expect,
}

#[derive(Debug, Clone)]
enum Step {
    Create {
        business: bool,
        complete: bool,
        pep: bool,
        /// Another customer holds the same tax number.
        duplicate: bool,
    },
    UpdateEmail,
    CompleteDetails,
    Submit(Slot),
    Review {
        index: usize,
        accept: bool,
        by: Who,
    },
    AddAssociate,
    RemoveAssociate {
        index: usize,
    },
    Verify {
        by: Who,
    },
    Reject {
        retryable: bool,
    },
    Approve {
        by: Who,
    },
    /// The due-diligence scheduler's check, at the step's minute.
    Check,
    Freeze,
    Unfreeze,
    Close,
    LegalHold {
        on: bool,
    },
    Erase,
    ResolveDuplicate,
}

impl ModelCustomer {
    fn slot_accepted(&self, slot: Slot) -> bool {
        self.documents
            .iter()
            .any(|(s, r)| *s == slot && *r == Review::Accepted)
    }

    /// The model's statement of "every criterion complete".
    fn verifiable(&self) -> bool {
        if !self.complete_details || self.duplicate == Duplicate::Open {
            return false;
        }
        if self.business {
            [Slot::Incorporation, Slot::ProofOfAddress, Slot::Ownership]
                .into_iter()
                .all(|slot| self.slot_accepted(slot))
                && !self.associates.is_empty()
                && self
                    .associates
                    .iter()
                    .all(|id| self.slot_accepted(Slot::AssociateIdentity(*id)))
        } else {
            // A PEP is high risk: source of funds and proof of address (enhanced due diligence).
            self.slot_accepted(Slot::Identity)
                && self.slot_accepted(Slot::Liveness)
                && (!self.pep || self.slot_accepted(Slot::SourceOfFunds))
                && (!self.pep || self.slot_accepted(Slot::Extra))
        }
    }
}

fn step_strategy(model: &Model) -> BoxedStrategy<Step> {
    let Some(customer) = &model.customer else {
        return prop_oneof![
            4 => (proptest::bool::weighted(0.4), proptest::bool::weighted(0.85), proptest::bool::weighted(0.5), proptest::bool::weighted(0.2))
                .prop_map(|(business, complete, pep, duplicate)| Step::Create { business, complete, pep, duplicate }),
            1 => verifier().prop_map(|by| Step::Verify { by }),
            1 => Just(Step::Freeze),
        ]
        .boxed();
    };
    let mut slots = if customer.business {
        vec![
            Slot::Incorporation,
            Slot::ProofOfAddress,
            Slot::Ownership,
            Slot::Extra,
        ]
    } else {
        vec![
            Slot::Identity,
            Slot::Liveness,
            Slot::SourceOfFunds,
            Slot::Extra,
        ]
    };
    if customer.business && customer.associates.is_empty() {
        // A business cannot be verified without its control person: add one more often.
        slots.truncate(3);
    }
    slots.extend(
        customer
            .associates
            .iter()
            .map(|id| Slot::AssociateIdentity(*id)),
    );
    let documents = customer.documents.len();
    let associates = customer.associates.len();
    let mut steps: Vec<(u32, BoxedStrategy<Step>)> = vec![
        (
            8,
            proptest::sample::select(slots)
                .prop_map(Step::Submit)
                .boxed(),
        ),
        // Decisions become likely once there is something to decide.
        (
            if customer.approved_by.is_some() {
                30
            } else if customer.verifiable() {
                8
            } else {
                3
            },
            verifier().prop_map(|by| Step::Verify { by }).boxed(),
        ),
        (
            if customer.pep && customer.verifiable() && customer.approved_by.is_none() {
                30
            } else {
                1
            },
            approver().prop_map(|by| Step::Approve { by }).boxed(),
        ),
        (
            1,
            proptest::bool::weighted(0.8)
                .prop_map(|retryable| Step::Reject { retryable })
                .boxed(),
        ),
        (
            if customer.life == Life::Verified {
                6
            } else {
                1
            },
            Just(Step::Check).boxed(),
        ),
        (1, Just(Step::Freeze).boxed()),
        (3, Just(Step::Unfreeze).boxed()),
        (1, Just(Step::UpdateEmail).boxed()),
        (1, Just(Step::CompleteDetails).boxed()),
        (1, Just(Step::Close).boxed()),
        (
            1,
            proptest::bool::ANY
                .prop_map(|on| Step::LegalHold { on })
                .boxed(),
        ),
        (1, Just(Step::Erase).boxed()),
        (
            if customer.duplicate == Duplicate::Open {
                4
            } else {
                1
            },
            Just(Step::ResolveDuplicate).boxed(),
        ),
        (
            if customer.business { 3 } else { 1 },
            Just(Step::AddAssociate).boxed(),
        ),
        (
            1,
            Just(Step::Create {
                business: false,
                complete: true,
                pep: false,
                duplicate: false,
            })
            .boxed(),
        ),
    ];
    if documents > 0 {
        steps.push((
            2,
            (
                0..documents,
                proptest::bool::weighted(0.85),
                document_reviewer(),
            )
                .prop_map(|(index, accept, by)| Step::Review { index, accept, by })
                .boxed(),
        ));
    }
    let pending: Vec<usize> = (0..documents)
        .filter(|i| customer.documents[*i].1 == Review::Pending)
        .collect();
    if !pending.is_empty() {
        steps.push((
            10,
            (
                proptest::sample::select(pending),
                proptest::bool::weighted(0.85),
                document_reviewer(),
            )
                .prop_map(|(index, accept, by)| Step::Review { index, accept, by })
                .boxed(),
        ));
    }
    if associates > 0 {
        steps.push((
            1,
            (0..associates)
                .prop_map(|index| Step::RemoveAssociate { index })
                .boxed(),
        ));
    }
    proptest::strategy::Union::new_weighted(steps).boxed()
}

struct LifecycleModel;

impl ReferenceStateMachine for LifecycleModel {
    type State = Model;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model {
            customer: None,
            next_id: 1,
            expect: Expect::Events(0),
        })
        .boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Step> {
        step_strategy(state)
    }

    fn apply(mut model: Model, step: &Step) -> Model {
        model.next_id += 1;
        let id = model.next_id;
        let Some(customer) = model.customer.as_mut() else {
            model.expect = match step {
                Step::Create {
                    business,
                    complete,
                    pep,
                    duplicate,
                } => {
                    // Only a complete draft gives a tax number another customer could hold.
                    let flagged = *duplicate && *complete;
                    model.customer = Some(ModelCustomer {
                        business: *business,
                        pep: *pep && !*business,
                        complete_details: *complete,
                        life: Life::Unverified,
                        documents: Vec::new(),
                        associates: Vec::new(),
                        duty: false,
                        ended_at: None,
                        legal_hold: false,
                        erased: false,
                        duplicate: if flagged {
                            Duplicate::Open
                        } else {
                            Duplicate::None
                        },
                        approved_by: None,
                        reviewers: Vec::new(),
                        last_reviewed: None,
                        review_due: None,
                    });
                    // The creation, the duplicate flag, and the first risk rating.
                    Expect::Events(if flagged { 3 } else { 2 })
                }
                _ => Expect::Refused("customer_not_found"),
            };
            return model;
        };
        model.expect = model_step(customer, step, id);
        model
    }
}

/// The lifecycle rules, stated per command, as a person would read them off DESIGN.md.
fn model_step(customer: &mut ModelCustomer, step: &Step, id: u64) -> Expect {
    if matches!(step, Step::AddAssociate) && !customer.business {
        return Expect::Refused("wrong_customer_type");
    }
    if customer.erased {
        return Expect::Refused("customer_erased");
    }
    let life = customer.life.clone();
    let open = life == Life::Unverified;
    let retryable = life == Life::Rejected { retryable: true };
    // What an approver saw changes, or a new cycle starts: the first approval is void.
    let voids_approval = matches!(
        step,
        Step::UpdateEmail
            | Step::CompleteDetails
            | Step::Submit(_)
            | Step::Review { .. }
            | Step::AddAssociate
            | Step::RemoveAssociate { .. }
            | Step::Reject { .. }
    );
    let expect = model_lifecycle_step(customer, step, id, &life, open, retryable);
    if voids_approval && matches!(expect, Expect::Events(n) if n > 0) && life != Life::Verified {
        customer.approved_by = None;
    }
    expect
}

fn model_lifecycle_step(
    customer: &mut ModelCustomer,
    step: &Step,
    id: u64,
    life: &Life,
    open: bool,
    retryable: bool,
) -> Expect {
    let now = id - 1;
    let invalid = Expect::Refused("invalid_transition");
    let life = life.clone();
    match step {
        Step::Create { .. } => invalid,
        Step::UpdateEmail => {
            if open || retryable || life == Life::Verified {
                Expect::Events(1)
            } else {
                invalid
            }
        }
        Step::CompleteDetails => {
            if !(open || retryable || life == Life::Verified) {
                invalid
            } else if customer.complete_details {
                Expect::Events(0)
            } else if life == Life::Verified || (open && !customer.documents.is_empty()) {
                Expect::Refused("field_locked")
            } else if retryable {
                // A correction after a retryable rejection reopens verification.
                customer.complete_details = true;
                customer.life = Life::Unverified;
                Expect::Events(2)
            } else {
                customer.complete_details = true;
                Expect::Events(1)
            }
        }
        Step::Submit(slot) => {
            // A verified customer may submit new documents at any time (ongoing due diligence).
            if !(open || retryable || life == Life::Verified) {
                return invalid;
            }
            customer.documents.push((*slot, Review::Pending));
            customer.duty = true;
            if retryable {
                customer.life = Life::Unverified;
                Expect::Events(2)
            } else {
                Expect::Events(1)
            }
        }
        Step::Review { index, accept, by } => {
            if !(open || life == Life::Verified) {
                return invalid;
            }
            let review = &mut customer.documents[*index].1;
            if *review != Review::Pending {
                return Expect::Refused("document_already_reviewed");
            }
            customer.reviewers.push(*by);
            if *accept && life == Life::Verified && customer.review_due.is_some() {
                // The accepted document completes the open periodic review.
                customer.review_due = None;
                customer.last_reviewed = Some(now);
                customer.documents[*index].1 = Review::Accepted;
                return Expect::Events(2);
            }
            *review = if *accept {
                Review::Accepted
            } else {
                Review::Rejected
            };
            Expect::Events(1)
        }
        Step::AddAssociate => {
            if !customer.business {
                Expect::Refused("wrong_customer_type")
            } else if !open {
                invalid
            } else if customer.associates.len() >= 3 {
                // A fourth 30% owner would take the shares past 100%.
                Expect::Refused("ownership_exceeded")
            } else {
                customer.associates.push(id);
                Expect::Events(1)
            }
        }
        Step::RemoveAssociate { index } => {
            if !open {
                return invalid;
            }
            customer.associates.remove(*index);
            Expect::Events(1)
        }
        Step::Approve { by } => {
            if !open {
                invalid
            } else if !customer.verifiable() {
                Expect::Refused("profile_incomplete")
            } else if customer.approved_by == Some(*by) {
                Expect::Refused("four_eyes_required")
            } else if customer.approved_by.is_some() {
                Expect::Refused("already_approved")
            } else {
                customer.approved_by = Some(*by);
                Expect::Events(1)
            }
        }
        Step::Verify { by } => {
            if !open {
                return invalid;
            }
            if !customer.verifiable() {
                return Expect::Refused("profile_incomplete");
            }
            if customer.pep {
                // Four eyes: a first approver, then a distinct senior who reviewed nothing.
                match customer.approved_by {
                    None => return Expect::Refused("four_eyes_required"),
                    Some(first) if first == *by => return Expect::Refused("four_eyes_required"),
                    Some(_) => {}
                }
                if *by != Who::Senior {
                    return Expect::Refused("forbidden");
                }
                if customer.reviewers.contains(by) {
                    return Expect::Refused("four_eyes_required");
                }
            }
            customer.life = Life::Verified;
            customer.duty = true;
            customer.last_reviewed = Some(now);
            customer.review_due = None;
            Expect::Events(1)
        }
        Step::Check => {
            if open {
                return Expect::Events(0);
            }
            if life != Life::Verified {
                return invalid;
            }
            let period = if customer.pep {
                REVIEW_HIGH_MINUTES
            } else {
                REVIEW_LOW_MINUTES
            };
            let mut events = 0;
            if customer.review_due.is_none() {
                if let Some(last) = customer.last_reviewed {
                    if now >= last + period {
                        customer.review_due = Some(last + period);
                        events += 1;
                    }
                }
            }
            if let Some(due) = customer.review_due {
                if now >= due + GRACE_MINUTES {
                    // A new cycle: the old first approval approves nothing now.
                    customer.life = Life::Unverified;
                    customer.review_due = None;
                    customer.approved_by = None;
                    events += 1;
                }
            }
            Expect::Events(events)
        }
        Step::Reject { retryable } => {
            if !open {
                return invalid;
            }
            customer.life = Life::Rejected {
                retryable: *retryable,
            };
            customer.duty = true;
            if !*retryable {
                customer.ended_at = Some(now);
            }
            Expect::Events(1)
        }
        Step::Freeze => {
            if matches!(life, Life::Frozen(_) | Life::Closed) {
                return invalid;
            }
            customer.life = Life::Frozen(Box::new(life));
            Expect::Events(1)
        }
        Step::Unfreeze => match life {
            Life::Frozen(previous) => {
                customer.life = *previous;
                Expect::Events(1)
            }
            _ => invalid,
        },
        Step::Close => {
            if life == Life::Closed {
                return invalid;
            }
            customer.life = Life::Closed;
            customer.ended_at = Some(now);
            Expect::Events(1)
        }
        Step::LegalHold { on } => {
            if *on == customer.legal_hold {
                return Expect::Refused("legal_hold_unchanged");
            }
            customer.legal_hold = *on;
            Expect::Events(1)
        }
        Step::Erase => {
            if !matches!(
                life,
                Life::Unverified | Life::Rejected { retryable: false } | Life::Closed
            ) {
                return invalid;
            }
            if customer.legal_hold {
                return Expect::Refused("legal_hold");
            }
            if customer.duty {
                match customer.ended_at {
                    None => return Expect::Refused("retention_not_started"),
                    Some(ended) if now < ended + RETENTION_MINUTES => {
                        return Expect::Refused("retention_hold")
                    }
                    Some(_) => {}
                }
            }
            customer.erased = true;
            customer.life = Life::Closed;
            Expect::Events(1)
        }
        Step::ResolveDuplicate => {
            if !(open || retryable) {
                invalid
            } else if customer.duplicate != Duplicate::None {
                customer.duplicate = Duplicate::Resolved;
                Expect::Events(1)
            } else {
                Expect::Refused("unknown_duplicate")
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The system under test: the real aggregate, plus what the invariants need to remember.
// ---------------------------------------------------------------------------------------------

struct Harness {
    customer: Customer,
    log: Vec<CustomerEvent>,
    steps: usize,
    documents: Vec<DocumentGuid>,
    /// Model associate id → real id.
    associates: Vec<(u64, AssociateGuid)>,
    created_type: Option<CustomerType>,
    before_freeze: Option<CustomerRecord>,
}

fn minimal(business: bool, pep: bool) -> CustomerDraft {
    let full = if business {
        complete_business()
    } else if pep {
        complete_pep()
    } else {
        complete_individual()
    };
    CustomerDraft {
        customer_type: full.customer_type,
        name: full.name,
        email_address: full.email_address,
        pep: full.pep,
        ..CustomerDraft::default()
    }
}

impl Harness {
    fn command(&mut self, step: &Step, model_before_id: u64) -> CustomerCommand {
        self.steps += 1;
        let now = at(i64::try_from(self.steps).unwrap());
        let business = self.created_type == Some(CustomerType::Business);
        match step {
            Step::Create {
                business,
                complete,
                pep,
                duplicate,
            } => {
                let draft = match (business, complete) {
                    (true, true) => complete_business(),
                    (false, true) if *pep => complete_pep(),
                    (false, true) => complete_individual(),
                    (_, false) => minimal(*business, *pep),
                };
                CustomerCommand::Create {
                    customer_guid: customer_guid(),
                    bank_guid: bank_guid(),
                    draft,
                    identity_matches: if *duplicate {
                        vec![IdentityMatch {
                            kind: IdentityKind::TaxId,
                            customer_guid: other_customer(),
                        }]
                    } else {
                        Vec::new()
                    },
                    at: now,
                }
            }
            Step::UpdateEmail => CustomerCommand::UpdateDetails {
                draft: CustomerDraft {
                    email_address: Some(format!("user{}@example.com", self.steps)),
                    ..CustomerDraft::default()
                },
                identity_matches: Vec::new(),
                at: now,
            },
            Step::CompleteDetails => {
                let mut draft = if business {
                    complete_business()
                } else {
                    complete_individual()
                };
                draft.customer_type = None;
                draft.pep = None;
                draft.email_address = None;
                CustomerCommand::UpdateDetails {
                    draft,
                    identity_matches: Vec::new(),
                    at: now,
                }
            }
            Step::Submit(slot) => {
                let guid = document_guid(self.steps as u64);
                self.documents.push(guid);
                let draft = match slot {
                    Slot::Identity => document("passport"),
                    Slot::Liveness => document("liveness_report"),
                    Slot::SourceOfFunds => document("source_of_funds"),
                    Slot::Extra if business => document("source_of_funds"),
                    Slot::Extra | Slot::ProofOfAddress => document("proof_of_address"),
                    Slot::Incorporation => document("incorporation_certificate"),
                    Slot::Ownership => document("ownership_structure"),
                    Slot::AssociateIdentity(id) => {
                        let real = self
                            .associates
                            .iter()
                            .find(|(m, _)| m == id)
                            .map(|(_, g)| *g)
                            .unwrap();
                        associate_document("national_id", real)
                    }
                };
                CustomerCommand::SubmitDocument {
                    document_guid: guid,
                    draft,
                    content: content(),
                    at: now,
                }
            }
            Step::Review { index, accept, .. } => CustomerCommand::ReviewDocument {
                document_guid: self.documents[*index],
                draft: if *accept {
                    support::accept()
                } else {
                    reject_document("expired")
                },
                at: now,
            },
            Step::AddAssociate => {
                let guid = associate_guid(self.steps as u64);
                self.associates.push((model_before_id, guid));
                CustomerCommand::AddAssociate {
                    associate_guid: guid,
                    draft: owner_and_control_person(),
                    at: now,
                }
            }
            Step::RemoveAssociate { index } => CustomerCommand::RemoveAssociate {
                associate_guid: self.associates[*index].1,
                at: now,
            },
            Step::Approve { .. } => CustomerCommand::Approve {
                draft: ApproveDraft {
                    note: Some(format!("Checked at step {}", self.steps)),
                },
                at: now,
            },
            Step::Verify { .. } => CustomerCommand::Verify { at: now },
            Step::Check => CustomerCommand::CheckDueDiligence { at: now },
            Step::Reject { retryable } => CustomerCommand::Reject {
                draft: rejection(*retryable),
                at: now,
            },
            Step::Freeze => CustomerCommand::Freeze {
                draft: freeze_reason(),
                at: now,
            },
            Step::Unfreeze => CustomerCommand::Unfreeze { at: now },
            Step::Close => CustomerCommand::Close {
                draft: CloseDraft {
                    reason: Some("risk_exit".into()),
                    message: Some(format!("Closed at step {}", self.steps)),
                },
                at: now,
            },
            Step::LegalHold { on } => CustomerCommand::SetLegalHold {
                draft: LegalHoldDraft {
                    on: Some(*on),
                    reason: Some("Litigation hold".into()),
                },
                at: now,
            },
            Step::Erase => CustomerCommand::Erase {
                draft: EraseDraft {
                    reason: Some("Retention ended".into()),
                },
                retention: RetentionPeriod::new(std::time::Duration::from_secs(
                    RETENTION_MINUTES * 60,
                )),
                at: now,
            },
            Step::ResolveDuplicate => CustomerCommand::ResolveDuplicate {
                draft: ResolveDuplicateDraft {
                    other_customer_guid: Some(other_customer().to_string()),
                    resolution: Some("not_same_person".into()),
                    note: None,
                },
                at: now,
            },
        }
    }
}

/// The customer that holds the same tax number, when a step says one does.
fn other_customer() -> CustomerGuid {
    CustomerGuid::parse("0190f5a3c2b47c3e8a1d2e3f4a5b6c99").unwrap()
}

struct CustomerLifecycleTest;

/// How often each interesting outcome was reached, to show the search covers the lifecycle.
static REACHED_VERIFIED: AtomicUsize = AtomicUsize::new(0);
static REACHED_FOUR_EYES: AtomicUsize = AtomicUsize::new(0);
static REACHED_APPROVED: AtomicUsize = AtomicUsize::new(0);
static REACHED_LAPSED: AtomicUsize = AtomicUsize::new(0);
static REACHED_REOPENED: AtomicUsize = AtomicUsize::new(0);
static REACHED_UNFROZEN: AtomicUsize = AtomicUsize::new(0);
static REACHED_ERASED: AtomicUsize = AtomicUsize::new(0);
static REACHED_ERASED_AFTER_RETENTION: AtomicUsize = AtomicUsize::new(0);

fn model_life_state(life: &Life) -> CustomerState {
    match life {
        Life::Unverified => CustomerState::Unverified,
        Life::Verified => CustomerState::Verified,
        Life::Rejected { .. } => CustomerState::Rejected,
        Life::Frozen(_) => CustomerState::Frozen,
        Life::Closed => CustomerState::Closed,
    }
}

fn events_reopened(log: &[CustomerEvent]) -> bool {
    log.len() >= 2
        && matches!(
            log[log.len() - 2],
            CustomerEvent::VerificationReopened { .. }
        )
}

fn without_freeze_bookkeeping(record: &CustomerRecord) -> CustomerRecord {
    let mut record = record.clone();
    record.updated_at = record.created_at;
    record.frozen = None;
    // A hold may be placed or lifted during the freeze; it is no part of the lifecycle.
    record.legal_hold = None;
    record
}

impl StateMachineTest for CustomerLifecycleTest {
    type SystemUnderTest = Harness;
    type Reference = LifecycleModel;

    fn init_test(_: &Model) -> Harness {
        Harness {
            customer: Customer::default(),
            log: Vec::new(),
            steps: 0,
            documents: Vec::new(),
            associates: Vec::new(),
            created_type: None,
            before_freeze: None,
        }
    }

    fn apply(mut harness: Harness, model: &Model, step: Step) -> Harness {
        let was_frozen = harness.customer.state() == Some(CustomerState::Frozen);
        let was_closed = harness.customer.state() == Some(CustomerState::Closed);
        let was_erased = harness
            .customer
            .record()
            .is_some_and(|r| r.erased_at.is_some());
        let had_duty = harness
            .customer
            .record()
            .is_some_and(kyc_domain::CustomerRecord::has_record_keeping_duty);
        let was_created = harness.customer.record().is_some();
        let was_verified = harness.customer.state() == Some(CustomerState::Verified);
        let before = harness.customer.clone();
        let before_associates = harness.associates.len();
        let before_documents = harness.documents.len();
        let command = harness.command(&step, model.next_id);
        let by = match step {
            Step::Review { by, .. } | Step::Approve { by } | Step::Verify { by } => by,
            _ => Who::Reviewer,
        };
        let actor = by.actor();
        let policy = pep_policy();
        let context = DecisionContext {
            actor: Some(&actor),
            risk: Some(&policy),
            screener: None,
        };
        let result = harness.customer.decide_with(command, &context);

        match (&result, &model.expect) {
            (Ok(events), Expect::Events(n)) => assert_eq!(events.len(), *n, "{step:?}"),
            (Err(error), Expect::Refused(code)) => {
                assert_eq!(error.code(), *code, "{step:?}: {error:?}");
            }
            (got, expected) => {
                panic!("{step:?}: model expected {expected:?}, aggregate gave {got:?}")
            }
        }
        if was_frozen {
            assert!(
                result.is_err()
                    || matches!(step, Step::Unfreeze | Step::Close | Step::LegalHold { .. }),
                "frozen accepted {step:?}"
            );
        }
        if was_closed {
            assert!(
                result.is_err() || matches!(step, Step::Erase | Step::LegalHold { .. }),
                "closed accepted {step:?}"
            );
        }
        if was_erased {
            assert!(result.is_err(), "erased accepted {step:?}");
        }
        let Ok(events) = result else {
            // A refusal emits nothing and changes nothing.
            assert_eq!(harness.customer, before);
            harness.associates.truncate(before_associates);
            harness.documents.truncate(before_documents);
            return harness;
        };
        for event in &events {
            // No review before its due date, no lapse before the grace period ran out.
            match event {
                CustomerEvent::ReviewDue { due_at, at } => assert!(at >= due_at, "{event:?}"),
                CustomerEvent::VerificationLapsed { due_since, at } => assert!(
                    *at >= *due_since
                        + chrono::Duration::minutes(i64::try_from(GRACE_MINUTES).unwrap()),
                    "{event:?}"
                ),
                _ => {}
            }
            harness.customer.apply(event);
        }
        harness.log.extend(events);
        if !was_created {
            harness.created_type = harness.customer.record().map(|r| r.customer_type);
        }
        let record = harness.customer.record().unwrap();
        let reached = match step {
            Step::Verify { .. }
                if record
                    .risk
                    .as_ref()
                    .is_some_and(|r| r.level == RiskLevel::High) =>
            {
                Some(&REACHED_FOUR_EYES)
            }
            Step::Verify { .. } => Some(&REACHED_VERIFIED),
            Step::Approve { .. } => Some(&REACHED_APPROVED),
            Step::Check if record.state == CustomerState::Unverified && was_verified => {
                Some(&REACHED_LAPSED)
            }
            Step::Submit(_) if events_reopened(&harness.log) => Some(&REACHED_REOPENED),
            Step::Unfreeze => Some(&REACHED_UNFROZEN),
            Step::Erase if had_duty => Some(&REACHED_ERASED_AFTER_RETENTION),
            Step::Erase => Some(&REACHED_ERASED),
            _ => None,
        };
        if let Some(counter) = reached {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        match step {
            Step::Freeze => {
                harness.before_freeze = Some(without_freeze_bookkeeping(before.record().unwrap()));
            }
            Step::Unfreeze => {
                let expected = harness.before_freeze.take().unwrap();
                assert_eq!(
                    without_freeze_bookkeeping(record),
                    expected,
                    "unfreeze must restore the record"
                );
            }
            Step::RemoveAssociate { index } => {
                harness.associates.remove(index);
            }
            _ => {}
        }
        harness
    }

    fn check_invariants(harness: &Harness, model: &Model) {
        // Folding the log, through its stored JSON form, reproduces the live state.
        let stored: Vec<CustomerEvent> = harness
            .log
            .iter()
            .map(|e| serde_json::from_value(serde_json::to_value(e).unwrap()).unwrap())
            .collect();
        assert_eq!(Customer::from_events(&stored), harness.customer);
        // Erasure commutes with blanking every personal field of the log.
        let erased = CustomerEvent::CustomerErased {
            reason: kyc_domain::values::LongText::parse("Property check").unwrap(),
            at: at(1_000),
        };
        let blanked: Vec<CustomerEvent> = harness
            .log
            .iter()
            .map(CustomerEvent::without_personal_data)
            .chain([erased.clone()])
            .collect();
        let original: Vec<CustomerEvent> = harness.log.iter().cloned().chain([erased]).collect();
        assert_eq!(
            Customer::from_events(&blanked),
            Customer::from_events(&original),
            "erasure must not depend on the personal data"
        );
        // Sequences are contiguous: one version per event.
        assert_eq!(harness.customer.version(), harness.log.len() as u64);
        let (Some(record), Some(expected)) = (harness.customer.record(), &model.customer) else {
            assert!(harness.customer.record().is_none() && model.customer.is_none());
            return;
        };
        assert_eq!(
            Some(record.customer_type),
            harness.created_type,
            "the type never changes"
        );
        assert_eq!(record.state, model_life_state(&expected.life));
        if record.state == CustomerState::Rejected {
            let Life::Rejected { retryable } = expected.life else {
                unreachable!()
            };
            assert_eq!(
                record.rejection.as_ref().map(|r| r.retryable),
                Some(retryable)
            );
        }
        if record.state == CustomerState::Verified {
            // Everything met, unless something fell due (then only during the grace period,
            // which the lapse invariant above bounds).
            let profile = record.verification_profile();
            assert!(
                profile.is_satisfied() || record.due_since().is_some(),
                "verified with {profile:?}"
            );
            // A verified high-risk customer always has two distinct approvers.
            if record.risk.as_ref().is_some_and(|r| r.four_eyes) {
                let first = record.approvals.first().map(|a| &a.approver);
                assert!(
                    first.is_some(),
                    "verified high risk without a first approval"
                );
                assert!(
                    record.verified_by.is_some(),
                    "verified high risk without a verifier"
                );
                assert_ne!(
                    first,
                    record.verified_by.as_ref(),
                    "one actor gave both approvals"
                );
            }
        }
        // The rating follows the facts: PEPs are high risk, everyone else low.
        if record.erased_at.is_none() {
            let level = record.risk.as_ref().map(|r| r.level);
            let expected_level = if expected.pep {
                RiskLevel::High
            } else {
                RiskLevel::Low
            };
            assert_eq!(level, Some(expected_level));
        }
        let statuses: Vec<Review> = harness
            .documents
            .iter()
            .filter_map(|guid| record.documents.get(guid))
            .map(|d| match d.status {
                DocumentStatus::Pending => Review::Pending,
                DocumentStatus::Accepted => Review::Accepted,
                DocumentStatus::Rejected { .. } => Review::Rejected,
            })
            .collect();
        let model_statuses: Vec<Review> = expected.documents.iter().map(|(_, r)| *r).collect();
        assert_eq!(statuses, model_statuses);
        assert_eq!(record.associates.len(), expected.associates.len());
    }
}

#[test]
fn the_aggregate_follows_the_reference_model() {
    let cases: u32 = std::env::var("KYC_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config.clone());
    let passed = AtomicUsize::new(0);
    let steps = AtomicUsize::new(0);
    let result = runner.run(
        &LifecycleModel::sequential_strategy(1..=50),
        |(initial, transitions, seen)| {
            let length = transitions.len();
            CustomerLifecycleTest::test_sequential(config.clone(), initial, transitions, seen);
            passed.fetch_add(1, Ordering::Relaxed);
            steps.fetch_add(length, Ordering::Relaxed);
            Ok(())
        },
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
    let passed = passed.into_inner();
    assert!(
        passed >= cases as usize,
        "only {passed} of {cases} cases ran"
    );
    let verified = REACHED_VERIFIED.load(Ordering::Relaxed);
    let four_eyes = REACHED_FOUR_EYES.load(Ordering::Relaxed);
    let approved = REACHED_APPROVED.load(Ordering::Relaxed);
    let lapsed = REACHED_LAPSED.load(Ordering::Relaxed);
    let reopened = REACHED_REOPENED.load(Ordering::Relaxed);
    let unfrozen = REACHED_UNFROZEN.load(Ordering::Relaxed);
    let erased = REACHED_ERASED.load(Ordering::Relaxed);
    let retained = REACHED_ERASED_AFTER_RETENTION.load(Ordering::Relaxed);
    println!(
        "proptest-state-machine: {passed} cases passed, {} steps in all (up to 50 per case); \
         reached: {verified} verifications, {four_eyes} with four eyes ({approved} first approvals), {lapsed} lapses, {reopened} reopenings, {unfrozen} unfreezes, \
         {erased} erasures without a duty, {retained} after retention",
        steps.into_inner()
    );
    assert!(
        // Four-eyes verifications are rare in random walks (a PEP needs four accepted
        // documents, a first approval and a distinct senior verifier in 50 steps); when reached,
        // `check_invariants` checks them, and tests/risk.rs walks each rule deterministically.
        verified > 0
            && approved > 0
            && lapsed > 0
            && reopened > 0
            && unfrozen > 0
            && erased > 0
            && retained > 0,
        "the search missed part of the lifecycle"
    );
}
