//! A property test of screening (issue #14): a small reference model of a customer's matches,
//! written without the aggregate's logic, is run beside the real aggregate over random
//! sequences of creations, renames, list changes (entries added, changed and removed),
//! re-screenings, decisions on matches by two reviewers, rejections, freezes and closes.
//!
//! The tenant's risk policy asks for four eyes on sanctions matches and not on PEP matches: a
//! first decision is a proposal, another reviewer confirms it with the same decision, a
//! reviewer who disagrees replaces it with their own, and the proposer cannot confirm.
//!
//! After every step: the events fold (through their JSON form) into the state; the latest
//! screening's matches are the model's; each screening alerts exactly the matches that are new
//! and undecided; a false positive never alerts again while its entry is unchanged; a re-screening
//! that finds the same matches records nothing; the profile names every open sanctions match;
//! every decided sanctions match had two distinct reviewers; and a confirmed sanctions match
//! leaves the customer finally rejected, frozen or closed.
//!
//! `KYC_PROPTEST_CASES` overrides the number of cases (default 1,000, each up to 40 steps).

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use kyc_domain::customer::{
    Actor, ActorId, CloseDraft, Criterion, CustomerDraft, DecisionContext, ListVersionRef,
    MatchDecision, MatchId, ResolveMatchDraft, RiskPolicy, Screener, ScreeningHit, ScreeningResult,
    ScreeningTopic,
};
use kyc_domain::values::NameDraft;
use kyc_domain::{Customer, CustomerCommand, CustomerEvent, CustomerRecord, CustomerState};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};
use support::*;

/// The surnames customers and list entries share; a customer matches the entries of its own.
const SURNAMES: [&str; 3] = ["Karimova", "Venskaya", "Lovelace"];

/// A match id the screener never gives.
const UNKNOWN_MATCH: &str = "m_999_1";

/// The model's list entry.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    id: u32,
    surname: usize,
    topic: ScreeningTopic,
    /// Bumped when the entry changes: a new fingerprint, so a new match id.
    version: u32,
}

impl Entry {
    fn match_id(&self) -> String {
        format!("m_{}_{}", self.id, self.version)
    }
}

/// Who decides a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Ada,
    Alan,
}

impl Who {
    fn actor(self) -> Actor {
        let id = match self {
            Self::Ada => "reviewer-ada",
            Self::Alan => "reviewer-alan",
        };
        Actor {
            id: ActorId::parse(id).unwrap(),
            senior: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Life {
    Unverified,
    Rejected { retryable: bool },
    Frozen(Box<Life>),
    Closed,
}

#[derive(Debug, Clone)]
struct ModelCustomer {
    surname: usize,
    life: Life,
    /// The latest screening's matches, by id, with their topics.
    recorded: BTreeMap<String, ScreeningTopic>,
    /// Decided matches.
    resolved: BTreeMap<String, MatchDecision>,
    /// Sanctions decisions awaiting a second reviewer.
    proposals: BTreeMap<String, (MatchDecision, Who)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Events(usize),
    Refused(&'static str),
}

#[derive(Debug, Clone)]
struct Model {
    list: Vec<Entry>,
    next_entry: u32,
    customer: Option<ModelCustomer>,
    expect: Expect,
    /// The alerts the step's screening must carry, when it records one.
    alerts: Option<BTreeSet<String>>,
}

#[derive(Debug, Clone)]
enum Step {
    Create {
        surname: usize,
    },
    Rename {
        surname: usize,
    },
    AddEntry {
        surname: usize,
        sanctions: bool,
    },
    ChangeEntry {
        index: usize,
    },
    RemoveEntry {
        index: usize,
    },
    Rescreen,
    Resolve {
        match_id: String,
        true_match: bool,
        by: Who,
    },
    Reject {
        retryable: bool,
    },
    Freeze,
    Unfreeze,
    Close,
}

/// The matches the list gives a customer named `surname`.
fn hits(list: &[Entry], surname: usize) -> BTreeMap<String, ScreeningTopic> {
    list.iter()
        .filter(|entry| entry.surname == surname)
        .map(|entry| (entry.match_id(), entry.topic))
        .collect()
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![Just(Who::Ada), Just(Who::Alan)]
}

fn step_strategy(model: &Model) -> BoxedStrategy<Step> {
    let list_steps = |weight: u32| -> Vec<(u32, BoxedStrategy<Step>)> {
        let mut steps = vec![(
            weight,
            (0..SURNAMES.len(), proptest::bool::weighted(0.6))
                .prop_map(|(surname, sanctions)| Step::AddEntry { surname, sanctions })
                .boxed(),
        )];
        if !model.list.is_empty() {
            let entries = model.list.len();
            steps.push((
                weight,
                (0..entries)
                    .prop_map(|index| Step::ChangeEntry { index })
                    .boxed(),
            ));
            steps.push((
                1,
                (0..entries)
                    .prop_map(|index| Step::RemoveEntry { index })
                    .boxed(),
            ));
        }
        steps
    };
    let Some(customer) = &model.customer else {
        let mut steps = list_steps(2);
        steps.push((
            3,
            (0..SURNAMES.len())
                .prop_map(|surname| Step::Create { surname })
                .boxed(),
        ));
        return proptest::strategy::Union::new_weighted(steps).boxed();
    };
    let mut candidates: Vec<String> = customer
        .recorded
        .keys()
        .chain(customer.resolved.keys())
        .cloned()
        .collect();
    candidates.push(UNKNOWN_MATCH.to_owned());
    let open = customer
        .recorded
        .keys()
        .any(|id| !customer.resolved.contains_key(id));
    let mut steps = list_steps(3);
    steps.extend([
        (4, Just(Step::Rescreen).boxed()),
        (
            if open { 12 } else { 2 },
            (
                proptest::sample::select(candidates),
                proptest::bool::weighted(0.3),
                who(),
            )
                .prop_map(|(match_id, true_match, by)| Step::Resolve {
                    match_id,
                    true_match,
                    by,
                })
                .boxed(),
        ),
        (
            1,
            proptest::bool::weighted(0.7)
                .prop_map(|retryable| Step::Reject { retryable })
                .boxed(),
        ),
        (1, Just(Step::Freeze).boxed()),
        (2, Just(Step::Unfreeze).boxed()),
        (1, Just(Step::Close).boxed()),
    ]);
    if customer.life == Life::Unverified {
        steps.push((
            2,
            (0..SURNAMES.len())
                .prop_map(|surname| Step::Rename { surname })
                .boxed(),
        ));
    }
    proptest::strategy::Union::new_weighted(steps).boxed()
}

struct ScreeningModel;

impl ReferenceStateMachine for ScreeningModel {
    type State = Model;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model {
            list: Vec::new(),
            next_entry: 1,
            customer: None,
            expect: Expect::Events(0),
            alerts: None,
        })
        .boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Step> {
        step_strategy(state)
    }

    fn preconditions(state: &Model, step: &Step) -> bool {
        // Shrinking may drop earlier steps: keep only steps that still make sense.
        match step {
            Step::Create { .. } => state.customer.is_none(),
            Step::Rename { .. } => state
                .customer
                .as_ref()
                .is_some_and(|c| c.life == Life::Unverified),
            Step::ChangeEntry { index } | Step::RemoveEntry { index } => *index < state.list.len(),
            Step::AddEntry { .. } => true,
            _ => state.customer.is_some(),
        }
    }

    fn apply(mut model: Model, step: &Step) -> Model {
        model.alerts = None;
        model.expect = Expect::Events(0);
        match step {
            Step::AddEntry { surname, sanctions } => {
                model.list.push(Entry {
                    id: model.next_entry,
                    surname: *surname,
                    topic: if *sanctions {
                        ScreeningTopic::Sanctions
                    } else {
                        ScreeningTopic::Pep
                    },
                    version: 1,
                });
                model.next_entry += 1;
            }
            Step::ChangeEntry { index } => model.list[*index].version += 1,
            Step::RemoveEntry { index } => {
                model.list.remove(*index);
            }
            Step::Create { surname } => {
                let found = hits(&model.list, *surname);
                model.alerts = Some(found.keys().cloned().collect());
                model.customer = Some(ModelCustomer {
                    surname: *surname,
                    life: Life::Unverified,
                    recorded: found,
                    resolved: BTreeMap::new(),
                    proposals: BTreeMap::new(),
                });
                // The creation, its screening, and the first rating.
                model.expect = Expect::Events(3);
            }
            _ => {
                let list = model.list.clone();
                let customer = model.customer.as_mut().unwrap();
                let (expect, alerts) = model_step(customer, &list, step);
                model.expect = expect;
                model.alerts = alerts;
            }
        }
        model
    }
}

/// A screening of `customer` against `list`: the expected alerts (new and undecided), after
/// which `list`'s matches are the recorded ones.
fn screen(customer: &mut ModelCustomer, list: &[Entry]) -> BTreeSet<String> {
    let found = hits(list, customer.surname);
    let alerts = found
        .keys()
        .filter(|id| !customer.recorded.contains_key(*id) && !customer.resolved.contains_key(*id))
        .cloned()
        .collect();
    customer.recorded = found;
    alerts
}

/// The rules, per command, as DESIGN.md and the issue state them.
fn model_step(
    customer: &mut ModelCustomer,
    list: &[Entry],
    step: &Step,
) -> (Expect, Option<BTreeSet<String>>) {
    let invalid = (Expect::Refused("invalid_transition"), None);
    let life = customer.life.clone();
    match step {
        Step::Create { .. }
        | Step::AddEntry { .. }
        | Step::ChangeEntry { .. }
        | Step::RemoveEntry { .. } => unreachable!("handled by the caller"),
        Step::Rename { surname } => {
            if *surname == customer.surname {
                // The same name: nothing changes, nothing is screened.
                return (Expect::Events(0), None);
            }
            customer.surname = *surname;
            // A changed name is always screened again, whatever it finds.
            let alerts = screen(customer, list);
            (Expect::Events(2), Some(alerts))
        }
        Step::Rescreen => {
            if life == Life::Closed {
                return invalid;
            }
            if hits(list, customer.surname)
                .keys()
                .eq(customer.recorded.keys())
            {
                return (Expect::Events(0), None);
            }
            let alerts = screen(customer, list);
            (Expect::Events(1), Some(alerts))
        }
        Step::Resolve {
            match_id,
            true_match,
            by,
        } => {
            if !matches!(life, Life::Unverified | Life::Rejected { retryable: true }) {
                return invalid;
            }
            let Some(topic) = customer.recorded.get(match_id).copied() else {
                return (Expect::Refused("unknown_screening_match"), None);
            };
            if customer.resolved.contains_key(match_id) {
                return (Expect::Refused("screening_match_already_resolved"), None);
            }
            let decision = if *true_match {
                MatchDecision::TrueMatch
            } else {
                MatchDecision::FalsePositive
            };
            if topic == ScreeningTopic::Sanctions {
                match customer.proposals.get(match_id) {
                    Some((_, proposer)) if proposer == by => {
                        return (Expect::Refused("four_eyes_required"), None)
                    }
                    Some((proposed, _)) if *proposed == decision => {
                        customer.proposals.remove(match_id);
                    }
                    // No proposal yet, or a reviewer who disagrees: theirs is the proposal.
                    _ => {
                        customer.proposals.insert(match_id.clone(), (decision, *by));
                        return (Expect::Events(1), None);
                    }
                }
            }
            customer.resolved.insert(match_id.clone(), decision);
            if decision == MatchDecision::TrueMatch && topic == ScreeningTopic::Sanctions {
                customer.life = Life::Rejected { retryable: false };
                return (Expect::Events(2), None);
            }
            (Expect::Events(1), None)
        }
        Step::Reject { retryable } => {
            if life != Life::Unverified {
                return invalid;
            }
            customer.life = Life::Rejected {
                retryable: *retryable,
            };
            (Expect::Events(1), None)
        }
        Step::Freeze => {
            if matches!(life, Life::Frozen(_) | Life::Closed) {
                return invalid;
            }
            customer.life = Life::Frozen(Box::new(life));
            (Expect::Events(1), None)
        }
        Step::Unfreeze => match life {
            Life::Frozen(previous) => {
                customer.life = *previous;
                (Expect::Events(1), None)
            }
            _ => invalid,
        },
        Step::Close => {
            if life == Life::Closed {
                return invalid;
            }
            customer.life = Life::Closed;
            (Expect::Events(1), None)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The system under test.
// ---------------------------------------------------------------------------------------------

/// The screener over the model's list as it stands.
struct ModelList(Vec<Entry>);

impl Screener for ModelList {
    fn screen(&self, record: &CustomerRecord) -> Option<ScreeningResult> {
        let surname = record.details.name.as_ref()?.last.as_str().to_owned();
        let list = ListVersionRef {
            list: "model_list".into(),
            version: 1,
        };
        let hits = self
            .0
            .iter()
            .filter(|entry| SURNAMES[entry.surname] == surname)
            .map(|entry| ScreeningHit {
                match_id: MatchId::parse(&entry.match_id()).unwrap(),
                associate_guid: None,
                topic: entry.topic,
                list: list.clone(),
                entry_id: entry.id.to_string(),
                entry_fingerprint: format!("fp{}", entry.version),
                score_bp: 9_000,
            })
            .collect();
        Some(ScreeningResult {
            list_versions: vec![list],
            hits,
        })
    }
}

/// Sanctions matches need four eyes; nothing counts towards risk, so ratings never change.
fn policy() -> RiskPolicy {
    RiskPolicy {
        weights: BTreeMap::new(),
        match_four_eyes: BTreeSet::from([ScreeningTopic::Sanctions]),
        ..RiskPolicy::default()
    }
}

fn named(surname: usize) -> NameDraft {
    NameDraft {
        first: Some("Mira".into()),
        last: Some(SURNAMES[surname].into()),
        ..NameDraft::default()
    }
}

struct Harness {
    customer: Customer,
    log: Vec<CustomerEvent>,
    steps: i64,
    /// Every match id decided a false positive.
    cleared: BTreeSet<String>,
}

impl Harness {
    fn command(&mut self, step: &Step) -> Option<CustomerCommand> {
        self.steps += 1;
        let now = at(self.steps);
        Some(match step {
            Step::AddEntry { .. } | Step::ChangeEntry { .. } | Step::RemoveEntry { .. } => {
                return None
            }
            Step::Create { surname } => CustomerCommand::Create {
                customer_guid: customer_guid(),
                bank_guid: bank_guid(),
                draft: CustomerDraft {
                    name: Some(named(*surname)),
                    ..complete_individual()
                },
                identity_matches: Vec::new(),
                at: now,
            },
            Step::Rename { surname } => CustomerCommand::UpdateDetails {
                draft: CustomerDraft {
                    name: Some(named(*surname)),
                    ..CustomerDraft::default()
                },
                identity_matches: Vec::new(),
                at: now,
            },
            Step::Rescreen => CustomerCommand::Rescreen { at: now },
            Step::Resolve {
                match_id,
                true_match,
                ..
            } => CustomerCommand::ResolveScreeningMatch {
                match_id: match_id.clone(),
                draft: ResolveMatchDraft {
                    decision: Some(
                        if *true_match {
                            "true_match"
                        } else {
                            "false_positive"
                        }
                        .into(),
                    ),
                    note: Some(format!("Decided at step {}", self.steps)),
                },
                at: now,
            },
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
                    message: None,
                },
                at: now,
            },
        })
    }
}

static REACHED_PROPOSED: AtomicUsize = AtomicUsize::new(0);
static REACHED_CONFIRMED: AtomicUsize = AtomicUsize::new(0);
static REACHED_SAME_REVIEWER: AtomicUsize = AtomicUsize::new(0);
static REACHED_SANCTIONS_REJECTION: AtomicUsize = AtomicUsize::new(0);
static REACHED_RESCREEN_RECORDED: AtomicUsize = AtomicUsize::new(0);
static REACHED_RESCREEN_UNCHANGED: AtomicUsize = AtomicUsize::new(0);
static REACHED_REALERT: AtomicUsize = AtomicUsize::new(0);

struct ScreeningTest;

impl StateMachineTest for ScreeningTest {
    type SystemUnderTest = Harness;
    type Reference = ScreeningModel;

    fn init_test(_: &Model) -> Harness {
        Harness {
            customer: Customer::default(),
            log: Vec::new(),
            steps: 0,
            cleared: BTreeSet::new(),
        }
    }

    fn apply(mut harness: Harness, model: &Model, step: Step) -> Harness {
        let Some(command) = harness.command(&step) else {
            return harness;
        };
        let before = harness.customer.clone();
        let by = match &step {
            Step::Resolve { by, .. } => *by,
            _ => Who::Ada,
        };
        let actor = by.actor();
        let policy = policy();
        let screener = ModelList(model.list.clone());
        let context = DecisionContext {
            actor: Some(&actor),
            risk: Some(&policy),
            screener: Some(&screener),
        };
        let result = harness.customer.decide_with(command, &context);
        match (&result, &model.expect) {
            (Ok(events), Expect::Events(n)) => assert_eq!(events.len(), *n, "{step:?}: {events:?}"),
            (Err(error), Expect::Refused(code)) => {
                assert_eq!(error.code(), *code, "{step:?}: {error:?}");
                if *code == "four_eyes_required" {
                    REACHED_SAME_REVIEWER.fetch_add(1, Ordering::Relaxed);
                }
            }
            (got, expected) => {
                panic!("{step:?}: model expected {expected:?}, aggregate gave {got:?}")
            }
        }
        let Ok(events) = result else {
            assert_eq!(harness.customer, before, "a refusal changes nothing");
            return harness;
        };
        let screenings: Vec<&CustomerEvent> = events
            .iter()
            .filter(|e| matches!(e, CustomerEvent::ScreeningCompleted { .. }))
            .collect();
        match (&model.alerts, screenings.as_slice()) {
            (None, []) => {
                if matches!(step, Step::Rescreen) {
                    REACHED_RESCREEN_UNCHANGED.fetch_add(1, Ordering::Relaxed);
                }
            }
            (Some(expected), [CustomerEvent::ScreeningCompleted { alerts, hits, .. }]) => {
                let alerts: BTreeSet<String> = alerts.iter().map(ToString::to_string).collect();
                assert_eq!(&alerts, expected, "{step:?}: alerts");
                let hit_ids: BTreeSet<String> =
                    hits.iter().map(|h| h.match_id.to_string()).collect();
                assert!(alerts.is_subset(&hit_ids), "alerts are matches");
                assert!(
                    alerts.is_disjoint(&harness.cleared),
                    "a false positive alerted again with its entry unchanged"
                );
                if matches!(step, Step::Rescreen) {
                    REACHED_RESCREEN_RECORDED.fetch_add(1, Ordering::Relaxed);
                }
                if hit_ids.iter().any(|id| {
                    let entry = id.rsplit_once('_').map(|(entry, _)| entry);
                    harness
                        .cleared
                        .iter()
                        .any(|c| c.rsplit_once('_').map(|(e, _)| e) == entry && c != id)
                }) {
                    // An entry cleared before changed, and its new match alerts.
                    REACHED_REALERT.fetch_add(1, Ordering::Relaxed);
                }
            }
            (expected, got) => panic!("{step:?}: expected alerts {expected:?}, got {got:?}"),
        }
        for event in &events {
            match event {
                CustomerEvent::ScreeningMatchProposed { .. } => {
                    REACHED_PROPOSED.fetch_add(1, Ordering::Relaxed);
                }
                CustomerEvent::ScreeningMatchResolved {
                    match_id,
                    decision,
                    proposer,
                    ..
                } => {
                    if proposer.is_some() {
                        REACHED_CONFIRMED.fetch_add(1, Ordering::Relaxed);
                    }
                    if *decision == MatchDecision::FalsePositive {
                        harness.cleared.insert(match_id.to_string());
                    }
                }
                CustomerEvent::CustomerRejected { .. } if matches!(step, Step::Resolve { .. }) => {
                    REACHED_SANCTIONS_REJECTION.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
            harness.customer.apply(event);
        }
        harness.log.extend(events);
        harness
    }

    fn check_invariants(harness: &Harness, model: &Model) {
        let stored: Vec<CustomerEvent> = harness
            .log
            .iter()
            .map(|e| serde_json::from_value(serde_json::to_value(e).unwrap()).unwrap())
            .collect();
        assert_eq!(Customer::from_events(&stored), harness.customer);
        let (Some(record), Some(expected)) = (harness.customer.record(), &model.customer) else {
            assert!(harness.customer.record().is_none() && model.customer.is_none());
            return;
        };
        let state = match &expected.life {
            Life::Unverified => CustomerState::Unverified,
            Life::Rejected { .. } => CustomerState::Rejected,
            Life::Frozen(_) => CustomerState::Frozen,
            Life::Closed => CustomerState::Closed,
        };
        assert_eq!(record.state, state);
        let screening = &record.screening;
        let recorded: BTreeMap<String, ScreeningTopic> = screening
            .latest
            .iter()
            .flat_map(|latest| latest.hits.values())
            .map(|hit| (hit.match_id.to_string(), hit.topic))
            .collect();
        assert_eq!(
            recorded, expected.recorded,
            "the latest screening's matches"
        );
        let resolved: BTreeMap<String, MatchDecision> = screening
            .resolutions
            .iter()
            .map(|(id, r)| (id.to_string(), r.decision))
            .collect();
        assert_eq!(resolved, expected.resolved, "the decisions");
        let proposals: BTreeMap<String, (MatchDecision, String)> = screening
            .proposals
            .iter()
            .map(|(id, p)| {
                (
                    id.to_string(),
                    (p.decision, p.proposer.as_ref().unwrap().to_string()),
                )
            })
            .collect();
        let expected_proposals: BTreeMap<String, (MatchDecision, String)> = expected
            .proposals
            .iter()
            .map(|(id, (d, who))| (id.clone(), (*d, who.actor().id.to_string())))
            .collect();
        assert_eq!(proposals, expected_proposals, "the proposals");
        for resolution in screening.resolutions.values() {
            if resolution.topic == ScreeningTopic::Sanctions {
                assert!(
                    resolution.proposer.is_some(),
                    "sanctions decided by one reviewer"
                );
                assert_ne!(
                    resolution.proposer, resolution.resolver,
                    "one reviewer proposed and confirmed"
                );
                if resolution.decision == MatchDecision::TrueMatch {
                    assert!(
                        matches!(
                            record.state,
                            CustomerState::Rejected | CustomerState::Frozen | CustomerState::Closed
                        ),
                        "a confirmed sanctions match left the customer {:?}",
                        record.state
                    );
                    if record.state == CustomerState::Rejected {
                        assert_eq!(record.rejection.as_ref().map(|r| r.retryable), Some(false));
                    }
                }
            }
        }
        if expected.life == Life::Unverified {
            let profile = record.verification_profile();
            let open: Vec<&String> = expected
                .recorded
                .iter()
                .filter(|(id, topic)| {
                    **topic == ScreeningTopic::Sanctions && !expected.resolved.contains_key(*id)
                })
                .map(|(id, _)| id)
                .collect();
            let error = profile
                .criteria
                .errors
                .iter()
                .find(|e| e.name == Criterion::SanctionsScreening);
            if open.is_empty() {
                assert!(
                    profile
                        .criteria
                        .complete
                        .contains(&Criterion::SanctionsScreening),
                    "{profile:?}"
                );
            } else {
                let message = error.and_then(|e| e.message.clone()).unwrap_or_default();
                for id in open {
                    assert!(message.contains(id.as_str()), "{id} missing from {message}");
                }
            }
        }
    }
}

#[test]
fn the_aggregate_screens_as_the_reference_model_says() {
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
    let result = runner.run(
        &ScreeningModel::sequential_strategy(1..=40),
        |(initial, transitions, seen)| {
            ScreeningTest::test_sequential(config.clone(), initial, transitions, seen);
            passed.fetch_add(1, Ordering::Relaxed);
            Ok(())
        },
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
    let reached = [
        ("proposals", &REACHED_PROPOSED),
        ("confirmations", &REACHED_CONFIRMED),
        ("refused self-confirmations", &REACHED_SAME_REVIEWER),
        ("sanctions rejections", &REACHED_SANCTIONS_REJECTION),
        ("re-screenings recorded", &REACHED_RESCREEN_RECORDED),
        ("re-screenings unchanged", &REACHED_RESCREEN_UNCHANGED),
        ("re-alerts after an entry changed", &REACHED_REALERT),
    ]
    .map(|(name, counter)| (name, counter.load(Ordering::Relaxed)));
    println!(
        "proptest-state-machine (screening): {} cases passed; reached {reached:?}",
        passed.into_inner()
    );
    assert!(
        reached.iter().all(|(_, n)| *n > 0),
        "the search missed part of screening: {reached:?}"
    );
}
