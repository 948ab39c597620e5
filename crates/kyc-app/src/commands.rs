//! The command service: load → decide → append, in one transaction with the idempotency
//! record, retried with jitter when another writer wins the race for the same customer.

use std::sync::Arc;
use std::time::Duration;

use kyc_domain::customer::{
    ContentType, CustomerDraft, DocumentContent, DocumentDraft, FreezeDraft, RejectDraft,
    ReviewDraft, Sha256Digest,
};
use kyc_domain::ids::{AssociateGuid, CustomerGuid, DocumentGuid};
use kyc_domain::values::{AssociateDraft, FieldError, ValidationCode};
use kyc_domain::{CustomerCommand, CustomerError};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::answer::Answer;
use crate::chain::{canonical_json, link_hash};
use crate::context::RequestContext;
use crate::dto::CustomerDto;
use crate::error::AppError;
use crate::metadata::EventMetadata;
use crate::ports::{CustomerStore, CustomerTransaction, IdempotencyClaim, StoreFailure};
use crate::principal::Scope;

/// What a caller asks for; the service adds ids, the time and content digests.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    /// Create a customer.
    Create {
        /// Type and details.
        draft: CustomerDraft,
    },
    /// Change details.
    UpdateDetails {
        /// The customer.
        customer_guid: CustomerGuid,
        /// The fields to change.
        draft: CustomerDraft,
    },
    /// Submit a document.
    SubmitDocument {
        /// The customer.
        customer_guid: CustomerGuid,
        /// What it is.
        draft: DocumentDraft,
        /// The bytes.
        #[serde(serialize_with = "serialize_digest")]
        content: Vec<u8>,
    },
    /// Review a document.
    ReviewDocument {
        /// The customer.
        customer_guid: CustomerGuid,
        /// The document.
        document_guid: DocumentGuid,
        /// The decision.
        draft: ReviewDraft,
    },
    /// Add an associate.
    AddAssociate {
        /// The business.
        customer_guid: CustomerGuid,
        /// The associate.
        draft: AssociateDraft,
    },
    /// Change an associate.
    UpdateAssociate {
        /// The business.
        customer_guid: CustomerGuid,
        /// The associate.
        associate_guid: AssociateGuid,
        /// The fields to change.
        draft: AssociateDraft,
    },
    /// Remove an associate.
    RemoveAssociate {
        /// The business.
        customer_guid: CustomerGuid,
        /// The associate.
        associate_guid: AssociateGuid,
    },
    /// Verify.
    Verify {
        /// The customer.
        customer_guid: CustomerGuid,
    },
    /// Reject.
    Reject {
        /// The customer.
        customer_guid: CustomerGuid,
        /// Reasons.
        draft: RejectDraft,
    },
    /// Freeze.
    Freeze {
        /// The customer.
        customer_guid: CustomerGuid,
        /// Why.
        draft: FreezeDraft,
    },
    /// Unfreeze.
    Unfreeze {
        /// The customer.
        customer_guid: CustomerGuid,
    },
}

/// Document bytes take part in the request fingerprint through their digest only.
fn serialize_digest<S: serde::Serializer>(
    content: &[u8],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&hex::encode(Sha256::digest(content)))
}

impl Operation {
    /// The scope the operation needs.
    pub fn scope(&self) -> Scope {
        Scope::for_command(self.kind())
    }

    /// The domain command kind.
    pub fn kind(&self) -> kyc_domain::CommandKind {
        use kyc_domain::CommandKind as K;
        match self {
            Self::Create { .. } => K::Create,
            Self::UpdateDetails { .. } => K::UpdateDetails,
            Self::SubmitDocument { .. } => K::SubmitDocument,
            Self::ReviewDocument { .. } => K::ReviewDocument,
            Self::AddAssociate { .. } => K::AddAssociate,
            Self::UpdateAssociate { .. } => K::UpdateAssociate,
            Self::RemoveAssociate { .. } => K::RemoveAssociate,
            Self::Verify { .. } => K::Verify,
            Self::Reject { .. } => K::Reject,
            Self::Freeze { .. } => K::Freeze,
            Self::Unfreeze { .. } => K::Unfreeze,
        }
    }

    /// A digest of the whole request, to tell a retry from a different request under the same
    /// idempotency key.
    pub fn fingerprint(&self) -> String {
        let value = serde_json::to_value(self).unwrap_or_default();
        hex::encode(Sha256::digest(canonical_json(&value).as_bytes()))
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        match self {
            Self::Create { .. } => None,
            Self::UpdateDetails { customer_guid, .. }
            | Self::SubmitDocument { customer_guid, .. }
            | Self::ReviewDocument { customer_guid, .. }
            | Self::AddAssociate { customer_guid, .. }
            | Self::UpdateAssociate { customer_guid, .. }
            | Self::RemoveAssociate { customer_guid, .. }
            | Self::Verify { customer_guid }
            | Self::Reject { customer_guid, .. }
            | Self::Freeze { customer_guid, .. }
            | Self::Unfreeze { customer_guid } => Some(*customer_guid),
        }
    }

    /// HTTP status of success: 201 for what creates a resource.
    fn success_status(&self) -> u16 {
        match self {
            Self::Create { .. } | Self::SubmitDocument { .. } | Self::AddAssociate { .. } => 201,
            _ => 200,
        }
    }
}

/// How hard to try when concurrent writers keep winning.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Delay before the second attempt; doubles each time, with full jitter.
    pub base_delay: Duration,
    /// Upper bound of one delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(100),
        }
    }
}

impl RetryPolicy {
    fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1 << attempt.min(16))
            .min(self.max_delay);
        // Full jitter: spreads colliding writers apart instead of retrying them in lock step.
        ceiling.mul_f64(fastrand::f64())
    }
}

/// Ids and content values the domain receives ready-made, chosen once per request so that a
/// retry after a conflict re-decides the same command.
struct Prepared {
    command_ids: (uuid::Uuid, uuid::Uuid),
    content: Option<DocumentContent>,
}

/// Executes commands.
pub struct CommandService<S> {
    store: Arc<S>,
    retry: RetryPolicy,
    queue: Arc<crate::queue::CustomerQueue>,
}

impl<S> Clone for CommandService<S> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            retry: self.retry,
            queue: Arc::clone(&self.queue),
        }
    }
}

/// What one attempt ended with.
enum Attempt {
    Done(Answer),
    Retry,
}

impl<S: CustomerStore> CommandService<S> {
    /// A service over `store`.
    pub fn new(store: Arc<S>, retry: RetryPolicy) -> Self {
        Self {
            store,
            retry,
            queue: Arc::default(),
        }
    }

    /// Executes `operation` for the caller in `ctx` and returns the answer to send, success or
    /// refusal. With an idempotency key, a repeat of the same request gets the stored answer
    /// and executes nothing; the same key with another request gets 422.
    #[tracing::instrument(skip_all, fields(op = ?operation.kind(), request_id = %ctx.request_id, customer_guid))]
    pub async fn execute(&self, ctx: &RequestContext, operation: Operation) -> Answer {
        if !ctx.principal.has(operation.scope()) {
            return Answer::error(&AppError::Forbidden(operation.scope()), &ctx.request_id);
        }
        let prepared = match prepare(&operation) {
            Ok(prepared) => prepared,
            Err(error) => return Answer::error(&error, &ctx.request_id),
        };
        let fingerprint = operation.fingerprint();
        // Commands on an existing customer wait for this process's earlier writers to it.
        let _turn = match operation.customer_guid() {
            Some(guid) => Some(self.queue.turn(guid).await),
            None => None,
        };
        for attempt in 0..self.retry.max_attempts {
            match self.attempt(ctx, &operation, &prepared, &fingerprint).await {
                Ok(Attempt::Done(answer)) => return answer,
                Ok(Attempt::Retry) => {
                    tracing::debug!(attempt, "concurrent modification; retrying");
                    tokio::time::sleep(self.retry.delay(attempt)).await;
                }
                Err(error) => {
                    if matches!(error, AppError::Internal(_) | AppError::Unavailable) {
                        tracing::error!(error = ?error, "command failed");
                    }
                    return Answer::error(&error, &ctx.request_id);
                }
            }
        }
        Answer::error(&AppError::ConcurrentModification, &ctx.request_id)
    }

    async fn attempt(
        &self,
        ctx: &RequestContext,
        operation: &Operation,
        prepared: &Prepared,
        fingerprint: &str,
    ) -> Result<Attempt, AppError> {
        let mut tx = self.store.begin().await?;
        // Decide and append first: the events must be the transaction's first write (see
        // `ports`). The idempotency claim follows; a concurrent duplicate blocks on it until
        // this transaction ends, then finds the stored answer and rolls its own work back.
        let answer = match self
            .decide_and_append(&mut tx, ctx, operation, prepared)
            .await
        {
            Ok(answer) => answer,
            Err(AppError::ConcurrentModification) => return Ok(Attempt::Retry),
            // Refusals are answers like any other: a retry must see the same one.
            Err(
                error @ (AppError::Domain(_) | AppError::NotFound | AppError::DuplicateExternalId),
            ) => Answer::error(&error, &ctx.request_id),
            Err(error) => return Err(error),
        };
        if let Some(key) = &ctx.idempotency_key {
            let scope = idempotency_scope(ctx);
            match tx.claim_idempotency(&scope, key, fingerprint).await? {
                IdempotencyClaim::Fresh => tx.complete_idempotency(&scope, key, &answer).await?,
                // Dropping the transaction rolls back what this attempt wrote.
                IdempotencyClaim::Replay(first) => return Ok(Attempt::Done(first)),
                IdempotencyClaim::Mismatch => return Err(AppError::IdempotencyMismatch),
            }
        } else if !answer.is_success() {
            // Nothing was written; let the transaction roll back.
            return Ok(Attempt::Done(answer));
        }
        match tx.commit().await {
            Ok(()) => Ok(Attempt::Done(answer)),
            Err(StoreFailure::Conflict) => Ok(Attempt::Retry),
            Err(failure) => Err(failure.into()),
        }
    }

    async fn decide_and_append(
        &self,
        tx: &mut S::Transaction,
        ctx: &RequestContext,
        operation: &Operation,
        prepared: &Prepared,
    ) -> Result<Answer, AppError> {
        let bank_guid = ctx.principal.bank_guid();
        let customer_guid = operation
            .customer_guid()
            .unwrap_or_else(|| CustomerGuid::from_uuid(prepared.command_ids.0));
        tracing::Span::current().record("customer_guid", tracing::field::display(customer_guid));
        // The current state and chain link, not the history: the store may answer from its
        // snapshot, so a long-lived customer costs about as much as a new one.
        let current = tx.load_current(customer_guid).await?;
        let previous_hash = current.previous_hash().to_owned();
        let mut customer = current.customer;
        if customer.record().is_some_and(|r| r.bank_guid != bank_guid) {
            // Another tenant's customer is indistinguishable from a missing one.
            return Err(AppError::NotFound);
        }
        let command = build_command(ctx, operation, prepared, customer_guid)?;
        let events = match customer.decide(command) {
            Ok(events) => events,
            Err(CustomerError::NotFound) => return Err(AppError::NotFound),
            Err(refusal) => return Err(refusal.into()),
        };
        let external_id = customer_external_id(&events);
        if let Some(external_id) = &external_id {
            if tx
                .external_id_owner(bank_guid, external_id)
                .await?
                .is_some()
            {
                return Err(AppError::DuplicateExternalId);
            }
        }
        let to_append = stamp(ctx, &previous_hash, &events)?;
        if !to_append.is_empty() {
            tx.append(customer_guid, customer.version(), to_append)
                .await?;
        }
        // Other writes only after the append. A concurrent create that took the same external
        // id between the check above and here makes this reservation fail; the retry then
        // finds the id taken and refuses.
        if let Some(external_id) = &external_id {
            match tx
                .reserve_external_id(bank_guid, external_id, customer_guid)
                .await
            {
                Err(StoreFailure::ExternalIdTaken(_)) => {
                    return Err(AppError::ConcurrentModification)
                }
                other => other?,
            }
        }
        if let (Operation::SubmitDocument { content, .. }, Some(described)) =
            (operation, &prepared.content)
        {
            let document_guid = DocumentGuid::from_uuid(prepared.command_ids.1);
            tx.put_document(
                bank_guid,
                customer_guid,
                document_guid,
                content,
                described.content_type,
            )
            .await?;
        }
        for event in &events {
            customer.apply(event);
        }
        let record = customer
            .record()
            .ok_or_else(|| AppError::Internal("a decided command left no customer".to_owned()))?;
        Ok(Answer::ok(
            operation.success_status(),
            CustomerDto::new(record, ctx.include_pii()),
        ))
    }
}

/// Pairs each event with its metadata: who, which request, and its hash-chain link after
/// `previous_hash` (the hash of the customer's latest stored event, or the genesis hash).
pub fn stamp(
    ctx: &RequestContext,
    previous_hash: &str,
    events: &[kyc_domain::CustomerEvent],
) -> Result<Vec<(kyc_domain::CustomerEvent, EventMetadata)>, AppError> {
    let mut previous_hash = previous_hash.to_owned();
    let mut stamped = Vec::with_capacity(events.len());
    for event in events {
        let payload = serde_json::to_value(event)
            .map_err(|e| AppError::Internal(format!("serializing {}: {e}", event.event_type())))?;
        let hash = link_hash(
            &previous_hash,
            event.event_type(),
            event.event_version(),
            &payload,
        );
        previous_hash.clone_from(&hash);
        stamped.push((
            event.clone(),
            EventMetadata {
                actor: ctx.principal.subject().to_owned(),
                bank_guid: ctx.principal.bank_guid().to_string(),
                request_id: ctx.request_id.clone(),
                idempotency_key: ctx.idempotency_key.clone(),
                source: ctx.source,
                occurred_at: ctx.received_at,
                hash,
            },
        ));
    }
    Ok(stamped)
}

/// Idempotency keys are scoped to the tenant and the actor: one caller's key never replays
/// another caller's answer.
fn idempotency_scope(ctx: &RequestContext) -> String {
    format!("{}/{}", ctx.principal.bank_guid(), ctx.principal.subject())
}

fn customer_external_id(
    events: &[kyc_domain::CustomerEvent],
) -> Option<kyc_domain::ids::ExternalId> {
    events.iter().find_map(|event| match event {
        kyc_domain::CustomerEvent::CustomerCreated { external_id, .. } => external_id.clone(),
        _ => None,
    })
}

fn prepare(operation: &Operation) -> Result<Prepared, AppError> {
    let content = match operation {
        Operation::SubmitDocument { content, .. } => {
            let content_type = ContentType::sniff(content).ok_or_else(|| {
                AppError::Invalid(
                    FieldError::new(
                        "content",
                        ValidationCode::InvalidFormat,
                        "must be a PDF, JPEG, PNG, HEIC or TIFF file",
                    )
                    .into(),
                )
            })?;
            let sha256 = Sha256Digest::parse(&hex::encode(Sha256::digest(content)))
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Some(DocumentContent {
                content_type,
                size_bytes: content.len() as u64,
                sha256,
            })
        }
        _ => None,
    };
    Ok(Prepared {
        command_ids: (uuid::Uuid::now_v7(), uuid::Uuid::now_v7()),
        content,
    })
}

fn build_command(
    ctx: &RequestContext,
    operation: &Operation,
    prepared: &Prepared,
    customer_guid: CustomerGuid,
) -> Result<CustomerCommand, AppError> {
    let at = ctx.received_at;
    let new_id = prepared.command_ids.1;
    Ok(match operation.clone() {
        Operation::Create { draft } => CustomerCommand::Create {
            customer_guid,
            bank_guid: ctx.principal.bank_guid(),
            draft,
            at,
        },
        Operation::UpdateDetails { draft, .. } => CustomerCommand::UpdateDetails { draft, at },
        Operation::SubmitDocument { draft, .. } => CustomerCommand::SubmitDocument {
            document_guid: DocumentGuid::from_uuid(new_id),
            draft,
            content: prepared.content.clone().ok_or_else(|| {
                AppError::Internal("document content was not prepared".to_owned())
            })?,
            at,
        },
        Operation::ReviewDocument {
            document_guid,
            draft,
            ..
        } => CustomerCommand::ReviewDocument {
            document_guid,
            draft,
            at,
        },
        Operation::AddAssociate { draft, .. } => CustomerCommand::AddAssociate {
            associate_guid: AssociateGuid::from_uuid(new_id),
            draft,
            at,
        },
        Operation::UpdateAssociate {
            associate_guid,
            draft,
            ..
        } => CustomerCommand::UpdateAssociate {
            associate_guid,
            draft,
            at,
        },
        Operation::RemoveAssociate { associate_guid, .. } => {
            CustomerCommand::RemoveAssociate { associate_guid, at }
        }
        Operation::Verify { .. } => CustomerCommand::Verify { at },
        Operation::Reject { draft, .. } => CustomerCommand::Reject { draft, at },
        Operation::Freeze { draft, .. } => CustomerCommand::Freeze { draft, at },
        Operation::Unfreeze { .. } => CustomerCommand::Unfreeze { at },
    })
}
