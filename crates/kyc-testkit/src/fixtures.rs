//! Shared fixtures: the customers, events and request bodies that tests of several crates
//! build, written once so that they cannot drift apart.
//!
//! Domain-level builders (drafts, decided events, metadata) serve the store and port tests;
//! JSON bodies and the tenant-isolation route matrix serve the HTTP tests of `kyc-http` (on
//! the in-memory store) and of `kycd` (a real process on PostgreSQL).

use chrono::{DateTime, Utc};
use kyc_app::context::Source;
use kyc_app::metadata::EventMetadata;
use kyc_domain::customer::CustomerDraft;
use kyc_domain::ids::{BankGuid, CustomerGuid};
use kyc_domain::values::{
    AddressDraft, IdentificationNumberDraft, NameDraft, TaxIdentificationDraft,
};
use kyc_domain::{Customer, CustomerCommand, CustomerEvent};
use serde_json::{json, Value};

/// A new tenant.
pub fn bank() -> BankGuid {
    BankGuid::from_uuid(uuid::Uuid::now_v7())
}

/// A new customer id.
pub fn customer() -> CustomerGuid {
    CustomerGuid::from_uuid(uuid::Uuid::now_v7())
}

/// Metadata for events appended directly through the port (the store sets the chain link).
pub fn metadata(bank: BankGuid, at: DateTime<Utc>) -> EventMetadata {
    EventMetadata {
        actor: "tester".to_owned(),
        bank_guid: bank.to_string(),
        request_id: "req-1".to_owned(),
        idempotency_key: None,
        source: Source::Cli,
        occurred_at: at,
        chain: None,
        hash: String::new(),
    }
}

/// An individual's draft that meets every data criterion of `kyc_profile_a`.
pub fn individual() -> CustomerDraft {
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
            description: None,
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
pub fn business() -> CustomerDraft {
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
///
/// # Panics
///
/// When the domain refuses `draft`: a fixture that does not build is a broken test.
pub fn created(
    guid: CustomerGuid,
    bank: BankGuid,
    draft: CustomerDraft,
    at: DateTime<Utc>,
) -> Vec<CustomerEvent> {
    match Customer::default().decide(CustomerCommand::Create {
        customer_guid: guid,
        bank_guid: bank,
        draft,
        identity_matches: Vec::new(),
        at,
    }) {
        Ok(events) => events,
        Err(refusal) => panic!("the fixture's creation is refused: {refusal:?}"),
    }
}

/// [`created`] for an [`individual`], each event with its [`metadata`]: ready to append.
pub fn created_individual(
    guid: CustomerGuid,
    bank: BankGuid,
    at: DateTime<Utc>,
) -> Vec<(CustomerEvent, EventMetadata)> {
    created(guid, bank, individual(), at)
        .into_iter()
        .map(|e| (e, metadata(bank, at)))
        .collect()
}

/// The bytes of a minimal PDF, distinct per `n`.
pub fn pdf(n: usize) -> Vec<u8> {
    format!("%PDF-1.4\n% document {n}\n%%EOF\n").into_bytes()
}

/// A complete postal address, as a request body member.
pub fn address_body() -> Value {
    json!({
        "street": "1 Main St",
        "city": "Springfield",
        "postal_code": "12345",
        "country_code": "US"
    })
}

/// An individual meeting every data criterion of `kyc_profile_a`, labelled `vip`: the JSON
/// twin of [`individual`].
pub fn individual_body() -> Value {
    json!({
        "type": "individual",
        "name": { "first": "Ada", "last": "Lovelace" },
        "address": address_body(),
        "phone_number": "+14155550123",
        "email_address": "ada@example.com",
        "date_of_birth": "1990-04-21",
        "nationality": "GB",
        "tax_identification": { "number": "123-45-6789", "type": "ssn", "country_code": "US" },
        "identification_numbers": [
            { "type": "passport_number", "issuing_country_code": "GB", "identification_number": "123456789" }
        ],
        "labels": ["vip"]
    })
}

/// [`individual_body`] with a tax number and a passport number no other customer has: a
/// second customer with the same numbers is a possible duplicate and cannot be verified until
/// a reviewer resolves it.
pub fn unique_individual_body() -> Value {
    // The low bits of a UUID v7 are random.
    let digits = uuid::Uuid::now_v7().as_u128() % 1_000_000_000;
    let mut body = individual_body();
    body["tax_identification"]["number"] = json!(format!("{digits:09}"));
    body["identification_numbers"][0]["identification_number"] = json!(format!("P{digits:09}"));
    body
}

/// A business meeting every data criterion of `kyb_profile_a`.
pub fn business_body() -> Value {
    json!({
        "type": "business",
        "name": { "full": "Acme Payments Ltd" },
        "address": address_body(),
        "email_address": "ops@acme.example",
        "registration_number": "HRB 12345",
        "incorporation_date": "2015-06-01",
        "incorporation_country": "DE",
        "website": "https://acme.example",
        "tax_identification": { "number": "DE123456789", "type": "vat", "country_code": "DE" }
    })
}

/// An owner of 30% who is also the control person.
pub fn associate_body() -> Value {
    json!({
        "name": { "first": "Grace", "last": "Hopper" },
        "date_of_birth": "1970-12-09",
        "address": address_body(),
        "email_address": "grace@acme.example",
        "ownership_percentage": 30.0,
        "roles": ["owner", "control_person"]
    })
}

/// The guid of the first associate of a customer body (the answer to adding one).
///
/// # Panics
///
/// When the body has no associate with a guid: the request that should have added it failed.
pub fn first_associate_guid(customer: &Value) -> String {
    match customer["associates"][0]["guid"].as_str() {
        Some(guid) => guid.to_owned(),
        None => panic!("no associate in {customer}"),
    }
}

/// One request of the isolation matrix: method, path and query, body.
pub type Route = (&'static str, String, Option<Value>);

/// Every route that names a customer, each with a body that would succeed for its owner: the
/// tenant-isolation matrix. `guid` is a business ([`business_body`]) with the associate
/// `associate` ([`associate_body`]) and the document `document` (an incorporation
/// certificate), all of the owner's tenant.
pub fn customer_routes(guid: &str, associate: &str, document: &str) -> Vec<Route> {
    let c = format!("/api/customers/{guid}");
    vec![
        ("GET", c.clone(), None),
        ("GET", format!("{c}?as_of=2030-01-01T00:00:00Z"), None),
        ("PATCH", c.clone(), Some(json!({ "labels": ["x"] }))),
        ("PATCH", c.clone(), Some(json!({ "state": "frozen" }))),
        (
            "POST",
            format!("{c}/documents"),
            Some(json!({ "type": "proof_of_address", "content_base64": "JVBERi0xLjcK" })),
        ),
        ("GET", format!("{c}/documents/{document}/content"), None),
        (
            "POST",
            format!("{c}/documents/{document}/review"),
            Some(json!({ "decision": "accept" })),
        ),
        ("POST", format!("{c}/associates"), Some(associate_body())),
        (
            "PATCH",
            format!("{c}/associates/{associate}"),
            Some(json!({ "ownership_percentage": 50.0 })),
        ),
        ("DELETE", format!("{c}/associates/{associate}"), None),
        ("POST", format!("{c}/verify"), None),
        (
            "POST",
            format!("{c}/reject"),
            Some(json!({ "reason_codes": ["other"], "retryable": true })),
        ),
        (
            "POST",
            format!("{c}/freeze"),
            Some(json!({ "reason": "test" })),
        ),
        ("POST", format!("{c}/unfreeze"), None),
        ("GET", format!("{c}/verification_profiles"), None),
        ("GET", format!("{c}/events"), None),
    ]
}

/// The routes that name no customer (create and list): refused without a token or the scope
/// like the others, but open to every tenant.
pub fn collection_routes() -> Vec<Route> {
    vec![
        ("POST", "/api/customers".into(), Some(business_body())),
        ("GET", "/api/customers".into(), None),
    ]
}
