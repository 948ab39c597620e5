//! Screening against sanctions and PEP lists: the domain's [`Screener`] port over
//! `kyc-screening`'s index, the lists kycd holds in memory, and a tenant's settings.
//!
//! The index of every list's newest version is built once per import and shared, read-only,
//! by every decision ([`ScreeningLists::current`]); a decision screens the customer and each
//! associate of a business against the lists its tenant's [`ScreeningPolicy`] names, and
//! records the candidates at or above the tenant's threshold as potential matches. A match's
//! id digests the party, the list, the entry and the entry's fingerprint, so it stays the
//! same across list versions while the entry is unchanged (see `kyc_domain::customer::MatchId`).

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use kyc_domain::customer::{
    ListVersionRef, MatchId, Screener, ScreeningHit, ScreeningResult, ScreeningTopic,
};
use kyc_domain::ids::AssociateGuid;
use kyc_domain::values::{
    AssociateDetails, BoundedText, FieldError, ValidationCode, ValidationErrors,
};
use kyc_domain::{CustomerRecord, CustomerType};
use kyc_screening::{
    Candidate, EntryTopic, ListEntry, ListRef, MatchPolicy, ScreeningIndex, Subject,
    SubjectIdentifier, SubjectKind,
};
use sha2::{Digest, Sha256};

/// The newest version of every list, indexed.
#[derive(Debug)]
pub struct ListSnapshot {
    index: ScreeningIndex,
    versions: Vec<ListVersionRef>,
}

impl ListSnapshot {
    /// No list at all: nobody is screened.
    pub fn empty() -> Self {
        Self::build(Vec::new())
    }

    /// The index of `lists`: each version's reference and entries.
    pub fn build(lists: Vec<(ListVersionRef, Vec<ListEntry>)>) -> Self {
        let index = ScreeningIndex::build(lists.iter().map(|(version, entries)| {
            (
                ListRef {
                    name: version.list.clone(),
                    version: version.version,
                },
                entries.as_slice(),
            )
        }));
        Self {
            index,
            versions: lists.into_iter().map(|(version, _)| version).collect(),
        }
    }

    /// The list versions indexed.
    pub fn versions(&self) -> &[ListVersionRef] {
        &self.versions
    }

    /// Entries indexed, over every list.
    pub fn entry_count(&self) -> usize {
        self.index.entry_count()
    }

    /// The best candidates for `subject` among the lists `policy` names, near misses
    /// included, best first: at most [`MatchPolicy::default`]'s `max_candidates`, counted after
    /// the tenant's lists are chosen (an ad hoc screening).
    pub fn candidates(&self, subject: &Subject, policy: &ScreeningPolicy) -> Vec<Candidate> {
        let shown = MatchPolicy::default().max_candidates;
        let match_policy = MatchPolicy {
            threshold: policy.threshold(),
            max_candidates: usize::MAX,
            ..MatchPolicy::default()
        };
        self.index
            .screen(subject, &match_policy)
            .into_iter()
            .filter(|candidate| policy.covers(&candidate.list))
            .take(shown)
            .collect()
    }

    /// Every entry of the lists `policy` names that matches `subject` (scores at least the
    /// tenant's threshold), best first: a customer's screening records them all, however many.
    pub fn matches(&self, subject: &Subject, policy: &ScreeningPolicy) -> Vec<Candidate> {
        let match_policy = MatchPolicy {
            threshold: policy.threshold(),
            max_candidates: usize::MAX,
            min_score: policy.threshold(),
        };
        self.index
            .screen(subject, &match_policy)
            .into_iter()
            .filter(|candidate| candidate.is_match && policy.covers(&candidate.list))
            .collect()
    }
}

/// The lists screened against now, replaced whole when a list is imported.
#[derive(Debug, Clone)]
pub struct ScreeningLists(Arc<RwLock<Arc<ListSnapshot>>>);

impl Default for ScreeningLists {
    fn default() -> Self {
        Self::new(ListSnapshot::empty())
    }
}

impl ScreeningLists {
    /// Starts with `snapshot`.
    pub fn new(snapshot: ListSnapshot) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(snapshot))))
    }

    /// The lists as they stand; a decision holds on to one snapshot from start to end.
    pub fn current(&self) -> Arc<ListSnapshot> {
        match self.0.read() {
            Ok(guard) => Arc::clone(&guard),
            // A writer panicked mid-swap: the Arc it held is still whole.
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Screens against `snapshot` from now on.
    pub fn replace(&self, snapshot: ListSnapshot) {
        let snapshot = Arc::new(snapshot);
        match self.0.write() {
            Ok(mut guard) => *guard = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }
}

/// A tenant's screening settings (the tenant policy file's `screening`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningPolicy {
    /// A candidate scoring at least this is a potential match, in basis points of 1 (so
    /// the policy compares exactly; the file gives a score such as `0.85`).
    pub threshold_bp: u16,
    /// The lists screened against, by name; `None`: every list imported.
    pub lists: Option<BTreeSet<String>>,
}

impl Default for ScreeningPolicy {
    fn default() -> Self {
        // The matcher's default, from its evaluation (see `kyc_screening::DEFAULT_THRESHOLD`).
        let bp = (kyc_screening::DEFAULT_THRESHOLD * 10_000.0).round();
        Self {
            // Between 0 and 10 000: the conversion is exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            threshold_bp: bp as u16,
            lists: None,
        }
    }
}

impl ScreeningPolicy {
    /// The threshold as a score.
    pub fn threshold(&self) -> f64 {
        f64::from(self.threshold_bp) / 10_000.0
    }

    /// Whether the tenant screens against `list`.
    pub fn covers(&self, list: &str) -> bool {
        self.lists.as_ref().is_none_or(|lists| lists.contains(list))
    }
}

/// The domain's screener for one tenant and one snapshot of the lists.
#[derive(Debug)]
pub struct TenantScreener<'a> {
    /// The lists.
    pub snapshot: &'a ListSnapshot,
    /// The tenant's settings.
    pub policy: &'a ScreeningPolicy,
}

impl Screener for TenantScreener<'_> {
    fn screen(&self, record: &CustomerRecord) -> Option<ScreeningResult> {
        let list_versions: Vec<ListVersionRef> = self
            .snapshot
            .versions()
            .iter()
            .filter(|version| self.policy.covers(&version.list))
            .cloned()
            .collect();
        if list_versions.is_empty() {
            return None;
        }
        let mut hits = Vec::new();
        for (party, subject) in parties(record) {
            for candidate in self.snapshot.matches(&subject, self.policy) {
                hits.push(hit(party, &candidate));
            }
        }
        hits.sort_by(|a, b| a.match_id.cmp(&b.match_id));
        hits.dedup_by(|a, b| a.match_id == b.match_id);
        Some(ScreeningResult {
            list_versions,
            hits,
        })
    }
}

/// A candidate at or above the threshold as the potential match the customer's history
/// records. An entry that is both sanctioned and a PEP is recorded as a sanctions match, the
/// graver of the two.
fn hit(party: Option<AssociateGuid>, candidate: &Candidate) -> ScreeningHit {
    let topic = if candidate.topics.contains(&EntryTopic::Sanctions) {
        ScreeningTopic::Sanctions
    } else {
        ScreeningTopic::Pep
    };
    let score = (candidate.score.clamp(0.0, 1.0) * 10_000.0).round();
    ScreeningHit {
        match_id: match_id(party, candidate),
        associate_guid: party,
        topic,
        list: ListVersionRef {
            list: candidate.list.clone(),
            version: candidate.list_version,
        },
        entry_id: candidate.entry_id.clone(),
        entry_fingerprint: candidate.entry_fingerprint.clone(),
        // In 0..=10_000 after the clamp, so the conversion is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        score_bp: score as u16,
    }
}

/// `m_` and 20 hex digits of the digest of the party, the list, the entry and its content.
fn match_id(party: Option<AssociateGuid>, candidate: &Candidate) -> MatchId {
    let party = party.map_or_else(|| "customer".to_owned(), |guid| guid.to_string());
    let digest = Sha256::new()
        .chain_update(party.as_bytes())
        .chain_update([0x1f])
        .chain_update(candidate.list.as_bytes())
        .chain_update([0x1f])
        .chain_update(candidate.entry_id.as_bytes())
        .chain_update([0x1f])
        .chain_update(candidate.entry_fingerprint.as_bytes())
        .finalize();
    let id = format!("m_{}", &hex::encode(digest)[..20]);
    // 22 characters of [a-z0-9_]: always a valid id.
    MatchId::parse(&id).unwrap_or_else(|| unreachable!("{id} is a valid match id"))
}

/// Who is screened on `record`: the customer itself (`None`) and each associate of a
/// business, as subjects.
pub fn parties(record: &CustomerRecord) -> Vec<(Option<AssociateGuid>, Subject)> {
    let details = &record.details;
    let aliases = details
        .aliases
        .iter()
        .flatten()
        .map(|alias| alias.as_str().to_owned());
    let address_country = details.address.as_ref().map(|a| &a.country_code);
    let customer = match record.customer_type {
        CustomerType::Individual => Subject {
            kind: SubjectKind::Person,
            names: details
                .name
                .iter()
                .map(kyc_domain::values::PersonName::full)
                .chain(aliases)
                .collect(),
            birth_date: details.date_of_birth,
            countries: country_codes(&[details.nationality.as_ref(), address_country]),
            identifiers: details
                .identification_numbers
                .iter()
                .flatten()
                .map(|id| SubjectIdentifier {
                    number: id.identification_number.as_str().to_owned(),
                    country: Some(id.issuing_country_code.as_str().to_owned()),
                })
                .chain(
                    details
                        .tax_identification
                        .iter()
                        .map(|tax| SubjectIdentifier {
                            number: tax.number.as_str().to_owned(),
                            country: Some(tax.country_code.as_str().to_owned()),
                        }),
                )
                .collect(),
        },
        CustomerType::Business => Subject {
            kind: SubjectKind::Organization,
            names: details
                .legal_name
                .iter()
                .map(|name| name.as_str().to_owned())
                .chain(aliases)
                .collect(),
            birth_date: details.incorporation_date,
            countries: country_codes(&[details.incorporation_country.as_ref(), address_country]),
            identifiers: details
                .registration_number
                .iter()
                .map(|number| SubjectIdentifier {
                    number: number.as_str().to_owned(),
                    country: details
                        .incorporation_country
                        .as_ref()
                        .map(|code| code.as_str().to_owned()),
                })
                .collect(),
        },
    };
    let mut parties = Vec::with_capacity(1 + record.associates.len());
    if !customer.names.is_empty() {
        parties.push((None, customer));
    }
    for (guid, associate) in &record.associates {
        if let Some(subject) = associate_subject(associate) {
            parties.push((Some(*guid), subject));
        }
    }
    parties
}

/// The codes given, sorted, each once.
fn country_codes(codes: &[Option<&kyc_domain::values::CountryCode>]) -> Vec<String> {
    let mut countries: Vec<String> = codes
        .iter()
        .flatten()
        .map(|code| code.as_str().to_owned())
        .collect();
    countries.sort();
    countries.dedup();
    countries
}

fn associate_subject(associate: &AssociateDetails) -> Option<Subject> {
    let name = associate.name.as_ref()?;
    Some(Subject {
        kind: SubjectKind::Person,
        names: vec![name.full()],
        birth_date: associate.date_of_birth,
        countries: country_codes(&[associate.address.as_ref().map(|a| &a.country_code)]),
        identifiers: Vec::new(),
    })
}

/// The subject of an ad hoc screening request, or every field error (named as the request
/// names them).
pub fn subject_of_request(
    request: &crate::dto::ScreeningRequest,
    today: chrono::NaiveDate,
) -> Result<Subject, ValidationErrors> {
    use kyc_domain::values::{dates::parse_past_date, CountryCode};
    let mut errors = ValidationErrors::new();
    let kind = subject_kind(request.kind.as_deref(), &mut errors);
    let names = subject_names(request, &mut errors);
    let birth_date = request
        .date_of_birth
        .as_deref()
        .and_then(|raw| errors.collect("date_of_birth", parse_past_date(raw, today)));
    let countries: Vec<String> = request
        .country
        .as_deref()
        .and_then(|raw| errors.collect("country", CountryCode::parse(raw)))
        .map(|code| code.as_str().to_owned())
        .into_iter()
        .collect();
    let identifiers = subject_numbers(
        request
            .identification_numbers
            .as_deref()
            .unwrap_or_default(),
        &mut errors,
    );
    let kind = errors.finish(|| kind)?;
    Ok(Subject {
        kind: kind.unwrap_or(SubjectKind::Person),
        names,
        birth_date,
        countries,
        identifiers,
    })
}

fn subject_kind(raw: Option<&str>, errors: &mut ValidationErrors) -> Option<SubjectKind> {
    match raw.map(str::trim) {
        Some("individual") => Some(SubjectKind::Person),
        Some("business") => Some(SubjectKind::Organization),
        Some(_) => {
            errors.push(FieldError::new(
                "type",
                ValidationCode::UnknownValue,
                "must be individual or business",
            ));
            None
        }
        None => {
            errors.push(FieldError::new(
                "type",
                ValidationCode::Required,
                "is required",
            ));
            None
        }
    }
}

/// `name` or `names`, exactly one of them.
fn subject_names(
    request: &crate::dto::ScreeningRequest,
    errors: &mut ValidationErrors,
) -> Vec<String> {
    use crate::dto::{MAX_SCREENED_NAME, MAX_SCREENED_NAMES};
    let mut names = Vec::new();
    let mut name = |field: &str, raw: &str, errors: &mut ValidationErrors| {
        if let Some(text) = errors.collect(field, BoundedText::<MAX_SCREENED_NAME>::parse(raw)) {
            names.push(text.as_str().to_owned());
        }
    };
    match (&request.name, &request.names) {
        (Some(_), Some(_)) => errors.push(FieldError::new(
            "names",
            ValidationCode::NotAllowed,
            "give name or names, not both",
        )),
        (None, None) => errors.push(FieldError::new(
            "name",
            ValidationCode::Required,
            "give name or names",
        )),
        (Some(raw), None) => name("name", raw, errors),
        (None, Some(list)) => {
            if list.is_empty() || list.len() > MAX_SCREENED_NAMES {
                errors.push(FieldError::new(
                    "names",
                    ValidationCode::OutOfRange,
                    format!("must hold 1 to {MAX_SCREENED_NAMES} names"),
                ));
            }
            for (index, raw) in list.iter().enumerate().take(MAX_SCREENED_NAMES) {
                name(&format!("names[{index}]"), raw, errors);
            }
        }
    }
    names
}

fn subject_numbers(
    numbers: &[crate::dto::ScreenedNumber],
    errors: &mut ValidationErrors,
) -> Vec<SubjectIdentifier> {
    use crate::dto::MAX_SCREENED_NUMBERS;
    use kyc_domain::values::CountryCode;
    if numbers.len() > MAX_SCREENED_NUMBERS {
        errors.push(FieldError::new(
            "identification_numbers",
            ValidationCode::OutOfRange,
            format!("must hold at most {MAX_SCREENED_NUMBERS} numbers"),
        ));
    }
    let mut identifiers = Vec::new();
    for (index, number) in numbers.iter().enumerate().take(MAX_SCREENED_NUMBERS) {
        let field = |name: &str| format!("identification_numbers[{index}].{name}");
        let digits = if let Some(raw) = number.number.as_deref() {
            errors.collect(&field("number"), BoundedText::<64>::parse(raw))
        } else {
            errors.push(FieldError::new(
                field("number"),
                ValidationCode::Required,
                "is required",
            ));
            None
        };
        let country = number
            .country
            .as_deref()
            .and_then(|raw| errors.collect(&field("country"), CountryCode::parse(raw)));
        if let Some(digits) = digits {
            identifiers.push(SubjectIdentifier {
                number: digits.as_str().to_owned(),
                country: country.map(|code| code.as_str().to_owned()),
            });
        }
    }
    identifiers
}

/// A candidate as the API shows it.
pub fn candidate_dto(candidate: &Candidate) -> crate::dto::CandidateDto {
    crate::dto::CandidateDto {
        list: candidate.list.clone(),
        list_version: candidate.list_version,
        entry_id: candidate.entry_id.clone(),
        name: candidate.matched_name.clone(),
        entity_type: match candidate.kind {
            kyc_screening::EntityKind::Person => "person",
            kyc_screening::EntityKind::Organization => "organization",
            kyc_screening::EntityKind::Vessel => "vessel",
            kyc_screening::EntityKind::Aircraft => "aircraft",
            kyc_screening::EntityKind::Other => "other",
        }
        .to_owned(),
        topics: candidate
            .topics
            .iter()
            .map(|topic| match topic {
                EntryTopic::Sanctions => "sanctions".to_owned(),
                EntryTopic::Pep => "pep".to_owned(),
            })
            .collect(),
        score: candidate.score,
        is_match: candidate.is_match,
        explanation: serde_json::to_value(&candidate.explanation)
            .unwrap_or(serde_json::Value::Null),
    }
}

/// The actor recorded on a re-screening's events.
pub const RESCREEN_ACTOR: &str = "system:screening";

/// Customers re-screened through the command service at once.
const RESCREEN_CONCURRENCY: usize = 8;

/// Customers read from the store, and screened in memory, at a time.
const RESCREEN_PAGE: usize = 2_000;

/// A customer whose relationship is not over (not closed, not erased).
#[derive(Debug, Clone)]
pub struct OpenCustomer {
    /// The customer.
    pub customer_guid: kyc_domain::ids::CustomerGuid,
    /// Its tenant.
    pub bank_guid: kyc_domain::ids::BankGuid,
    /// The customer as it stands, when the store has it at hand (the projection's fold, when
    /// no event follows it). A re-screening screens such a customer in memory and opens a
    /// transaction only when its matches changed; `None` sends it through the command
    /// service.
    pub stored: Option<Box<kyc_domain::Customer>>,
}

/// The query a re-screening needs; the PostgreSQL store answers it from `customer_views`.
pub trait OpenCustomers: Send + Sync + 'static {
    /// Customers neither closed nor erased, by guid, after `after`, at most `limit`.
    fn open_customers(
        &self,
        after: Option<kyc_domain::ids::CustomerGuid>,
        limit: usize,
    ) -> impl std::future::Future<Output = Result<Vec<OpenCustomer>, crate::ports::StoreFailure>> + Send;
}

/// What a re-screening did. Counts only, never personal data.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RescreenReport {
    /// Customers screened.
    pub screened: u64,
    /// Customers whose screening was recorded (a first screening, or matches new, changed or
    /// gone): each got a `ScreeningCompleted`.
    pub recorded: u64,
    /// Of those, customers left with potential matches to decide (the `alerts` of their
    /// `ScreeningCompleted` name the new ones).
    pub alerted: u64,
    /// Customers the domain refused to screen (moved on since the projection showed them).
    pub refused: u64,
    /// Customers whose screening failed (logged by guid); the next run tries them again.
    pub failed: u64,
    /// Customers a follow-up pass ([`rescreen_screened_since`]) left alone: their latest
    /// screening is older than its window, so the full re-screening covered them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skipped: u64,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference.
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Re-screens every open customer against the service's current lists, as of `now`.
///
/// Almost every customer's matches are the same after an import, so a customer the store
/// hands over whole is first decided in memory, on every core, with the same domain rule the
/// command applies: only a customer whose decision records something goes through the command
/// service, which loads it afresh in a transaction and decides again. The next page is read
/// while this one is screened.
pub async fn rescreen_all<S: crate::ports::CustomerStore, C: OpenCustomers>(
    service: &crate::commands::CommandService<S>,
    customers: &C,
    now: chrono::DateTime<chrono::Utc>,
    progress: impl FnMut(u64),
) -> Result<RescreenReport, crate::ports::StoreFailure> {
    rescreen(service, customers, now, None, progress).await
}

/// A follow-up to a list import's re-screening, for a process that screened against the old
/// lists until it loaded the new ones: re-screens, as [`rescreen_all`] does, only the open
/// customers whose latest screening was made at or after `since` (the import's time, less a
/// margin), since the import's own re-screening may have read them before that screening
/// committed. Everyone else is counted as `skipped` without being screened; customers the
/// store does not hand over whole go through the command service as usual.
pub async fn rescreen_screened_since<S: crate::ports::CustomerStore, C: OpenCustomers>(
    service: &crate::commands::CommandService<S>,
    customers: &C,
    now: chrono::DateTime<chrono::Utc>,
    since: chrono::DateTime<chrono::Utc>,
    progress: impl FnMut(u64),
) -> Result<RescreenReport, crate::ports::StoreFailure> {
    rescreen(service, customers, now, Some(since), progress).await
}

async fn rescreen<S: crate::ports::CustomerStore, C: OpenCustomers>(
    service: &crate::commands::CommandService<S>,
    customers: &C,
    now: chrono::DateTime<chrono::Utc>,
    since: Option<chrono::DateTime<chrono::Utc>>,
    mut progress: impl FnMut(u64),
) -> Result<RescreenReport, crate::ports::StoreFailure> {
    let request_id = format!("rescreen-{}", uuid::Uuid::now_v7());
    let mut report = RescreenReport::default();
    let mut page = customers.open_customers(None, RESCREEN_PAGE).await?;
    while let Some(last) = page.last() {
        let after = Some(last.customer_guid);
        let policies: std::collections::HashMap<_, _> = page
            .iter()
            .map(|customer| customer.bank_guid)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|bank| (bank, service.tenant_policies().policy(bank)))
            .collect();
        let lists = service.screening_lists().current();
        let screening =
            tokio::task::spawn_blocking(move || prescreen(page, &lists, &policies, now, since));
        let (screened, next) =
            tokio::join!(screening, customers.open_customers(after, RESCREEN_PAGE));
        let screened = screened.map_err(|error| {
            crate::ports::StoreFailure::Unavailable(format!("re-screening worker: {error}"))
        })?;
        page = next?;
        report.screened += screened.unchanged + screened.refused;
        report.refused += screened.refused;
        report.skipped += screened.skipped;
        rescreen_through_commands(service, &request_id, now, screened.to_execute, &mut report)
            .await;
        progress(report.screened);
    }
    Ok(report)
}

/// What screening one page in memory found.
#[derive(Debug, Default)]
struct Prescreened {
    /// Customers whose decision records nothing.
    unchanged: u64,
    /// Customers the domain refuses to re-screen.
    refused: u64,
    /// Customers screened before the window of a follow-up pass.
    skipped: u64,
    /// Customers the command service must re-screen: their decision records something, or
    /// the store did not hand them over whole.
    to_execute: Vec<OpenCustomer>,
}

/// Decides a re-screening of each customer of `page` in memory, split across the machine's
/// cores; with `since`, only of customers whose latest screening is that recent.
fn prescreen(
    page: Vec<OpenCustomer>,
    lists: &ListSnapshot,
    policies: &std::collections::HashMap<kyc_domain::ids::BankGuid, crate::tenant::TenantPolicy>,
    now: chrono::DateTime<chrono::Utc>,
    since: Option<chrono::DateTime<chrono::Utc>>,
) -> Prescreened {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let chunk = page.len().div_ceil(threads).max(1);
    let actor = kyc_domain::customer::ActorId::parse(RESCREEN_ACTOR)
        .map(|id| kyc_domain::customer::Actor { id, senior: false });
    let mut chunks: Vec<Vec<OpenCustomer>> = Vec::new();
    let mut page = page.into_iter().peekable();
    while page.peek().is_some() {
        chunks.push(page.by_ref().take(chunk).collect());
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let actor = actor.as_ref();
                scope.spawn(move || {
                    let mut found = Prescreened::default();
                    for customer in chunk {
                        let before_window =
                            since
                                .zip(customer.stored.as_ref())
                                .is_some_and(|(since, stored)| {
                                    // A customer never screened (no lists until now) counts from
                                    // its last change.
                                    stored.record().is_some_and(|record| {
                                        record
                                            .screening
                                            .latest
                                            .as_ref()
                                            .map_or(record.updated_at, |latest| latest.screened_at)
                                            < since
                                    })
                                });
                        if before_window {
                            found.skipped += 1;
                            continue;
                        }
                        let decided = match (&customer.stored, policies.get(&customer.bank_guid)) {
                            (Some(stored), Some(policy)) => {
                                let screener = TenantScreener {
                                    snapshot: lists,
                                    policy: &policy.screening,
                                };
                                let context = kyc_domain::customer::DecisionContext {
                                    actor,
                                    risk: Some(&policy.risk),
                                    screener: Some(&screener),
                                };
                                Some(stored.decide_with(
                                    kyc_domain::customer::CustomerCommand::Rescreen { at: now },
                                    &context,
                                ))
                            }
                            _ => None,
                        };
                        match decided {
                            Some(Ok(events)) if events.is_empty() => found.unchanged += 1,
                            Some(Err(_)) => found.refused += 1,
                            Some(Ok(_)) | None => found.to_execute.push(customer),
                        }
                    }
                    found
                })
            })
            .collect();
        workers
            .into_iter()
            .fold(Prescreened::default(), |mut all, worker| {
                // A worker only panics on a bug: the panic ends the run, which reports it.
                let found = worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                all.unchanged += found.unchanged;
                all.refused += found.refused;
                all.skipped += found.skipped;
                all.to_execute.extend(found.to_execute);
                all
            })
    })
}

/// Re-screens `customers` through the command service, a few at a time, and counts what
/// each one's command did.
async fn rescreen_through_commands<S: crate::ports::CustomerStore>(
    service: &crate::commands::CommandService<S>,
    request_id: &str,
    now: chrono::DateTime<chrono::Utc>,
    customers: Vec<OpenCustomer>,
    report: &mut RescreenReport,
) {
    use futures::StreamExt;
    let outcomes: Vec<(kyc_domain::ids::CustomerGuid, crate::CommandOutcome)> =
        futures::stream::iter(customers)
            .map(|customer| async move {
                let ctx = crate::RequestContext::system(
                    RESCREEN_ACTOR,
                    customer.bank_guid,
                    "customers:review",
                    request_id.to_owned(),
                    now,
                );
                let command = crate::commands::Rescreen {
                    customer_guid: customer.customer_guid,
                };
                (customer.customer_guid, service.execute(&ctx, command).await)
            })
            .buffer_unordered(RESCREEN_CONCURRENCY)
            .collect()
            .await;
    for (customer_guid, outcome) in outcomes {
        report.screened += 1;
        match outcome {
            // Events were appended exactly when the customer's last event is this run's.
            Ok(executed) if executed.customer.updated_at == now => {
                report.recorded += 1;
                if executed
                    .customer
                    .screening
                    .as_ref()
                    .is_some_and(|s| !s.open_matches.is_empty())
                {
                    report.alerted += 1;
                }
            }
            Ok(_) => {}
            Err(refusal) if refusal.is_rule() => report.refused += 1,
            Err(refusal) => {
                tracing::warn!(%customer_guid, code = %refusal.code, "re-screening failed");
                report.failed += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyc_screening::{EntityKind, EntryName, NameStrength};

    fn person(id: usize, name: &str) -> ListEntry {
        ListEntry {
            entry_id: format!("e{id}"),
            kind: EntityKind::Person,
            topics: vec![EntryTopic::Sanctions],
            names: vec![EntryName {
                full: name.to_owned(),
                strength: NameStrength::Primary,
            }],
            birth_dates: Vec::new(),
            birth_places: Vec::new(),
            countries: Vec::new(),
            identifiers: Vec::new(),
            programs: Vec::new(),
        }
    }

    fn subject(name: &str) -> Subject {
        Subject {
            kind: SubjectKind::Person,
            names: vec![name.to_owned()],
            birth_date: None,
            countries: Vec::new(),
            identifiers: Vec::new(),
        }
    }

    fn version(list: &str, version: i64) -> ListVersionRef {
        ListVersionRef {
            list: list.to_owned(),
            version,
        }
    }

    #[test]
    fn a_customer_matching_many_entries_records_every_one() {
        let entries = (0..12).map(|i| person(i, "Ilyas Karimov")).collect();
        let snapshot = ListSnapshot::build(vec![(version("ofac_sdn", 1), entries)]);
        let policy = ScreeningPolicy::default();
        assert_eq!(
            snapshot.matches(&subject("Ilyas Karimov"), &policy).len(),
            12
        );
        assert_eq!(
            snapshot
                .candidates(&subject("Ilyas Karimov"), &policy)
                .len(),
            MatchPolicy::default().max_candidates,
            "an ad hoc screening shows the best ten"
        );
    }

    #[test]
    fn a_tenants_lists_are_chosen_before_the_best_ten_are() {
        // Eleven exact matches on a list the tenant does not screen against, and a close one
        // on the list it does.
        let other = (0..11).map(|i| person(i, "Ilyas Karimov")).collect();
        let own = vec![person(100, "Ilyas Karimow")];
        let snapshot = ListSnapshot::build(vec![
            (version("other_list", 1), other),
            (version("un_sc", 2), own),
        ]);
        let policy = ScreeningPolicy {
            lists: Some(BTreeSet::from(["un_sc".to_owned()])),
            ..ScreeningPolicy::default()
        };
        let candidates = snapshot.candidates(&subject("Ilyas Karimov"), &policy);
        assert_eq!(candidates.len(), 1, "{candidates:?}");
        assert_eq!(candidates[0].entry_id, "e100");
        assert_eq!(
            snapshot.matches(&subject("Ilyas Karimov"), &policy).len(),
            1
        );
    }
}
