//! Documents a customer submits and the reviews they receive.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{AssociateGuid, DocumentGuid};
use crate::values::{
    closed_enum::closed_enum, BoundedText, FieldError, LongText, ValidationCode, ValidationErrors,
};

closed_enum! {
    /// What a document is.
    pub enum DocumentKind {
        /// A passport (identity document).
        Passport => "passport",
        /// A driver's licence (identity document).
        DriversLicense => "drivers_license",
        /// A national identity card (identity document).
        NationalId => "national_id",
        /// A liveness check report from a selfie/video provider.
        LivenessReport => "liveness_report",
        /// Evidence of the source of funds (required for PEPs).
        SourceOfFunds => "source_of_funds",
        /// A utility bill or bank statement proving an address.
        ProofOfAddress => "proof_of_address",
        /// Certificate of incorporation.
        IncorporationCertificate => "incorporation_certificate",
        /// Shareholder register or ownership chart.
        OwnershipStructure => "ownership_structure",
    }
}

impl DocumentKind {
    /// True for documents that prove a person's identity.
    pub fn is_identity(self) -> bool {
        matches!(
            self,
            Self::Passport | Self::DriversLicense | Self::NationalId
        )
    }
}

closed_enum! {
    /// The sniffed media type of a document's content.
    pub enum ContentType {
        /// PDF.
        Pdf => "application/pdf",
        /// JPEG image.
        Jpeg => "image/jpeg",
        /// PNG image.
        Png => "image/png",
        /// HEIC image.
        Heic => "image/heic",
        /// TIFF image.
        Tiff => "image/tiff",
    }
}

/// One byte of a signature: a fixed value, or any byte.
pub type SignatureByte = Option<u8>;

const fn exact<const N: usize>(bytes: &[u8; N]) -> [SignatureByte; N] {
    let mut out = [None; N];
    let mut i = 0;
    while i < N {
        out[i] = Some(bytes[i]);
        i += 1;
    }
    out
}

/// An ISO base media file whose major brand marks a HEIF/HEIC image: a 4-byte box size
/// (any), `ftyp`, then the brand.
const fn heif(brand: [u8; 4]) -> [SignatureByte; 12] {
    let tail = exact(b"ftyp");
    let brand = exact(&brand);
    [
        None, None, None, None, tail[0], tail[1], tail[2], tail[3], brand[0], brand[1], brand[2],
        brand[3],
    ]
}

impl ContentType {
    /// The leading bytes ("magic numbers") of every supported format: content is of a type when
    /// it starts with one of the type's signatures. [`ContentType::sniff`] reads this table,
    /// and so does the API's description of an upload.
    pub const SIGNATURES: &'static [(Self, &'static [SignatureByte])] = &[
        (Self::Pdf, &exact(b"%PDF-")),
        (Self::Jpeg, &exact(&[0xFF, 0xD8, 0xFF])),
        (
            Self::Png,
            &exact(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        ),
        (Self::Tiff, &exact(b"II*\0")),
        (Self::Tiff, &exact(b"MM\0*")),
        (Self::Heic, &heif(*b"heic")),
        (Self::Heic, &heif(*b"heix")),
        (Self::Heic, &heif(*b"heim")),
        (Self::Heic, &heif(*b"heis")),
        (Self::Heic, &heif(*b"mif1")),
        (Self::Heic, &heif(*b"msf1")),
    ];

    /// Recognises a supported format by its leading bytes, ignoring whatever the caller
    /// claimed: a renamed executable is not a PDF.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        Self::SIGNATURES
            .iter()
            .find(|(_, signature)| {
                bytes.len() >= signature.len()
                    && signature
                        .iter()
                        .zip(bytes)
                        .all(|(expected, actual)| expected.is_none_or(|e| e == *actual))
            })
            .map(|(kind, _)| *kind)
    }
}

/// Largest document accepted: 15 MiB.
pub const MAX_DOCUMENT_BYTES: u64 = 15 * 1024 * 1024;

/// A SHA-256 digest as 64 lowercase hex characters, computed by the adapter that received the
/// bytes; the domain records it so the audit trail proves which content was reviewed.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Digest(String);

impl Sha256Digest {
    /// Parses 64 lowercase hex characters.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        if raw.len() == 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new(
                "",
                ValidationCode::InvalidFormat,
                "must be 64 lowercase hex characters",
            )
            .into())
        }
    }

    /// The digest in hex.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

crate::values::string_conversions!(Sha256Digest);

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({})", self.0)
    }
}

/// What the adapter learned from the uploaded bytes themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentContent {
    /// Media type, by content sniffing, not by the caller's claim.
    pub content_type: ContentType,
    /// Size in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the bytes.
    pub sha256: Sha256Digest,
}

/// A document as a caller describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DocumentDraft {
    /// What the document is.
    pub kind: Option<String>,
    /// For a business, the associate whose identity document this is.
    pub associate_guid: Option<String>,
    /// The original file name, for people.
    pub file_name: Option<String>,
    /// When the document was issued, `YYYY-MM-DD` (not in the future).
    pub issued_on: Option<String>,
    /// When an identity document expires, `YYYY-MM-DD` (after today, and after `issued_on`).
    pub expires_on: Option<String>,
}

/// How far ahead an identity document's expiry may lie, in years.
pub const MAX_DOCUMENT_VALIDITY_YEARS: u32 = 50;

/// A file name (at most 255 characters).
pub type FileName = BoundedText<255>;

/// Where a document stands in review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Waiting for review.
    Pending,
    /// Accepted by a reviewer.
    Accepted,
    /// Rejected by a reviewer.
    Rejected {
        /// Why.
        reason: DocumentRejectionReason,
        /// Explanation for the customer (always given; blank only after erasure).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<LongText>,
    },
}

/// A submitted document as the aggregate remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Its id.
    pub guid: DocumentGuid,
    /// What it is.
    pub kind: DocumentKind,
    /// The associate it identifies, for a business's associate documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associate_guid: Option<AssociateGuid>,
    /// Original file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<FileName>,
    /// What the bytes are.
    pub content: DocumentContent,
    /// Review status.
    pub status: DocumentStatus,
    /// When it was submitted.
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    /// Who reviewed it, once reviewed (reviews recorded before version 2 name no one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<super::approval::ActorId>,
    /// When it was issued, where the caller said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<chrono::NaiveDate>,
    /// When it expires (identity documents), where the caller said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<chrono::NaiveDate>,
    /// When `DocumentExpired` was recorded: it no longer meets a criterion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Document {
    /// Accepted and not expired: it meets its criterion.
    pub fn is_in_force(&self) -> bool {
        self.status == DocumentStatus::Accepted && self.expired_at.is_none()
    }
}

/// A review decision as a caller sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReviewDraft {
    /// `accept` or `reject`.
    pub decision: Option<String>,
    /// Reason code, required for `reject`.
    pub reason_code: Option<String>,
    /// Explanation, required for `reject`.
    pub message: Option<String>,
}

/// A validated review decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewDecision {
    /// The document is accepted.
    Accept,
    /// The document is rejected.
    Reject {
        /// Why.
        reason: DocumentRejectionReason,
        /// Explanation for the customer.
        message: LongText,
    },
}

impl ReviewDecision {
    /// Validates a review: a rejection needs a reason code and a message.
    pub fn parse(draft: &ReviewDraft) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        match draft.decision.as_deref().map(str::trim) {
            Some("accept") => {
                for (field, given) in [
                    ("reason_code", draft.reason_code.is_some()),
                    ("message", draft.message.is_some()),
                ] {
                    if given {
                        errors.push(FieldError::new(
                            field,
                            ValidationCode::NotAllowed,
                            "applies only to decision reject",
                        ));
                    }
                }
                errors.finish(|| Self::Accept)
            }
            Some("reject") => {
                let reason = crate::values::required(
                    &mut errors,
                    "reason_code",
                    draft.reason_code.as_deref(),
                    DocumentRejectionReason::parse,
                );
                let message = crate::values::required(
                    &mut errors,
                    "message",
                    draft.message.as_deref(),
                    LongText::parse,
                );
                match (reason, message) {
                    (Some(reason), Some(message)) => Ok(Self::Reject { reason, message }),
                    _ => Err(errors),
                }
            }
            Some(_) => Err(FieldError::new(
                "decision",
                ValidationCode::UnknownValue,
                "must be one of: accept, reject",
            )
            .into()),
            None => {
                Err(FieldError::new("decision", ValidationCode::Required, "is required").into())
            }
        }
    }
}

closed_enum! {
    /// Why a reviewer rejected a document.
    pub enum DocumentRejectionReason {
        /// Image or scan cannot be read.
        Unreadable => "unreadable",
        /// The document has expired.
        Expired => "expired",
        /// Parts of the document are missing or cropped.
        Incomplete => "incomplete",
        /// The document's data does not match the customer's details.
        DataMismatch => "data_mismatch",
        /// The face does not match the liveness check or other documents.
        FaceMismatch => "face_mismatch",
        /// The liveness check failed.
        LivenessFailed => "liveness_failed",
        /// This document type is not accepted for the criterion.
        UnsupportedDocument => "unsupported_document",
        /// Signs of tampering or forgery.
        SuspectedFraud => "suspected_fraud",
        /// Another reason, explained in the message.
        Other => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_need_a_reason_and_message() {
        let draft = ReviewDraft {
            decision: Some("reject".into()),
            ..ReviewDraft::default()
        };
        let errors = ReviewDecision::parse(&draft).unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["reason_code", "message"]);
        let draft = ReviewDraft {
            decision: Some("reject".into()),
            reason_code: Some("expired".into()),
            message: Some("The passport expired in 2020".into()),
        };
        assert!(matches!(
            ReviewDecision::parse(&draft).unwrap(),
            ReviewDecision::Reject {
                reason: DocumentRejectionReason::Expired,
                ..
            }
        ));
    }

    #[test]
    fn acceptances_take_no_reason() {
        let draft = ReviewDraft {
            decision: Some("accept".into()),
            reason_code: Some("expired".into()),
            message: None,
        };
        assert_eq!(
            ReviewDecision::parse(&draft).unwrap_err().errors()[0].field,
            "reason_code"
        );
        let errors = ReviewDecision::parse(&ReviewDraft {
            decision: Some("maybe".into()),
            ..ReviewDraft::default()
        })
        .unwrap_err();
        assert_eq!(errors.errors()[0].code, ValidationCode::UnknownValue);
    }

    #[test]
    fn content_is_sniffed_by_magic_bytes() {
        assert_eq!(ContentType::sniff(b"%PDF-1.7\n..."), Some(ContentType::Pdf));
        assert_eq!(
            ContentType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(ContentType::Jpeg)
        );
        assert_eq!(
            ContentType::sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some(ContentType::Png)
        );
        assert_eq!(
            ContentType::sniff(b"II*\0\x08\0\0\0"),
            Some(ContentType::Tiff)
        );
        assert_eq!(
            ContentType::sniff(b"MM\0*\0\0\0\x08"),
            Some(ContentType::Tiff)
        );
        assert_eq!(
            ContentType::sniff(b"\0\0\0\x18ftypheic\0\0\0\0"),
            Some(ContentType::Heic)
        );
        assert_eq!(
            ContentType::sniff(b"\0\0\0\x18ftypisom\0\0\0\0"),
            None,
            "an MP4 video"
        );
        assert_eq!(
            ContentType::sniff(b"MZ\x90\0"),
            None,
            "a Windows executable"
        );
        assert_eq!(ContentType::sniff(b""), None);
    }

    #[test]
    fn digests_are_lowercase_hex() {
        assert!(Sha256Digest::parse(&"a".repeat(64)).is_ok());
        assert!(Sha256Digest::parse(&"A".repeat(64)).is_err());
        assert!(Sha256Digest::parse("abc").is_err());
    }
}
