//! The NATS adapter of kyc.
//!
//! The [`relay`] publishes every event of the log to the JetStream stream `KYC_EVENTS` as a
//! PII-free CloudEvents envelope ([`envelope`]), in log order, exactly once.

pub mod envelope;
pub mod relay;

pub use relay::{ensure_stream, Relay, RelayConfig, RelayError, RelayStatus};
