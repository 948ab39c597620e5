//! The NATS request/reply service: every command and query of the HTTP API, as a NATS micro
//! service named `kyc` (discoverable with `$SRV.PING`, `$SRV.INFO`, `$SRV.STATS`).
//!
//! Subjects are `<prefix>.<bank_guid>.cmd.customer.<op>` and `<prefix>.<bank_guid>.query.customer.<op>`.
//! The tenant is the subject's second token, so NATS account permissions on subjects decide
//! which tenant a client may act for, and which operations: a client allowed only
//! `…query.customer.get` cannot write, and personal data is served only on the `*_with_pii`
//! subjects. Requests and replies use the HTTP API's DTOs and error codes; `X-Request-Id`,
//! `Idempotency-Key` and `Kyc-Actor` travel as NATS headers (the actor is recorded as
//! `nats:<Kyc-Actor>`, being the client's unauthenticated claim), and every reply carries
//! `Kyc-Status` (the HTTP status the same request would get).

use std::sync::Arc;

use async_nats::service::ServiceExt;
use async_nats::HeaderMap;
use base64::Engine;
use futures::StreamExt;
use kyc_app::ports::{CustomerStore, Cut};
use kyc_app::{
    Answer, AppError, CommandService, ListParams, Operation, Principal, QueryService,
    RequestContext, Source,
};
use kyc_domain::ids::{AssociateGuid, BankGuid, CustomerGuid, DocumentGuid};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use thiserror::Error;
use tokio_util::sync::CancellationToken;

/// Every scope but personal data: NATS subject permissions, not tokens, bound NATS callers.
const NATS_SCOPES: &str =
    "customers:read customers:write customers:execute customers:review customers:freeze";

/// Command operations, by subject token.
pub const COMMAND_OPS: [&str; 11] = [
    "create",
    "update",
    "submit_document",
    "review_document",
    "add_associate",
    "update_associate",
    "remove_associate",
    "verify",
    "reject",
    "freeze",
    "unfreeze",
];

/// Query operations, by subject token.
pub const QUERY_OPS: [&str; 6] = [
    "get",
    "get_with_pii",
    "list",
    "list_with_pii",
    "verification_profiles",
    "events",
];

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
    /// For `get`: the customer as it was at this instant.
    as_of: Option<chrono::DateTime<chrono::Utc>>,
    /// For `get`: the customer as it was at this log position.
    as_of_position: Option<i64>,
    data: Option<serde_json::Value>,
}

/// A document upload over NATS: the bytes travel base64-encoded.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentUpload {
    #[serde(rename = "type")]
    kind: Option<String>,
    associate_guid: Option<String>,
    file_name: Option<String>,
    content_base64: String,
}

/// The shared state of the service's handlers.
pub struct NatsApi<S> {
    commands: CommandService<S>,
    queries: QueryService<S>,
}

impl<S: CustomerStore> NatsApi<S> {
    /// An API over the application services.
    pub fn new(commands: CommandService<S>, queries: QueryService<S>) -> Self {
        Self { commands, queries }
    }

    /// Answers one request on `subject`.
    pub async fn handle(
        &self,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &[u8],
    ) -> (Answer, String) {
        let header = |name: &str| {
            headers
                .and_then(|h| h.get(name))
                .map(|v| v.as_str().to_owned())
        };
        let request_id = header("X-Request-Id")
            .filter(|id| valid_token(id, 128))
            .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
        let answer = match self.dispatch(subject, &header, &request_id, payload).await {
            Ok(answer) => answer,
            Err(error) => Answer::error(&error, &request_id),
        };
        (answer, request_id)
    }

    async fn dispatch(
        &self,
        subject: &str,
        header: &impl Fn(&str) -> Option<String>,
        request_id: &str,
        payload: &[u8],
    ) -> Result<Answer, AppError> {
        // <prefix…>.<bank>.<cmd|query>.customer.<op>: read from the end, the prefix may have dots.
        let tokens: Vec<&str> = subject.split('.').collect();
        let [.., bank, kind, "customer", op] = tokens.as_slice() else {
            return Err(AppError::Malformed(format!("unknown subject {subject}")));
        };
        let bank_guid = BankGuid::parse(bank)
            .map_err(|_| AppError::Malformed("the subject's tenant is not a guid".into()))?;
        let claimed = header("Kyc-Actor").unwrap_or_else(|| "anonymous".to_owned());
        if !valid_token(&claimed, 128) {
            return Err(AppError::Malformed(
                "Kyc-Actor must be 1-128 printable characters".into(),
            ));
        }
        // The header is the client's word, not an authenticated identity: the audit trail says
        // so, and the claim can neither pass for an HTTP actor nor share its idempotency scope.
        let actor = format!("nats:{claimed}");
        let idempotency_key = header("Idempotency-Key");
        if idempotency_key
            .as_deref()
            .is_some_and(|key| !valid_token(key, 255))
        {
            return Err(AppError::Malformed(
                "Idempotency-Key must be 1-255 printable characters".into(),
            ));
        }
        let pii = op.ends_with("_with_pii");
        let scopes = if pii {
            format!("{NATS_SCOPES} customers:pii:read")
        } else {
            NATS_SCOPES.to_owned()
        };
        let ctx = RequestContext {
            principal: Principal::new(actor, bank_guid, &scopes),
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
                .map_err(|e| AppError::Malformed(format!("request body: {e}")))?
        };
        match *kind {
            "cmd" => {
                let operation = operation(op, &envelope)?;
                Ok(self.commands.execute(&ctx, operation).await)
            }
            "query" => self.query(&ctx, op, &envelope).await,
            _ => Err(AppError::Malformed(format!("unknown subject {subject}"))),
        }
    }

    async fn query(
        &self,
        ctx: &RequestContext,
        op: &str,
        envelope: &Envelope,
    ) -> Result<Answer, AppError> {
        match op {
            "get" | "get_with_pii" => {
                let guid = customer_guid(envelope)?;
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
                Ok(Answer::ok(
                    200,
                    self.queries.customer(ctx, guid, cut).await?,
                ))
            }
            "list" | "list_with_pii" => {
                let params: ListParams = data_or_default(envelope)?;
                Ok(Answer::ok(200, self.queries.list(ctx, &params).await?))
            }
            // The same bodies as `GET …/verification_profiles` and `GET …/events`.
            "verification_profiles" => {
                let guid = customer_guid(envelope)?;
                let profiles = self.queries.verification_profiles(ctx, guid).await?;
                Ok(Answer::ok(
                    200,
                    serde_json::json!({ "verification_profiles": profiles }),
                ))
            }
            "events" => {
                let guid = customer_guid(envelope)?;
                let events = self.queries.audit_trail(ctx, guid).await?;
                Ok(Answer::ok(
                    200,
                    serde_json::json!({ "customer_guid": guid.to_string(), "events": events }),
                ))
            }
            other => Err(AppError::Malformed(format!(
                "unknown query operation {other}"
            ))),
        }
    }
}

fn valid_token(value: &str, max: usize) -> bool {
    !value.is_empty() && value.len() <= max && value.bytes().all(|b| b.is_ascii_graphic())
}

/// A malformed id in a request names no customer: answered like a missing one, as over HTTP.
fn customer_guid(envelope: &Envelope) -> Result<CustomerGuid, AppError> {
    let raw = envelope
        .customer_guid
        .as_deref()
        .ok_or_else(|| AppError::Malformed("customer_guid is required".into()))?;
    CustomerGuid::parse(raw).map_err(|_| AppError::NotFound)
}

fn document_guid(envelope: &Envelope) -> Result<DocumentGuid, AppError> {
    let raw = envelope
        .document_guid
        .as_deref()
        .ok_or_else(|| AppError::Malformed("document_guid is required".into()))?;
    DocumentGuid::parse(raw).map_err(|_| AppError::NotFound)
}

fn associate_guid(envelope: &Envelope) -> Result<AssociateGuid, AppError> {
    let raw = envelope
        .associate_guid
        .as_deref()
        .ok_or_else(|| AppError::Malformed("associate_guid is required".into()))?;
    AssociateGuid::parse(raw).map_err(|_| AppError::NotFound)
}

fn data<T: DeserializeOwned>(envelope: &Envelope) -> Result<T, AppError> {
    let value = envelope
        .data
        .clone()
        .ok_or_else(|| AppError::Malformed("data is required".into()))?;
    serde_json::from_value(value).map_err(|e| AppError::Malformed(format!("data: {e}")))
}

fn data_or_default<T: DeserializeOwned + Default>(envelope: &Envelope) -> Result<T, AppError> {
    match envelope.data {
        Some(_) => data(envelope),
        None => Ok(T::default()),
    }
}

fn operation(op: &str, envelope: &Envelope) -> Result<Operation, AppError> {
    Ok(match op {
        "create" => Operation::Create {
            draft: data(envelope)?,
        },
        "update" => Operation::UpdateDetails {
            customer_guid: customer_guid(envelope)?,
            draft: data(envelope)?,
        },
        "submit_document" => {
            let upload: DocumentUpload = data(envelope)?;
            let content = base64::engine::general_purpose::STANDARD
                .decode(upload.content_base64.as_bytes())
                .map_err(|e| AppError::Malformed(format!("data.content_base64: {e}")))?;
            Operation::SubmitDocument {
                customer_guid: customer_guid(envelope)?,
                draft: kyc_domain::customer::DocumentDraft {
                    kind: upload.kind,
                    associate_guid: upload.associate_guid,
                    file_name: upload.file_name,
                },
                content,
            }
        }
        "review_document" => Operation::ReviewDocument {
            customer_guid: customer_guid(envelope)?,
            document_guid: document_guid(envelope)?,
            draft: data(envelope)?,
        },
        "add_associate" => Operation::AddAssociate {
            customer_guid: customer_guid(envelope)?,
            draft: data(envelope)?,
        },
        "update_associate" => Operation::UpdateAssociate {
            customer_guid: customer_guid(envelope)?,
            associate_guid: associate_guid(envelope)?,
            draft: data(envelope)?,
        },
        "remove_associate" => Operation::RemoveAssociate {
            customer_guid: customer_guid(envelope)?,
            associate_guid: associate_guid(envelope)?,
        },
        "verify" => Operation::Verify {
            customer_guid: customer_guid(envelope)?,
        },
        "reject" => Operation::Reject {
            customer_guid: customer_guid(envelope)?,
            draft: data(envelope)?,
        },
        "freeze" => Operation::Freeze {
            customer_guid: customer_guid(envelope)?,
            draft: data(envelope)?,
        },
        "unfreeze" => Operation::Unfreeze {
            customer_guid: customer_guid(envelope)?,
        },
        other => {
            return Err(AppError::Malformed(format!(
                "unknown command operation {other}"
            )))
        }
    })
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
    for (kind, ops) in [
        ("cmd", COMMAND_OPS.as_slice()),
        ("query", QUERY_OPS.as_slice()),
    ] {
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
