//! Crash safety: thousands of commands from concurrent clients while kycd is killed
//! (`SIGKILL`) again and again. Clients retry with their `Idempotency-Key`, so every command executes once; the
//! relay must then have published exactly the event log — nothing missing, nothing twice, each
//! customer in sequence order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use serde_json::{json, Value};
use support::{
    assert_stream_matches_log, document, shared_nats, token, wait_for_drain, Api, ChildKycd, Env,
    ALL, BANK_A,
};

const COMMANDS: usize = 2_000;
const CLIENTS: usize = 4;
const KILLS: usize = 5;
/// Kills stop here, so that the clients then finish at full speed and the test stays short.
const MAX_KILLS: usize = 8;

/// What the clients and the killer share.
#[derive(Default)]
struct Load {
    commands: AtomicUsize,
    retries: AtomicUsize,
    kills: AtomicUsize,
    stop: AtomicBool,
    /// Every customer a create was acknowledged for.
    created: Mutex<BTreeSet<String>>,
}

impl Load {
    fn enough(&self) -> bool {
        self.commands.load(Ordering::SeqCst) >= COMMANDS
            && self.kills.load(Ordering::SeqCst) >= KILLS
    }
}

/// One client's customer and how far it got: each step is one command, one event.
struct Customer {
    guid: String,
    step: usize,
    documents: BTreeSet<String>,
    pending: Option<String>,
}

/// Sends one command until some kycd answers it; connection failures and 503s are retried
/// with the same Idempotency-Key, on the next base URL.
async fn command(
    apis: &[Api],
    load: &Load,
    turn: &mut usize,
    key: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        *turn += 1;
        let api = &apis[*turn % apis.len()];
        match api
            .try_send(method, path, body, &[("idempotency-key", key)])
            .await
        {
            Ok(reply) if reply.status == 503 => {}
            Ok(reply) => {
                assert!(
                    (200..300).contains(&reply.status),
                    "{method} {path} (key {key}) answered {}: {}",
                    reply.status,
                    reply.json
                );
                load.commands.fetch_add(1, Ordering::SeqCst);
                return reply.json;
            }
            Err(_) => {}
        }
        load.retries.fetch_add(1, Ordering::SeqCst);
        assert!(
            Instant::now() < deadline,
            "{method} {path} (key {key}) unanswered for 60 s"
        );
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}

/// A client: creates customers and walks them through documents, reviews, verification and
/// freeze/unfreeze, one command at a time, until the test has enough commands and kills.
async fn client(id: usize, bases: Vec<String>, load: Arc<Load>) {
    let apis: Vec<Api> = bases
        .iter()
        .map(|b| Api::new(b, token(BANK_A, ALL)))
        .collect();
    let mut rng = fastrand::Rng::with_seed(id as u64);
    let mut turn = id;
    let mut customers: Vec<Customer> = Vec::new();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut n = 0usize;
    while !load.enough() && !load.stop.load(Ordering::SeqCst) {
        n += 1;
        let key = format!("{run}-{id}-{n}");
        if customers.is_empty() || rng.u8(..100) < 25 {
            let created = command(
                &apis,
                &load,
                &mut turn,
                &key,
                "POST",
                "/api/customers",
                // Unique numbers: each customer is verified, and duplicates wait for a reviewer.
                Some(&kyc_testkit::fixtures::unique_individual_body()),
            )
            .await;
            let guid = created["guid"].as_str().unwrap().to_owned();
            load.created.lock().unwrap().insert(guid.clone());
            customers.push(Customer {
                guid,
                step: 0,
                documents: BTreeSet::new(),
                pending: None,
            });
            continue;
        }
        let customer = rng.choice(customers.iter_mut()).unwrap();
        let guid = customer.guid.clone();
        let (method, path, body) = match customer.step {
            0 => (
                "POST",
                format!("/api/customers/{guid}/documents"),
                Some(document(json!({ "type": "passport" }))),
            ),
            2 => (
                "POST",
                format!("/api/customers/{guid}/documents"),
                Some(document(json!({ "type": "liveness_report" }))),
            ),
            1 | 3 => (
                "POST",
                format!(
                    "/api/customers/{guid}/documents/{}/review",
                    customer.pending.clone().unwrap()
                ),
                Some(json!({ "decision": "accept" })),
            ),
            4 => ("POST", format!("/api/customers/{guid}/verify"), None),
            s if s % 2 == 1 => (
                "POST",
                format!("/api/customers/{guid}/freeze"),
                Some(json!({ "reason": "Suspicious activity reported" })),
            ),
            _ => ("POST", format!("/api/customers/{guid}/unfreeze"), None),
        };
        let answer = command(&apis, &load, &mut turn, &key, method, &path, body.as_ref()).await;
        if customer.step == 0 || customer.step == 2 {
            let documents: BTreeSet<String> = answer["documents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["guid"].as_str().unwrap().to_owned())
                .collect();
            let new: Vec<&String> = documents.difference(&customer.documents).collect();
            assert_eq!(new.len(), 1, "one new document expected: {answer}");
            customer.pending = Some(new[0].clone());
            customer.documents = documents;
        }
        customer.step += 1;
    }
}

/// SIGKILLs `victim` 50–400 ms after each time it became healthy, [`MAX_KILLS`] times or until
/// the clients are done; restarts it on the same port, database and stream each time.
async fn killer(
    mut victim: ChildKycd,
    load: Arc<Load>,
    clients_done: Arc<AtomicBool>,
) -> ChildKycd {
    let mut rng = fastrand::Rng::with_seed(7);
    while !clients_done.load(Ordering::SeqCst) && load.kills.load(Ordering::SeqCst) < MAX_KILLS {
        tokio::time::sleep(Duration::from_millis(rng.u64(50..=400))).await;
        if clients_done.load(Ordering::SeqCst) {
            break;
        }
        victim.kill();
        load.kills.fetch_add(1, Ordering::SeqCst);
        victim.restart().await;
    }
    victim
}

/// Runs the load against `bases` while killing `victim`; returns the load's counts.
async fn load_while_killing(
    bases: Vec<String>,
    victim: ChildKycd,
) -> (Arc<Load>, ChildKycd, Duration) {
    let started = Instant::now();
    let load = Arc::new(Load::default());
    let clients_done = Arc::new(AtomicBool::new(false));
    let killing = tokio::spawn(killer(victim, Arc::clone(&load), Arc::clone(&clients_done)));
    let mut clients = tokio::task::JoinSet::new();
    for id in 0..CLIENTS {
        clients.spawn(client(id, bases.clone(), Arc::clone(&load)));
    }
    let finished = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(joined) = clients.join_next().await {
            joined.expect("a client failed");
        }
    })
    .await;
    if finished.is_err() {
        load.stop.store(true, Ordering::SeqCst);
        panic!(
            "clients did not finish in 120 s: {} commands, {} kills",
            load.commands.load(Ordering::SeqCst),
            load.kills.load(Ordering::SeqCst)
        );
    }
    clients_done.store(true, Ordering::SeqCst);
    let victim = killing.await.expect("the killer failed");
    (load, victim, started.elapsed())
}

/// After the load: the relay drains, and the stream is exactly the log; every acknowledged
/// command executed once (its events exactly once) and every acknowledged create made one
/// customer.
async fn check(env: &Env, load: &Load, label: &str, elapsed: Duration) {
    let js = jetstream::new(shared_nats().await);
    let drain = Instant::now();
    wait_for_drain(&env.db.pool, &js, &env.stream, Duration::from_secs(60)).await;
    let tally = assert_stream_matches_log(&env.db.pool, &js, &env.stream).await;
    let commands = load.commands.load(Ordering::SeqCst);
    let created = load.created.lock().unwrap().clone();
    let logged_customers: BTreeSet<String> = env
        .logged()
        .await
        .into_iter()
        .map(|(guid, _)| guid)
        .collect();
    assert_eq!(
        created, logged_customers,
        "acknowledged creates and customers in the log differ"
    );
    // A label change leaves one event; a create leaves its event and the first risk rating.
    assert_eq!(
        tally.events,
        commands + created.len(),
        "each acknowledged command must leave exactly its events"
    );
    println!(
        "{label}: {commands} commands from {CLIENTS} clients, {} kills, {} retries, {} events of {} \
         customers in log and stream; load {:.1} s, drain {:.1} s",
        load.kills.load(Ordering::SeqCst),
        load.retries.load(Ordering::SeqCst),
        tally.events,
        tally.customers,
        elapsed.as_secs_f64(),
        drain.elapsed().as_secs_f64()
    );
    js.delete_stream(&env.stream).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_load_loses_and_duplicates_nothing() {
    let env = Env::new().await;
    let kycd = ChildKycd::start(&env).await;
    let bases = vec![kycd.base.clone()];
    let (load, kycd, elapsed) = load_while_killing(bases, kycd).await;
    assert!(load.kills.load(Ordering::SeqCst) >= KILLS);
    check(&env, &load, "one instance", elapsed).await;
    drop(kycd);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_one_killed_lose_and_duplicate_nothing() {
    let env = Env::new().await;
    let victim = ChildKycd::start(&env).await;
    let survivor = ChildKycd::start(&env).await;
    let bases = vec![victim.base.clone(), survivor.base.clone()];
    let (load, victim, elapsed) = load_while_killing(bases, victim).await;
    check(&env, &load, "two instances", elapsed).await;
    drop(victim);
    drop(survivor);
}
