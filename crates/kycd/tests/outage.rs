//! PostgreSQL lost while kycd runs: requests get 503 with `Retry-After` (and no database
//! text), `/readyz` reports the database, and kycd recovers by itself when it returns. The
//! outage is a TCP proxy between kycd and PostgreSQL that the test cuts and restores, so the
//! shared server keeps running for the other tests. Also: kycd refuses to start, with a clear
//! message and a non-zero exit, when PostgreSQL cannot be reached at all.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{eventually, individual, token, Api, Env, ALL, BANK_A};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinSet;

/// A TCP proxy to PostgreSQL that can be cut (all connections dropped, new ones refused).
struct Proxy {
    port: u16,
    open: Arc<AtomicBool>,
    connections: Arc<Mutex<JoinSet<()>>>,
}

impl Proxy {
    /// A proxy in front of `server` (`host:port`).
    async fn start(server: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(Mutex::new(JoinSet::new()));
        let (accept_open, accept_connections) = (Arc::clone(&open), Arc::clone(&connections));
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if !accept_open.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused by closing it
                }
                let server = server.clone();
                accept_connections.lock().await.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(server.as_str()).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Self {
            port,
            open,
            connections,
        }
    }

    async fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.connections.lock().await.abort_all();
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_lost_while_running_gives_503_and_recovers_by_itself() {
    let mut env = Env::new().await;
    // The test database's server, as its URL names it (`127.0.0.1:<port>`).
    let server = env
        .db
        .url
        .split('@')
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let proxy = Proxy::start(server.clone()).await;
    env.db.url = env
        .db
        .url
        .replace(&server, &format!("127.0.0.1:{}", proxy.port));
    let kycd = env.start().await;
    let api = Api::new(&kycd.base, token(BANK_A, ALL));
    api.post("/api/customers", &individual()).await.expect(201);

    proxy.cut().await;
    let refused = eventually(
        Duration::from_secs(20),
        "a 503 while PostgreSQL is away",
        || async {
            let reply = api
                .send("POST", "/api/customers", Some(&individual()), &[])
                .await;
            (reply.status == 503).then_some(reply)
        },
    )
    .await;
    assert_eq!(refused.header("retry-after"), Some("5"));
    assert_eq!(refused.json["message_code"], "service_unavailable");
    let body = refused.json.to_string();
    assert!(
        !body.contains("connection") && !body.contains("sqlx"),
        "database text leaked: {body}"
    );
    let ready = api.get("/readyz").await;
    assert_eq!(ready.status, 503, "{:?}", ready.json);
    assert!(
        ready.json.to_string().contains("database"),
        "{:?}",
        ready.json
    );

    proxy.restore();
    eventually(
        Duration::from_secs(30),
        "kycd to recover after PostgreSQL returned",
        || async {
            let reply = api
                .send("POST", "/api/customers", Some(&individual()), &[])
                .await;
            (reply.status == 201).then_some(())
        },
    )
    .await;
    assert_eq!(api.get("/readyz").await.status, 200);
    kycd.stop().await;
    env.drop_stream().await;
}

#[tokio::test]
async fn kycd_refuses_to_start_without_postgres() {
    let closed = support::free_port();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_kycd"))
        .args([
            "--database-url",
            &format!("postgres://postgres@127.0.0.1:{closed}/kyc"),
            "--jwt-secret",
            support::SECRET,
            "--master-key-file",
            &kyc_testkit::keys::test_key_file().to_string_lossy(),
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success(), "kycd started without PostgreSQL");
    let log = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("cannot reach PostgreSQL"), "{log}");
}
