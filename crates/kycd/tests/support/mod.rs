//! Shared by the end-to-end tests: kycd in-process or as a child process over a fresh database
//! and a stream and subject prefix of its own, an HTTP client with tokens, a private
//! nats-server, and the checks that compare the event log with the stream.
//!
//! Nothing here skips: a missing PostgreSQL or NATS fails the test with the command that
//! starts it.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use async_nats::jetstream;
use base64::Engine as _;
use kyc_nats::envelope::CloudEvent;
// The request bodies every kycd test shares with kyc-http's; each test binary uses a subset.
#[allow(unused_imports)]
pub use kyc_testkit::fixtures::{
    address_body as address, associate_body as associate, business_body as business,
    individual_body as individual,
};
use kyc_testkit::TestDatabase;
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub const SECRET: &str = "kycd-e2e-test-secret-0123456789";
pub const BANK_A: &str = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7d";
pub const BANK_B: &str = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7e";
pub const ALL: &str = "customers:read customers:write customers:execute customers:pii:read customers:review customers:freeze customers:close customers:erase screening:read";
/// The NATS server tests share: the machine's on 127.0.0.1:4222, or one this test process
/// started (see `kyc_testkit::servers`).
pub async fn shared_nats_url() -> String {
    kyc_testkit::servers::nats_url().await
}
/// The smallest PDF the content sniffer recognises.
pub const PDF: &[u8] = b"%PDF-1.4\n%kyc e2e test document\n";

/// Polls `probe` every 20 ms until it yields a value; panics with `what` after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A token for `bank` with `scope`, valid for an hour.
pub fn token(bank: &str, scope: &str) -> String {
    token_for("e2e-tester", bank, scope)
}

/// [`token`] for the actor `sub`.
pub fn token_for(sub: &str, bank: &str, scope: &str) -> String {
    let exp = u64::try_from(chrono::Utc::now().timestamp()).unwrap() + 3600;
    kyc_http::mint_hs256(
        SECRET.as_bytes(),
        &kyc_http::Claims {
            sub: sub.into(),
            bank_guid: bank.into(),
            scope: scope.into(),
            exp,
        },
    )
    .unwrap()
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free local port")
}

/// What one kycd needs: a fresh database, and a stream and subject prefix no other test uses.
#[derive(Debug, Clone)]
pub struct Env {
    pub db: TestDatabase,
    pub stream: String,
    pub prefix: String,
    pub nats_url: String,
    /// kycd's master key file; the tests' key file ([`kyc_testkit::keys::test_key_file`])
    /// when `None`.
    pub master_key_file: Option<PathBuf>,
}

impl Env {
    /// A fresh environment on the shared NATS server, which must be running.
    pub async fn new() -> Self {
        shared_nats().await;
        Self::with_nats(&shared_nats_url().await).await
    }

    /// A fresh environment whose kycd talks to `nats_url` (which need not be up).
    pub async fn with_nats(nats_url: &str) -> Self {
        let db = kyc_testkit::fresh_database().await;
        let tag = uuid::Uuid::now_v7().simple().to_string();
        Self {
            db,
            stream: format!("KYC_E2E_{tag}"),
            prefix: format!("kyce2e.{tag}"),
            nats_url: nats_url.to_owned(),
            master_key_file: None,
        }
    }

    /// kycd's command line for this environment, listening on `listen`.
    pub fn args(&self, listen: SocketAddr) -> Vec<String> {
        let master_key_file = self
            .master_key_file
            .clone()
            .unwrap_or_else(kyc_testkit::keys::test_key_file);
        [
            "--database-url",
            &self.db.url,
            "--create-database",
            "false",
            "--db-max-connections",
            "8",
            "--nats-url",
            &self.nats_url,
            "--nats-stream",
            &self.stream,
            "--nats-subject-prefix",
            &self.prefix,
            "--listen",
            &listen.to_string(),
            "--jwt-secret",
            SECRET,
            "--master-key-file",
            &master_key_file.to_string_lossy(),
            "--log",
            "warn",
            "--log-format",
            "json",
            "--shutdown-grace",
            "2s",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect()
    }

    /// Starts kycd in this process on a random port.
    pub async fn start(&self) -> InProcess {
        use clap::Parser as _;
        let mut argv = vec!["kycd".to_owned()];
        argv.extend(self.args("127.0.0.1:0".parse().unwrap()));
        let config = kycd::Config::try_parse_from(argv).expect("kycd arguments");
        let shutdown = CancellationToken::new();
        let (bound, address) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(kycd::run(config, shutdown.clone(), Some(bound)));
        let address = match tokio::time::timeout(Duration::from_secs(30), address).await {
            Ok(Ok(address)) => address,
            Ok(Err(_)) => panic!("kycd stopped before listening: {:?}", task.await),
            Err(elapsed) => panic!("kycd did not listen within 30 s ({elapsed})"),
        };
        InProcess {
            base: format!("http://{address}"),
            shutdown,
            task: Some(task),
        }
    }

    /// Deletes this environment's stream from the shared server (if it was created).
    pub async fn drop_stream(&self) {
        if self.nats_url == shared_nats_url().await {
            let _ = jetstream::new(shared_nats().await)
                .delete_stream(&self.stream)
                .await;
        }
    }

    /// Every (customer guid, sequence) in the event log.
    pub async fn logged(&self) -> BTreeSet<(String, i64)> {
        logged(&self.db.pool).await
    }
}

/// kycd running inside the test process.
pub struct InProcess {
    pub base: String,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl InProcess {
    /// Stops it gracefully and reports how it ended.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            match tokio::time::timeout(Duration::from_secs(15), task).await {
                Ok(Ok(Ok(()))) => {}
                Ok(outcome) => panic!("kycd ended badly: {outcome:?}"),
                Err(elapsed) => panic!("kycd did not stop within 15 s ({elapsed})"),
            }
        }
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// kycd as a child process, which can be killed (`SIGKILL`) and restarted on the same port.
pub struct ChildKycd {
    pub port: u16,
    pub base: String,
    args: Vec<String>,
    log: PathBuf,
    child: Option<Child>,
    pub starts: u32,
}

impl ChildKycd {
    /// Starts the kycd binary for `env` on a free port; returns once `/healthz` answers.
    pub async fn start(env: &Env) -> Self {
        let port = free_port();
        let listen: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let log = std::env::temp_dir().join(format!("kycd-e2e-{}-{port}.log", env.stream));
        let mut kycd = Self {
            port,
            base: format!("http://{listen}"),
            args: env.args(listen),
            log,
            child: None,
            starts: 0,
        };
        kycd.spawn();
        kycd.wait_healthy().await;
        kycd
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("kycd log file");
        let child = Command::new(env!("CARGO_BIN_EXE_kycd"))
            .args(&self.args)
            .env_remove("KYC_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("cannot start the kycd binary");
        self.child = Some(child);
        self.starts += 1;
    }

    /// Waits until `/healthz` answers, failing early if the process died.
    pub async fn wait_healthy(&mut self) {
        let client = reqwest::Client::new();
        let url = format!("{}/healthz", self.base);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "kycd exited with {status} while starting; log:\n{}",
                        self.log_tail()
                    );
                }
            }
            if let Ok(reply) = client
                .get(&url)
                .timeout(Duration::from_secs(1))
                .send()
                .await
            {
                if reply.status().is_success() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "kycd on port {} not healthy within 30 s; log:\n{}",
                self.port,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL kycd");
            child.wait().expect("reap kycd");
        }
    }

    /// Starts it again on the same port, database and stream.
    pub async fn restart(&mut self) {
        self.kill();
        self.spawn();
        self.wait_healthy().await;
    }

    /// How the process ended, or `None` while it runs.
    pub fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|child| child.try_wait().ok().flatten())
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for ChildKycd {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// An answer: status, headers and the parsed JSON body (`Null` if none).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
}

impl Reply {
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "unexpected answer: {}", self.json);
        self
    }

    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> Self {
        assert_eq!(self.status, status, "unexpected answer: {}", self.json);
        assert_eq!(self.json["message_code"], code, "{}", self.json);
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn guid(&self) -> String {
        self.json["guid"]
            .as_str()
            .unwrap_or_else(|| panic!("no guid in {}", self.json))
            .to_owned()
    }
}

/// An HTTP client for one kycd base URL and one token.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, token: String) -> Self {
        Self {
            base: base.to_owned(),
            token,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        }
    }

    /// One request; `Err` only when no HTTP answer arrived (connection refused or reset).
    pub async fn try_send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Reply, reqwest::Error> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        Ok(Reply {
            status,
            headers,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        })
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.try_send(method, path, body, headers)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"))
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send("POST", path, Some(body), &[]).await
    }

    /// Uploads a PDF as base64 JSON; returns the new document's guid.
    pub async fn upload(&self, guid: &str, fields: Value) -> String {
        let reply = self
            .post(
                &format!("/api/customers/{guid}/documents"),
                &document(fields),
            )
            .await
            .expect(201);
        newest_document(&reply.json)
    }

    pub async fn accept(&self, guid: &str, document: &str) {
        self.post(
            &format!("/api/customers/{guid}/documents/{document}/review"),
            &json!({ "decision": "accept" }),
        )
        .await
        .expect(200);
    }
}

/// The document upload body: `fields` plus a base64 PDF.
pub fn document(mut fields: Value) -> Value {
    fields["content_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(PDF));
    fields
}

/// The newest document of a customer answer (ids are UUID v7, listed in id order).
pub fn newest_document(customer: &Value) -> String {
    customer["documents"]
        .as_array()
        .and_then(|d| d.last())
        .and_then(|d| d["guid"].as_str())
        .unwrap_or_else(|| panic!("no documents in {customer}"))
        .to_owned()
}

/// A client of the shared NATS server.
pub async fn shared_nats() -> async_nats::Client {
    let url = shared_nats_url().await;
    match async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(3))
        .connect(url.as_str())
        .await
    {
        Ok(client) => client,
        Err(e) => panic!("cannot reach the tests' NATS at {url}: {e}"),
    }
}

/// Every (customer guid, sequence) in the event log.
pub async fn logged(pool: &PgPool) -> BTreeSet<(String, i64)> {
    sqlx::query_as::<_, (String, i64)>("SELECT aggregate_id, sequence FROM events")
        .fetch_all(pool)
        .await
        .expect("reading the event log")
        .into_iter()
        .collect()
}

/// How many messages the stream holds (0 when it does not exist yet).
pub async fn stream_count(js: &jetstream::Context, stream: &str) -> u64 {
    match js.get_stream(stream).await {
        Ok(mut stream) => stream.info().await.map_or(0, |info| info.state.messages),
        Err(_) => 0,
    }
}

/// Every message of the stream in stream order: (subject, envelope, raw payload).
pub async fn stream_contents(
    js: &jetstream::Context,
    stream: &str,
) -> Vec<(String, CloudEvent, String)> {
    use futures::StreamExt as _;
    let mut handle = js.get_stream(stream).await.expect("the stream exists");
    let info = handle.info().await.expect("stream info");
    let last = info.state.last_sequence;
    let handle = &handle;
    futures::stream::iter(1..=last)
        .map(|sequence| async move {
            let message = handle
                .get_raw_message(sequence)
                .await
                .unwrap_or_else(|e| panic!("stream message {sequence}: {e}"));
            let raw = String::from_utf8(message.payload.to_vec()).unwrap();
            let event: CloudEvent = serde_json::from_str(&raw)
                .unwrap_or_else(|e| panic!("stream message {sequence} is no CloudEvent: {e}"));
            (message.subject.to_string(), event, raw)
        })
        .buffered(32)
        .collect()
        .await
}

/// Waits until the stream holds as many messages as the log holds events and the relay has
/// saved its checkpoint at the log's last event: it then has nothing left to publish, so the
/// counts are final (a duplicate published late shows in [`assert_stream_matches_log`]).
pub async fn wait_for_drain(
    pool: &PgPool,
    js: &jetstream::Context,
    stream: &str,
    timeout: Duration,
) {
    let checkpoint_name = kyc_nats::RelayConfig {
        stream: stream.to_owned(),
        ..kyc_nats::RelayConfig::default()
    }
    .checkpoint_name();
    let deadline = Instant::now() + timeout;
    loop {
        let logged = logged(pool).await.len() as u64;
        let published = stream_count(js, stream).await;
        let last: i64 = sqlx::query_scalar("SELECT coalesce(max(global_position), 0) FROM events")
            .fetch_one(pool)
            .await
            .expect("reading the log's last position");
        let checkpoint = kyc_log::read_checkpoint(pool, &checkpoint_name)
            .await
            .expect("reading the relay's checkpoint");
        if logged == published && checkpoint >= last {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the relay did not drain within {timeout:?}: {published} messages in the stream, \
             {logged} events in the log, checkpoint {checkpoint} of {last}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What [`assert_stream_matches_log`] counted.
#[derive(Debug)]
pub struct Tally {
    pub events: usize,
    pub customers: usize,
}

/// The stream holds exactly the log: the same (guid, sequence) set, no duplicates, each
/// customer's messages in sequence order and contiguous from 1, global positions rising.
pub async fn assert_stream_matches_log(
    pool: &PgPool,
    js: &jetstream::Context,
    stream: &str,
) -> Tally {
    let logged = logged(pool).await;
    let messages = stream_contents(js, stream).await;
    let published: Vec<(String, i64)> = messages
        .iter()
        .map(|(_, e, _)| (e.subject.clone(), e.sequence))
        .collect();
    let unique: BTreeSet<(String, i64)> = published.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        published.len(),
        "the stream holds {} duplicate messages",
        published.len() - unique.len()
    );
    let missing: Vec<_> = logged.difference(&unique).take(10).collect();
    let extra: Vec<_> = unique.difference(&logged).take(10).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "stream and log differ: missing from the stream {missing:?}, not in the log {extra:?}"
    );
    let mut previous: BTreeMap<&str, i64> = BTreeMap::new();
    let mut last_position = i64::MIN;
    for (subject, event, _) in &messages {
        let before = previous.insert(&event.subject, event.sequence).unwrap_or(0);
        assert_eq!(
            event.sequence,
            before + 1,
            "customer {}: sequence {} follows {before} in the stream",
            event.subject,
            event.sequence
        );
        assert!(
            event.globalposition > last_position,
            "global positions fall at {subject}"
        );
        last_position = event.globalposition;
        assert_eq!(event.id, format!("{}:{}", event.subject, event.sequence));
    }
    // kycctl verify's view: each customer's log is contiguous from 1.
    let mut per_customer: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (guid, sequence) in &logged {
        per_customer.entry(guid).or_default().push(*sequence);
    }
    for (guid, sequences) in &per_customer {
        let expected: Vec<i64> = (1..=i64::try_from(sequences.len()).unwrap()).collect();
        assert_eq!(sequences, &expected, "customer {guid}'s log has gaps");
    }
    Tally {
        events: logged.len(),
        customers: per_customer.len(),
    }
}

/// A nats-server of the test's own (JetStream, file storage in a temporary directory), which
/// the test may kill and restart without disturbing anyone else.
pub struct PrivateNats {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl PrivateNats {
    /// Picks a port and a directory; does not start the server.
    pub fn new() -> Self {
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("kyc-e2e-nats-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            port,
            dir,
            child: None,
        }
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The machine's `nats-server`, or the pinned one the testkit installs.
    fn binary() -> PathBuf {
        static BINARY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
        BINARY
            .get_or_init(kyc_testkit::servers::nats_server_binary)
            .clone()
    }

    /// Starts (or restarts) the server on its port and directory; returns once it accepts
    /// connections.
    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "the private nats-server already runs");
        let child = Command::new(Self::binary())
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", Self::binary().display()));
        self.child = Some(child);
        let url = self.url();
        eventually(Duration::from_secs(15), "the private nats-server", || {
            let url = url.clone();
            async move {
                let client = async_nats::connect(url).await.ok()?;
                client.flush().await.ok()
            }
        })
        .await;
    }

    /// SIGKILL.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
