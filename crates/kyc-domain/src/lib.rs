//! The KYC/KYB Customer domain: value types, the Customer aggregate, its commands and events,
//! and the verification-profile rules.
//!
//! Everything here is pure and synchronous: no clock, no random ids, no IO. The caller puts the
//! current time, new ids and document digests into each command, which is what lets a replay
//! reproduce every decision exactly and lets every rule be tested without a runtime.

pub mod customer;
pub mod ids;
pub mod values;

pub use customer::{
    CommandKind, Customer, CustomerCommand, CustomerError, CustomerEvent, CustomerRecord,
    CustomerState, CustomerType,
};
