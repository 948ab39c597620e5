//! The one tailer every consumer of the log runs on.
//!
//! A consumer (the customer projection, the NATS relay, later webhooks and screening monitors)
//! is a [`TailHandler`]: it says where it resumes and what it does with a batch. The
//! [`Tailer`] does the rest, the same way for all of them:
//!
//! ```text
//! [elect] → listen → resume → loop { read_after(position) → handle(batch) → advance
//!                                    → wait for a notification (then gather) or the poll }
//! ```
//!
//! * **Waking**: commit announcements ([`crate::listen`]) wake it, [`crate::GATHER`] lets the
//!   commits of that moment share one batch, and a poll every `poll_interval` covers lost
//!   notifications (they are only hints).
//! * **Advancing**: the handler either writes the checkpoint itself, in the transaction of its
//!   own writes ([`Advance::Saved`], the projection: rows and checkpoint never disagree), or
//!   lets the tailer save it afterwards ([`Advance::Save`], the relay: its truth is the
//!   stream, which it reconciles with on resume).
//! * **Failing**: any error is logged, the handler resumes afresh (re-reading its checkpoint, or
//!   reconciling with its downstream), after a pause from the one [`Backoff`] policy.
//! * **One instance**: with [`TailConfig::exclusive`] the tailer first takes its consumer's
//!   [`Leadership`]; standbys retry every second and take over when the leader's connection
//!   dies.
//! * **Stopping**: one [`CancellationToken`]; a batch being handled is finished first.
//!
//! A new consumer is a type with one `handle` method:
//!
//! ```no_run
//! use kyc_log::{Advance, Batch, LogError, TailConfig, TailHandler, Tailer};
//! use sqlx::PgPool;
//!
//! struct CountEvents(usize);
//!
//! impl TailHandler for CountEvents {
//!     type Error = LogError;
//!
//!     async fn handle(&mut self, _pool: &PgPool, batch: &Batch<'_>) -> Result<Advance, LogError> {
//!         self.0 += batch.events.len();
//!         Ok(Advance::Save)
//!     }
//! }
//!
//! # async fn run(pool: PgPool, shutdown: tokio_util::sync::CancellationToken) {
//! Tailer::new(pool, CountEvents(0), TailConfig::new("count")).run(shutdown).await;
//! # }
//! ```

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::{
    gather_notifications, listen, read_after, read_checkpoint, save_checkpoint, Leadership,
    LogError, StoredEvent,
};

/// How often an exclusive tailer makes sure its leadership connection is still alive.
const LEADERSHIP_CHECK: Duration = Duration::from_secs(5);

/// How often a standby tries to become the active instance.
const STANDBY_POLL: Duration = Duration::from_secs(1);

/// What a tailer reads and how it waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailConfig {
    /// The consumer's checkpoint name (also its leadership lock's name).
    pub checkpoint: String,
    /// Events per batch at most.
    pub batch_size: i64,
    /// How often to look for events when no notification arrives.
    pub poll_interval: Duration,
    /// Whether only one instance across processes may run (see [`Leadership`]).
    pub exclusive: bool,
}

impl TailConfig {
    /// Batches of 500, a poll every 250 ms, any number of instances.
    pub fn new(checkpoint: impl Into<String>) -> Self {
        Self {
            checkpoint: checkpoint.into(),
            batch_size: 500,
            poll_interval: Duration::from_millis(250),
            exclusive: false,
        }
    }
}

/// One batch handed to a [`TailHandler`]: events after position `after`, in position order.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    /// The consumer's checkpoint name.
    pub checkpoint: &'a str,
    /// The position the batch follows (the handler's checkpoint when it was read).
    pub after: i64,
    /// The events, never empty.
    pub events: &'a [StoredEvent],
}

impl Batch<'_> {
    /// The position of the batch's last event: where the checkpoint moves to.
    pub fn last_position(&self) -> i64 {
        self.events.last().map_or(self.after, |e| e.global_position)
    }
}

/// What became of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advance {
    /// Handled; the tailer saves the checkpoint at [`Batch::last_position`], in a transaction
    /// of its own.
    Save,
    /// Handled, and the handler saved the checkpoint itself, atomically with its own writes.
    Saved,
    /// Not applied (e.g. another instance had moved the checkpoint meanwhile): the tailer asks
    /// [`TailHandler::resume`] where to continue.
    Resume,
}

/// A consumer of the log. See the [module docs](self) for what the tailer does around it.
pub trait TailHandler: Send {
    /// Why handling failed; logged, then retried after a back-off.
    type Error: Display + From<LogError> + Send;

    /// Where to continue reading: on start, after [`Advance::Resume`] and after every failure.
    /// By default the saved checkpoint; a consumer whose truth lives downstream (the relay's
    /// stream) reconciles with it here.
    fn resume(
        &mut self,
        pool: &PgPool,
        checkpoint: &str,
    ) -> impl Future<Output = Result<i64, Self::Error>> + Send {
        async move { Ok(read_checkpoint(pool, checkpoint).await?) }
    }

    /// Handles one batch. An error leaves the checkpoint where it was.
    fn handle(
        &mut self,
        pool: &PgPool,
        batch: &Batch<'_>,
    ) -> impl Future<Output = Result<Advance, Self::Error>> + Send;
}

/// How far a tailer has got, as this process knows it: for callers that wait until the
/// consumer has applied their own write (e.g. a list that must show what its caller created).
#[derive(Debug, Clone)]
pub struct Progress(watch::Receiver<i64>);

impl Progress {
    /// The last position the tailer handled or resumed from (0 before it started).
    pub fn position(&self) -> i64 {
        *self.0.borrow()
    }

    /// Waits until the tailer has reached `position`; false after `timeout`, or when the
    /// tailer has stopped.
    pub async fn reached(&self, position: i64, timeout: Duration) -> bool {
        let mut receiver = self.0.clone();
        let reached = tokio::time::timeout(timeout, receiver.wait_for(|p| *p >= position)).await;
        matches!(reached, Ok(Ok(_)))
    }
}

/// The retry policy of every tailer (and of kycd's other background connections):
/// exponential from 200 ms, doubling, up to 5 s; reset by the next success.
#[derive(Debug, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The pause before the next attempt, counting one more failure.
    pub fn next_pause(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        Duration::from_millis(100u64.saturating_mul(1 << self.failures.min(6)))
            .min(Duration::from_secs(5))
    }

    /// Forgets the failures after a success.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// Runs a [`TailHandler`] over the log.
#[derive(Debug)]
pub struct Tailer<H> {
    pool: PgPool,
    handler: H,
    config: TailConfig,
    progress: watch::Sender<i64>,
}

impl<H: TailHandler> Tailer<H> {
    /// A tailer reading through `pool`. Nothing runs until [`Self::run`] or
    /// [`Self::catch_up`].
    pub fn new(pool: PgPool, handler: H, config: TailConfig) -> Self {
        Self {
            pool,
            handler,
            config,
            progress: watch::Sender::new(0),
        }
    }

    /// Follows this tailer's progress (see [`Progress`]).
    pub fn progress(&self) -> Progress {
        Progress(self.progress.subscribe())
    }

    /// The handler, e.g. for its own statistics.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// Handles batches until one comes back short of the batch size, and returns the events
    /// read: caught up for now. Errors are returned, not retried; leadership is not taken.
    /// For tools and tests that need the consumer current at one moment.
    pub async fn catch_up(&mut self) -> Result<usize, H::Error> {
        let mut position = None;
        let mut total = 0;
        loop {
            let read = self.step(&mut position).await?;
            total += read;
            if !self.full(read) {
                return Ok(total);
            }
        }
    }

    /// Runs until `shutdown` is cancelled, never giving up: waits to be elected if the
    /// consumer is exclusive, then handles events as they are committed.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut backoff = Backoff::default();
        loop {
            let leadership = if self.config.exclusive {
                let acquired = tokio::select! {
                    () = shutdown.cancelled() => return,
                    acquired = Leadership::try_acquire(&self.pool, &self.config.checkpoint) => acquired,
                };
                match acquired {
                    Ok(Some(leadership)) => {
                        tracing::info!(checkpoint = %self.config.checkpoint, "elected");
                        Some(leadership)
                    }
                    Ok(None) => {
                        tracing::debug!(
                            checkpoint = %self.config.checkpoint,
                            "another instance is active; standing by"
                        );
                        if pause(&shutdown, STANDBY_POLL).await {
                            return;
                        }
                        continue;
                    }
                    Err(error) => {
                        tracing::warn!(%error, checkpoint = %self.config.checkpoint, "cannot reach the event log");
                        if pause(&shutdown, backoff.next_pause()).await {
                            return;
                        }
                        continue;
                    }
                }
            } else {
                None
            };
            if self.follow(leadership, &shutdown, &mut backoff).await {
                return;
            }
        }
    }

    /// Handles events while leading (or always, when not exclusive); returns true on
    /// shutdown, false when the leadership was lost.
    async fn follow(
        &mut self,
        mut leadership: Option<Leadership>,
        shutdown: &CancellationToken,
        backoff: &mut Backoff,
    ) -> bool {
        let mut listener: Option<PgListener> = None;
        let mut position: Option<i64> = None;
        let mut last_check = Instant::now();
        loop {
            if let Some(leadership) = leadership.as_mut() {
                if last_check.elapsed() > LEADERSHIP_CHECK {
                    if let Err(error) = leadership.check().await {
                        tracing::warn!(%error, checkpoint = %self.config.checkpoint, "lost the leadership connection");
                        return false;
                    }
                    last_check = Instant::now();
                }
            }
            if listener.is_none() {
                match listen(&self.pool).await {
                    Ok(new) => listener = Some(new),
                    Err(error) => {
                        tracing::warn!(%error, checkpoint = %self.config.checkpoint, "cannot listen; polling only");
                    }
                }
            }
            let pause = match self.step(&mut position).await {
                Ok(read) => {
                    backoff.reset();
                    if self.full(read) {
                        continue;
                    }
                    None
                }
                Err(error) => {
                    tracing::warn!(%error, checkpoint = %self.config.checkpoint, "tailing failed; resuming after a pause");
                    position = None;
                    Some(backoff.next_pause())
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => return true,
                () = wait(&mut listener, pause, self.config.poll_interval) => {}
            }
        }
    }

    /// Reads and handles one batch after `position` (resuming first when it is unknown);
    /// returns how many events it read.
    async fn step(&mut self, position: &mut Option<i64>) -> Result<usize, H::Error> {
        let after = match *position {
            Some(after) => after,
            None => self.resume(position).await?,
        };
        let events = read_after(&self.pool, after, self.config.batch_size).await?;
        if events.is_empty() {
            return Ok(0);
        }
        let batch = Batch {
            checkpoint: &self.config.checkpoint,
            after,
            events: &events,
        };
        let last = batch.last_position();
        match self.handler.handle(&self.pool, &batch).await? {
            Advance::Save => {
                let mut tx = self.pool.begin().await.map_err(LogError::from)?;
                save_checkpoint(&mut tx, &self.config.checkpoint, last).await?;
                tx.commit().await.map_err(LogError::from)?;
            }
            Advance::Saved => {}
            Advance::Resume => {
                self.resume(position).await?;
                return Ok(events.len());
            }
        }
        *position = Some(last);
        self.progress.send_replace(last);
        Ok(events.len())
    }

    async fn resume(&mut self, position: &mut Option<i64>) -> Result<i64, H::Error> {
        let resumed = self
            .handler
            .resume(&self.pool, &self.config.checkpoint)
            .await?;
        *position = Some(resumed);
        self.progress.send_replace(resumed);
        Ok(resumed)
    }

    fn full(&self, read: usize) -> bool {
        usize::try_from(self.config.batch_size).is_ok_and(|full| read >= full)
    }
}

/// Sleeps `delay` unless `shutdown` comes first; returns whether it did.
async fn pause(shutdown: &CancellationToken, delay: Duration) -> bool {
    tokio::select! {
        () = shutdown.cancelled() => true,
        () = tokio::time::sleep(delay) => false,
    }
}

/// Waits for a notification (then gathers), or the poll interval; or exactly `pause` after a
/// failure.
async fn wait(listener: &mut Option<PgListener>, pause: Option<Duration>, poll: Duration) {
    if let Some(pause) = pause {
        tokio::time::sleep(pause).await;
        return;
    }
    let Some(open) = listener.as_mut() else {
        tokio::time::sleep(poll).await;
        return;
    };
    match tokio::time::timeout(poll, open.recv()).await {
        Ok(Ok(_)) => gather_notifications(open).await,
        Err(_) => {}
        Ok(Err(error)) => {
            tracing::warn!(%error, "listener failed; reconnecting");
            *listener = None;
        }
    }
}
