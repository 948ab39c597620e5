//! The application layer of kyc: what happens around a domain decision.
//!
//! The [`commands::CommandService`] loads a customer, lets the pure domain decide, and appends
//! the events with their metadata and hash-chain links in the same transaction as the
//! idempotency record; the [`queries::QueryService`] answers reads. Both are generic over the
//! [`ports`], which adapters implement, so this crate does no IO of its own.

pub mod aggregate;
pub mod chain;
pub mod commands;
pub mod context;
pub mod dto;
pub mod due_diligence;
pub mod error;
pub mod metadata;
pub mod operator_queues;
pub mod outcome;
pub mod ports;
pub mod principal;
pub mod queries;
pub mod queue;
pub mod retention;
pub mod screening;
pub mod settings;
pub mod tenant;

pub use commands::{Command, CommandService, RetryPolicy};
pub use context::{RequestContext, Source};
pub use error::{AppError, FailureKind, FieldErrorDto, Refusal};
pub use operator_queues::OperatorQueue;
pub use outcome::{CommandOutcome, Executed};
pub use principal::{Principal, Scope};
pub use queries::{ListParams, QueryService, QueueParams};

/// The aggregate type stored in the event log's `aggregate_type` column.
pub const AGGREGATE_TYPE: &str = "Customer";
