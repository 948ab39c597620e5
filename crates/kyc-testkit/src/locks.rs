//! Proof from PostgreSQL itself that a task is blocked on a lock.
//!
//! A test that sleeps and then checks that another task has not finished proves nothing on a
//! loaded machine: the task may never have reached the lock. These helpers instead poll
//! `pg_stat_activity` and `pg_locks` until a backend of the test's own database is waiting for
//! a lock (not granted, blocked by another backend) while running the expected statement. They
//! make no assertion about time; the overall deadline only turns a hang into a clear failure.

use std::time::Duration;

use sqlx::PgPool;

/// How long [`until_blocked`] waits before it fails: far beyond any lock wait a test sets up,
/// so that only a task that never blocks (a bug) reaches it, not a slow machine.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// Pause between two looks at `pg_stat_activity`: paces the polling, proves nothing.
const POLL: Duration = Duration::from_millis(10);

/// Backends of the current database, other than the asking one, that wait for a lock held by
/// another backend while running a statement containing `$1`.
const BLOCKED: &str = "
SELECT count(*)
  FROM pg_stat_activity a
 WHERE a.datname = current_database()
   AND a.pid <> pg_backend_pid()
   AND a.wait_event_type = 'Lock'
   AND cardinality(pg_blocking_pids(a.pid)) > 0
   AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted)
   AND strpos(a.query, $1) > 0";

/// What every backend of the database is doing: the failure message when nothing blocked.
const ACTIVITY: &str = "
SELECT format('pid %s %s wait %s/%s: %s', pid, state, coalesce(wait_event_type, '-'),
              coalesce(wait_event, '-'), left(regexp_replace(query, '\\s+', ' ', 'g'), 160))
  FROM pg_stat_activity
 WHERE datname = current_database() AND pid <> pg_backend_pid()";

/// Waits until at least `count` backends of `pool`'s database wait for a lock while running a
/// statement that contains `statement` (e.g. `"INSERT INTO events"`).
///
/// Each test has its own database ([`crate::fresh_database`]), so the backends found are the
/// test's own.
///
/// # Panics
///
/// When the database cannot be queried, or when fewer than `count` such backends are seen
/// within [`DEADLINE`]; the message lists what each backend was doing.
pub async fn until_blocked(pool: &PgPool, statement: &str, count: i64) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let blocked: i64 = match sqlx::query_scalar(BLOCKED)
            .bind(statement)
            .fetch_one(pool)
            .await
        {
            Ok(blocked) => blocked,
            Err(err) => panic!("cannot read pg_stat_activity: {err}"),
        };
        if blocked >= count {
            return;
        }
        if tokio::time::Instant::now() >= deadline {
            let activity: Vec<String> = sqlx::query_scalar(ACTIVITY)
                .fetch_all(pool)
                .await
                .unwrap_or_default();
            panic!(
                "expected {count} backend(s) waiting for a lock in a statement containing \
                 {statement:?}, saw {blocked} within {DEADLINE:?}; the database's backends:\n{}",
                activity.join("\n")
            );
        }
        tokio::time::sleep(POLL).await;
    }
}
