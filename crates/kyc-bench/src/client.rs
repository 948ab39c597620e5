//! The two ways of sending a command: HTTP/1.1 with keep-alive (one connection per client,
//! as a load balancer's upstream would hold) and NATS request/reply.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::Value;

/// A command of the onboarding workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Create a customer.
    Create,
    /// Change details.
    Update,
    /// Upload a document.
    SubmitDocument,
    /// Accept or reject a document.
    ReviewDocument,
    /// Verify the customer.
    Verify,
}

impl Op {
    /// The NATS subject token.
    fn nats(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::SubmitDocument => "submit_document",
            Op::ReviewDocument => "review_document",
            Op::Verify => "verify",
        }
    }
}

/// One command to send.
#[derive(Debug, Clone)]
pub struct Command<'a> {
    /// What to do.
    pub op: Op,
    /// The customer (all but create).
    pub customer: Option<&'a str>,
    /// The document (review).
    pub document: Option<&'a str>,
    /// The body (the HTTP body; `data` over NATS).
    pub data: Value,
    /// `X-Request-Id`.
    pub request_id: Option<String>,
}

/// An answer: its HTTP status (`Kyc-Status` over NATS) and body.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body (`Null` when empty or not JSON).
    pub body: Value,
}

impl Reply {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Something that sends commands.
pub trait Transport: Send {
    /// Sends one command and waits for its answer.
    fn send(&mut self, command: Command<'_>) -> impl Future<Output = anyhow::Result<Reply>> + Send;
}

/// One keep-alive HTTP/1.1 connection to kycd.
pub struct HttpClient {
    addr: SocketAddr,
    authorization: String,
    sender: SendRequest<Full<Bytes>>,
}

impl HttpClient {
    /// Opens a connection; `token` is the bearer token (empty for none).
    pub async fn connect(addr: SocketAddr, token: &str) -> anyhow::Result<Self> {
        Ok(Self {
            addr,
            authorization: format!("Bearer {token}"),
            sender: Self::open(addr).await?,
        })
    }

    async fn open(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to kycd at {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP handshake")?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<Reply> {
        self.request(Method::GET, path, None, None).await
    }

    /// Sends one request, reconnecting once if the connection was closed.
    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        request_id: Option<&str>,
    ) -> anyhow::Result<Reply> {
        if self.sender.ready().await.is_err() {
            self.sender = Self::open(self.addr).await?;
        }
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, self.addr.to_string())
            .header(AUTHORIZATION, &self.authorization);
        if let Some(id) = request_id {
            builder = builder.header("X-Request-Id", id);
        }
        let payload = match body {
            Some(value) => {
                builder = builder.header(CONTENT_TYPE, "application/json");
                Bytes::from(serde_json::to_vec(value)?)
            }
            None => Bytes::new(),
        };
        let response = self
            .sender
            .send_request(builder.body(Full::new(payload))?)
            .await
            .context("HTTP request")?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok(Reply {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        })
    }
}

impl Transport for HttpClient {
    async fn send(&mut self, command: Command<'_>) -> anyhow::Result<Reply> {
        let customer = command.customer.unwrap_or_default();
        let (method, path) = match command.op {
            Op::Create => (Method::POST, "/api/customers".to_owned()),
            Op::Update => (Method::PATCH, format!("/api/customers/{customer}")),
            Op::SubmitDocument => (Method::POST, format!("/api/customers/{customer}/documents")),
            Op::ReviewDocument => (
                Method::POST,
                format!(
                    "/api/customers/{customer}/documents/{}/review",
                    command.document.unwrap_or_default()
                ),
            ),
            Op::Verify => (Method::POST, format!("/api/customers/{customer}/verify")),
        };
        self.request(
            method,
            &path,
            Some(&command.data),
            command.request_id.as_deref(),
        )
        .await
    }
}

/// NATS request/reply to the `kyc` service of one tenant.
#[derive(Clone)]
pub struct NatsClient {
    client: async_nats::Client,
    /// `<prefix>.<bank>.cmd.customer`.
    subject: String,
    /// `Bearer <token>`, sent on every request as over HTTP.
    authorization: String,
}

impl NatsClient {
    /// Requests on `<prefix>.<bank>.cmd.customer.<op>`, authenticated with `token` (a token
    /// for `bank`).
    pub fn new(client: async_nats::Client, prefix: &str, bank: &str, token: &str) -> Self {
        Self {
            client,
            subject: format!("{prefix}.{bank}.cmd.customer"),
            authorization: format!("Bearer {token}"),
        }
    }
}

impl Transport for NatsClient {
    async fn send(&mut self, command: Command<'_>) -> anyhow::Result<Reply> {
        let mut envelope = serde_json::Map::new();
        if let Some(customer) = command.customer {
            envelope.insert("customer_guid".into(), customer.into());
        }
        if let Some(document) = command.document {
            envelope.insert("document_guid".into(), document.into());
        }
        if command.op != Op::Verify {
            envelope.insert("data".into(), command.data);
        }
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Authorization", self.authorization.as_str());
        if let Some(id) = &command.request_id {
            headers.insert("X-Request-Id", id.as_str());
        }
        let request = async_nats::Request::new()
            .payload(serde_json::to_vec(&envelope)?.into())
            .headers(headers)
            .timeout(Some(Duration::from_secs(30)));
        let message = self
            .client
            .send_request(format!("{}.{}", self.subject, command.op.nats()), request)
            .await
            .context("NATS request")?;
        let status = message
            .headers
            .as_ref()
            .and_then(|h| h.get("Kyc-Status"))
            .and_then(|v| v.as_str().parse().ok())
            .unwrap_or(0);
        Ok(Reply {
            status,
            body: serde_json::from_slice(&message.payload).unwrap_or(Value::Null),
        })
    }
}
