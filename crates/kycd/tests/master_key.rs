//! The master key file (issue #12): kycd refuses to start without a usable key — missing,
//! malformed, or not the key the database was written with — with a message that says what to
//! do, a non-zero exit and nothing written; `kycctl keys generate` adds a key without losing
//! the old ones; `kycctl keys rotate` re-wraps every data key under the current key, after
//! which the old key can be removed; and a rotation racing an erasure leaves the key destroyed.
//! Also the benchmark-only clear-storage flag: no data key, names in clear, everything reads.

// Test code: a panic is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::Parser as _;
use kyc_crypto::{DataKey, KekFuture, KeyEncryptionKeys, LocalKeyFile, WrappedKey};
use kyc_store::keys::{CustomerKeys, KeyState, RotationReport};
use sqlx::{ConnectOptions as _, PgPool};
use support::{individual, token, Api, ChildKycd, Env, ALL, BANK_A, SECRET};

/// A directory of this test's own under the temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kyc-master-key-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The id and the base64 key of a key-file line.
fn split(line: &str) -> (&str, &str) {
    line.split_once(':').unwrap()
}

/// A database name that exists nowhere (the testkit drops `kyc_test_<pid>_*` leftovers).
fn unused_database() -> String {
    format!(
        "kyc_test_{}_{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

async fn database_exists(name: &str) -> bool {
    let admin = PgPool::connect(&kyc_testkit::servers::admin_url().await)
        .await
        .unwrap();
    let exists = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(&admin)
        .await
        .unwrap();
    admin.close().await;
    exists
}

/// kycd's arguments for a database that need not exist (created at start when allowed), on the
/// tests' server.
async fn args_for_new_database(name: &str) -> Vec<String> {
    let url = kyc_testkit::servers::admin_url()
        .await
        .parse::<sqlx::postgres::PgConnectOptions>()
        .unwrap()
        .database(name)
        .to_url_lossy()
        .to_string();
    [
        "--database-url",
        &url,
        "--create-database",
        "true",
        "--jwt-secret",
        SECRET,
        "--listen",
        "127.0.0.1:0",
        "--log",
        "info",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// Runs the kycd binary, which must exit by itself within a minute; its status and output.
async fn kycd_exits(
    args: &[String],
    key_file: Option<&Path>,
) -> (std::process::ExitStatus, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kycd"));
    command
        .args(args)
        .env_remove("KYC_MASTER_KEY_FILE")
        .env_remove("KYC_LOG")
        .kill_on_drop(true);
    if let Some(path) = key_file {
        command.arg("--master-key-file").arg(path);
    }
    let output = tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("kycd kept running: it should have refused to start")
        .unwrap();
    let log = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    (output.status, log.into_owned())
}

/// `env`'s kycd arguments without the master key file.
fn without_key(env: &Env) -> Vec<String> {
    let mut args = env.args("127.0.0.1:0".parse().unwrap());
    let at = args.iter().position(|a| a == "--master-key-file").unwrap();
    args.drain(at..=at + 1);
    args
}

/// Rows of every table a start could write to.
async fn row_counts(pool: &PgPool) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in [
        "events",
        "customer_keys",
        "keyring",
        "customer_views",
        "checkpoints",
        "idempotency_records",
        "_sqlx_migrations",
    ] {
        let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .unwrap();
        counts.push((table, count));
    }
    counts
}

async fn kycctl(args: &[&str]) -> anyhow::Result<std::process::ExitCode> {
    let cli =
        kycctl::Cli::try_parse_from(std::iter::once("kycctl").chain(args.iter().copied())).unwrap();
    kycctl::run(cli).await
}

#[tokio::test]
async fn a_missing_key_file_stops_kycd_before_the_database_is_created() {
    let database = unused_database();
    let (status, log) = kycd_exits(&args_for_new_database(&database).await, None).await;
    assert!(
        !status.success(),
        "kycd started without a master key:\n{log}"
    );
    assert!(log.contains("KYC_MASTER_KEY_FILE"), "{log}");
    assert!(log.contains("kycctl keys generate"), "{log}");
    assert!(
        !database_exists(&database).await,
        "kycd created database {database} before refusing"
    );
}

#[tokio::test]
async fn a_malformed_key_file_names_the_file_and_line_and_never_the_key() {
    let dir = scratch("malformed");
    let good = kyc_crypto::generate_key_line("good");
    let short = format!(
        "short:{}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [7u8; 16])
    );
    for (bad, reason) in [
        (short.as_str(), "32 bytes"),
        ("garbled:c2VjcmV0!!c2VjcmV0", "base64"),
    ] {
        let file = dir.join("master.key");
        std::fs::write(&file, format!("# comment\n{good}\n{bad}\n")).unwrap();
        let database = unused_database();
        let (status, log) = kycd_exits(&args_for_new_database(&database).await, Some(&file)).await;
        assert!(!status.success(), "kycd started with {bad:?}:\n{log}");
        assert!(log.contains(&file.display().to_string()), "{log}");
        assert!(log.contains("line 3"), "{log}");
        assert!(log.contains(reason), "{log}");
        for secret in [split(&good).1, split(bad).1] {
            assert!(!log.contains(secret), "key material in the output:\n{log}");
        }
        assert!(!database_exists(&database).await, "{database} was created");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_stops_kycd_with_the_mismatch_and_writes_nothing() {
    let env = Env::new().await;
    {
        let kycd = ChildKycd::start(&env).await;
        let api = Api::new(&kycd.base, token(BANK_A, ALL));
        api.post("/api/customers", &individual()).await.expect(201);
    } // killed: nothing runs from here on
    let before = row_counts(&env.db.pool).await;
    assert!(before.iter().any(|(t, n)| *t == "customer_keys" && *n == 1));

    let dir = scratch("wrong");
    let (test_id, _) = split(kyc_testkit::keys::TEST_KEY_LINE);
    let same_id_other_key = format!("{test_id}:{}", split(&kyc_crypto::generate_key_line("x")).1);
    let other_id = kyc_crypto::generate_key_line("other");
    for (line, expected) in [
        (same_id_other_key.as_str(), "does not open the data keys"),
        (
            other_id.as_str(),
            "which the master key file does not contain",
        ),
    ] {
        let file = dir.join("master.key");
        std::fs::write(&file, format!("{line}\n")).unwrap();
        let (status, log) = kycd_exits(&without_key(&env), Some(&file)).await;
        assert!(!status.success(), "kycd started with a wrong key:\n{log}");
        assert!(log.contains(expected), "{log}");
        assert!(log.contains(test_id), "the message names the key id: {log}");
        assert!(
            !log.contains(split(line).1),
            "key material in the output:\n{log}"
        );
        assert_eq!(
            row_counts(&env.db.pool).await,
            before,
            "a refused start wrote"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
    env.drop_stream().await;
}

/// The `kek_id` of every live customer key.
async fn customer_kek_ids(pool: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT customer_guid, kek_id FROM customer_keys WHERE kek_id IS NOT NULL ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

fn person(first: &str) -> serde_json::Value {
    let mut body = individual();
    body["name"]["first"] = first.into();
    body
}

/// Creates `n` people whose first names start with `name`: (guid, first name).
async fn create_people(api: &Api, name: &str, n: usize) -> Vec<(String, String)> {
    let mut people = Vec::new();
    for i in 0..n {
        let first = format!("{name}{i}");
        let guid = api
            .post("/api/customers", &person(&first))
            .await
            .expect(201)
            .guid();
        people.push((guid, first));
    }
    people
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_rewraps_every_key_after_which_the_old_key_can_go() {
    let dir = scratch("rotation");
    let file = dir.join("master.key");
    let line_a = kyc_crypto::generate_key_line("a");
    let id_a = split(&line_a).0.to_owned();
    std::fs::write(&file, format!("{line_a}\n")).unwrap();
    let mut env = Env::new().await;
    env.master_key_file = Some(file.clone());
    let pool = env.db.pool.clone();
    let mut people = Vec::new();

    // Key A alone.
    {
        let kycd = ChildKycd::start(&env).await;
        let api = Api::new(&kycd.base, token(BANK_A, ALL));
        people.extend(create_people(&api, "Anna", 3).await);
    }
    assert!(customer_kek_ids(&pool)
        .await
        .iter()
        .all(|(_, id)| *id == id_a));

    // `generate --out` puts B first and keeps A.
    let file_arg = file.to_string_lossy().into_owned();
    kycctl(&["keys", "generate", "--out", &file_arg, "--prefix", "b"])
        .await
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[1], line_a);
    let line_b = lines[0].to_owned();
    let id_b = split(&line_b).0.to_owned();
    assert!(id_b.starts_with("b-"), "{id_b}");

    // [B, A]: new customers' keys are wrapped by B, the old ones still open; then rotate.
    {
        let kycd = ChildKycd::start(&env).await;
        let api = Api::new(&kycd.base, token(BANK_A, ALL));
        let newcomers = create_people(&api, "Bert", 2).await;
        for (guid, _) in &newcomers {
            let kek: String =
                sqlx::query_scalar("SELECT kek_id FROM customer_keys WHERE customer_guid = $1")
                    .bind(guid)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            assert_eq!(kek, id_b);
        }
        people.extend(newcomers);
        let old = customer_kek_ids(&pool)
            .await
            .into_iter()
            .filter(|(_, id)| *id == id_a)
            .count();
        assert_eq!(old, 3);

        let url = env.db.url.clone();
        kycctl(&[
            "--database-url",
            &url,
            "--master-key-file",
            &file_arg,
            "keys",
            "rotate",
            "--batch",
            "2",
        ])
        .await
        .unwrap();
    }
    let ids = customer_kek_ids(&pool).await;
    assert_eq!(ids.len(), 5);
    assert!(ids.iter().all(|(_, id)| *id == id_b), "{ids:?}");
    let keyring: Vec<String> = sqlx::query_scalar("SELECT kek_id FROM keyring")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(
        !keyring.is_empty(),
        "the blind indexes' secret is in the keyring"
    );
    assert!(keyring.iter().all(|id| *id == id_b), "{keyring:?}");

    // A removed: kycd starts on B alone and reads everyone.
    std::fs::write(&file, format!("{line_b}\n")).unwrap();
    {
        let kycd = ChildKycd::start(&env).await;
        let api = Api::new(&kycd.base, token(BANK_A, ALL));
        for (guid, first) in &people {
            let read = api
                .get(&format!("/api/customers/{guid}?include_pii=true"))
                .await
                .expect(200);
            assert_eq!(read.json["name"]["first"], first.as_str(), "{}", read.json);
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
    env.drop_stream().await;
}

/// The key-encryption keys of `inner`, which erase `victim` (destroy its data key, committed
/// on a connection of its own) the first time its key is unwrapped once armed: between the
/// rotation's page read and its update of that row.
#[derive(Debug)]
struct EraseWhileUnwrapping {
    inner: LocalKeyFile,
    pool: PgPool,
    eraser: CustomerKeys,
    victim: String,
    armed: AtomicBool,
}

impl KeyEncryptionKeys for EraseWhileUnwrapping {
    fn current_kek_id(&self) -> &str {
        self.inner.current_kek_id()
    }

    fn wrap<'a>(&'a self, data_key: &'a DataKey, context: &'a [u8]) -> KekFuture<'a, WrappedKey> {
        self.inner.wrap(data_key, context)
    }

    fn unwrap<'a>(&'a self, wrapped: &'a WrappedKey, context: &'a [u8]) -> KekFuture<'a, DataKey> {
        Box::pin(async move {
            let victims = context == format!("customer:{}", self.victim).as_bytes();
            if victims && self.armed.swap(false, Ordering::SeqCst) {
                let mut conn = self.pool.acquire().await.unwrap();
                self.eraser
                    .destroy(&mut conn, BANK_A, &self.victim)
                    .await
                    .unwrap();
            }
            self.inner.unwrap(wrapped, context).await
        })
    }
}

#[tokio::test]
async fn a_key_destroyed_during_rotation_stays_destroyed() {
    let db = kyc_testkit::fresh_database().await;
    let line_a = kyc_crypto::generate_key_line("a");
    let line_b = kyc_crypto::generate_key_line("b");
    let keys_a = CustomerKeys::new(Arc::new(
        LocalKeyFile::parse(Path::new("a"), &line_a).unwrap(),
    ));
    let guids: Vec<String> = (0..3)
        .map(|_| uuid::Uuid::now_v7().simple().to_string())
        .collect();
    for guid in &guids {
        assert!(matches!(
            keys_a.ensure(&db.pool, BANK_A, guid).await.unwrap(),
            KeyState::Active(_)
        ));
    }
    keys_a
        .keyring_secret(&db.pool, "test-secret")
        .await
        .unwrap();
    let victim = guids[1].clone();
    let both = LocalKeyFile::parse(Path::new("b,a"), &format!("{line_b}\n{line_a}")).unwrap();
    let racing = Arc::new(EraseWhileUnwrapping {
        inner: both,
        pool: db.pool.clone(),
        eraser: keys_a.clone(),
        victim: victim.clone(),
        armed: AtomicBool::new(true),
    });
    let keys = CustomerKeys::new(Arc::clone(&racing) as Arc<dyn KeyEncryptionKeys>);

    let report = keys.rotate(&db.pool, 10).await.unwrap();
    assert!(
        !racing.armed.load(Ordering::SeqCst),
        "the erasure never ran"
    );
    assert_eq!(
        report,
        RotationReport {
            customer_keys: 2,
            keyring_entries: 1,
            skipped_destroyed: 1,
        }
    );
    let (kek_id, wrapped, destroyed): (Option<String>, Option<Vec<u8>>, bool) = sqlx::query_as(
        "SELECT kek_id, wrapped_key, destroyed_at IS NOT NULL FROM customer_keys WHERE customer_guid = $1",
    )
    .bind(&victim)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((kek_id, wrapped, destroyed), (None, None, true));
    let id_b = split(&line_b).0;
    let live = customer_kek_ids(&db.pool).await;
    assert_eq!(live.len(), 2);
    assert!(live.iter().all(|(_, id)| id == id_b), "{live:?}");
    let only_b = CustomerKeys::new(Arc::new(
        LocalKeyFile::parse(Path::new("b"), &line_b).unwrap(),
    ));
    assert!(matches!(
        only_b.get(&db.pool, &victim).await.unwrap(),
        KeyState::Destroyed
    ));
    only_b.check(&db.pool).await.unwrap();
}

#[tokio::test]
async fn generate_keeps_the_old_lines_and_makes_new_files_private() {
    let dir = scratch("generate");
    let file = dir.join("kyc-master.key");
    let path = file.to_string_lossy().into_owned();
    kycctl(&["keys", "generate", "--out", &path]).await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let first = std::fs::read_to_string(&file).unwrap();
    assert_eq!(first.lines().count(), 1);
    // A hand-written file with a comment: both survive, the new key goes first.
    std::fs::write(&file, format!("# the old key\n{first}")).unwrap();
    kycctl(&["keys", "generate", "--out", &path]).await.unwrap();
    let second = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = second.lines().collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[1], "# the old key");
    assert_eq!(lines[2], first.trim_end());
    let parsed = LocalKeyFile::load(&file).unwrap();
    assert_eq!(parsed.current_kek_id(), split(lines[0]).0);
    assert_eq!(parsed.kek_ids().len(), 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmark_only_flag_stores_personal_data_in_clear_and_reads_it_back() {
    let env = Env::new().await;
    let mut argv = vec!["kycd".to_owned()];
    argv.extend(env.args("127.0.0.1:0".parse().unwrap()));
    argv.push("--unsafe-store-personal-data-in-clear-for-benchmarks".to_owned());
    let config = kycd::Config::try_parse_from(argv).unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let (bound, address) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(kycd::run(config, shutdown.clone(), Some(bound)));
    let address = tokio::time::timeout(Duration::from_secs(30), address)
        .await
        .unwrap()
        .unwrap();
    let api = Api::new(&format!("http://{address}"), token(BANK_A, ALL));
    let guid = create_people(&api, "Clara", 1).await.remove(0).0;
    let document = api
        .upload(&guid, serde_json::json!({ "type": "passport" }))
        .await;
    api.accept(&guid, &document).await;

    let read = api
        .get(&format!("/api/customers/{guid}?include_pii=true"))
        .await
        .expect(200);
    assert_eq!(read.json["name"]["first"], "Clara0", "{}", read.json);
    let content = api
        .http
        .get(format!(
            "{}/api/customers/{guid}/documents/{document}/content",
            api.base
        ))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(content.status(), 200);
    assert_eq!(&content.bytes().await.unwrap()[..], support::PDF);
    let pool = &env.db.pool;
    let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM customer_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(keys, 0, "no data key is made");
    let clear: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_id = $1 AND payload::text LIKE '%Clara0%'",
    )
    .bind(&guid)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(clear, 1, "the creation's payload holds the name in clear");
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(15), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    env.drop_stream().await;
}
