//! Documents: submitting one, and a reviewer's decision on it.

use base64::Engine as _;
use kyc_domain::customer::{DocumentDraft, ReviewDraft, MAX_DOCUMENT_BYTES};
use kyc_domain::ids::{CustomerGuid, DocumentGuid};
use kyc_domain::CustomerCommand;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::vocabulary::{BodyFormat, Command, CommandSpec, Method, ServerValues, Target};
use crate::dto::{DocumentUpload, ReviewBody};
use crate::error::AppError;
use crate::principal::Scope;

/// Submit a document for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmitDocument {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// What the document is.
    pub draft: DocumentDraft,
    /// The bytes; they take part in the request's fingerprint through their digest only.
    #[serde(serialize_with = "serialize_digest")]
    pub content: Vec<u8>,
}

fn serialize_digest<S: serde::Serializer>(
    content: &[u8],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&hex::encode(Sha256::digest(content)))
}

/// Length of the base64 text of the largest document: the longest `content_base64` accepted,
/// and what an adapter's body limit for uploads must leave room for.
#[allow(clippy::cast_possible_truncation)] // 15 MiB fits every pointer width kyc builds for.
pub const MAX_CONTENT_BASE64_LEN: usize = (MAX_DOCUMENT_BYTES as usize).div_ceil(3) * 4;

/// The refusal of a document over the size limit.
pub fn too_large() -> AppError {
    AppError::TooLarge(format!(
        "a document may have at most {MAX_DOCUMENT_BYTES} bytes"
    ))
}

impl Command for SubmitDocument {
    type Body = DocumentUpload;
    const SPEC: CommandSpec = CommandSpec {
        name: "submit_document",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/documents",
        body: BodyFormat::Upload,
        scope: Scope::CustomersWrite,
        creates: true,
        summary: "Submit a document (multipart with a `file` part, or JSON with `content_base64`)",
    };

    fn from_request(target: &Target, body: DocumentUpload) -> Result<Self, AppError> {
        // Refuse oversize content before decoding it.
        // Trailing white space is trimmed before decoding; a few bytes of it are tolerated.
        if body.content_base64.len() > MAX_CONTENT_BASE64_LEN + 4 {
            return Err(too_large());
        }
        let content = base64::engine::general_purpose::STANDARD
            .decode(body.content_base64.trim())
            .map_err(|_| AppError::Malformed("content_base64 is not valid base64".into()))?;
        Self::from_upload(target, body.draft(), content)
    }

    fn from_upload(
        target: &Target,
        draft: DocumentDraft,
        content: Vec<u8>,
    ) -> Result<Self, AppError> {
        if content.len() as u64 > MAX_DOCUMENT_BYTES {
            return Err(too_large());
        }
        Ok(Self {
            customer_guid: target.customer()?,
            draft,
            content,
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn content(&self) -> Option<&[u8]> {
        Some(&self.content)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::SubmitDocument {
            document_guid: DocumentGuid::from_uuid(server.new_id),
            draft: self.draft.clone(),
            content: server
                .content
                .clone()
                .ok_or_else(|| AppError::Internal("document content was not prepared".into()))?,
            at: server.at,
        })
    }
}

/// Accept or reject a pending document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewDocument {
    /// The customer.
    pub customer_guid: CustomerGuid,
    /// The document.
    pub document_guid: DocumentGuid,
    /// The decision.
    pub draft: ReviewDraft,
}

impl Command for ReviewDocument {
    type Body = ReviewBody;
    const SPEC: CommandSpec = CommandSpec {
        name: "review_document",
        legacy_names: &[],
        method: Method::Post,
        path: "/api/customers/{guid}/documents/{document_guid}/review",
        body: BodyFormat::Json,
        scope: Scope::CustomersReview,
        creates: false,
        summary: "Accept or reject a pending document",
    };

    fn from_request(target: &Target, body: ReviewBody) -> Result<Self, AppError> {
        Ok(Self {
            customer_guid: target.customer()?,
            document_guid: target.document()?,
            draft: body.into(),
        })
    }

    fn customer_guid(&self) -> Option<CustomerGuid> {
        Some(self.customer_guid)
    }

    fn to_domain(&self, server: &ServerValues) -> Result<CustomerCommand, AppError> {
        Ok(CustomerCommand::ReviewDocument {
            document_guid: self.document_guid,
            draft: self.draft.clone(),
            at: server.at,
        })
    }
}
