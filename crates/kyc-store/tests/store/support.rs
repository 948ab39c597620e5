//! Builders for the Customer-level tests: tenants, request contexts, drafts, events.

use chrono::{DateTime, Utc};
use kyc_app::context::{RequestContext, Source};
use kyc_app::metadata::EventMetadata;
use kyc_app::Principal;
use kyc_domain::customer::CustomerDraft;
use kyc_domain::ids::{BankGuid, CustomerGuid};
use kyc_domain::values::{
    AddressDraft, IdentificationNumberDraft, NameDraft, TaxIdentificationDraft,
};
use kyc_domain::{Customer, CustomerCommand, CustomerEvent};

/// A new tenant.
pub(crate) fn bank() -> BankGuid {
    BankGuid::from_uuid(uuid::Uuid::now_v7())
}

/// A new customer id.
pub(crate) fn customer() -> CustomerGuid {
    CustomerGuid::from_uuid(uuid::Uuid::now_v7())
}

/// A caller of `bank` holding every scope.
pub(crate) fn ctx(bank: BankGuid, key: Option<&str>, at: DateTime<Utc>) -> RequestContext {
    RequestContext {
        principal: Principal::new(
            "tester",
            bank,
            "customers:read customers:write customers:review customers:freeze customers:pii:read",
        ),
        request_id: format!("req-{}", uuid::Uuid::now_v7().simple()),
        idempotency_key: key.map(str::to_owned),
        source: Source::Cli,
        received_at: at,
        include_pii: true,
    }
}

/// Metadata for events appended directly through the port.
pub(crate) fn metadata(bank: BankGuid, at: DateTime<Utc>) -> EventMetadata {
    EventMetadata {
        actor: "tester".to_owned(),
        bank_guid: bank.to_string(),
        request_id: "req-1".to_owned(),
        idempotency_key: None,
        source: Source::Cli,
        occurred_at: at,
        hash: "0".repeat(64),
    }
}

/// An individual's draft that meets every data criterion of `kyc_profile_a`.
pub(crate) fn individual() -> CustomerDraft {
    CustomerDraft {
        customer_type: Some("individual".into()),
        name: Some(NameDraft {
            first: Some("Ada".into()),
            last: Some("Lovelace".into()),
            ..NameDraft::default()
        }),
        address: Some(AddressDraft {
            street: Some("1 Main St".into()),
            city: Some("Springfield".into()),
            postal_code: Some("12345".into()),
            country_code: Some("US".into()),
            ..AddressDraft::default()
        }),
        phone_number: Some("+14155550123".into()),
        email_address: Some("ada@example.com".into()),
        date_of_birth: Some("1990-04-21".into()),
        nationality: Some("GB".into()),
        tax_identification: Some(TaxIdentificationDraft {
            number: Some("123-45-6789".into()),
            kind: Some("ssn".into()),
            country_code: Some("US".into()),
        }),
        identification_numbers: Some(vec![IdentificationNumberDraft {
            kind: Some("passport_number".into()),
            issuing_country_code: Some("GB".into()),
            identification_number: Some("123456789".into()),
        }]),
        ..CustomerDraft::default()
    }
}

/// A business's draft with a name only.
pub(crate) fn business() -> CustomerDraft {
    CustomerDraft {
        customer_type: Some("business".into()),
        name: Some(NameDraft {
            full: Some("Acme Payments Ltd".into()),
            ..NameDraft::default()
        }),
        ..CustomerDraft::default()
    }
}

/// The events of creating `guid` in `bank` at `at`, decided by the domain.
pub(crate) fn created(
    guid: CustomerGuid,
    bank: BankGuid,
    draft: CustomerDraft,
    at: DateTime<Utc>,
) -> Vec<CustomerEvent> {
    Customer::default()
        .decide(CustomerCommand::Create {
            customer_guid: guid,
            bank_guid: bank,
            draft,
            at,
        })
        .unwrap()
}

/// [`created`] for an individual, each event with its [`metadata`]: ready to append.
pub(crate) fn created_individual(
    guid: CustomerGuid,
    bank: BankGuid,
    at: DateTime<Utc>,
) -> Vec<(CustomerEvent, EventMetadata)> {
    created(guid, bank, individual(), at)
        .into_iter()
        .map(|e| (e, metadata(bank, at)))
        .collect()
}

/// The bytes of a minimal PDF.
pub(crate) fn pdf(n: usize) -> Vec<u8> {
    format!("%PDF-1.4\n% document {n}\n%%EOF\n").into_bytes()
}
