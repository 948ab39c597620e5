//! The NATS request/reply service: every command and query of the HTTP API, as a NATS micro
//! service named `kyc` (discoverable with `$SRV.PING`, `$SRV.INFO`, `$SRV.STATS`).
//!
//! Subjects are `<prefix>.<bank_guid>.cmd.customer.<op>` and `<prefix>.<bank_guid>.query.customer.<op>`.
//! Command subjects come from the command registry (`kyc_app::commands`), so every command of
//! the HTTP API is here under its registered name; every operator queue
//! (`kyc_app::OperatorQueue`) is a query under its name. Requests and replies use the HTTP API's
//! DTOs, statuses and error bodies (`kyc_http::status_of`, `ErrorBody`); every reply carries
//! `Kyc-Status` (the HTTP status the same request would get).
//!
//! Callers authenticate exactly as over HTTP: every request carries `Authorization: Bearer
//! <JWT>` as a NATS header, checked by the same [`JwtVerifier`] kycd gives the HTTP API. The
//! token alone decides who the caller is and what it may do:
//! - no token, or one that does not verify (signature, expiry, claims) → 401 `unauthenticated`,
//!   before the body is read, so an unauthenticated caller learns nothing about its request;
//! - the subject's tenant must be the token's `bank_guid`, else 403 `forbidden` (the subject
//!   names a tenant, which an HTTP request never can, so naming the mismatch tells the caller
//!   nothing it did not send);
//! - scopes are the token's and are enforced where HTTP enforces them (commands in
//!   `CommandService::execute`, reads in `QueryService`); the `*_with_pii` subjects ask for
//!   personal data and answer 403 without `customers:pii:read`, where HTTP's
//!   `?include_pii=true` would silently leave it out (a subject that promises personal data
//!   should not answer without it);
//! - the actor recorded on events is the token's `sub`, as over HTTP; the metadata's source
//!   (`nats`) still tells the protocols apart.
//!
//! NATS subject permissions remain useful as defence in depth (and they must keep other clients
//! from subscribing to the request subjects, which carry the tokens), but they are no longer
//! the only control. `X-Request-Id` and `Idempotency-Key` travel as NATS headers; the
//! `Kyc-Actor` header of earlier versions is ignored.

use std::collections::HashMap;
use std::sync::Arc;

use async_nats::service::ServiceExt;
use async_nats::HeaderMap;
use futures::future::BoxFuture;
use futures::StreamExt;
use kyc_app::commands::{
    command_specs, visit_commands, BodyFormat, Command, CommandVisitor, Target,
};
use kyc_app::outcome::CommandOutcome;
use kyc_app::ports::{CustomerStore, Cut};
use kyc_app::{
    AppError, CommandService, FailureKind, ListParams, OperatorQueue, QueryService, QueueParams,
    Refusal, RequestContext, Scope, Source,
};
use kyc_domain::ids::{AssociateGuid, BankGuid, CustomerGuid, DocumentGuid};
use kyc_http::{status_of, ErrorBody, JwtVerifier};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio_util::sync::CancellationToken;

/// Command operations, by subject token: every registered command's name, then the older
/// names still answered.
pub fn command_ops() -> Vec<&'static str> {
    command_specs()
        .into_iter()
        .flat_map(|spec| std::iter::once(spec.name).chain(spec.legacy_names.iter().copied()))
        .collect()
}

/// The customer queries, and the ad hoc screening, by subject token.
const CUSTOMER_QUERY_OPS: [&str; 7] = [
    "get",
    "get_with_pii",
    "list",
    "list_with_pii",
    "verification_profiles",
    "events",
    "screen",
];

/// Query operations, by subject token: the customer queries, then every operator queue's name.
pub fn query_ops() -> Vec<&'static str> {
    CUSTOMER_QUERY_OPS
        .into_iter()
        .chain(OperatorQueue::ALL.map(OperatorQueue::as_str))
        .collect()
}

/// Requests handled at once; more wait in NATS rather than queueing for database connections.
const MAX_CONCURRENT_REQUESTS: usize = 64;

/// Why the service could not start.
#[derive(Debug, Error)]
#[error("nats service: {0}")]
pub struct ServiceError(String);

/// The request body: the target ids and the operation's data (the HTTP body).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    customer_guid: Option<String>,
    document_guid: Option<String>,
    associate_guid: Option<String>,
    /// For `resolve_screening_match`: the potential match.
    match_id: Option<String>,
    /// For `get`: the customer as it was at this instant.
    as_of: Option<chrono::DateTime<chrono::Utc>>,
    /// For `get`: the customer as it was at this log position.
    as_of_position: Option<i64>,
    data: Option<serde_json::Value>,
}

/// Runs one command from a request's ids and data.
type RunCommand<S> = for<'a> fn(
    &'a CommandService<S>,
    &'a RequestContext,
    Target,
    Option<serde_json::Value>,
) -> BoxFuture<'a, CommandOutcome>;

/// The registered commands by subject token, each with whether its success creates.
struct CommandTable<S> {
    by_name: HashMap<&'static str, (RunCommand<S>, bool)>,
}

impl<S: CustomerStore> CommandVisitor for CommandTable<S> {
    fn visit<C: Command>(&mut self) {
        for name in std::iter::once(C::SPEC.name).chain(C::SPEC.legacy_names.iter().copied()) {
            self.by_name
                .insert(name, (run_command::<S, C>, C::SPEC.creates));
        }
    }
}

/// Reads `C` from the request's ids and `data` (which commands without a required body may
/// leave out) and executes it.
fn run_command<'a, S: CustomerStore, C: Command>(
    commands: &'a CommandService<S>,
    ctx: &'a RequestContext,
    target: Target,
    data: Option<serde_json::Value>,
) -> BoxFuture<'a, CommandOutcome> {
    Box::pin(async move {
        let data = match (data, C::SPEC.body) {
            (Some(data), _) => data,
            (None, BodyFormat::Empty | BodyFormat::OptionalJson) => serde_json::json!({}),
            (None, BodyFormat::Json | BodyFormat::Upload) => {
                return Err(AppError::Malformed("data is required".into()).refusal())
            }
        };
        let body: C::Body = serde_json::from_value(data)
            .map_err(|e| AppError::Malformed(format!("data: {e}")).refusal())?;
        let command = C::from_request(&target, body).map_err(|error| error.refusal())?;
        commands.execute(ctx, command).await
    })
}

/// A reply: the status the same HTTP request would get, and the JSON body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    /// The HTTP status, sent as `Kyc-Status`.
    pub status: u16,
    /// The body: the HTTP API's answer.
    pub body: serde_json::Value,
}

impl Reply {
    fn ok(status: u16, body: &impl Serialize) -> Self {
        match serde_json::to_value(body) {
            Ok(body) => Self { status, body },
            Err(error) => Self::refused(
                &AppError::Internal(format!("serializing a reply: {error}")).refusal(),
                "",
            ),
        }
    }

    fn refused(refusal: &Refusal, request_id: &str) -> Self {
        let status = status_of(refusal.kind);
        let body = ErrorBody::new(status, refusal, request_id);
        Self {
            status: status.as_u16(),
            body: serde_json::to_value(body).unwrap_or_default(),
        }
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The shared state of the service's handlers.
pub struct NatsApi<S> {
    commands: CommandService<S>,
    queries: QueryService<S>,
    table: CommandTable<S>,
    auth: JwtVerifier,
}

impl<S: CustomerStore> NatsApi<S> {
    /// An API over the application services, authenticating callers with `auth` (the verifier
    /// the HTTP API uses, so that a token means the same on both).
    pub fn new(commands: CommandService<S>, queries: QueryService<S>, auth: JwtVerifier) -> Self {
        let mut table = CommandTable {
            by_name: HashMap::new(),
        };
        visit_commands(&mut table);
        Self {
            commands,
            queries,
            table,
            auth,
        }
    }

    /// Answers one request on `subject`; `headers` carry the caller's `Authorization`.
    pub async fn handle(
        &self,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &[u8],
    ) -> (Reply, String) {
        let header = |name: &str| {
            headers
                .and_then(|h| h.get(name))
                .map(|v| v.as_str().to_owned())
        };
        let request_id = header("X-Request-Id")
            .filter(|id| valid_token(id, 128))
            .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
        let reply = match self.dispatch(subject, &header, &request_id, payload).await {
            Ok(reply) => reply,
            Err(refusal) => Reply::refused(&refusal, &request_id),
        };
        (reply, request_id)
    }

    async fn dispatch(
        &self,
        subject: &str,
        header: &impl Fn(&str) -> Option<String>,
        request_id: &str,
        payload: &[u8],
    ) -> Result<Reply, Refusal> {
        // <prefix…>.<bank>.<cmd|query>.customer.<op>: read from the end, the prefix may have dots.
        let tokens: Vec<&str> = subject.split('.').collect();
        let [.., bank, kind, "customer", op] = tokens.as_slice() else {
            return Err(AppError::Malformed(format!("unknown subject {subject}")).refusal());
        };
        // Credentials first, as HTTP's extractor does: a caller without a valid token learns
        // nothing about its request, not even whether the body would parse. The verifier logs
        // only why a token failed, never the token.
        let principal = self
            .auth
            .verify_header(header("Authorization").as_deref())
            .map_err(|error| error.refusal())?;
        let bank_guid = BankGuid::parse(bank).map_err(|_| {
            AppError::Malformed("the subject's tenant is not a guid".into()).refusal()
        })?;
        if bank_guid != principal.bank_guid() {
            // 403, not HTTP's 404 for another tenant's customer: there the body names no
            // tenant and 404 hides which customers exist; here the caller wrote the tenant into
            // the subject, so saying the token is not for it reveals nothing.
            return Err(Refusal::new(
                FailureKind::Forbidden,
                "forbidden",
                "the token's bank_guid is not the subject's tenant",
            ));
        }
        let idempotency_key = header("Idempotency-Key");
        if idempotency_key
            .as_deref()
            .is_some_and(|key| !valid_token(key, 255))
        {
            return Err(AppError::Malformed(
                "Idempotency-Key must be 1-255 printable characters".into(),
            )
            .refusal());
        }
        let pii = op.ends_with("_with_pii");
        let ctx = RequestContext {
            principal,
            request_id: request_id.to_owned(),
            idempotency_key,
            source: Source::Nats,
            received_at: chrono::Utc::now(),
            include_pii: pii,
        };
        let envelope: Envelope = if payload.is_empty() {
            Envelope::default()
        } else {
            serde_json::from_slice(payload)
                .map_err(|e| AppError::Malformed(format!("request body: {e}")).refusal())?
        };
        match *kind {
            "cmd" => {
                let Some((run, creates)) = self.table.by_name.get(op) else {
                    return Err(
                        AppError::Malformed(format!("unknown command operation {op}")).refusal(),
                    );
                };
                let target = target(&envelope).map_err(|error| error.refusal())?;
                let executed = run(&self.commands, &ctx, target, envelope.data).await?;
                Ok(Reply::ok(
                    if *creates { 201 } else { 200 },
                    &executed.customer,
                ))
            }
            "query" => {
                // HTTP drops personal data silently when `include_pii=true` comes without the
                // scope; a `*_with_pii` subject promises it, so it refuses instead.
                if pii && !ctx.principal.has(Scope::CustomersPiiRead) {
                    return Err(AppError::Forbidden(Scope::CustomersPiiRead).refusal());
                }
                self.query(&ctx, op, &envelope)
                    .await
                    .map_err(|error| error.refusal())
            }
            _ => Err(AppError::Malformed(format!("unknown subject {subject}")).refusal()),
        }
    }

    async fn query(
        &self,
        ctx: &RequestContext,
        op: &str,
        envelope: &Envelope,
    ) -> Result<Reply, AppError> {
        match op {
            "get" | "get_with_pii" => {
                let guid = target(envelope)?.customer()?;
                let cut = match (envelope.as_of, envelope.as_of_position) {
                    (Some(_), Some(_)) => {
                        return Err(AppError::Malformed(
                            "give as_of or as_of_position, not both".into(),
                        ))
                    }
                    (Some(instant), None) => Some(Cut::Instant(instant)),
                    (None, Some(position)) => Some(Cut::Position(position)),
                    (None, None) => None,
                };
                Ok(Reply::ok(
                    200,
                    &self.queries.customer(ctx, guid, cut).await?,
                ))
            }
            "list" | "list_with_pii" => {
                let params: ListParams = data_or_default(envelope)?;
                Ok(Reply::ok(200, &self.queries.list(ctx, &params).await?))
            }
            // The same bodies as `GET …/verification_profiles` and `GET …/events`.
            "verification_profiles" => {
                let guid = target(envelope)?.customer()?;
                let profiles = self.queries.verification_profiles(ctx, guid).await?;
                Ok(Reply::ok(200, &profiles))
            }
            "events" => {
                let guid = target(envelope)?.customer()?;
                Ok(Reply::ok(200, &self.queries.audit_trail(ctx, guid).await?))
            }
            // The same body and answer as `POST /api/screenings` (`screening:read`).
            "screen" => {
                let request: kyc_app::dto::ScreeningRequest = data_or_default(envelope)?;
                Ok(Reply::ok(200, &self.queries.screen(ctx, &request)?))
            }
            // The same bodies as `GET /api/queues/<name>`, paged by `data: {page, per_page}`.
            other => match OperatorQueue::parse(other) {
                Some(queue) => {
                    let params: QueueParams = data_or_default(envelope)?;
                    Ok(Reply::ok(
                        200,
                        &self.queries.queue(ctx, queue, &params).await?,
                    ))
                }
                None => Err(AppError::Malformed(format!(
                    "unknown query operation {other}"
                ))),
            },
        }
    }
}

fn valid_token(value: &str, max: usize) -> bool {
    !value.is_empty() && value.len() <= max && value.bytes().all(|b| b.is_ascii_graphic())
}

/// The ids the envelope names; a malformed one names nothing, as over HTTP.
fn target(envelope: &Envelope) -> Result<Target, AppError> {
    Ok(Target {
        customer: envelope
            .customer_guid
            .as_deref()
            .map(|raw| CustomerGuid::parse(raw).map_err(|_| AppError::NotFound))
            .transpose()?,
        document: envelope
            .document_guid
            .as_deref()
            .map(|raw| DocumentGuid::parse(raw).map_err(|_| AppError::NotFound))
            .transpose()?,
        associate: envelope
            .associate_guid
            .as_deref()
            .map(|raw| AssociateGuid::parse(raw).map_err(|_| AppError::NotFound))
            .transpose()?,
        screening_match: envelope.match_id.clone(),
    })
}

/// The envelope's `data` as `T`, or `T::default()` without one.
fn data_or_default<T: DeserializeOwned + Default>(envelope: &Envelope) -> Result<T, AppError> {
    match &envelope.data {
        Some(value) => T::deserialize(value).map_err(|e| AppError::Malformed(format!("data: {e}"))),
        None => Ok(T::default()),
    }
}

/// Runs the `kyc` micro service until `shutdown` is cancelled. Each request is handled in its
/// own task; a queue group spreads requests over every running kycd.
pub async fn serve<S: CustomerStore>(
    client: async_nats::Client,
    api: Arc<NatsApi<S>>,
    prefix: &str,
    shutdown: CancellationToken,
) -> Result<(), ServiceError> {
    let service = client
        .service_builder()
        .description("kyc customer onboarding: commands and queries")
        .queue_group("kyc")
        .start("kyc", env!("CARGO_PKG_VERSION"))
        .await
        .map_err(|e| ServiceError(e.to_string()))?;
    let mut endpoints = Vec::new();
    for (kind, ops) in [("cmd", command_ops()), ("query", query_ops())] {
        for op in ops {
            let endpoint = service
                .endpoint_builder()
                .name(format!("{kind}_{op}"))
                .add(format!("{prefix}.*.{kind}.customer.{op}"))
                .await
                .map_err(|e| ServiceError(e.to_string()))?;
            endpoints.push(endpoint);
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_REQUESTS));
    for mut endpoint in endpoints {
        let api = Arc::clone(&api);
        let shutdown = shutdown.clone();
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            let mut in_flight = tokio::task::JoinSet::new();
            loop {
                let request = tokio::select! {
                    () = shutdown.cancelled() => break,
                    request = endpoint.next() => match request { Some(request) => request, None => break },
                };
                let Ok(permit) = Arc::clone(&permits).acquire_owned().await else { break };
                // Reap finished handlers so the set does not grow.
                while in_flight.try_join_next().is_some() {}
                let api = Arc::clone(&api);
                in_flight.spawn(async move {
                    let _permit = permit;
                    let (answer, request_id) = api
                        .handle(request.message.subject.as_str(), request.message.headers.as_ref(), &request.message.payload)
                        .await;
                    let mut headers = HeaderMap::new();
                    headers.insert("Kyc-Status", answer.status.to_string().as_str());
                    headers.insert("X-Request-Id", request_id.as_str());
                    if !answer.is_success() {
                        // The error body is the reply; the standard headers let generic micro
                        // clients see the failure too.
                        headers.insert("Nats-Service-Error-Code", answer.status.to_string().as_str());
                        let code = answer.body.get("message_code").and_then(|c| c.as_str()).unwrap_or("error");
                        headers.insert("Nats-Service-Error", code);
                    }
                    let body = serde_json::to_vec(&answer.body).unwrap_or_default();
                    if let Err(error) = request.respond_with_headers(Ok(body.into()), headers).await {
                        tracing::warn!(%error, "could not send a NATS reply");
                    }
                });
            }
            // Requests already taken are answered before the service stops.
            while in_flight.join_next().await.is_some() {}
        });
    }
    shutdown.cancelled().await;
    while tasks.join_next().await.is_some() {}
    service
        .stop()
        .await
        .map_err(|e| ServiceError(e.to_string()))?;
    Ok(())
}
