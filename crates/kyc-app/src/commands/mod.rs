//! Commands: the vocabulary (every command of the API, each declared once) and the service
//! that executes them.
//!
//! Adding a command means: the domain variant and its rule in `decide`, a type here that
//! implements [`Command`] (its route, subject, scope, body and domain translation), and one
//! line in [`visit_commands`]. The HTTP router, the NATS service, the metrics labels and the
//! OpenAPI document are all built from that registration.

mod associates;
mod closure;
mod customer;
mod documents;
mod due_diligence;
mod duplicates;
mod lifecycle;
mod screening;
mod service;
mod vocabulary;

pub use associates::{AddAssociate, RemoveAssociate, UpdateAssociate};
pub use closure::{Close, CloseDormant, Erase, SetLegalHold};
pub use customer::{Create, PatchCustomer, PATCH_FREEZE_REASON};
pub use documents::{too_large, ReviewDocument, SubmitDocument, MAX_CONTENT_BASE64_LEN};
pub use due_diligence::CheckDueDiligence;
pub use duplicates::ResolveDuplicate;
pub use lifecycle::{Approve, Freeze, Reject, Unfreeze, Verify};
pub use screening::{Rescreen, ResolveScreeningMatch};
pub use service::{stamp, CommandService, RetryPolicy};
pub use vocabulary::{
    command_specs, visit_commands, BodyFormat, Command, CommandSpec, CommandVisitor, Method,
    ServerValues, Target,
};
