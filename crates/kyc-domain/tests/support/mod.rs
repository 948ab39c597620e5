//! Builders shared by the domain's integration tests: ids, times, complete drafts and a
//! given/when/then harness that makes each rule a three-line test.

#![allow(dead_code)]
// Fixtures: a failure here is a broken test set-up, best reported by a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use kyc_domain::customer::{
    Actor, ActorId, CloseDraft, ContentType, CustomerDraft, DecisionContext, DocumentContent,
    DocumentDraft, EraseDraft, FreezeDraft, LegalHoldDraft, RejectDraft, RetentionPeriod,
    ReviewDraft, Sha256Digest,
};
use kyc_domain::ids::{AssociateGuid, BankGuid, CustomerGuid, DocumentGuid};
use kyc_domain::values::{
    AddressDraft, AssociateDraft, IdentificationNumberDraft, NameDraft, PepDraft,
    TaxIdentificationDraft,
};
use kyc_domain::{Customer, CustomerCommand, CustomerError, CustomerEvent, CustomerState};

/// A fixed instant plus `minutes`, so tests never read the clock.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn uuid(n: u64) -> uuid::Uuid {
    uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | u128::from(n))
}

/// The customer id used throughout.
pub fn customer_guid() -> CustomerGuid {
    CustomerGuid::from_uuid(uuid(1))
}

/// The tenant used throughout.
pub fn bank_guid() -> BankGuid {
    BankGuid::from_uuid(uuid(2))
}

/// The `n`th document id; ids grow with `n`, as UUID v7 ids grow with time.
pub fn document_guid(n: u64) -> DocumentGuid {
    DocumentGuid::from_uuid(uuid(1000 + n))
}

/// The `n`th associate id.
pub fn associate_guid(n: u64) -> AssociateGuid {
    AssociateGuid::from_uuid(uuid(2000 + n))
}

pub fn address() -> AddressDraft {
    AddressDraft {
        street: Some("1 Main St".into()),
        city: Some("Springfield".into()),
        postal_code: Some("12345".into()),
        country_code: Some("US".into()),
        ..AddressDraft::default()
    }
}

pub fn tax() -> TaxIdentificationDraft {
    TaxIdentificationDraft {
        number: Some("123-45-6789".into()),
        kind: Some("ssn".into()),
        country_code: Some("US".into()),
        description: None,
    }
}

/// An individual's draft that meets every data criterion of `kyc_profile_a`.
pub fn complete_individual() -> CustomerDraft {
    CustomerDraft {
        customer_type: Some("individual".into()),
        name: Some(NameDraft {
            first: Some("Ada".into()),
            last: Some("Lovelace".into()),
            ..NameDraft::default()
        }),
        address: Some(address()),
        phone_number: Some("+14155550123".into()),
        email_address: Some("ada@example.com".into()),
        date_of_birth: Some("1990-04-21".into()),
        nationality: Some("GB".into()),
        tax_identification: Some(tax()),
        identification_numbers: Some(vec![IdentificationNumberDraft {
            kind: Some("passport_number".into()),
            issuing_country_code: Some("GB".into()),
            identification_number: Some("123456789".into()),
        }]),
        ..CustomerDraft::default()
    }
}

/// A politically exposed individual with every data criterion met.
pub fn complete_pep() -> CustomerDraft {
    CustomerDraft {
        pep: Some(PepDraft {
            is_pep: Some(true),
            explanation: Some("Member of parliament since 2019".into()),
        }),
        ..complete_individual()
    }
}

/// A business's draft that meets every data criterion of `kyb_profile_a`.
pub fn complete_business() -> CustomerDraft {
    CustomerDraft {
        customer_type: Some("business".into()),
        name: Some(NameDraft {
            full: Some("Acme Payments Ltd".into()),
            ..NameDraft::default()
        }),
        address: Some(address()),
        email_address: Some("ops@acme.example".into()),
        registration_number: Some("HRB 12345".into()),
        incorporation_date: Some("2015-06-01".into()),
        incorporation_country: Some("DE".into()),
        website: Some("https://acme.example".into()),
        tax_identification: Some(TaxIdentificationDraft {
            number: Some("DE123456789".into()),
            kind: Some("vat".into()),
            country_code: Some("DE".into()),
            description: None,
        }),
        ..CustomerDraft::default()
    }
}

/// An owner of 30% who is also the control person, with every field identification needs.
pub fn owner_and_control_person() -> AssociateDraft {
    AssociateDraft {
        name: Some(NameDraft {
            first: Some("Grace".into()),
            last: Some("Hopper".into()),
            ..NameDraft::default()
        }),
        date_of_birth: Some("1970-12-09".into()),
        address: Some(address()),
        email_address: Some("grace@acme.example".into()),
        ownership_percentage: Some(30.0),
        roles: Some(vec!["owner".into(), "control_person".into()]),
        ..AssociateDraft::default()
    }
}

pub fn content() -> DocumentContent {
    DocumentContent {
        content_type: ContentType::Pdf,
        size_bytes: 48_213,
        sha256: Sha256Digest::parse(&"ab".repeat(32)).unwrap(),
    }
}

pub fn document(kind: &str) -> DocumentDraft {
    DocumentDraft {
        kind: Some(kind.into()),
        ..DocumentDraft::default()
    }
}

pub fn associate_document(kind: &str, associate: AssociateGuid) -> DocumentDraft {
    DocumentDraft {
        kind: Some(kind.into()),
        associate_guid: Some(associate.to_string()),
        ..DocumentDraft::default()
    }
}

pub fn accept() -> ReviewDraft {
    ReviewDraft {
        decision: Some("accept".into()),
        ..ReviewDraft::default()
    }
}

pub fn reject_document(reason: &str) -> ReviewDraft {
    ReviewDraft {
        decision: Some("reject".into()),
        reason_code: Some(reason.into()),
        message: Some("Please upload a clearer photo".into()),
    }
}

pub fn rejection(retryable: bool) -> RejectDraft {
    RejectDraft {
        reason_codes: Some(vec!["identity_unverifiable".into()]),
        message: Some("We could not verify the identity".into()),
        retryable: Some(retryable),
    }
}

pub fn freeze_reason() -> FreezeDraft {
    FreezeDraft {
        reason: Some("Suspicious activity reported".into()),
    }
}

/// Close the relationship at `at(minutes)`, at the customer's request.
pub fn close(minutes: i64) -> CustomerCommand {
    CustomerCommand::Close {
        draft: CloseDraft {
            reason: Some("customer_request".into()),
            message: Some("Moving abroad".into()),
        },
        at: at(minutes),
    }
}

/// Place (`on`) or lift a legal hold at `at(minutes)`.
pub fn legal_hold(on: bool, minutes: i64) -> CustomerCommand {
    CustomerCommand::SetLegalHold {
        draft: LegalHoldDraft {
            on: Some(on),
            reason: Some("Subpoena 2026-117".into()),
        },
        at: at(minutes),
    }
}

/// Erase at `at(minutes)` under a retention period of `retention_minutes`.
pub fn erase(minutes: i64, retention_minutes: u64) -> CustomerCommand {
    CustomerCommand::Erase {
        draft: EraseDraft {
            reason: Some("Retention period ended".into()),
        },
        retention: RetentionPeriod::new(std::time::Duration::from_secs(retention_minutes * 60)),
        at: at(minutes),
    }
}

pub fn create(draft: CustomerDraft) -> CustomerCommand {
    CustomerCommand::Create {
        customer_guid: customer_guid(),
        bank_guid: bank_guid(),
        draft,
        identity_matches: Vec::new(),
        at: at(0),
    }
}

pub fn submit(n: u64, draft: DocumentDraft) -> CustomerCommand {
    CustomerCommand::SubmitDocument {
        document_guid: document_guid(n),
        draft,
        content: content(),
        at: at(i64::try_from(n).unwrap()),
    }
}

pub fn review(n: u64, draft: ReviewDraft) -> CustomerCommand {
    CustomerCommand::ReviewDocument {
        document_guid: document_guid(n),
        draft,
        at: at(100),
    }
}

/// Runs commands in order, each of which must succeed, and returns every event they caused.
pub fn history(commands: impl IntoIterator<Item = CustomerCommand>) -> Vec<CustomerEvent> {
    history_in(commands, &DecisionContext::default())
}

/// [`history`], each command decided in `context` (an actor, a risk policy).
pub fn history_in(
    commands: impl IntoIterator<Item = CustomerCommand>,
    context: &DecisionContext<'_>,
) -> Vec<CustomerEvent> {
    let mut customer = Customer::default();
    let mut events = Vec::new();
    for command in commands {
        let kind = command.kind();
        let emitted = customer
            .decide_with(command, context)
            .unwrap_or_else(|e| panic!("setting up: {kind} was refused: {e:?}"));
        for event in &emitted {
            customer.apply(event);
        }
        events.extend(emitted);
    }
    events
}

/// An unverified individual whose profile is complete, with one extra pending document
/// (proof of address, which no individual criterion needs) that can still be reviewed.
pub fn ready_individual() -> Vec<CustomerEvent> {
    history([
        create(complete_individual()),
        submit(1, document("passport")),
        review(1, accept()),
        submit(2, document("liveness_report")),
        review(2, accept()),
        submit(3, document("proof_of_address")),
    ])
}

/// An unverified business whose profile is complete, with one extra pending document
/// (source of funds, which no business criterion needs).
pub fn ready_business() -> Vec<CustomerEvent> {
    history([
        create(complete_business()),
        CustomerCommand::AddAssociate {
            associate_guid: associate_guid(1),
            draft: owner_and_control_person(),
            at: at(1),
        },
        submit(1, document("incorporation_certificate")),
        review(1, accept()),
        submit(2, document("proof_of_address")),
        review(2, accept()),
        submit(3, document("ownership_structure")),
        review(3, accept()),
        submit(4, associate_document("passport", associate_guid(1))),
        review(4, accept()),
        submit(5, document("source_of_funds")),
    ])
}

/// `events` followed by those of `commands`.
pub fn then_run(
    events: Vec<CustomerEvent>,
    commands: impl IntoIterator<Item = CustomerCommand>,
) -> Vec<CustomerEvent> {
    then_run_in(events, commands, &DecisionContext::default())
}

/// [`then_run`], each command decided in `context`.
pub fn then_run_in(
    events: Vec<CustomerEvent>,
    commands: impl IntoIterator<Item = CustomerCommand>,
    context: &DecisionContext<'_>,
) -> Vec<CustomerEvent> {
    let mut customer = Customer::from_events(&events);
    let mut all = events;
    for command in commands {
        let kind = command.kind();
        let emitted = customer
            .decide_with(command, context)
            .unwrap_or_else(|e| panic!("setting up: {kind} was refused: {e:?}"));
        for event in &emitted {
            customer.apply(event);
        }
        all.extend(emitted);
    }
    all
}

/// Given these past events…
pub fn given(events: impl AsRef<[CustomerEvent]>) -> Given {
    Given {
        customer: Customer::from_events(events.as_ref()),
    }
}

/// A customer built from past events, waiting for a command.
pub struct Given {
    customer: Customer,
}

/// A document reviewer and first approver, without the senior approver's permission.
pub fn reviewer() -> Actor {
    Actor {
        id: ActorId::parse("reviewer-ada").unwrap(),
        senior: false,
    }
}

/// A second reviewer, distinct from [`reviewer`].
pub fn other_reviewer() -> Actor {
    Actor {
        id: ActorId::parse("reviewer-alan").unwrap(),
        senior: false,
    }
}

/// A senior approver (`customers:approve_high_risk`).
pub fn senior() -> Actor {
    Actor {
        id: ActorId::parse("senior-grace").unwrap(),
        senior: true,
    }
}

impl Given {
    /// …when this command arrives…
    pub fn when(self, command: CustomerCommand) -> Then {
        self.when_in(command, &DecisionContext::default())
    }

    /// …when this command arrives from an actor, or under a risk policy…
    pub fn when_in(self, command: CustomerCommand, context: &DecisionContext<'_>) -> Then {
        let before = self.customer.clone();
        let result = self.customer.decide_with(command, context);
        Then {
            customer: self.customer,
            before,
            result,
        }
    }
}

/// The outcome of a command, to assert on.
pub struct Then {
    customer: Customer,
    before: Customer,
    result: Result<Vec<CustomerEvent>, CustomerError>,
}

impl Then {
    /// …then exactly these events are emitted.
    pub fn then_events(self, expected: &[CustomerEvent]) {
        assert_eq!(self.result.as_deref(), Ok(expected));
    }

    /// …then the command succeeds and the customer ends in `state`.
    pub fn then_state(self, state: CustomerState) -> Customer {
        let events = self
            .result
            .unwrap_or_else(|e| panic!("expected success, got {e:?}"));
        let mut customer = self.customer;
        for event in &events {
            customer.apply(event);
        }
        assert_eq!(customer.state(), Some(state));
        customer
    }

    /// …then the command is refused with `expected`, and nothing changes.
    pub fn then_error(self, expected: &CustomerError) {
        assert_eq!(self.result.as_ref().err(), Some(expected));
        assert_eq!(self.customer, self.before);
    }

    /// …then the command is refused with the stable code `code`; returns the error.
    pub fn then_error_code(self, code: &str) -> CustomerError {
        let error = self.result.expect_err("expected the command to be refused");
        assert_eq!(error.code(), code, "{error:?}");
        error
    }

    /// The raw outcome.
    pub fn result(self) -> Result<Vec<CustomerEvent>, CustomerError> {
        self.result
    }
}

/// A screener over a fixed list: the customer matches each entry whose `surname` equals its
/// last name. An entry's `version` plays the part of its content: the match id covers it, so
/// a changed entry is a new match.
#[derive(Debug, Default)]
pub struct FixedList {
    /// (surname, topic, entry id, entry version).
    pub entries: Vec<(
        &'static str,
        kyc_domain::customer::ScreeningTopic,
        &'static str,
        u32,
    )>,
    /// No list imported: the screener screens nothing.
    pub empty: bool,
}

impl kyc_domain::customer::Screener for FixedList {
    fn screen(
        &self,
        record: &kyc_domain::CustomerRecord,
    ) -> Option<kyc_domain::customer::ScreeningResult> {
        if self.empty {
            return None;
        }
        let surname_given = record
            .details
            .name
            .as_ref()
            .map(|name| name.last.as_str().to_owned())
            .unwrap_or_default();
        let list = kyc_domain::customer::ListVersionRef {
            list: "test_list".into(),
            version: 7,
        };
        let hits = self
            .entries
            .iter()
            .filter(|(surname, ..)| *surname == surname_given)
            .map(
                |(_, topic, entry, version)| kyc_domain::customer::ScreeningHit {
                    match_id: kyc_domain::customer::MatchId::parse(&format!("m_{entry}_{version}"))
                        .unwrap(),
                    associate_guid: None,
                    topic: *topic,
                    list: list.clone(),
                    entry_id: (*entry).into(),
                    entry_fingerprint: format!("fp{version}"),
                    score_bp: 9_300,
                },
            )
            .collect();
        Some(kyc_domain::customer::ScreeningResult {
            list_versions: vec![list],
            hits,
        })
    }
}

/// A screener over `entries`.
pub fn lists(
    entries: Vec<(
        &'static str,
        kyc_domain::customer::ScreeningTopic,
        &'static str,
        u32,
    )>,
) -> FixedList {
    FixedList {
        entries,
        empty: false,
    }
}
