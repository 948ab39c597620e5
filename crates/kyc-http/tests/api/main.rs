//! The HTTP API against the in-memory store: every route's success and error paths, tenant
//! isolation, PII, idempotency, protocol errors, the operator queues and the operational routes.

// Test helpers panic on purpose: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod associates_kyc;
mod blind;
mod closure;
mod connect;
mod customers;
mod cybrid;
mod documents;
mod due_diligence;
mod four_eyes;
mod idempotency;
mod isolation;
mod layer2;
mod layer2_applications;
mod lifecycle;
mod ops;
mod protocol;
mod queues;
mod screening;
mod spherepay;
mod support;
