//! The commit-ordered event log on PostgreSQL, independent of what its events mean.
//!
//! * [`append`] to one stream with an expected last sequence (optimistic concurrency);
//!   [`load_stream`], [`load_stream_as_of`] read one stream.
//! * [`read_after`] tails the whole log by `global_position`, which follows commit order: a
//!   reader that has passed position N never later finds a new event below N (the `events`
//!   module's docs say how, without serialising writers).
//! * [checkpoints](load_checkpoint) remember how far each consumer got;
//!   [`CommitAnnouncer`] and [`listen`] wake tailers when events were committed;
//!   [`Leadership`] keeps a consumer to one active instance.
//! * [`Tailer`] runs every consumer ([`TailHandler`]) the same way: listen → gather → read after
//!   the checkpoint → handle → advance, with one back-off and one shutdown signal.
//! * [`LogRepository`] is cqrs-es 0.5's `PersistedEventRepository` over the same log.
//!
//! The table keeps the postgres-es 0.5 layout (`events`), so postgres-es can load and write the
//! same streams. No other crate runs SQL on it. Payloads are [`serde_json::Value`]s (or, for
//! bulk reads, a type the caller names); the customer adapter above decides what they mean.
//! Functions that must be atomic with the caller's other writes (appending, checkpoints) take a
//! `&mut PgConnection`, which is what a `sqlx::Transaction` dereferences to; plain reads take
//! any executor.

mod checkpoints;
mod cqrs;
mod error;
mod events;
mod lead;
mod notify;
pub mod tail;

pub use checkpoints::{load_checkpoint, read_checkpoint, reset_checkpoint, save_checkpoint};
pub use cqrs::{serialized, ChainLink, LogRepository, LINK_FIELD};
pub use error::{
    db_code_and_constraint, describe_json_error, is_unavailable, LogError, UNIQUE_VIOLATION,
};
pub use events::{
    analyze, append, count_between, count_events, last_committed_position, last_link,
    last_position, load_after_fold, load_stream, load_stream_as_of, position_of, read_after,
    read_range, scan_payloads, streams_of_type, AppendedEvent, AsOf, FoldedStream, NewEvent,
    RangeEvent, StoredEvent, StoredFold, SuffixEvent, MAX_EVENTS_PER_TRANSACTION,
};
pub use lead::{lock_key, Leadership};
pub use notify::{
    drain_notifications, gather_notifications, listen, CommitAnnouncer, EVENTS_CHANNEL, GATHER,
};
pub use tail::{Advance, Backoff, Batch, Progress, TailConfig, TailHandler, Tailer};
