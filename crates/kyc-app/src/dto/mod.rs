//! The wire contract shared by the HTTP API and the NATS service: the bodies callers send
//! ([`request`]) and the shapes they get back ([`response`]), in one place and separate from
//! the domain's types. Both derive their OpenAPI schemas here, so the published contract is the
//! code that parses and renders it.

pub mod request;
pub mod response;

pub use request::*;
pub use response::*;
