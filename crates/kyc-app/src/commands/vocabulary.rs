//! What every command declares, and the one list of commands.

use chrono::{DateTime, Utc};
use kyc_domain::customer::{Actor, DocumentContent, DocumentDraft, IdentityMatch};
use kyc_domain::ids::{AssociateGuid, BankGuid, CustomerGuid, DocumentGuid};
use kyc_domain::CustomerCommand;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{
    AddAssociate, Approve, Close, Create, Erase, Freeze, PatchCustomer, Reject, RemoveAssociate,
    ResolveDuplicate, ResolveScreeningMatch, ReviewDocument, SetLegalHold, SubmitDocument,
    Unfreeze, UpdateAssociate, Verify,
};
use crate::error::AppError;
use crate::principal::Scope;
use crate::tenant::TenantPolicy;

/// The HTTP method of a command's route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `POST`.
    Post,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

/// How a command's data travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// A JSON object, required.
    Json,
    /// A JSON object, or no body at all (read as `{}`).
    OptionalJson,
    /// No body.
    Empty,
    /// A document: JSON with the bytes base64-encoded, or (HTTP) a multipart form.
    Upload,
}

/// Where a command lives on the wire, who may send it and what it answers.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// Snake-case name: the NATS subject's last token, the metrics label, the OpenAPI
    /// `operationId`.
    pub name: &'static str,
    /// Earlier NATS subject tokens that are still answered.
    pub legacy_names: &'static [&'static str],
    /// The HTTP method.
    pub method: Method,
    /// The HTTP route; its parameters are `{guid}`, `{document_guid}`, `{associate_guid}`,
    /// `{match_id}`.
    pub path: &'static str,
    /// How the data travels.
    pub body: BodyFormat,
    /// The scope a caller needs (a command may ask for another one for some bodies).
    pub scope: Scope,
    /// True when success creates a resource (HTTP 201).
    pub creates: bool,
    /// One line for the API's documentation.
    pub summary: &'static str,
}

/// The ids a request names: the HTTP path's parameters, or the NATS envelope's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// `{guid}` / `customer_guid`.
    pub customer: Option<CustomerGuid>,
    /// `{document_guid}` / `document_guid`.
    pub document: Option<DocumentGuid>,
    /// `{associate_guid}` / `associate_guid`.
    pub associate: Option<AssociateGuid>,
    /// `{match_id}` / `match_id`: a potential screening match (checked by the domain, which
    /// knows the customer's matches).
    pub screening_match: Option<String>,
}

impl Target {
    /// The customer, which the command needs.
    pub fn customer(&self) -> Result<CustomerGuid, AppError> {
        self.customer
            .ok_or_else(|| AppError::Malformed("customer_guid is required".into()))
    }

    /// The document, which the command needs.
    pub fn document(&self) -> Result<DocumentGuid, AppError> {
        self.document
            .ok_or_else(|| AppError::Malformed("document_guid is required".into()))
    }

    /// The associate, which the command needs.
    pub fn associate(&self) -> Result<AssociateGuid, AppError> {
        self.associate
            .ok_or_else(|| AppError::Malformed("associate_guid is required".into()))
    }

    /// The potential screening match, which the command needs.
    pub fn screening_match(&self) -> Result<&str, AppError> {
        self.screening_match
            .as_deref()
            .ok_or_else(|| AppError::Malformed("match_id is required".into()))
    }
}

/// What the server chose for one request: chosen once, so that a retry after a conflict
/// re-decides exactly the same command.
#[derive(Debug, Clone)]
pub struct ServerValues {
    /// The customer acted on, or the id of the one being created.
    pub customer_guid: CustomerGuid,
    /// The caller's tenant.
    pub bank_guid: BankGuid,
    /// An id for whatever the command creates inside the customer (document, associate).
    pub new_id: uuid::Uuid,
    /// When the request arrived.
    pub at: DateTime<Utc>,
    /// What uploaded bytes are, for commands that carry some.
    pub content: Option<DocumentContent>,
    /// The tenant's record-keeping policy (retention period, dormancy).
    pub policy: TenantPolicy,
    /// The screening lists as they stood when the request arrived (one snapshot for every
    /// retry of the decision).
    pub lists: std::sync::Arc<crate::screening::ListSnapshot>,
    /// Other customers of the tenant holding a tax or identification number that a create or
    /// update carries (found by the store's blind index; empty for other commands).
    pub identity_matches: Vec<IdentityMatch>,
    /// Who is asking (the token's `sub`), and whether they may give a senior approval.
    pub actor: Actor,
}

/// A command of the API: how a caller's request becomes a domain command.
///
/// Implementations are plain data (the target ids plus the domain's drafts), so tests and
/// tools build them directly; the adapters build them from a request with
/// [`Command::from_request`].
pub trait Command: Serialize + Clone + Send + Sync + Sized + 'static {
    /// The data a caller sends: the HTTP body, or `data` in a NATS request.
    type Body: DeserializeOwned + utoipa::ToSchema + Send + 'static;

    /// Where the command lives on the wire.
    const SPEC: CommandSpec;

    /// The command from a request's ids and data.
    fn from_request(target: &Target, body: Self::Body) -> Result<Self, AppError>;

    /// For [`BodyFormat::Upload`] commands: the command from a document's description and
    /// bytes that arrived outside JSON (an HTTP multipart form).
    fn from_upload(
        _target: &Target,
        _draft: DocumentDraft,
        _content: Vec<u8>,
    ) -> Result<Self, AppError> {
        Err(AppError::Malformed("this command takes no document".into()))
    }

    /// The customer acted on; `None` for a command that creates one.
    fn customer_guid(&self) -> Option<CustomerGuid>;

    /// The scope this request needs.
    fn scope(&self) -> Scope {
        Self::SPEC.scope
    }

    /// Bytes to store beside the events, whose type and digest the service works out.
    fn content(&self) -> Option<&[u8]> {
        None
    }

    /// The domain command.
    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError>;

    /// A check of the current customer the service makes in the command's transaction, before
    /// the domain decides: for conditions that belong to who asks rather than to the domain's
    /// rules (the sweeper closes an application as `dormant` only while it still is one).
    fn precondition(
        &self,
        _customer: &kyc_domain::Customer,
        _server: &ServerValues,
    ) -> Result<(), AppError> {
        Ok(())
    }
}

/// Something built from the list of commands: a router, a NATS service, an API document.
pub trait CommandVisitor {
    /// Called once for each command.
    fn visit<C: Command>(&mut self);
}

/// Every command of the API, in the order the documentation lists them.
pub fn visit_commands(visitor: &mut impl CommandVisitor) {
    visitor.visit::<Create>();
    visitor.visit::<PatchCustomer>();
    visitor.visit::<SubmitDocument>();
    visitor.visit::<ReviewDocument>();
    visitor.visit::<AddAssociate>();
    visitor.visit::<UpdateAssociate>();
    visitor.visit::<RemoveAssociate>();
    visitor.visit::<Approve>();
    visitor.visit::<Verify>();
    visitor.visit::<Reject>();
    visitor.visit::<Freeze>();
    visitor.visit::<Unfreeze>();
    visitor.visit::<Close>();
    visitor.visit::<SetLegalHold>();
    visitor.visit::<Erase>();
    visitor.visit::<ResolveDuplicate>();
    visitor.visit::<ResolveScreeningMatch>();
}

/// Every command's registration, in [`visit_commands`] order.
pub fn command_specs() -> Vec<CommandSpec> {
    struct Specs(Vec<CommandSpec>);
    impl CommandVisitor for Specs {
        fn visit<C: Command>(&mut self) {
            self.0.push(C::SPEC);
        }
    }
    let mut specs = Specs(Vec::new());
    visit_commands(&mut specs);
    specs.0
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn names_and_routes_are_unique() {
        let specs = command_specs();
        let names: BTreeSet<&str> = specs
            .iter()
            .flat_map(|spec| std::iter::once(spec.name).chain(spec.legacy_names.iter().copied()))
            .collect();
        let legacy: usize = specs.iter().map(|spec| spec.legacy_names.len()).sum();
        assert_eq!(
            names.len(),
            specs.len() + legacy,
            "a name is registered twice"
        );
        let routes: BTreeSet<(&str, String)> = specs
            .iter()
            .map(|spec| (spec.path, format!("{:?}", spec.method)))
            .collect();
        assert_eq!(routes.len(), specs.len(), "a route is registered twice");
        for spec in &specs {
            assert!(spec.path.starts_with("/api/customers"), "{}", spec.path);
            assert!(
                spec.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{} is not a snake-case subject token",
                spec.name
            );
        }
    }
}
