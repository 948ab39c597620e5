//! Erasure: the same events and records with every personal field blanked.
//!
//! After erasure the store can no longer read the personal fields of the customer's stored
//! events (their key is destroyed). Replay must still rebuild the same projections, so folding
//! the blanked events and then `CustomerErased` gives exactly the record that folding the
//! original events and then `CustomerErased` gives (`tests/erasure.rs` checks it).
//!
//! Ids, types, states, criteria, reason codes, labels, times and document digests are not
//! personal data and stay; `CustomerErased.reason` stays too (the API says to keep personal
//! data out of it).

use super::details::CustomerDetails;
use super::documents::{Document, DocumentStatus};
use super::{CustomerEvent, CustomerRecord};
use crate::values::AssociateDetails;

impl CustomerDetails {
    /// Only the labels: every other detail is personal data.
    #[must_use]
    pub fn without_personal_data(&self) -> Self {
        Self {
            labels: self.labels.clone(),
            ..Self::default()
        }
    }
}

/// Ownership and roles stay (they are what the profile counts); the person does not.
fn associate_without_personal_data(details: &AssociateDetails) -> AssociateDetails {
    AssociateDetails {
        ownership_percentage: details.ownership_percentage,
        roles: details.roles.clone(),
        ..AssociateDetails::default()
    }
}

fn status_without_personal_data(status: &DocumentStatus) -> DocumentStatus {
    match status {
        DocumentStatus::Rejected { reason, .. } => DocumentStatus::Rejected {
            reason: *reason,
            message: None,
        },
        other => other.clone(),
    }
}

impl CustomerEvent {
    /// The event with every personal field blanked.
    #[must_use]
    pub fn without_personal_data(&self) -> Self {
        let mut event = self.clone();
        match &mut event {
            Self::CustomerCreated { details, .. } => *details = details.without_personal_data(),
            Self::CustomerDetailsUpdated { changes, .. } => {
                *changes = changes.without_personal_data();
            }
            Self::DocumentSubmitted {
                file_name,
                issued_on,
                expires_on,
                ..
            } => {
                *file_name = None;
                *issued_on = None;
                *expires_on = None;
            }
            Self::DocumentRejected { message, .. }
            | Self::CustomerRejected { message, .. }
            | Self::CustomerClosed { message, .. } => *message = None,
            Self::AssociateAdded { details, .. } => {
                *details = associate_without_personal_data(details);
            }
            Self::AssociateUpdated { changes, .. } => {
                *changes = associate_without_personal_data(changes);
            }
            Self::CustomerFrozen { reason, .. } | Self::LegalHoldChanged { reason, .. } => {
                *reason = None;
            }
            Self::DuplicateIdentityResolved { note, .. }
            | Self::ApprovalRecorded { note, .. }
            | Self::ScreeningMatchProposed { note, .. }
            | Self::ScreeningMatchResolved { note, .. } => {
                *note = None;
            }
            Self::DocumentAccepted { .. }
            | Self::DuplicateIdentityFlagged { .. }
            | Self::AssociateRemoved { .. }
            | Self::CustomerVerified { .. }
            | Self::VerificationReopened { .. }
            | Self::CustomerUnfrozen { .. }
            | Self::CustomerErased { .. }
            | Self::RiskRated { .. }
            | Self::DocumentExpired { .. }
            | Self::ReviewDue { .. }
            | Self::ReviewCompleted { .. }
            | Self::VerificationLapsed { .. }
            | Self::ScreeningCompleted { .. } => {}
        }
        event
    }
}

impl CustomerRecord {
    /// The record with every personal field blanked.
    #[must_use]
    pub fn without_personal_data(&self) -> Self {
        let mut record = self.clone();
        record.details = record.details.without_personal_data();
        for document in record.documents.values_mut() {
            *document = Document {
                file_name: None,
                issued_on: None,
                expires_on: None,
                status: status_without_personal_data(&document.status),
                ..document.clone()
            };
        }
        for associate in record.associates.values_mut() {
            *associate = associate_without_personal_data(associate);
        }
        if let Some(rejection) = record.rejection.as_mut() {
            rejection.message = None;
        }
        if let Some(freeze) = record.frozen.as_mut() {
            freeze.reason = None;
        }
        if let Some(closure) = record.closure.as_mut() {
            closure.message = None;
        }
        if let Some(hold) = record.legal_hold.as_mut() {
            hold.reason = None;
        }
        for approval in &mut record.approvals {
            approval.note = None;
        }
        for resolution in record.screening.resolutions.values_mut() {
            resolution.note = None;
        }
        for proposal in record.screening.proposals.values_mut() {
            proposal.note = None;
        }
        // Counted from what the personal fields changed, so it is personal too (and an
        // erased customer is never screened again).
        record.screening.inputs_version = 0;
        record
    }
}
