//! The NATS adapter of kyc.
//!
//! The [`relay`] publishes every event of the log to the JetStream stream `KYC_EVENTS` as a
//! PII-free CloudEvents envelope ([`envelope`]), in log order, exactly once; the [`service`]
//! answers every command and query over NATS request/reply.

pub mod envelope;
pub mod relay;
pub mod service;

pub use relay::{ensure_stream, Relay, RelayConfig, RelayError, RelayStatus};
pub use service::{serve, NatsApi, ServiceError};
