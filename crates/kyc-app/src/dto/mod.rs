//! The wire contract shared by the HTTP API and the NATS service: the bodies callers send
//! ([`request`]) and the shapes they get back ([`response`]), in one place and separate from
//! the domain's types. Both derive their OpenAPI schemas here, so the published contract is the
//! code that parses and renders it.

pub mod queues;
pub mod request;
mod request_schema;
pub mod response;
pub mod schema;
pub mod screening;

pub use queues::*;
pub use request::*;
/// Schemas of the values the request bodies share, for other surfaces' bodies (kyc-compat).
pub use request_schema::{
    email_address, identifier, phone_number, typed_number, upload_shapes, website, PATCH_STATES,
};
pub use response::*;
pub use screening::*;
