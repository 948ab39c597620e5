//! The relay: publishes the event log to JetStream, in order, with nothing lost or duplicated.
//!
//! Every publish carries `Nats-Expected-Last-Sequence`, so the stream accepts a message only
//! directly after the one before it: the stream is always an exact prefix of the log in
//! position order. On start (and after any error) the relay asks the stream for its last
//! message and resumes right after that message's position. Hence a relay killed between a
//! publish and its checkpoint neither re-publishes (the stream already has it) nor skips, and
//! two relays racing each other cannot interleave — beyond the `Nats-Msg-Id` dedup window too.
//!
//! One relay is active at a time: it holds a PostgreSQL session advisory lock, which the server
//! releases when the holder's connection dies, letting a standby instance take over.

use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage as Publish};
use sqlx::{PgConnection, PgPool};
use thiserror::Error;
use tokio_util::sync::CancellationToken;

use crate::envelope::{envelope, subject, CloudEvent, EnvelopeError};

/// Relay settings.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// JetStream stream name.
    pub stream: String,
    /// Subject prefix; subjects are `<prefix>.<bank>.customer.<guid>.<event>`.
    pub subject_prefix: String,
    /// Events read and published per round.
    pub batch_size: i64,
    /// How often to look for events when no notification arrives.
    pub poll_interval: Duration,
    /// The stream's `Nats-Msg-Id` duplicate window.
    pub duplicate_window: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            stream: "KYC_EVENTS".to_owned(),
            subject_prefix: "kyc.v1".to_owned(),
            batch_size: 500,
            poll_interval: Duration::from_millis(250),
            duplicate_window: Duration::from_secs(10 * 60),
        }
    }
}

impl RelayConfig {
    /// The relay's checkpoint name.
    pub fn checkpoint_name(&self) -> String {
        format!("relay:{}", self.stream)
    }

    /// The advisory lock key that elects the active relay for this stream.
    fn lock_key(&self) -> i64 {
        // FNV-1a: stable across builds and platforms, unlike std's hasher.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.checkpoint_name().bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        i64::from_ne_bytes(hash.to_ne_bytes())
    }

    fn subjects(&self) -> Vec<String> {
        vec![format!("{}.*.customer.*.*", self.subject_prefix)]
    }
}

/// Why relaying failed (it is retried; nothing is skipped).
#[derive(Debug, Error)]
pub enum RelayError {
    /// The event log could not be read or the checkpoint written.
    #[error("event log: {0}")]
    Store(#[from] kyc_store::StoreError),
    /// NATS or JetStream refused or did not answer.
    #[error("nats: {0}")]
    Nats(String),
    /// A stored event could not be enveloped.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The stream's last message is not one of ours.
    #[error("the stream's last message (sequence {sequence}) is not a kyc CloudEvent: {reason}")]
    ForeignMessage {
        /// Its stream sequence.
        sequence: u64,
        /// Why it does not parse.
        reason: String,
    },
}

fn nats<E: std::fmt::Display>(error: E) -> RelayError {
    RelayError::Nats(error.to_string())
}

/// Creates the stream, or brings an existing one's configuration up to date.
pub async fn ensure_stream(
    js: &jetstream::Context,
    config: &RelayConfig,
) -> Result<(), RelayError> {
    js.create_or_update_stream(jetstream::stream::Config {
        name: config.stream.clone(),
        subjects: config.subjects(),
        storage: jetstream::stream::StorageType::File,
        duplicate_window: config.duplicate_window,
        ..Default::default()
    })
    .await
    .map_err(nats)?;
    Ok(())
}

/// Where publishing stands: the log position of the stream's last message and its sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Log position of the last published event.
    pub position: i64,
    /// Stream sequence of the last published message.
    pub stream_sequence: u64,
}

/// What `kycctl relay status` shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RelayStatus {
    /// The relay's saved checkpoint.
    pub checkpoint: i64,
    /// The newest position readers may see.
    pub log_position: i64,
    /// Position of the stream's last message.
    pub stream_position: i64,
    /// The stream's last sequence.
    pub stream_sequence: u64,
    /// Events visible in the log but not yet in the stream.
    pub backlog: u64,
}

/// Publishes the event log to JetStream.
pub struct Relay {
    pool: PgPool,
    js: jetstream::Context,
    config: RelayConfig,
}

impl Relay {
    /// A relay over a database pool and a JetStream context.
    pub fn new(pool: PgPool, js: jetstream::Context, config: RelayConfig) -> Self {
        Self { pool, js, config }
    }

    /// Reads the stream's last message and moves the checkpoint to it (backwards too, when the
    /// stream was recreated), so the next publish continues exactly where the stream ends.
    pub async fn reconcile(&self) -> Result<Cursor, RelayError> {
        let cursor = self.stream_cursor().await?;
        let saved = kyc_store::read_checkpoint(&self.pool, &self.config.checkpoint_name()).await?;
        if saved != cursor.position {
            if saved > cursor.position {
                tracing::warn!(
                    saved,
                    stream = cursor.position,
                    "the stream is behind the relay checkpoint; republishing from the stream's end"
                );
            }
            kyc_store::reset_checkpoint(
                &self.pool,
                &self.config.checkpoint_name(),
                cursor.position,
            )
            .await?;
        }
        Ok(cursor)
    }

    /// Creates the stream if needed (NATS may have been down, or the stream deleted), then
    /// reconciles.
    async fn ensure_and_reconcile(&self) -> Result<Cursor, RelayError> {
        ensure_stream(&self.js, &self.config).await?;
        self.reconcile().await
    }

    async fn stream_cursor(&self) -> Result<Cursor, RelayError> {
        let mut stream = self
            .js
            .get_stream(&self.config.stream)
            .await
            .map_err(nats)?;
        let state = stream.info().await.map_err(nats)?.state.clone();
        let last = state.last_sequence;
        if last == 0 {
            return Ok(Cursor {
                position: 0,
                stream_sequence: 0,
            });
        }
        if state.messages == 0 {
            // Purged by an operator: the stream no longer says how far it got, and its dedup
            // window would refuse a republish anyway. Continue after the relay's checkpoint.
            let position =
                kyc_store::read_checkpoint(&self.pool, &self.config.checkpoint_name()).await?;
            return Ok(Cursor {
                position,
                stream_sequence: last,
            });
        }
        let message = stream.get_raw_message(last).await.map_err(nats)?;
        let foreign = |reason: String| RelayError::ForeignMessage {
            sequence: last,
            reason,
        };
        let event: CloudEvent =
            serde_json::from_slice(&message.payload).map_err(|e| foreign(e.to_string()))?;
        // Trust the stream's end only if it is the log's event: a message someone else
        // published into these subjects must never move the cursor, or events would be skipped.
        let logged: Option<i64> = sqlx::query_scalar(
            "SELECT global_position FROM events WHERE aggregate_type = 'Customer' AND aggregate_id = $1 AND sequence = $2",
        )
        .bind(&event.subject)
        .bind(event.sequence)
        .fetch_optional(&self.pool)
        .await
        .map_err(kyc_store::StoreError::from)?;
        if logged != Some(event.globalposition)
            || event.id != format!("{}:{}", event.subject, event.sequence)
        {
            return Err(foreign(format!(
                "message {} claims position {}, which is not that event's position in the log; \
                 deny publishing on the event subjects to everyone but kycd",
                event.id, event.globalposition
            )));
        }
        Ok(Cursor {
            position: event.globalposition,
            stream_sequence: last,
        })
    }

    /// The relay's standing, for operators.
    pub async fn status(&self) -> Result<RelayStatus, RelayError> {
        let checkpoint =
            kyc_store::read_checkpoint(&self.pool, &self.config.checkpoint_name()).await?;
        let log_position = kyc_store::last_position(&self.pool).await?;
        let cursor = self.stream_cursor().await?;
        let backlog: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE global_position > $1 AND global_position <= $2",
        )
        .bind(cursor.position)
        .bind(log_position)
        .fetch_one(&self.pool)
        .await
        .map_err(kyc_store::StoreError::from)?;
        Ok(RelayStatus {
            checkpoint,
            log_position,
            stream_position: cursor.position,
            stream_sequence: cursor.stream_sequence,
            backlog: u64::try_from(backlog).unwrap_or(0),
        })
    }

    /// Publishes the next batch after `cursor`; returns how many events it published.
    pub async fn publish_batch(&self, cursor: &mut Cursor) -> Result<usize, RelayError> {
        let events =
            kyc_store::read_after(&self.pool, cursor.position, self.config.batch_size).await?;
        let Some(last) = events.last() else {
            return Ok(0);
        };
        let mut acks = Vec::with_capacity(events.len());
        for (offset, stored) in (0u64..).zip(&events) {
            let (event, cloud_event) = envelope(stored)?;
            let subject = subject(
                &self.config.subject_prefix,
                &cloud_event.bankguid,
                &stored.aggregate_id,
                &event,
            );
            let payload = serde_json::to_vec(&cloud_event).map_err(nats)?;
            let publish = Publish::build()
                .payload(payload.into())
                .message_id(&cloud_event.id)
                .expected_last_sequence(cursor.stream_sequence + offset);
            acks.push(self.js.send_publish(subject, publish).await.map_err(nats)?);
        }
        // Acks arrive in publish order; one refusal (e.g. a wrong expected sequence because
        // another relay got ahead) fails the batch, and the caller reconciles.
        for ack in acks {
            let ack = ack.await.map_err(nats)?;
            if ack.duplicate {
                return Err(RelayError::Nats(format!(
                    "message at stream sequence {} was a duplicate",
                    ack.sequence
                )));
            }
            cursor.stream_sequence = ack.sequence;
        }
        cursor.position = last.global_position;
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(kyc_store::StoreError::from)?;
        kyc_store::save_checkpoint(&mut tx, &self.config.checkpoint_name(), cursor.position)
            .await?;
        tx.commit().await.map_err(kyc_store::StoreError::from)?;
        Ok(events.len())
    }

    /// Tries to become the active relay: a session advisory lock on a connection of its own.
    async fn try_lead(&self) -> Result<Option<PgConnection>, RelayError> {
        let mut connection = self
            .pool
            .acquire()
            .await
            .map_err(kyc_store::StoreError::from)?
            .detach();
        let leading: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(self.config.lock_key())
            .fetch_one(&mut connection)
            .await
            .map_err(kyc_store::StoreError::from)?;
        Ok(leading.then_some(connection))
    }

    /// Runs until `shutdown` is cancelled: waits to be elected, then publishes as events arrive.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut backoff = Backoff::default();
        loop {
            let lead = tokio::select! {
                () = shutdown.cancelled() => return,
                lead = self.try_lead() => lead,
            };
            let mut leader_connection = match lead {
                Ok(Some(connection)) => connection,
                Ok(None) => {
                    tracing::debug!("another relay is active; standing by");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "relay cannot reach the event log");
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = tokio::time::sleep(backoff.next()) => continue,
                    }
                }
            };
            tracing::info!(stream = %self.config.stream, "relay elected");
            if self
                .lead(&mut leader_connection, &shutdown, &mut backoff)
                .await
            {
                return;
            }
        }
    }

    /// Publishes while leading; returns true on shutdown, false when leadership was lost.
    async fn lead(
        &self,
        leader_connection: &mut PgConnection,
        shutdown: &CancellationToken,
        backoff: &mut Backoff,
    ) -> bool {
        let mut listener = match kyc_store::listen(&self.pool).await {
            Ok(listener) => Some(listener),
            Err(error) => {
                tracing::warn!(%error, "no LISTEN connection; polling only");
                None
            }
        };
        let mut cursor: Option<Cursor> = None;
        let mut last_leader_check = tokio::time::Instant::now();
        loop {
            if last_leader_check.elapsed() > Duration::from_secs(5) {
                if let Err(error) = sqlx::query("SELECT 1")
                    .execute(&mut *leader_connection)
                    .await
                {
                    tracing::warn!(%error, "lost the relay leadership connection");
                    return false;
                }
                last_leader_check = tokio::time::Instant::now();
            }
            let current = match cursor {
                Some(current) => current,
                None => match self.ensure_and_reconcile().await {
                    Ok(reconciled) => {
                        tracing::info!(
                            position = reconciled.position,
                            sequence = reconciled.stream_sequence,
                            "relay resumes"
                        );
                        reconciled
                    }
                    Err(error) => {
                        tracing::warn!(%error, "relay cannot reconcile with the stream");
                        if wait_or_shutdown(shutdown, backoff.next()).await {
                            return true;
                        }
                        continue;
                    }
                },
            };
            let mut next = current;
            match self.publish_batch(&mut next).await {
                Ok(published) => {
                    backoff.reset();
                    cursor = Some(next);
                    if usize::try_from(self.config.batch_size).is_ok_and(|full| published >= full) {
                        continue;
                    }
                    let wake = async {
                        match listener.as_mut() {
                            Some(listener) => {
                                let woken = tokio::time::timeout(
                                    self.config.poll_interval,
                                    listener.recv(),
                                )
                                .await;
                                if let Ok(Ok(_)) = woken {
                                    kyc_store::gather_notifications(listener).await;
                                }
                            }
                            None => tokio::time::sleep(self.config.poll_interval).await,
                        }
                    };
                    tokio::select! {
                        () = shutdown.cancelled() => return true,
                        () = wake => {}
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "relay batch failed; reconciling");
                    cursor = None;
                    if wait_or_shutdown(shutdown, backoff.next()).await {
                        return true;
                    }
                }
            }
        }
    }
}

async fn wait_or_shutdown(shutdown: &CancellationToken, delay: Duration) -> bool {
    tokio::select! {
        () = shutdown.cancelled() => true,
        () = tokio::time::sleep(delay) => false,
    }
}

/// Exponential back-off from 100 ms to 5 s.
#[derive(Debug, Default)]
struct Backoff {
    failures: u32,
}

impl Backoff {
    fn next(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        Duration::from_millis(100u64.saturating_mul(1 << self.failures.min(6)))
            .min(Duration::from_secs(5))
    }

    fn reset(&mut self) {
        self.failures = 0;
    }
}
