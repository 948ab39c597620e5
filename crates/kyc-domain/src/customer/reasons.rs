//! Why a customer is rejected or its relationship closed.

use crate::values::closed_enum::closed_enum;

closed_enum! {
    /// Why compliance rejected a customer.
    pub enum CustomerRejectionReason {
        /// Identity could not be established from the documents and data given.
        IdentityUnverifiable => "identity_unverifiable",
        /// Match on a sanctions list.
        SanctionsMatch => "sanctions_match",
        /// Politically exposed person outside the platform's risk appetite.
        PepHighRisk => "pep_high_risk",
        /// Adverse media findings.
        AdverseMedia => "adverse_media",
        /// Suspected fraud or synthetic identity.
        FraudSuspected => "fraud_suspected",
        /// Documents were repeatedly rejected.
        DocumentIssues => "document_issues",
        /// The customer's country or activity is not served.
        UnsupportedJurisdiction => "unsupported_jurisdiction",
        /// The customer already exists.
        DuplicateCustomer => "duplicate_customer",
        /// Required information was not provided.
        IncompleteInformation => "incomplete_information",
        /// Another reason, explained in the message.
        Other => "other",
    }
}

closed_enum! {
    /// Why a relationship was closed.
    pub enum ClosureReason {
        /// The customer asked to leave.
        CustomerRequest => "customer_request",
        /// The platform ended the relationship as outside its risk appetite.
        RiskExit => "risk_exit",
        /// The customer died.
        Deceased => "deceased",
        /// An application was abandoned (no command for the tenant's dormancy period).
        Dormant => "dormant",
        /// Another reason, explained in the message.
        Other => "other",
    }
}
