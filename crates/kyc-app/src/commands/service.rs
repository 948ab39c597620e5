//! The command service: load → decide → append, in one transaction with the idempotency
//! record, retried with jitter when another writer wins the race for the same customer.

use std::sync::Arc;
use std::time::Duration;

use kyc_domain::customer::{
    ContentType, DocumentContent, IdentityKind, IdentityValue, Sha256Digest,
};
use kyc_domain::ids::{CustomerGuid, DocumentGuid};
use kyc_domain::values::{FieldError, ValidationCode};
use kyc_domain::{CustomerError, CustomerEvent};
use sha2::{Digest, Sha256};

use super::vocabulary::{Command, ServerValues};
use crate::chain::canonical_json;
use crate::context::RequestContext;
use crate::dto::CustomerDto;
use crate::error::AppError;
use crate::metadata::EventMetadata;
use crate::outcome::{CommandOutcome, Executed};
use crate::ports::{CustomerStore, CustomerTransaction, IdempotencyClaim, StoreFailure};
use crate::tenant::TenantPolicies;

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
    new_customer: uuid::Uuid,
    new_id: uuid::Uuid,
    content: Option<DocumentContent>,
}

/// Executes commands.
pub struct CommandService<S> {
    store: Arc<S>,
    retry: RetryPolicy,
    queue: Arc<crate::queue::CustomerQueue>,
    policies: Arc<TenantPolicies>,
    lists: crate::screening::ScreeningLists,
}

impl<S> Clone for CommandService<S> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            retry: self.retry,
            queue: Arc::clone(&self.queue),
            policies: Arc::clone(&self.policies),
            lists: self.lists.clone(),
        }
    }
}

/// What one attempt ended with.
enum Attempt {
    Done(CommandOutcome),
    Retry,
}

impl<S: CustomerStore> CommandService<S> {
    /// A service over `store`, with the default tenant policy (see [`Self::with_tenant_policies`]).
    pub fn new(store: Arc<S>, retry: RetryPolicy) -> Self {
        Self {
            store,
            retry,
            queue: Arc::default(),
            policies: Arc::default(),
            lists: crate::screening::ScreeningLists::default(),
        }
    }

    /// The same service under `policies` (retention periods and dormancy, per tenant).
    #[must_use]
    pub fn with_tenant_policies(mut self, policies: TenantPolicies) -> Self {
        self.policies = Arc::new(policies);
        self
    }

    /// The service screening against `lists` (shared: an import replaces them for every
    /// clone).
    #[must_use]
    pub fn with_screening_lists(mut self, lists: crate::screening::ScreeningLists) -> Self {
        self.lists = lists;
        self
    }

    /// The lists the service screens against.
    pub fn screening_lists(&self) -> &crate::screening::ScreeningLists {
        &self.lists
    }

    /// The tenants' record-keeping policies the service decides under.
    pub fn tenant_policies(&self) -> &TenantPolicies {
        &self.policies
    }

    /// Executes `command` for the caller in `ctx`: carried out or refused. With an
    /// idempotency key, a repeat of the same request gets the stored outcome and executes
    /// nothing; the same key with another request is refused.
    #[tracing::instrument(skip_all, fields(op = C::SPEC.name, request_id = %ctx.request_id, customer_guid))]
    pub async fn execute<C: Command>(&self, ctx: &RequestContext, command: C) -> CommandOutcome {
        if !ctx.principal.has(command.scope()) {
            return Err(AppError::Forbidden(command.scope()).refusal());
        }
        let prepared = prepare(&command).map_err(|error| error.refusal())?;
        let fingerprint = fingerprint(&command);
        // Commands on an existing customer wait for this process's earlier writers to it.
        let _turn = match command.customer_guid() {
            Some(guid) => Some(self.queue.turn(guid).await),
            None => None,
        };
        for attempt in 0..self.retry.max_attempts {
            match self.attempt(ctx, &command, &prepared, &fingerprint).await {
                Ok(Attempt::Done(outcome)) => return outcome,
                Ok(Attempt::Retry) => {
                    tracing::debug!(attempt, "concurrent modification; retrying");
                    tokio::time::sleep(self.retry.delay(attempt)).await;
                }
                Err(error) => return Err(error.refusal()),
            }
        }
        Err(AppError::ConcurrentModification.refusal())
    }

    async fn attempt<C: Command>(
        &self,
        ctx: &RequestContext,
        command: &C,
        prepared: &Prepared,
        fingerprint: &str,
    ) -> Result<Attempt, AppError> {
        let mut tx = self.store.begin().await?;
        // Decide and append first: the events must be the transaction's first write (see
        // `ports`). The idempotency claim follows; a concurrent duplicate blocks on it until
        // this transaction ends, then finds the stored answer and rolls its own work back.
        let outcome = match self
            .decide_and_append(&mut tx, ctx, command, prepared)
            .await
        {
            Ok(executed) => Ok(executed),
            Err(AppError::ConcurrentModification) => return Ok(Attempt::Retry),
            // Refusals are outcomes like any other: a retry must see the same one.
            Err(
                error @ (AppError::Domain(_) | AppError::NotFound | AppError::DuplicateExternalId),
            ) => Err(error.refusal()),
            Err(error) => return Err(error),
        };
        if let Some(key) = &ctx.idempotency_key {
            let scope = idempotency_scope(ctx);
            match tx
                .claim_idempotency(&scope, key, fingerprint, ctx.received_at)
                .await?
            {
                IdempotencyClaim::Fresh => tx.complete_idempotency(&scope, key, &outcome).await?,
                // Dropping the transaction rolls back what this attempt wrote.
                IdempotencyClaim::Replay(first) => return Ok(Attempt::Done(first)),
                IdempotencyClaim::Mismatch => return Err(AppError::IdempotencyMismatch),
            }
        } else if outcome.is_err() {
            // Nothing was written; let the transaction roll back.
            return Ok(Attempt::Done(outcome));
        }
        match tx.commit().await {
            Ok(()) => Ok(Attempt::Done(outcome)),
            Err(StoreFailure::Conflict) => Ok(Attempt::Retry),
            Err(failure) => Err(failure.into()),
        }
    }

    async fn decide_and_append<C: Command>(
        &self,
        tx: &mut S::Transaction,
        ctx: &RequestContext,
        command: &C,
        prepared: &Prepared,
    ) -> Result<Executed, AppError> {
        let bank_guid = ctx.principal.bank_guid();
        let customer_guid = command
            .customer_guid()
            .unwrap_or_else(|| CustomerGuid::from_uuid(prepared.new_customer));
        tracing::Span::current().record("customer_guid", tracing::field::display(customer_guid));
        // The current state, not the history: the store may answer from its snapshot, so a
        // long-lived customer costs about as much as a new one. The store also remembers the
        // chain link it read here, and links the appended events after it.
        let mut customer = tx.load_current(customer_guid).await?.customer;
        if customer.record().is_some_and(|r| r.bank_guid != bank_guid) {
            // Another tenant's customer is indistinguishable from a missing one.
            return Err(AppError::NotFound);
        }
        let mut server = ServerValues {
            customer_guid,
            bank_guid,
            new_id: prepared.new_id,
            at: ctx.received_at,
            content: prepared.content.clone(),
            policy: self.policies.policy(bank_guid),
            lists: self.lists.current(),
            identity_matches: Vec::new(),
            actor: actor_of(ctx)?,
        };
        let mut events = decide(&customer, command, &server)?;
        // Duplicate detection: the tax and identification numbers this command gives, looked
        // up in the tenant's blind index (a read, so before the append). The domain decides
        // again knowing who else holds them, and flags each new match as an event.
        let (identity_kinds, identity_values) = identity_changes(&events);
        let identifying: Vec<IdentityValue> = identity_values
            .iter()
            .filter(|value| value.kind.identifies())
            .cloned()
            .collect();
        if !identifying.is_empty() {
            let matches = tx.identity_matches(bank_guid, &identifying).await?;
            if matches.iter().any(|m| m.customer_guid != customer_guid) {
                server.identity_matches = matches;
                events = decide(&customer, command, &server)?;
            }
        }
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
        let to_append = stamp(ctx, &events);
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
        if events
            .iter()
            .any(|e| matches!(e, CustomerEvent::CustomerErased { .. }))
        {
            // In the same transaction as the event: the contents and stored answers go with it.
            tx.erase_customer_data(bank_guid, customer_guid).await?;
        }
        // The blind index follows the values the command changed (erasure deletes the rows).
        if !identity_kinds.is_empty() {
            tx.index_identity(bank_guid, customer_guid, &identity_kinds, &identity_values)
                .await?;
        }
        if let (Some(content), Some(described)) = (command.content(), &prepared.content) {
            let document_guid = DocumentGuid::from_uuid(prepared.new_id);
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
        Ok(Executed {
            created: C::SPEC.creates,
            created_guid: crate::outcome::created_guid(&events),
            customer: Box::new(
                CustomerDto::new(record, ctx.include_pii())
                    .with_retention(record, server.policy.retention),
            ),
        })
    }
}

/// The caller as the domain's actor: the token's `sub`, and whether it may give a senior
/// approval.
fn actor_of(ctx: &RequestContext) -> Result<kyc_domain::customer::Actor, AppError> {
    Ok(kyc_domain::customer::Actor {
        id: kyc_domain::customer::ActorId::parse(ctx.principal.subject()).ok_or_else(|| {
            AppError::Malformed("the caller's subject is not a usable actor id".into())
        })?,
        senior: ctx.principal.has(crate::Scope::CustomersApproveHighRisk),
    })
}

/// Decides `command` on `customer` with the server's values.
fn decide<C: Command>(
    customer: &kyc_domain::Customer,
    command: &C,
    server: &ServerValues,
) -> Result<Vec<kyc_domain::CustomerEvent>, AppError> {
    command.precondition(customer, server)?;
    let screener = crate::screening::TenantScreener {
        snapshot: &server.lists,
        policy: &server.policy.screening,
    };
    let context = kyc_domain::customer::DecisionContext {
        actor: Some(&server.actor),
        risk: Some(&server.policy.risk),
        screener: Some(&screener),
    };
    match customer.decide_with(command.to_domain(server)?, &context) {
        Ok(events) => Ok(events),
        Err(CustomerError::NotFound) => Err(AppError::NotFound),
        Err(CustomerError::SeniorApprovalRequired) => {
            Err(AppError::Forbidden(crate::Scope::CustomersApproveHighRisk))
        }
        Err(refusal) => Err(refusal.into()),
    }
}

/// The identity values the events give, and the kinds they replace: a creation's, or a
/// change's (only the changed kinds).
fn identity_changes(
    events: &[kyc_domain::CustomerEvent],
) -> (Vec<IdentityKind>, Vec<IdentityValue>) {
    let mut kinds = Vec::new();
    let mut values = Vec::new();
    for event in events {
        let details = match event {
            kyc_domain::CustomerEvent::CustomerCreated { details, .. } => details,
            kyc_domain::CustomerEvent::CustomerDetailsUpdated { changes, .. } => changes,
            _ => continue,
        };
        kinds.extend(details.identity_kinds());
        values.extend(details.identity_values());
    }
    kinds.sort();
    kinds.dedup();
    (kinds, values)
}

/// Pairs each event with its metadata: who acted, through which request. The hash-chain link
/// is left empty: the store sets it when it appends (see [`crate::chain`]), over the payload
/// as it stores it.
pub fn stamp(
    ctx: &RequestContext,
    events: &[kyc_domain::CustomerEvent],
) -> Vec<(kyc_domain::CustomerEvent, EventMetadata)> {
    events
        .iter()
        .map(|event| {
            (
                event.clone(),
                EventMetadata {
                    actor: ctx.principal.subject().to_owned(),
                    bank_guid: ctx.principal.bank_guid().to_string(),
                    request_id: ctx.request_id.clone(),
                    idempotency_key: ctx.idempotency_key.clone(),
                    source: ctx.source,
                    occurred_at: ctx.received_at,
                    chain: None,
                    hash: String::new(),
                },
            )
        })
        .collect()
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

/// A digest of the whole request, to tell a retry from a different request under the same
/// idempotency key.
fn fingerprint<C: Command>(command: &C) -> String {
    let value = serde_json::json!({
        "op": C::SPEC.name,
        "command": serde_json::to_value(command).unwrap_or_default(),
    });
    hex::encode(Sha256::digest(canonical_json(&value).as_bytes()))
}

fn prepare<C: Command>(command: &C) -> Result<Prepared, AppError> {
    let content = match command.content() {
        Some(content) => {
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
        None => None,
    };
    Ok(Prepared {
        new_customer: uuid::Uuid::now_v7(),
        new_id: uuid::Uuid::now_v7(),
        content,
    })
}
