//! Wake-ups for tailing readers.
//!
//! Writers announce their commits with [`CommitAnnouncer`], which sends
//! `pg_notify('kyc_events', '')` *after* the writing transaction has committed, from a
//! connection of its own. It is only a hint: the woken reader may still find nothing below its
//! horizon (an older transaction is still running), that older transaction's end may announce
//! nothing, and a hint can be lost with its connection. Tailers therefore wait for a
//! notification *or* a short timeout, then call [`crate::read_after`].

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener};
use sqlx::{ConnectOptions, PgConnection, PgPool};
use tokio::sync::Notify;
use tokio_util::task::AbortOnDropHandle;

use crate::LogError;

/// The notification channel of the event log.
pub const EVENTS_CHANNEL: &str = "kyc_events";

/// How long the announcer waits before reconnecting after its connection failed. Tailers
/// poll meanwhile, so nothing is missed, only noticed later.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// A listener (its own connection) subscribed to [`EVENTS_CHANNEL`].
pub async fn listen(pool: &PgPool) -> Result<PgListener, LogError> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(EVENTS_CHANNEL).await?;
    Ok(listener)
}

/// Discards every notification already received. A waiting reader catches up on everything
/// in one go, so one wake-up is enough however many commits notified; without draining, one
/// notification per commit would pile up faster than a busy reader consumes them.
pub fn drain_notifications(listener: &mut PgListener) {
    while listener.next_buffered().is_some() {}
}

/// How long a woken tailer waits before it reads: the commits of that moment then share one
/// read, one write and one checkpoint commit, instead of a batch per commit or two.
pub const GATHER: Duration = Duration::from_millis(5);

/// After a notification: waits [`GATHER`], then discards the notifications received meanwhile
/// (see [`drain_notifications`]).
pub async fn gather_notifications(listener: &mut PgListener) {
    tokio::time::sleep(GATHER).await;
    drain_notifications(listener);
}

/// Tells the event log's tailers, in every process, that events were committed.
///
/// The notification is sent outside the writing transaction on purpose. A `NOTIFY` inside it
/// (the trigger that migration 0008 drops) holds PostgreSQL's cluster-wide notify lock from
/// pre-commit until the commit record is flushed, so each writer waited for the previous
/// writer's fsync and commits could never share a flush: pgbench inserting one row managed
/// 630 transactions/s with a notify and 3,300 without, at ~290 µs per fsync. The slower the
/// disk's flush, the more it costs.
///
/// One background task per announcer sends the notifications, on a connection with
/// `synchronous_commit = off` (a hint lost in a crash only delays a tailer until its poll).
/// Announcements coalesce: however many commits announce while one notification is in
/// flight, one more notification follows it. The task starts with the first announcement and
/// stops when the last clone of the announcer is dropped.
#[derive(Debug, Clone)]
pub struct CommitAnnouncer {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    options: PgConnectOptions,
    pending: Arc<Notify>,
    task: OnceLock<AbortOnDropHandle<()>>,
}

impl CommitAnnouncer {
    /// An announcer that connects like `pool` does. Sends nothing until [`Self::announce`].
    pub fn new(pool: &PgPool) -> Self {
        let options = pool
            .connect_options()
            .as_ref()
            .clone()
            .application_name("kyc-announcer")
            .options([("synchronous_commit", "off")]);
        Self {
            shared: Arc::new(Shared {
                options,
                pending: Arc::new(Notify::new()),
                task: OnceLock::new(),
            }),
        }
    }

    /// Announces that events were committed. Returns at once; outside a Tokio runtime it
    /// does nothing (tailers still find the events when they poll).
    pub fn announce(&self) {
        if self.shared.task.get().is_none() {
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                return;
            };
            self.shared.task.get_or_init(|| {
                AbortOnDropHandle::new(runtime.spawn(send_announcements(
                    self.shared.options.clone(),
                    Arc::clone(&self.shared.pending),
                )))
            });
        }
        // Stores at most one permit: the coalescing described on the type.
        self.shared.pending.notify_one();
    }
}

/// Sends one notification per wake-up of `pending`, reconnecting after failures.
async fn send_announcements(options: PgConnectOptions, pending: Arc<Notify>) {
    let mut connection: Option<PgConnection> = None;
    loop {
        pending.notified().await;
        let sent = match connection.as_mut() {
            Some(open) => notify(open).await,
            None => match options.connect().await {
                Ok(mut open) => {
                    let sent = notify(&mut open).await;
                    connection = Some(open);
                    sent
                }
                Err(error) => Err(error),
            },
        };
        if let Err(error) = sent {
            tracing::warn!(%error, "cannot announce committed events; tailers will poll");
            connection = None;
            tokio::time::sleep(RECONNECT_PAUSE).await;
        }
    }
}

async fn notify(connection: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(EVENTS_CHANNEL)
        .execute(connection)
        .await
        .map(drop)
}
