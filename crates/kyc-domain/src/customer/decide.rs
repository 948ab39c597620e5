//! Deciding commands: the transition table and the guards of each command.

use std::collections::BTreeSet;

use super::approval::{ApproveDraft, DecisionContext, FourEyesBreach};
use super::details::{
    parse_external_id, with_detail_fields, CustomerDetails, CustomerDraft, DetailField,
};
use super::documents::{DocumentDraft, DocumentKind, FileName, ReviewDecision, MAX_DOCUMENT_BYTES};
use super::identity::{DuplicateFlag, DuplicateResolution, IdentityMatch};
use super::profile::Criterion;
use super::risk::{RiskLevel, RiskPolicy};
use super::{
    CommandKind, CustomerCommand, CustomerError, CustomerEvent, CustomerRecord,
    CustomerRejectionReason, CustomerState, CustomerType, LockReason, PolicyVersion,
};
use crate::customer::command::{
    CloseDraft, EraseDraft, FreezeDraft, LegalHoldDraft, RejectDraft, ResolveDuplicateDraft,
};
use crate::customer::reasons::ClosureReason;
use crate::customer::retention::RetentionPeriod;
use crate::customer::Customer;
use crate::ids::AssociateGuid;
use crate::values::{
    optional, required, AssociateDetails, FieldError, Gender, LongText, NameDraft,
    OwnershipPercentage, ValidationCode, ValidationErrors,
};

/// Where a created customer stands, as far as the transition table cares: a rejection is
/// either retryable or final, and the two allow different commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Storing,
    Unverified,
    Verified,
    RejectedRetryable,
    RejectedFinal,
    Frozen,
    Closed,
}

impl Stage {
    fn of(record: &CustomerRecord) -> Self {
        match record.state {
            CustomerState::Storing => Self::Storing,
            CustomerState::Unverified => Self::Unverified,
            CustomerState::Verified => Self::Verified,
            CustomerState::Rejected if record.rejection.as_ref().is_some_and(|r| r.retryable) => {
                Self::RejectedRetryable
            }
            CustomerState::Rejected => Self::RejectedFinal,
            CustomerState::Frozen => Self::Frozen,
            CustomerState::Closed => Self::Closed,
        }
    }
}

/// DESIGN.md §2's transition table, one row per command: the stages it is allowed from.
/// `Create` is allowed only on a customer that does not exist yet, so no stage allows it.
fn allowed(command: CommandKind, stage: Stage) -> bool {
    use CommandKind as C;
    use Stage as S;
    match command {
        C::Create => false,
        // From `verified` only contact fields, labels and metadata (checked in the handler).
        C::UpdateDetails => matches!(stage, S::Unverified | S::RejectedRetryable | S::Verified),
        // A verified customer may submit (and have reviewed) new documents at any time: that is
        // how it answers a periodic review or replaces an expired document.
        C::SubmitDocument => matches!(stage, S::Unverified | S::RejectedRetryable | S::Verified),
        C::ReviewDocument => matches!(stage, S::Unverified | S::Verified),
        C::CheckDueDiligence => matches!(stage, S::Unverified | S::Verified),
        C::AddAssociate
        | C::UpdateAssociate
        | C::RemoveAssociate
        | C::Approve
        | C::Verify
        | C::Reject => stage == S::Unverified,
        C::Freeze => matches!(
            stage,
            S::Unverified | S::Verified | S::RejectedRetryable | S::RejectedFinal
        ),
        C::Unfreeze => stage == S::Frozen,
        C::Close => matches!(
            stage,
            S::Unverified | S::Verified | S::RejectedRetryable | S::RejectedFinal | S::Frozen
        ),
        // A hold concerns the records, whatever the lifecycle.
        C::SetLegalHold => stage != S::Storing,
        // From `unverified` only without a record-keeping duty; elsewhere once retention ends
        // (checked in the handler).
        C::Erase => matches!(stage, S::Unverified | S::RejectedFinal | S::Closed),
        // Duplicates are noticed on creates and changes, which these stages allow.
        C::ResolveDuplicate => matches!(stage, S::Unverified | S::RejectedRetryable),
        // A match can be decided wherever a screening can find one that still matters: a
        // frozen or finally rejected customer is already out of business.
        C::ResolveScreeningMatch => {
            matches!(stage, S::Unverified | S::Verified | S::RejectedRetryable)
        }
        // Ongoing monitoring covers every relationship that is not over.
        C::Rescreen => matches!(
            stage,
            S::Unverified | S::Verified | S::RejectedRetryable | S::RejectedFinal | S::Frozen
        ),
    }
}

/// Commands that apply only to businesses.
fn business_only(command: CommandKind) -> bool {
    matches!(
        command,
        CommandKind::AddAssociate | CommandKind::UpdateAssociate | CommandKind::RemoveAssociate
    )
}

impl Customer {
    /// Decides a command with no actor and no risk policy: the lifecycle rules alone (nothing
    /// is rated, nothing needs four eyes, nothing can be approved). See [`Self::decide_with`].
    pub fn decide(&self, command: CustomerCommand) -> Result<Vec<CustomerEvent>, CustomerError> {
        self.decide_with(command, &DecisionContext::default())
    }

    /// Decides a command: the events it causes, or why it is refused. Refusals change nothing.
    ///
    /// Under a risk policy, the customer is re-rated before the command (so a policy that
    /// changed since the last command already governs this one) and after it; each rating that
    /// differs from the latest is appended as `RiskRated`. A command that changes nothing
    /// appends nothing, not even a new rating. Closed and erased customers are not rated.
    ///
    /// With a screener, a command that leaves the screened fields uncovered by the latest
    /// screening (creation, a change of a name, date of birth, country, number or associate)
    /// is screened in the same decision: `ScreeningCompleted` follows its events, before the
    /// rating after it.
    pub fn decide_with(
        &self,
        command: CustomerCommand,
        context: &DecisionContext<'_>,
    ) -> Result<Vec<CustomerEvent>, CustomerError> {
        // Closed and erased customers are neither rated nor screened.
        fn open(customer: &Customer) -> Option<&CustomerRecord> {
            customer
                .record()
                .filter(|r| r.state != CustomerState::Closed && r.erased_at.is_none())
        }
        let at = command.at();
        let rerating = |customer: &Customer| {
            let policy = context.risk?;
            open(customer).and_then(|record| policy.rerating(record, at))
        };
        let mut events = Vec::new();
        let mut customer = match rerating(self) {
            Some(rated) => {
                let mut rerated = self.clone();
                rerated.apply(&rated);
                events.push(rated);
                std::borrow::Cow::Owned(rerated)
            }
            None => std::borrow::Cow::Borrowed(self),
        };
        let decided = customer.decide_lifecycle(command, context)?;
        if decided.is_empty() {
            return Ok(decided);
        }
        let after = customer.to_mut();
        for event in &decided {
            after.apply(event);
        }
        events.extend(decided);
        // A change of a screened field is screened in the same decision, so no customer is
        // ever seen with details its screening does not cover.
        let screened = context.screener.and_then(|screener| {
            let record = open(after)?;
            if !record.screening.is_stale() {
                return None;
            }
            let result = screener.screen(record)?;
            Some(screening_completed(record, result, at))
        });
        if let Some(screened) = screened {
            after.apply(&screened);
            events.push(screened);
        }
        events.extend(rerating(after));
        Ok(events)
    }

    /// The transition table and each command's guards.
    fn decide_lifecycle(
        &self,
        command: CustomerCommand,
        context: &DecisionContext<'_>,
    ) -> Result<Vec<CustomerEvent>, CustomerError> {
        let kind = command.kind();
        let Some(record) = self.record() else {
            return match command {
                CustomerCommand::Create {
                    customer_guid,
                    bank_guid,
                    draft,
                    identity_matches,
                    at,
                } => decide_create(customer_guid, bank_guid, &draft, &identity_matches, at),
                _ => Err(CustomerError::NotFound),
            };
        };
        if business_only(kind) && record.customer_type != CustomerType::Business {
            return Err(CustomerError::WrongCustomerType {
                command: kind,
                required: CustomerType::Business,
            });
        }
        if record.erased_at.is_some() {
            return Err(CustomerError::Erased);
        }
        let stage = Stage::of(record);
        if !allowed(kind, stage) {
            return Err(CustomerError::InvalidTransition {
                command: kind,
                state: record.state,
            });
        }
        match command {
            CustomerCommand::Create { .. } => Err(CustomerError::InvalidTransition {
                command: kind,
                state: record.state,
            }),
            CustomerCommand::UpdateDetails {
                draft,
                identity_matches,
                at,
            } => decide_update(record, stage, &draft, &identity_matches, at),
            CustomerCommand::SubmitDocument {
                document_guid,
                draft,
                content,
                at,
            } => decide_submit_document(record, stage, document_guid, &draft, content, at),
            CustomerCommand::ReviewDocument {
                document_guid,
                draft,
                at,
            } => decide_review(record, document_guid, &draft, context, at),
            CustomerCommand::AddAssociate {
                associate_guid,
                draft,
                at,
            } => decide_add_associate(record, associate_guid, &draft, at),
            CustomerCommand::UpdateAssociate {
                associate_guid,
                draft,
                at,
            } => decide_update_associate(record, associate_guid, &draft, at),
            CustomerCommand::RemoveAssociate { associate_guid, at } => {
                decide_remove_associate(record, associate_guid, at)
            }
            CustomerCommand::Approve { draft, at } => decide_approve(record, &draft, context, at),
            CustomerCommand::Verify { at } => decide_verify(record, context, at),
            CustomerCommand::Reject { draft, at } => decide_reject(&draft, at),
            CustomerCommand::Freeze { draft, at } => Ok(vec![CustomerEvent::CustomerFrozen {
                reason: Some(parse_freeze(&draft)?),
                previous_state: record.state,
                at,
            }]),
            CustomerCommand::Unfreeze { at } => Ok(vec![CustomerEvent::CustomerUnfrozen {
                restored_state: record
                    .frozen
                    .as_ref()
                    .map_or(CustomerState::Unverified, |f| f.previous_state),
                at,
            }]),
            CustomerCommand::Close { draft, at } => decide_close(record, &draft, at),
            CustomerCommand::SetLegalHold { draft, at } => decide_legal_hold(record, &draft, at),
            CustomerCommand::Erase {
                draft,
                retention,
                at,
            } => decide_erase(record, &draft, retention, at),
            CustomerCommand::ResolveDuplicate { draft, at } => {
                decide_resolve_duplicate(record, &draft, at)
            }
            CustomerCommand::ResolveScreeningMatch {
                match_id,
                draft,
                at,
            } => decide_resolve_match(record, &match_id, &draft, context, at),
            CustomerCommand::Rescreen { at } => Ok(decide_rescreen(record, context, at)),
            CustomerCommand::CheckDueDiligence { at } => Ok(match context.risk {
                Some(policy) => decide_due_diligence(record, policy, at),
                // Without a policy there are no periods: nothing falls due.
                None => Vec::new(),
            }),
        }
    }
}

/// A decision on a potential match of the latest screening. A true sanctions match ends an
/// application (final rejection, `sanctions_match`) or freezes a verified customer; a true PEP
/// match is a risk factor, which the re-rating after the decision picks up.
fn decide_resolve_match(
    record: &CustomerRecord,
    raw_id: &str,
    draft: &super::ResolveMatchDraft,
    context: &DecisionContext<'_>,
    at: At,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    use super::screening::{MatchDecision, MatchId, ScreeningTopic};
    let mut errors = ValidationErrors::new();
    let decision = required(
        &mut errors,
        "decision",
        draft.decision.as_deref(),
        MatchDecision::parse,
    );
    let note = required(&mut errors, "note", draft.note.as_deref(), LongText::parse);
    let (Some(decision), Some(note)) = (decision, note) else {
        return Err(errors.into());
    };
    let hit = MatchId::parse(raw_id)
        .and_then(|id| record.screening.hit(&id))
        .ok_or_else(|| CustomerError::UnknownMatch(raw_id.to_owned()))?;
    if record.screening.resolutions.contains_key(&hit.match_id) {
        return Err(CustomerError::MatchAlreadyResolved(raw_id.to_owned()));
    }
    let resolver = context.actor.map(|actor| actor.id.clone());
    let four_eyes = context
        .risk
        .is_some_and(|policy| policy.match_four_eyes.contains(&hit.topic));
    let mut proposer = None;
    if four_eyes {
        match record.screening.proposals.get(&hit.match_id) {
            Some(proposal) if proposal.proposer == resolver => {
                return Err(CustomerError::FourEyesRequired(
                    FourEyesBreach::SameMatchReviewer,
                ));
            }
            Some(proposal) if proposal.decision == decision => {
                proposer.clone_from(&proposal.proposer);
            }
            // The first decision, or a second reviewer who disagrees: theirs becomes the
            // proposal, which someone other than them must confirm.
            _ => {
                return Ok(vec![CustomerEvent::ScreeningMatchProposed {
                    match_id: hit.match_id.clone(),
                    topic: hit.topic,
                    decision,
                    proposer: resolver,
                    note: Some(note),
                    at,
                }]);
            }
        }
    }
    let mut events = vec![CustomerEvent::ScreeningMatchResolved {
        match_id: hit.match_id.clone(),
        topic: hit.topic,
        decision,
        resolver,
        proposer,
        note: Some(note),
        at,
    }];
    if decision == MatchDecision::TrueMatch && hit.topic == ScreeningTopic::Sanctions {
        events.push(match record.state {
            CustomerState::Verified => CustomerEvent::CustomerFrozen {
                reason: sanctions_freeze_reason(),
                previous_state: record.state,
                at,
            },
            _ => CustomerEvent::CustomerRejected {
                reasons: BTreeSet::from([CustomerRejectionReason::SanctionsMatch]),
                message: None,
                retryable: false,
                at,
            },
        });
    }
    Ok(events)
}

/// The freeze reason a confirmed sanctions match records (no personal data: it names the rule,
/// and the match is in the preceding event).
fn sanctions_freeze_reason() -> Option<LongText> {
    LongText::parse("confirmed sanctions match").ok()
}

/// A re-screening after a list changed: recorded only when it finds other potential matches
/// than the latest screening (new entries, changed entries, entries gone), so an import that
/// changes nothing for a customer appends nothing to its history.
fn decide_rescreen(
    record: &CustomerRecord,
    context: &DecisionContext<'_>,
    at: At,
) -> Vec<CustomerEvent> {
    let Some(result) = context.screener.and_then(|s| s.screen(record)) else {
        return Vec::new();
    };
    // A match id covers the party, the list, the entry and the entry's content, so equal ids
    // are the same matches whatever the list's version number or the score.
    let unchanged = record.screening.latest.as_ref().is_some_and(|latest| {
        !record.screening.is_stale()
            && latest.hits.len() == result.hits.len()
            && result
                .hits
                .iter()
                .all(|hit| latest.hits.contains_key(&hit.match_id))
    });
    if unchanged {
        return Vec::new();
    }
    vec![screening_completed(record, result, at)]
}

/// The event recording `result`, with the matches that are new since the previous screening
/// and undecided as its alerts.
fn screening_completed(
    record: &CustomerRecord,
    result: super::ScreeningResult,
    at: At,
) -> CustomerEvent {
    let screening = &record.screening;
    let alerts = result
        .hits
        .iter()
        .filter(|hit| {
            screening.hit(&hit.match_id).is_none()
                && !screening.resolutions.contains_key(&hit.match_id)
        })
        .map(|hit| hit.match_id.clone())
        .collect();
    CustomerEvent::ScreeningCompleted {
        list_versions: result.list_versions,
        hits: result.hits,
        alerts,
        at,
    }
}

fn decide_reject(draft: &RejectDraft, at: At) -> Result<Vec<CustomerEvent>, CustomerError> {
    let (reasons, message, retryable) = parse_rejection(draft)?;
    Ok(vec![CustomerEvent::CustomerRejected {
        reasons,
        message,
        retryable,
        at,
    }])
}

fn decide_remove_associate(
    record: &CustomerRecord,
    associate_guid: AssociateGuid,
    at: At,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    if !record.associates.contains_key(&associate_guid) {
        return Err(CustomerError::UnknownAssociate(associate_guid));
    }
    Ok(vec![CustomerEvent::AssociateRemoved { associate_guid, at }])
}

fn decide_close(
    record: &CustomerRecord,
    draft: &CloseDraft,
    at: At,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let (reason, message) = parse_close(draft)?;
    Ok(vec![CustomerEvent::CustomerClosed {
        reason,
        message,
        previous_state: record.state,
        at,
    }])
}

fn decide_legal_hold(
    record: &CustomerRecord,
    draft: &LegalHoldDraft,
    at: At,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let (on, reason) = parse_legal_hold(draft)?;
    if on == record.legal_hold_on() {
        return Err(CustomerError::LegalHoldUnchanged { on });
    }
    Ok(vec![CustomerEvent::LegalHoldChanged {
        on,
        reason: Some(reason),
        at,
    }])
}

/// Erasure: never under a legal hold; with a record-keeping duty, only once the retention
/// clock has started and the tenant's period has run out (see `retention`).
fn decide_erase(
    record: &CustomerRecord,
    draft: &EraseDraft,
    retention: RetentionPeriod,
    at: At,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let reason = parse_erase(draft)?;
    if record.legal_hold_on() {
        return Err(CustomerError::LegalHold);
    }
    if record.has_record_keeping_duty() {
        match record.retention_until(retention) {
            None => return Err(CustomerError::RetentionNotStarted),
            Some(retention_until) if at < retention_until => {
                return Err(CustomerError::RetentionHold { retention_until })
            }
            Some(_) => {}
        }
    }
    Ok(vec![CustomerEvent::CustomerErased { reason, at }])
}

type At = chrono::DateTime<chrono::Utc>;

fn decide_submit_document(
    record: &CustomerRecord,
    stage: Stage,
    document_guid: crate::ids::DocumentGuid,
    draft: &DocumentDraft,
    content: super::DocumentContent,
    at: At,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    if record.documents.contains_key(&document_guid) {
        return Err(CustomerError::DuplicateId(document_guid.to_string()));
    }
    let (kind, associate_guid, file_name) = parse_document(record, draft)?;
    let (issued_on, expires_on) = parse_document_dates(kind, draft, at.date_naive())?;
    if content.size_bytes == 0 {
        return Err(FieldError::new("content", ValidationCode::Empty, "the file is empty").into());
    }
    if content.size_bytes > MAX_DOCUMENT_BYTES {
        return Err(
            FieldError::new("content", ValidationCode::TooLong, "must be at most 15 MiB").into(),
        );
    }
    let mut events = Vec::with_capacity(2);
    if stage == Stage::RejectedRetryable {
        events.push(CustomerEvent::VerificationReopened { at });
    }
    events.push(CustomerEvent::DocumentSubmitted {
        document_guid,
        kind,
        associate_guid,
        file_name,
        issued_on,
        expires_on,
        content,
        at,
    });
    Ok(events)
}

fn decide_review(
    record: &CustomerRecord,
    document_guid: crate::ids::DocumentGuid,
    draft: &super::ReviewDraft,
    context: &DecisionContext<'_>,
    at: At,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let reviewer = context.actor.map(|actor| actor.id.clone());
    let document = record
        .documents
        .get(&document_guid)
        .ok_or(CustomerError::UnknownDocument(document_guid))?;
    if document.status != super::DocumentStatus::Pending {
        return Err(CustomerError::DocumentAlreadyReviewed(document_guid));
    }
    let decision = ReviewDecision::parse(draft)?;
    let completes_review = record
        .review_due_at
        .filter(|_| decision == ReviewDecision::Accept && record.state == CustomerState::Verified);
    let mut events = vec![match decision {
        ReviewDecision::Accept => CustomerEvent::DocumentAccepted {
            document_guid,
            reviewer,
            at,
        },
        ReviewDecision::Reject { reason, message } => CustomerEvent::DocumentRejected {
            document_guid,
            reviewer,
            reason,
            message: Some(message),
            at,
        },
    }];
    // A document accepted after a periodic review fell due completes it.
    if let Some(due_at) = completes_review {
        events.push(CustomerEvent::ReviewCompleted { due_at, at });
    }
    Ok(events)
}

fn decide_add_associate(
    record: &CustomerRecord,
    associate_guid: AssociateGuid,
    draft: &crate::values::AssociateDraft,
    at: At,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    if record.associates.contains_key(&associate_guid) {
        return Err(CustomerError::DuplicateId(associate_guid.to_string()));
    }
    let details = AssociateDetails::parse_new(draft, at.date_naive())?;
    check_total_ownership(record, associate_guid, &details)?;
    Ok(vec![CustomerEvent::AssociateAdded {
        associate_guid,
        details,
        at,
    }])
}

fn decide_update_associate(
    record: &CustomerRecord,
    associate_guid: AssociateGuid,
    draft: &crate::values::AssociateDraft,
    at: At,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let current = record
        .associates
        .get(&associate_guid)
        .ok_or(CustomerError::UnknownAssociate(associate_guid))?;
    let changes = AssociateDetails::parse(draft, at.date_naive())?;
    if changes == AssociateDetails::default() {
        return Err(nothing_to_change());
    }
    // The person an accepted identity document identified cannot become someone else.
    let identified = record.documents.values().any(|d| {
        d.associate_guid == Some(associate_guid)
            && d.kind.is_identity()
            && d.status == super::DocumentStatus::Accepted
    });
    if identified {
        let mut locked = Vec::new();
        if changes.name.is_some() && changes.name != current.name {
            locked.push("name");
        }
        if changes.date_of_birth.is_some() && changes.date_of_birth != current.date_of_birth {
            locked.push("date_of_birth");
        }
        if !locked.is_empty() {
            return Err(CustomerError::FieldLocked {
                fields: locked,
                reason: LockReason::IdentityDocumentAccepted,
            });
        }
    }
    let mut merged = current.clone();
    merged.merge(&changes);
    check_total_ownership(record, associate_guid, &merged)?;
    Ok(vec![CustomerEvent::AssociateUpdated {
        associate_guid,
        changes,
        at,
    }])
}

/// The profile a decision needs complete: everything but the senior approval, which is what
/// the verification itself gives.
fn check_profile_for_decision(record: &CustomerRecord) -> Result<(), CustomerError> {
    let mut profile = super::profile::evaluate(record, PolicyVersion::CURRENT);
    profile
        .criteria
        .required
        .retain(|c| *c != Criterion::SeniorApproval);
    profile
        .criteria
        .pending
        .retain(|c| *c != Criterion::SeniorApproval);
    if profile.is_satisfied() {
        return Ok(());
    }
    Err(CustomerError::ProfileIncomplete {
        required: profile.criteria.required,
        pending: profile.criteria.pending,
        errors: {
            let mut names: Vec<_> = profile
                .criteria
                .errors
                .into_iter()
                .map(|e| e.name)
                .collect();
            names.dedup();
            names
        },
    })
}

/// True when the customer's latest rating demands two distinct approvers.
fn needs_four_eyes(record: &CustomerRecord) -> bool {
    record.risk.as_ref().is_some_and(|r| r.four_eyes)
}

/// The first of two approvals: the profile must be complete, and the approver may approve
/// once per verification cycle (a second actor's approval is the verification).
fn decide_approve(
    record: &CustomerRecord,
    draft: &ApproveDraft,
    context: &DecisionContext<'_>,
    at: At,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let mut errors = ValidationErrors::new();
    let note = optional(&mut errors, "note", draft.note.as_deref(), LongText::parse);
    errors.finish(|| ())?;
    let actor = context
        .actor
        .ok_or(CustomerError::ActorRequired(CommandKind::Approve))?;
    check_profile_for_decision(record)?;
    if let Some(first) = record.approvals.first() {
        return Err(if first.approver == actor.id {
            CustomerError::FourEyesRequired(FourEyesBreach::SameActor)
        } else {
            CustomerError::AlreadyApproved
        });
    }
    Ok(vec![CustomerEvent::ApprovalRecorded {
        approver: actor.id.clone(),
        note,
        at,
    }])
}

/// Verification: the profile complete and, when the customer's rating demands four eyes, a
/// first approval by another actor, a verifier holding the senior approver's permission and,
/// unless the policy allows it, one who reviewed none of the customer's documents.
fn decide_verify(
    record: &CustomerRecord,
    context: &DecisionContext<'_>,
    at: At,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    check_profile_for_decision(record)?;
    if needs_four_eyes(record) {
        let actor = context
            .actor
            .ok_or(CustomerError::ActorRequired(CommandKind::Verify))?;
        let first = record
            .approvals
            .first()
            .ok_or(CustomerError::FourEyesRequired(
                FourEyesBreach::NoFirstApproval,
            ))?;
        if first.approver == actor.id {
            return Err(CustomerError::FourEyesRequired(FourEyesBreach::SameActor));
        }
        if !actor.senior {
            return Err(CustomerError::SeniorApprovalRequired);
        }
        let reviewer_may_verify = context.risk.is_none_or(|p| p.reviewer_may_verify);
        let reviewed = record
            .documents
            .values()
            .any(|d| d.reviewed_by.as_ref() == Some(&actor.id));
        if reviewed && !reviewer_may_verify {
            return Err(CustomerError::FourEyesRequired(
                FourEyesBreach::ReviewedOwnDocuments,
            ));
        }
    }
    Ok(vec![CustomerEvent::CustomerVerified {
        policy_version: PolicyVersion::CURRENT,
        approver: context.actor.map(|actor| actor.id.clone()),
        at,
    }])
}

fn nothing_to_change() -> CustomerError {
    FieldError::new(
        "",
        ValidationCode::Required,
        "give at least one field to change",
    )
    .into()
}

impl From<FieldError> for CustomerError {
    fn from(error: FieldError) -> Self {
        Self::Validation(error.into())
    }
}

fn decide_create(
    customer_guid: crate::ids::CustomerGuid,
    bank_guid: crate::ids::BankGuid,
    draft: &CustomerDraft,
    identity_matches: &[IdentityMatch],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let mut errors = ValidationErrors::new();
    let customer_type = required(
        &mut errors,
        "type",
        draft.customer_type.as_deref(),
        CustomerType::parse,
    );
    let external_id = errors.collect("", parse_external_id(draft)).flatten();
    let Some(customer_type) = customer_type else {
        return Err(errors.into());
    };
    let details = errors.collect(
        "",
        CustomerDetails::parse(draft, customer_type, at.date_naive()),
    );
    let Some(mut details) = details else {
        return Err(errors.into());
    };
    errors.finish(|| ())?;
    if customer_type == CustomerType::Individual && details.gender.is_none() {
        details.gender = Some(Gender::default());
    }
    details.check_consistency()?;
    let flags = duplicate_flags(customer_guid, &[], &details, identity_matches, at);
    let mut events = vec![CustomerEvent::CustomerCreated {
        customer_guid,
        bank_guid,
        customer_type,
        external_id,
        details,
        at,
    }];
    events.extend(flags);
    Ok(events)
}

/// One `DuplicateIdentityFlagged` per new match: another customer holding a tax or
/// identification number that `given` (the created details, or a change) carries, and not
/// already flagged on this customer (resolved or not).
fn duplicate_flags(
    customer_guid: crate::ids::CustomerGuid,
    flagged: &[DuplicateFlag],
    given: &CustomerDetails,
    identity_matches: &[IdentityMatch],
    at: At,
) -> Vec<CustomerEvent> {
    let kinds = given.identity_kinds();
    let mut seen: BTreeSet<IdentityMatch> = BTreeSet::new();
    identity_matches
        .iter()
        .filter(|m| m.kind.identifies() && kinds.contains(&m.kind))
        .filter(|m| m.customer_guid != customer_guid)
        .filter(|m| {
            !flagged
                .iter()
                .any(|f| f.other_customer_guid == m.customer_guid && f.kind == m.kind)
        })
        .filter(|m| seen.insert(**m))
        .map(|m| CustomerEvent::DuplicateIdentityFlagged {
            other_customer_guid: m.customer_guid,
            kind: m.kind,
            at,
        })
        .collect()
}

/// A reviewer's resolution of the possible duplicates naming another customer. A resolved
/// one may be resolved again (the latest resolution stands); a customer never flagged is
/// unknown.
fn decide_resolve_duplicate(
    record: &CustomerRecord,
    draft: &ResolveDuplicateDraft,
    at: At,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let mut errors = ValidationErrors::new();
    let other_customer_guid = required(
        &mut errors,
        "other_customer_guid",
        draft.other_customer_guid.as_deref(),
        crate::ids::CustomerGuid::parse,
    );
    let resolution = required(
        &mut errors,
        "resolution",
        draft.resolution.as_deref(),
        DuplicateResolution::parse,
    );
    let note = optional(&mut errors, "note", draft.note.as_deref(), LongText::parse);
    let (Some(other_customer_guid), Some(resolution)) = (other_customer_guid, resolution) else {
        return Err(errors.into());
    };
    errors.finish(|| ())?;
    if !record
        .duplicates
        .iter()
        .any(|f| f.other_customer_guid == other_customer_guid)
    {
        return Err(CustomerError::UnknownDuplicate(other_customer_guid));
    }
    Ok(vec![CustomerEvent::DuplicateIdentityResolved {
        other_customer_guid,
        resolution,
        note,
        at,
    }])
}

/// Copies to the result only the fields whose value differs from the current one.
macro_rules! keep_changed {
    ($patch:expr, $current:expr, [$($field:ident),+ $(,)?]) => {
        $( if $patch.$field.is_some() && $patch.$field == $current.$field { $patch.$field = None; } )+
    };
}

/// A name has one shape per type: a business's legal name alone (`full`) given to a person,
/// or a person's parts alone given to a business, is the other type's name.
fn name_of_other_type(customer_type: CustomerType, name: &NameDraft) -> Option<FieldError> {
    let person_parts = name.first.is_some() || name.middle.is_some() || name.last.is_some();
    let (other_shape, expected) = match customer_type {
        CustomerType::Individual => (
            name.full.is_some() && !person_parts,
            "first, middle and last",
        ),
        CustomerType::Business => (person_parts && name.full.is_none(), "full"),
    };
    other_shape.then(|| {
        FieldError::new(
            "name",
            ValidationCode::NotAllowed,
            format!(
                "has the shape of another type's name; {customer_type} customers have {expected}"
            ),
        )
    })
}

fn decide_update(
    record: &CustomerRecord,
    stage: Stage,
    draft: &CustomerDraft,
    identity_matches: &[IdentityMatch],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let mut immutable = Vec::new();
    if draft.customer_type.is_some() {
        immutable.push("type");
    }
    if draft.external_id.is_some() {
        immutable.push("external_id");
    }
    if !immutable.is_empty() {
        return Err(CustomerError::FieldLocked {
            fields: immutable,
            reason: LockReason::Immutable,
        });
    }
    // The customer's type was fixed at creation: a change naming the other type's fields
    // conflicts with this customer (on create, where the body gives the type, the same fields
    // are invalid input instead).
    let mut other_type = ValidationErrors::new();
    for field in super::details::given_fields(draft) {
        if !field.applies_to(record.customer_type) {
            other_type.push(FieldError::new(
                field.as_str(),
                ValidationCode::NotAllowed,
                format!("does not apply to {} customers", record.customer_type),
            ));
        }
    }
    if let Some(error) = draft
        .name
        .as_ref()
        .and_then(|name| name_of_other_type(record.customer_type, name))
    {
        other_type.push(error);
    }
    if !other_type.is_empty() {
        return Err(CustomerError::FieldsOfOtherType {
            customer_type: record.customer_type,
            errors: other_type,
        });
    }
    let mut changes = CustomerDetails::parse(draft, record.customer_type, at.date_naive())?;
    if changes.is_empty() {
        return Err(nothing_to_change());
    }
    // Re-sending a value the customer already has is not a change, and must not trip a lock.
    let current = &record.details;
    with_detail_fields!(keep_changed!(changes, current,));
    let changed_fields = changes.given_fields();
    if changed_fields.is_empty() {
        return Ok(Vec::new());
    }
    let (locked_fields, reason): (Vec<DetailField>, _) = if record.state == CustomerState::Verified
    {
        let locked = changed_fields
            .iter()
            .copied()
            .filter(|f| !f.is_changeable_after_verification())
            .collect();
        (locked, LockReason::Verified)
    } else if record.has_documents() && stage != Stage::RejectedRetryable {
        let locked = changed_fields
            .iter()
            .copied()
            .filter(|f| f.is_identity())
            .collect();
        (locked, LockReason::DocumentSubmitted)
    } else {
        (Vec::new(), LockReason::DocumentSubmitted)
    };
    if !locked_fields.is_empty() {
        return Err(CustomerError::FieldLocked {
            fields: locked_fields.into_iter().map(DetailField::as_str).collect(),
            reason,
        });
    }
    let mut merged = current.clone();
    merged.merge(&changes);
    merged
        .check_consistency()
        .map_err(CustomerError::InconsistentWithStored)?;
    let flags = duplicate_flags(
        record.guid,
        &record.duplicates,
        &changes,
        identity_matches,
        at,
    );
    let mut events = Vec::with_capacity(2 + flags.len());
    // After a retryable rejection the customer may correct what a reviewer found wrong,
    // identity fields included: a correction of those reopens verification (they lock again,
    // as the documents stand), and the audit trail shows both events.
    if stage == Stage::RejectedRetryable && changed_fields.iter().any(|f| f.is_identity()) {
        events.push(CustomerEvent::VerificationReopened { at });
    }
    events.push(CustomerEvent::CustomerDetailsUpdated { changes, at });
    events.extend(flags);
    Ok(events)
}

/// The document's dates: `issued_on` not in the future; `expires_on` only on identity
/// documents, after today and after `issued_on` (an expired document is not accepted).
fn parse_document_dates(
    kind: DocumentKind,
    draft: &DocumentDraft,
    today: chrono::NaiveDate,
) -> Result<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>), CustomerError> {
    let mut errors = ValidationErrors::new();
    let issued_on = optional(
        &mut errors,
        "issued_on",
        draft.issued_on.as_deref(),
        |raw| {
            let date = crate::values::dates::parse_iso_date(raw)?;
            if date < chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(chrono::NaiveDate::MIN)
            {
                return Err(FieldError::new(
                    "",
                    ValidationCode::OutOfRange,
                    "must be on or after 1900-01-01",
                )
                .into());
            }
            if date > today {
                return Err(FieldError::new(
                    "",
                    ValidationCode::OutOfRange,
                    "must not be in the future",
                )
                .into());
            }
            Ok(date)
        },
    );
    let expires_on = optional(
        &mut errors,
        "expires_on",
        draft.expires_on.as_deref(),
        |raw| {
            if !kind.is_identity() {
                return Err(FieldError::new(
                    "",
                    ValidationCode::NotAllowed,
                    "applies only to identity documents",
                )
                .into());
            }
            let date = crate::values::dates::parse_iso_date(raw)?;
            if date <= today {
                return Err(FieldError::new(
                    "",
                    ValidationCode::OutOfRange,
                    "has passed: an expired document cannot be submitted",
                )
                .into());
            }
            let latest = today
                .checked_add_months(chrono::Months::new(12 * super::MAX_DOCUMENT_VALIDITY_YEARS))
                .unwrap_or(chrono::NaiveDate::MAX);
            if date > latest {
                return Err(FieldError::new(
                    "",
                    ValidationCode::OutOfRange,
                    format!(
                        "must be at most {} years ahead",
                        super::MAX_DOCUMENT_VALIDITY_YEARS
                    ),
                )
                .into());
            }
            Ok(date)
        },
    );
    if let (Some(issued), Some(expires)) = (issued_on, expires_on) {
        if expires <= issued {
            errors.push(FieldError::new(
                "expires_on",
                ValidationCode::OutOfRange,
                "must be after issued_on",
            ));
        }
    }
    Ok(errors.finish(|| (issued_on, expires_on))?)
}

/// Ongoing due diligence as of `at`: each accepted document past its expiry date expires
/// (once: an expired document is no longer in force); a verified customer whose review period
/// has run since its last review gets one `ReviewDue` for that due date; and a verified
/// customer with something due for longer than the grace period lapses to unverified.
fn decide_due_diligence(
    record: &CustomerRecord,
    policy: &RiskPolicy,
    at: At,
) -> Vec<CustomerEvent> {
    let today = at.date_naive();
    let mut events: Vec<CustomerEvent> = record
        .documents
        .values()
        // A document is valid through its expiry date, and expired from the day after.
        .filter(|d| d.is_in_force() && d.expires_on.is_some_and(|date| date < today))
        .map(|d| CustomerEvent::DocumentExpired {
            document_guid: d.guid,
            at,
        })
        .collect();
    if record.state != CustomerState::Verified {
        return events;
    }
    let mut working = record.clone();
    for event in &events {
        working.apply(event);
    }
    if working.review_due_at.is_none() {
        let level = working.risk.as_ref().map_or(RiskLevel::Low, |r| r.level);
        if let Some(last) = working.last_reviewed_at {
            let due_at = last + policy.review_period(level);
            if at >= due_at {
                let due = CustomerEvent::ReviewDue { due_at, at };
                working.apply(&due);
                events.push(due);
            }
        }
    }
    if let Some(due_since) = working.due_since() {
        if at >= due_since + policy.grace() {
            events.push(CustomerEvent::VerificationLapsed { due_since, at });
        }
    }
    events
}

/// Validates what a document is and whom it is about, for this customer's type.
fn parse_document(
    record: &CustomerRecord,
    draft: &DocumentDraft,
) -> Result<(DocumentKind, Option<AssociateGuid>, Option<FileName>), CustomerError> {
    let mut errors = ValidationErrors::new();
    let kind = required(
        &mut errors,
        "type",
        draft.kind.as_deref(),
        DocumentKind::parse,
    );
    let associate_guid = optional(
        &mut errors,
        "associate_guid",
        draft.associate_guid.as_deref(),
        AssociateGuid::parse,
    );
    let file_name = optional(
        &mut errors,
        "file_name",
        draft.file_name.as_deref(),
        FileName::parse,
    );
    let Some(kind) = kind else {
        return Err(errors.into());
    };
    errors.finish(|| ())?;
    let about_associate = kind.is_identity() || kind == DocumentKind::LivenessReport;
    let rule_error = match (record.customer_type, associate_guid) {
        (CustomerType::Individual, Some(_)) => Some(FieldError::new(
            "associate_guid",
            ValidationCode::NotAllowed,
            "applies only to business customers",
        )),
        (CustomerType::Individual, None)
            if matches!(
                kind,
                DocumentKind::IncorporationCertificate | DocumentKind::OwnershipStructure
            ) =>
        {
            Some(FieldError::new(
                "type",
                ValidationCode::NotAllowed,
                "applies only to business customers",
            ))
        }
        (CustomerType::Business, None) if about_associate => Some(FieldError::new(
            "associate_guid",
            ValidationCode::Required,
            "is required for a business's identity and liveness documents",
        )),
        (CustomerType::Business, Some(_)) if !about_associate => Some(FieldError::new(
            "associate_guid",
            ValidationCode::NotAllowed,
            "applies only to identity and liveness documents",
        )),
        _ => None,
    };
    if let Some(error) = rule_error {
        // An associate_guid given with a document about no one is invalid input whatever the
        // customer; the other rules hold for one type of customer only, which the stored
        // customer decides: a conflict with it, as for the other type's detail fields.
        return Err(
            if record.customer_type == CustomerType::Business && associate_guid.is_some() {
                error.into()
            } else {
                CustomerError::FieldsOfOtherType {
                    customer_type: record.customer_type,
                    errors: error.into(),
                }
            },
        );
    }
    if let Some(guid) = associate_guid {
        if !record.associates.contains_key(&guid) {
            return Err(CustomerError::UnknownAssociate(guid));
        }
    }
    Ok((kind, associate_guid, file_name))
}

/// Owners' shares, with `candidate` in place of the associate `guid`, may not exceed 100%.
fn check_total_ownership(
    record: &CustomerRecord,
    guid: AssociateGuid,
    candidate: &AssociateDetails,
) -> Result<(), CustomerError> {
    let share = |a: &AssociateDetails| {
        u32::from(
            a.ownership_percentage
                .map_or(0, OwnershipPercentage::basis_points),
        )
    };
    let others: u32 = record
        .associates
        .iter()
        .filter(|(g, _)| **g != guid)
        .map(|(_, a)| share(a))
        .sum();
    if others + share(candidate) > 10_000 {
        return Err(CustomerError::OwnershipExceeded);
    }
    Ok(())
}

type ParsedRejection = (BTreeSet<CustomerRejectionReason>, Option<LongText>, bool);

fn parse_rejection(draft: &RejectDraft) -> Result<ParsedRejection, CustomerError> {
    let mut errors = ValidationErrors::new();
    let mut reasons = BTreeSet::new();
    match &draft.reason_codes {
        None => errors.push(FieldError::new(
            "reason_codes",
            ValidationCode::Required,
            "is required",
        )),
        Some(codes) if codes.is_empty() => errors.push(FieldError::new(
            "reason_codes",
            ValidationCode::Empty,
            "must name at least one reason",
        )),
        Some(codes) => {
            for (index, code) in codes.iter().enumerate() {
                if let Some(reason) = errors.collect(
                    &format!("reason_codes[{index}]"),
                    CustomerRejectionReason::parse(code),
                ) {
                    reasons.insert(reason);
                }
            }
        }
    }
    let message = optional(
        &mut errors,
        "message",
        draft.message.as_deref(),
        LongText::parse,
    );
    if draft.retryable.is_none() {
        errors.push(FieldError::new(
            "retryable",
            ValidationCode::Required,
            "say whether the customer may resubmit (true) or the rejection is final (false)",
        ));
    }
    let retryable = draft.retryable.unwrap_or(false);
    Ok(errors.finish(|| (reasons, message, retryable))?)
}

fn parse_freeze(draft: &FreezeDraft) -> Result<LongText, CustomerError> {
    let mut errors = ValidationErrors::new();
    let reason = required(
        &mut errors,
        "reason",
        draft.reason.as_deref(),
        LongText::parse,
    );
    match reason {
        Some(reason) => Ok(reason),
        None => Err(errors.into()),
    }
}

fn parse_close(draft: &CloseDraft) -> Result<(ClosureReason, Option<LongText>), CustomerError> {
    let mut errors = ValidationErrors::new();
    let reason = required(
        &mut errors,
        "reason",
        draft.reason.as_deref(),
        ClosureReason::parse,
    );
    let message = optional(
        &mut errors,
        "message",
        draft.message.as_deref(),
        LongText::parse,
    );
    match reason {
        Some(reason) if errors.is_empty() => Ok((reason, message)),
        _ => Err(errors.into()),
    }
}

fn parse_legal_hold(draft: &LegalHoldDraft) -> Result<(bool, LongText), CustomerError> {
    let mut errors = ValidationErrors::new();
    if draft.on.is_none() {
        errors.push(FieldError::new(
            "on",
            ValidationCode::Required,
            "say whether the hold is placed (true) or lifted (false)",
        ));
    }
    let reason = required(
        &mut errors,
        "reason",
        draft.reason.as_deref(),
        LongText::parse,
    );
    match (draft.on, reason) {
        (Some(on), Some(reason)) if errors.is_empty() => Ok((on, reason)),
        _ => Err(errors.into()),
    }
}

fn parse_erase(draft: &EraseDraft) -> Result<LongText, CustomerError> {
    let mut errors = ValidationErrors::new();
    let reason = required(
        &mut errors,
        "reason",
        draft.reason.as_deref(),
        LongText::parse,
    );
    match reason {
        Some(reason) => Ok(reason),
        None => Err(errors.into()),
    }
}
