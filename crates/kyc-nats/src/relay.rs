//! The relay: publishes the event log to JetStream, in order, with nothing lost or duplicated.
//!
//! Every publish carries `Nats-Expected-Last-Sequence`, so the stream accepts a message only
//! directly after the one before it: the stream is always an exact prefix of the log in
//! position order. On start (and after any error) the relay asks the stream for its last
//! message and resumes right after that message's position. Hence a relay killed between a
//! publish and its checkpoint neither re-publishes (the stream already has it) nor skips, and
//! two relays racing each other cannot interleave — beyond the `Nats-Msg-Id` dedup window too.
//!
//! The relay is a handler of the log's one tailer ([`kyc_log::Tailer`]), which wakes it,
//! retries it and stops it like every other consumer. Its tailer is *exclusive*: one relay is
//! active at a time, holding a PostgreSQL session advisory lock ([`kyc_log::Leadership`]) that
//! the server releases when the holder's connection dies, letting a standby take over. Its
//! [`resume`](kyc_log::TailHandler::resume) is the reconciliation with the stream.

use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage as Publish};
use kyc_app::AGGREGATE_TYPE;
use kyc_log::{Advance, Batch, LogError, StoredEvent, TailConfig, TailHandler, Tailer};
use sqlx::PgPool;
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

    fn subjects(&self) -> Vec<String> {
        vec![format!("{}.*.customer.*.*", self.subject_prefix)]
    }
}

/// Why relaying failed (it is retried; nothing is skipped).
#[derive(Debug, Error)]
pub enum RelayError {
    /// The event log could not be read or the checkpoint written.
    #[error("event log: {0}")]
    Log(#[from] LogError),
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
        let saved = kyc_log::read_checkpoint(&self.pool, &self.config.checkpoint_name()).await?;
        if saved != cursor.position {
            if saved > cursor.position {
                tracing::warn!(
                    saved,
                    stream = cursor.position,
                    "the stream is behind the relay checkpoint; republishing from the stream's end"
                );
            }
            kyc_log::reset_checkpoint(&self.pool, &self.config.checkpoint_name(), cursor.position)
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
                kyc_log::read_checkpoint(&self.pool, &self.config.checkpoint_name()).await?;
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
        let logged =
            kyc_log::position_of(&self.pool, AGGREGATE_TYPE, &event.subject, event.sequence)
                .await?;
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
            kyc_log::read_checkpoint(&self.pool, &self.config.checkpoint_name()).await?;
        let log_position = kyc_log::last_position(&self.pool).await?;
        let cursor = self.stream_cursor().await?;
        let backlog = kyc_log::count_between(&self.pool, cursor.position, log_position).await?;
        Ok(RelayStatus {
            checkpoint,
            log_position,
            stream_position: cursor.position,
            stream_sequence: cursor.stream_sequence,
            backlog,
        })
    }

    /// Publishes the next batch after `cursor` and saves the checkpoint; returns how many
    /// events it published. One step of what [`Self::run`] does, for tools and tests.
    pub async fn publish_batch(&self, cursor: &mut Cursor) -> Result<usize, RelayError> {
        let events =
            kyc_log::read_after(&self.pool, cursor.position, self.config.batch_size).await?;
        if events.is_empty() {
            return Ok(0);
        }
        self.publish(cursor, &events).await?;
        let mut tx = self.pool.begin().await.map_err(LogError::from)?;
        kyc_log::save_checkpoint(&mut tx, &self.config.checkpoint_name(), cursor.position).await?;
        tx.commit().await.map_err(LogError::from)?;
        Ok(events.len())
    }

    /// Publishes `events` (the events right after `cursor`) and moves the cursor past them.
    async fn publish(&self, cursor: &mut Cursor, events: &[StoredEvent]) -> Result<(), RelayError> {
        let Some(last) = events.last() else {
            return Ok(());
        };
        let mut acks = Vec::with_capacity(events.len());
        for (offset, stored) in (0u64..).zip(events) {
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
        // another relay got ahead) fails the batch, and the tailer resumes by reconciling.
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
        Ok(())
    }

    /// Runs until `shutdown` is cancelled: waits to be elected, then publishes as events
    /// arrive (the log's tailer, exclusive, with this relay as its handler).
    pub async fn run(self, shutdown: CancellationToken) {
        let config = TailConfig {
            batch_size: self.config.batch_size,
            poll_interval: self.config.poll_interval,
            exclusive: true,
            ..TailConfig::new(self.config.checkpoint_name())
        };
        let pool = self.pool.clone();
        let handler = Publishing {
            relay: self,
            cursor: None,
        };
        Tailer::new(pool, handler, config).run(shutdown).await;
    }
}

/// The relay as a handler of the log's tailer: the stream's end is where it resumes, and the
/// tailer saves the checkpoint after each published batch.
struct Publishing {
    relay: Relay,
    cursor: Option<Cursor>,
}

impl TailHandler for Publishing {
    type Error = RelayError;

    async fn resume(&mut self, _pool: &PgPool, _checkpoint: &str) -> Result<i64, RelayError> {
        self.cursor = None;
        let cursor = self.relay.ensure_and_reconcile().await?;
        tracing::info!(
            position = cursor.position,
            sequence = cursor.stream_sequence,
            "relay resumes"
        );
        self.cursor = Some(cursor);
        Ok(cursor.position)
    }

    async fn handle(&mut self, _pool: &PgPool, batch: &Batch<'_>) -> Result<Advance, RelayError> {
        let mut cursor = match self.cursor {
            Some(cursor) if cursor.position == batch.after => cursor,
            _ => {
                return Err(RelayError::Nats(
                    "the batch does not follow the stream's end".to_owned(),
                ))
            }
        };
        // A failed publish leaves `self.cursor` unset: the tailer resumes by reconciling.
        self.cursor = None;
        self.relay.publish(&mut cursor, batch.events).await?;
        self.cursor = Some(cursor);
        Ok(Advance::Save)
    }
}
