//! Layer2's Applications (`/v1/applications`): onboarding a person or a corporation, adding its
//! individuals, submitting it, and reading its status (Layer2's KYC dashboard).
//!
//! An application is the customer it onboards, named by the customer's guid. What kyc's
//! customer has no field for, the account to open, the terms acceptance and the submission,
//! is kept in the customer's labels under `layer2:` (labels are not personal data, so every
//! reader sees them, and each change is an audited `update_details`). The status is derived
//! from the customer's state, its verification profile and those labels, never stored.

use kyc_app::dto::{CustomerBody, CustomerDto};
use kyc_app::FieldErrorDto;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::field_error;
use crate::layer2::{self, Address, Customer, PatchRefusal, Update};

/// Marks a customer onboarded through an application.
pub const APPLICATION_LABEL: &str = "layer2:application";
/// The end customer accepted the platform's terms and conditions.
pub const TERMS_LABEL: &str = "layer2:terms_accepted";
/// The application was submitted for processing.
pub const SUBMITTED_LABEL: &str = "layer2:submitted";
/// The members of `account_to_open`, and the label prefix each is kept under.
pub const ACCOUNT_MEMBERS: [(&str, &str); 3] = [
    ("account_id", "layer2:account="),
    ("asset_type_id", "layer2:asset="),
    ("product_id", "layer2:product="),
];
/// The longest value of an `account_to_open` member: a label holds 64 characters.
pub const MAX_ACCOUNT_VALUE: usize = 64 - 15;

/// The labels an application keeps, by prefix or name.
fn is_application_label(label: &str) -> bool {
    label == APPLICATION_LABEL
        || label == TERMS_LABEL
        || label == SUBMITTED_LABEL
        || ACCOUNT_MEMBERS
            .iter()
            .any(|(_, prefix)| label.starts_with(prefix))
}

/// `AccountOpen`: the account Layer2 opens once the application is approved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountToOpen {
    /// The client's id for the account.
    pub account_id: Option<String>,
    /// `{BLOCKCHAIN}_{NETWORK}_{CURRENCY}`, e.g. `ETHEREUM_SEPOLIA_USDC`.
    pub asset_type_id: Option<String>,
    /// The product, e.g. `DEPOSIT_BASIC`.
    pub product_id: Option<String>,
}

/// `RequestApplication` (its schema is in `layer2_schema`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// Read-only: ignored when sent.
    pub id: Option<String>,
    /// Read-only: ignored when sent.
    pub status: Option<String>,
    /// `INDIVIDUAL` or `CORPORATION`.
    pub application_type: Option<String>,
    /// The account to open.
    pub account_to_open: Option<AccountToOpen>,
    /// Whether the end customer accepted the terms (default `false`).
    pub terms_and_conditions_accepted: Option<bool>,
    /// The client's id for the customer.
    pub customer_id: Option<String>,
    /// The person or corporation: Layer2's customer fields, and a corporation's
    /// `physical_address`.
    pub customer_details: Option<Map<String, Value>>,
}

/// `RequestApplicationPatch` (its schema is in `layer2_schema`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationPatch {
    /// The changes, at least one.
    pub updates: Vec<Update>,
}

/// A plain account value: the External Identifier characters, at most
/// [`MAX_ACCOUNT_VALUE`].
fn account_value(raw: &str) -> bool {
    !raw.is_empty()
        && raw.len() <= MAX_ACCOUNT_VALUE
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'))
}

/// The labels for an account to open, or errors at `at.<member>`.
fn account_labels(
    account: &AccountToOpen,
    at: &str,
    errors: &mut Vec<FieldErrorDto>,
) -> Vec<String> {
    let members = [
        &account.account_id,
        &account.asset_type_id,
        &account.product_id,
    ];
    let mut labels = Vec::new();
    for ((member, prefix), value) in ACCOUNT_MEMBERS.iter().zip(members) {
        match value {
            None => errors.push(field_error(
                &format!("{at}.{member}"),
                "required",
                "is required",
            )),
            Some(value) if !account_value(value) => errors.push(field_error(
                &format!("{at}.{member}"),
                "invalid_format",
                &format!("must be 1 to {MAX_ACCOUNT_VALUE} letters, digits, '_', '.', ':' or '-'"),
            )),
            Some(value) => labels.push(format!("{prefix}{value}")),
        }
    }
    labels
}

/// The customer fields of `details` as a Layer2 customer of `customer_type`, with `id`;
/// `physical_address` (corporations) is taken out and given apart.
fn customer_of(
    mut details: Map<String, Value>,
    customer_type: &str,
    id: Option<String>,
    errors: &mut Vec<FieldErrorDto>,
) -> (Option<Customer>, Option<Address>) {
    for own in ["id", "customer_type", "status", "individuals"] {
        // The application's own members, and the read-only individuals (added through
        // `/individual`).
        if details.remove(own).is_some() {
            errors.push(field_error(
                &format!("customer_details.{own}"),
                "not_allowed",
                "is not a member of customer_details",
            ));
        }
    }
    let physical_address = match details.remove("physical_address") {
        Some(_) if customer_type != "CORPORATION" => {
            errors.push(field_error(
                "customer_details.physical_address",
                "not_allowed",
                "does not apply to INDIVIDUAL applications",
            ));
            None
        }
        Some(value) if !value.is_null() => {
            let address = serde_json::from_value::<Address>(value).ok();
            if address.is_none() {
                errors.push(field_error(
                    "customer_details.physical_address",
                    "invalid_format",
                    "must be an address object",
                ));
            }
            address
        }
        _ => None,
    };
    details.insert("customer_type".into(), customer_type.into());
    if let Some(id) = id {
        details.insert("id".into(), id.into());
    }
    match serde_json::from_value::<Customer>(Value::Object(details)) {
        Ok(customer) => (Some(customer), physical_address),
        Err(error) => {
            errors.push(field_error(
                "customer_details",
                "invalid_format",
                &format!(
                    "is not a Layer2 {} customer: {}",
                    customer_type,
                    layer2::redact(&error)
                ),
            ));
            (None, physical_address)
        }
    }
}

impl Application {
    /// The customer to create, its labels holding the account and the terms acceptance; or
    /// the errors in Layer2's names.
    pub fn into_native(self) -> Result<CustomerBody, Vec<FieldErrorDto>> {
        let mut errors = Vec::new();
        for (field, given) in [
            ("application_type", self.application_type.is_some()),
            ("account_to_open", self.account_to_open.is_some()),
            ("customer_id", self.customer_id.is_some()),
            ("customer_details", self.customer_details.is_some()),
        ] {
            if !given {
                errors.push(field_error(field, "required", "is required"));
            }
        }
        let application_type = self.application_type.as_deref().and_then(|raw| {
            crate::closed(
                &mut errors,
                "application_type",
                raw,
                &[("INDIVIDUAL", "INDIVIDUAL"), ("CORPORATION", "CORPORATION")],
            )
        });
        let mut labels = vec![APPLICATION_LABEL.to_owned()];
        if let Some(account) = &self.account_to_open {
            labels.extend(account_labels(account, "account_to_open", &mut errors));
        }
        if self.terms_and_conditions_accepted == Some(true) {
            labels.push(TERMS_LABEL.to_owned());
        }
        let (Some(application_type), Some(details)) = (application_type, self.customer_details)
        else {
            return Err(errors);
        };
        let (customer, physical_address) =
            customer_of(details, &application_type, self.customer_id, &mut errors);
        let Some(customer) = customer else {
            return Err(errors);
        };
        match customer.into_native(true) {
            Ok(mut body) if errors.is_empty() => {
                body.labels = Some(labels);
                body.operating_address = physical_address.map(Address::into_native);
                Ok(body)
            }
            Ok(_) => Err(errors),
            Err(customer_errors) => {
                errors.extend(customer_errors.into_iter().map(|mut error| {
                    error.field = details_path(&error.field);
                    error
                }));
                Err(errors)
            }
        }
    }
}

/// A Layer2 customer field's path inside an application.
fn details_path(layer2_field: &str) -> String {
    if layer2_field == "id" {
        "customer_id".to_owned()
    } else if layer2_field == "customer_type" {
        "application_type".to_owned()
    } else {
        format!("customer_details.{layer2_field}")
    }
}

/// Our field path as Layer2 names it in an application.
pub fn field_name(native: &str, business: bool) -> String {
    if native == "labels" || native.starts_with("labels[") {
        return "account_to_open".to_owned();
    }
    if let Some(rest) = native.strip_prefix("operating_address") {
        let member = layer2::field_name(&format!("address{rest}"), business);
        let member = member
            .split_once('.')
            .map_or(String::new(), |(_, member)| format!(".{member}"));
        return format!("customer_details.physical_address{member}");
    }
    details_path(&layer2::field_name(native, business))
}

/// True when `customer` was onboarded through an application.
pub fn is_application(customer: &CustomerDto) -> bool {
    customer.labels.iter().any(|l| l == APPLICATION_LABEL)
}

/// The value of the label with `prefix`.
fn labelled<'a>(customer: &'a CustomerDto, prefix: &str) -> Option<&'a str> {
    customer
        .labels
        .iter()
        .find_map(|label| label.strip_prefix(prefix))
}

fn has_label(customer: &CustomerDto, label: &str) -> bool {
    customer.labels.iter().any(|l| l == label)
}

/// The criteria of our profile that the applicant (not an operator) must meet.
const APPLICANT_CRITERIA: [&str; 17] = [
    "name",
    "date_of_birth",
    "email_address",
    "phone_number",
    "residential_address",
    "tax_identification_number",
    "identity_document",
    "liveness_report_document",
    "source_of_funds_document",
    "business_name",
    "registration_number",
    "registered_address",
    "incorporation_document",
    "proof_of_address_document",
    "ownership_structure_document",
    "beneficial_owners",
    "control_person",
];

/// Our criteria the applicant still owes or must redo.
fn owed(customer: &CustomerDto) -> Vec<&str> {
    let Some(profile) = customer.verification_profiles.first() else {
        return Vec::new();
    };
    profile
        .criteria
        .required
        .iter()
        .map(String::as_str)
        .chain(profile.criteria.errors.iter().map(|e| e.name.as_str()))
        .filter(|c| APPLICANT_CRITERIA.contains(c) || c.starts_with("ubo:"))
        .collect()
}

/// The application's status: `INCOMPLETE`, `READY_FOR_SUBMISSION`, `SUBMITTED`, `PROCESSING`,
/// `CHANGES_REQUESTED`, `REJECTED` or `APPROVED`.
pub fn status_of(customer: &CustomerDto) -> &'static str {
    // A frozen or closed customer's application stands where the customer stood before.
    let state = customer
        .frozen
        .as_ref()
        .map(|f| f.previous_state.as_str())
        .or_else(|| customer.closure.as_ref().map(|c| c.previous_state.as_str()))
        .unwrap_or(customer.state.as_str());
    let profile_status = customer
        .verification_profiles
        .first()
        .map(|p| p.status.as_str());
    match state {
        "verified" => "APPROVED",
        "rejected" if customer.rejection.as_ref().is_some_and(|r| r.retryable) => {
            "CHANGES_REQUESTED"
        }
        "rejected" => "REJECTED",
        // Closed before it was decided: the onboarding ended without an approval.
        _ if customer.state == "closed" => "REJECTED",
        // Submitted: waiting while documents await review, then processing once nothing but
        // the decision is outstanding.
        _ if has_label(customer, SUBMITTED_LABEL) => {
            let awaiting_review = customer
                .verification_profiles
                .first()
                .is_some_and(|p| !p.criteria.pending.is_empty());
            if profile_status == Some("pending") && !awaiting_review {
                "PROCESSING"
            } else {
                "SUBMITTED"
            }
        }
        _ if owed(customer).is_empty() && has_label(customer, TERMS_LABEL) => {
            "READY_FOR_SUBMISSION"
        }
        _ => "INCOMPLETE",
    }
}

/// The statuses in which an application may still be changed.
pub const EDITABLE: [&str; 3] = ["INCOMPLETE", "READY_FOR_SUBMISSION", "CHANGES_REQUESTED"];

/// True while the application may still be changed (not submitted, or sent back).
pub fn is_editable(customer: &CustomerDto) -> bool {
    EDITABLE.contains(&status_of(customer))
}

/// True when the application may be submitted.
pub fn is_submittable(customer: &CustomerDto) -> bool {
    status_of(customer) == "READY_FOR_SUBMISSION"
}

/// The application's customer as `customer_details`: Layer2's customer without its own id,
/// type and status, and a corporation's operating address as `physical_address`.
fn details_of(customer: &CustomerDto) -> Value {
    let mut details = layer2::render(customer);
    if let Some(members) = details.as_object_mut() {
        for own in ["id", "customer_type", "status"] {
            members.remove(own);
        }
        if let Some(address) = &customer.operating_address {
            members.insert("physical_address".into(), Address::from_native(address));
        }
    }
    details
}

/// The members every application answer starts with.
fn header(customer: &CustomerDto) -> Map<String, Value> {
    let mut account = Map::new();
    for (member, prefix) in ACCOUNT_MEMBERS {
        if let Some(value) = labelled(customer, prefix) {
            account.insert(member.to_owned(), value.into());
        }
    }
    let mut out = Map::new();
    out.insert("id".into(), customer.guid.clone().into());
    out.insert("status".into(), status_of(customer).into());
    out.insert(
        "application_type".into(),
        if customer.customer_type == "business" {
            "CORPORATION"
        } else {
            "INDIVIDUAL"
        }
        .into(),
    );
    out.insert("account_to_open".into(), Value::Object(account));
    out.insert(
        "terms_and_conditions_accepted".into(),
        has_label(customer, TERMS_LABEL).into(),
    );
    out.insert("customer_id".into(), layer2::id_of(customer).into());
    out
}

/// `ApplicationIndividual` or `ApplicationCorporation`.
pub fn render(customer: &CustomerDto) -> Value {
    let mut out = header(customer);
    out.insert("customer_details".into(), details_of(customer));
    Value::Object(out)
}

/// Our criteria as Layer2's application field names.
const CRITERION_FIELDS: [(&str, &[&str]); 8] = [
    ("name", &["first_name", "last_name"]),
    ("date_of_birth", &["date_of_birth"]),
    ("email_address", &["email_address"]),
    ("phone_number", &["telephone_number"]),
    (
        "residential_address",
        &[
            "mailing_address.address_line1",
            "mailing_address.city",
            "mailing_address.country_code",
        ],
    ),
    ("business_name", &["registered_name"]),
    ("registration_number", &["registered_number"]),
    (
        "registered_address",
        &[
            "registered_address.address_line1",
            "registered_address.city",
            "registered_address.country_code",
        ],
    ),
];

/// Our document criteria as Layer2's document kinds, with what the kyc document is.
const CRITERION_DOCUMENTS: [(&str, &str, &str); 6] = [
    (
        "identity_document",
        "PASSPORT",
        "an identity document: passport, national id or driving licence",
    ),
    (
        "liveness_report_document",
        "GOVERNMENT_ID_FRONT",
        "a liveness report matching the identity document's holder",
    ),
    (
        "source_of_funds_document",
        "FINANCIAL_STATEMENT",
        "evidence of the source of funds",
    ),
    (
        "incorporation_document",
        "INCORPORATION_DOCUMENTS",
        "the certificate of incorporation",
    ),
    (
        "proof_of_address_document",
        "UTILITY_BILL",
        "a proof of the registered address",
    ),
    (
        "ownership_structure_document",
        "ANNUAL_REPORT",
        "the ownership structure",
    ),
];

/// `ResponseApplicationState`'s `data`: the status and what stands in its way.
pub fn state(customer: &CustomerDto) -> Value {
    let mut out = header(customer);
    let owed = owed(customer);
    let changes_requested = |criterion: &str| {
        customer
            .verification_profiles
            .first()
            .is_some_and(|p| p.criteria.errors.iter().any(|e| e.name == criterion))
    };
    // Layer2's "missing" means nobody in the role: people in it who are not identified yet
    // are told apart in `individual_errors`.
    let nobody_as = |role: &str| {
        !customer
            .associates
            .iter()
            .any(|a| a.roles.iter().any(|r| r == role))
    };
    let mut application_errors = Vec::new();
    if owed.contains(&"beneficial_owners") && nobody_as("owner") {
        application_errors.push("MISSING_BENEFICIAL_OWNER");
    }
    if owed.contains(&"control_person") && nobody_as("control_person") {
        application_errors.push("MISSING_OFFICER");
    }
    let mut validation_errors: Vec<Value> = Vec::new();
    for (criterion, fields) in CRITERION_FIELDS {
        if owed.contains(&criterion) {
            for field in fields {
                validation_errors.push(json!({
                    "field_name": field,
                    "field_status": "INCOMPLETE",
                    "description": "is required",
                }));
            }
        }
    }
    if owed.contains(&"tax_identification_number") {
        // A person's tax number is Layer2's `tax_reference_number`; a corporation's Layer2
        // carries only as `registered_number`, which kyc keeps as the registration number.
        let (field_name, description) = if customer.customer_type == "business" {
            (
                "registered_number",
                "the corporation's tax identification number is required: send it as \
                 tax_identification through kyc's API (registered_number is kept as the \
                 registration number)",
            )
        } else {
            ("tax_reference_number", "is required")
        };
        validation_errors.push(json!({
            "field_name": field_name,
            "field_status": "INCOMPLETE",
            "description": description,
        }));
    }
    if !has_label(customer, TERMS_LABEL) {
        validation_errors.push(json!({
            "field_name": "terms_and_conditions_accepted",
            "field_status": "INCOMPLETE",
            "description": "must be accepted before the application is submitted",
        }));
    }
    let mut document_errors: Vec<Value> = Vec::new();
    for (criterion, document, description) in CRITERION_DOCUMENTS {
        if owed.contains(&criterion) {
            document_errors.push(json!({
                "id": criterion,
                "document": document,
                "status": if changes_requested(criterion) { "CHANGES_REQUESTED" } else { "MISSING" },
                "description": description,
            }));
        }
    }
    let individual_errors: Vec<Value> = customer
        .associates
        .iter()
        .filter_map(|associate| individual_state(associate, &owed, changes_requested))
        .collect();
    out.insert("application_errors".into(), application_errors.into());
    out.insert(
        "application_validation_errors".into(),
        validation_errors.into(),
    );
    out.insert("application_document_errors".into(), document_errors.into());
    out.insert("individual_errors".into(), individual_errors.into());
    Value::Object(out)
}

/// An individual's `IndividualState`, if anything stands in its way: the identifying fields
/// it lacks (when its personal data is shown) and its documents owed (`ubo:<id>:<criterion>`).
fn individual_state(
    associate: &kyc_app::dto::AssociateDto,
    owed: &[&str],
    changes_requested: impl Fn(&str) -> bool,
) -> Option<Value> {
    let shown = associate.name.is_some();
    let fields: Vec<Value> = [
        ("date_of_birth", associate.date_of_birth.is_none()),
        ("mailing_address.address_line1", associate.address.is_none()),
    ]
    .into_iter()
    .filter(|(_, missing)| shown && *missing)
    .map(|(field, _)| {
        json!({"field_name": field, "field_status": "INCOMPLETE", "description": "is required"})
    })
    .collect();
    let prefix = format!("ubo:{}:", associate.guid);
    let documents: Vec<Value> = owed
        .iter()
        .filter_map(|criterion| {
            let own = criterion.strip_prefix(&prefix)?;
            let (_, document, description) = CRITERION_DOCUMENTS
                .iter()
                .find(|(name, _, _)| *name == own)?;
            Some(json!({
                "id": criterion,
                "document": document,
                "status": if changes_requested(criterion) { "CHANGES_REQUESTED" } else { "MISSING" },
                "description": description,
            }))
        })
        .collect();
    (!fields.is_empty() || !documents.is_empty()).then(|| {
        json!({
            "id": associate.guid,
            "individual_validation_errors": fields,
            "individual_document_errors": documents,
        })
    })
}

/// The labels `customer` keeps that are not the application's.
fn own_labels(customer: &CustomerDto) -> impl Iterator<Item = &String> {
    customer
        .labels
        .iter()
        .filter(|label| !is_application_label(label))
}

/// The customer's labels once the application is submitted.
pub fn submitted_labels(customer: &CustomerDto) -> Vec<String> {
    let mut labels: Vec<String> = customer.labels.clone();
    labels.push(SUBMITTED_LABEL.to_owned());
    labels
}

/// What an application patch changes: the customer's fields (as a Layer2 customer body, when
/// any is updated) and its labels (when the account, the terms or the submission change).
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationChanges {
    /// The changed customer fields.
    pub customer: Option<Customer>,
    /// The customer's labels after the change.
    pub labels: Option<Vec<String>>,
}

/// Applies an application patch: a customer field (named bare, `mailing_address.city`)
/// updates the customer as [`layer2::apply_updates`] does; `account_to_open.<member>` and
/// `terms_and_conditions_accepted` update the labels. A change to the customer's fields takes a
/// submitted application back to be submitted again.
pub fn apply_updates(
    customer: &CustomerDto,
    patch: &ApplicationPatch,
) -> Result<ApplicationChanges, PatchRefusal> {
    let mut errors = Vec::new();
    if patch.updates.is_empty() {
        errors.push(field_error(
            "updates",
            "required",
            "needs at least one update",
        ));
    }
    let mut details_updates = Vec::new();
    let mut account = AccountToOpen {
        account_id: labelled(customer, ACCOUNT_MEMBERS[0].1).map(str::to_owned),
        asset_type_id: labelled(customer, ACCOUNT_MEMBERS[1].1).map(str::to_owned),
        product_id: labelled(customer, ACCOUNT_MEMBERS[2].1).map(str::to_owned),
    };
    let mut terms = has_label(customer, TERMS_LABEL);
    let mut labels_touched = false;
    for (index, update) in patch.updates.iter().enumerate() {
        let at = format!("updates[{index}].field");
        let value_at = format!("updates[{index}].value");
        match update.field.as_str() {
            "terms_and_conditions_accepted" => {
                labels_touched = true;
                match update.value.as_str() {
                    "true" => terms = true,
                    "false" => terms = false,
                    _ => errors.push(field_error(
                        &value_at,
                        "invalid_format",
                        "must be true or false",
                    )),
                }
            }
            "account_to_open.account_id"
            | "account_to_open.asset_type_id"
            | "account_to_open.product_id" => {
                labels_touched = true;
                let value = Some(update.value.clone());
                match update.field.as_str() {
                    "account_to_open.account_id" => account.account_id = value,
                    "account_to_open.asset_type_id" => account.asset_type_id = value,
                    _ => account.product_id = value,
                }
            }
            "customer_id" | "application_type" | "id" | "status" => errors.push(field_error(
                &at,
                "not_allowed",
                &format!("{} cannot be changed", update.field),
            )),
            field if field.starts_with("physical_address") => errors.push(field_error(
                &at,
                "not_allowed",
                "physical_address is set when the application is created",
            )),
            // Layer2 names an application's customer fields bare, as its field errors do
            // (`registered_name`, `registered_address.city`).
            _ => details_updates.push((index, update.clone())),
        }
    }
    let account_labels = if labels_touched {
        account_labels_at(&account, patch, &mut errors)
    } else {
        account_labels(&account, "account_to_open", &mut Vec::new())
    };
    if !errors.is_empty() {
        return Err(PatchRefusal::Invalid(errors));
    }
    let customer_changes = customer_changes(customer, &details_updates)?;
    let labels = (labels_touched || customer_changes.is_some()).then(|| {
        let mut labels: Vec<String> = own_labels(customer).cloned().collect();
        labels.push(APPLICATION_LABEL.to_owned());
        labels.extend(account_labels.clone());
        if terms {
            labels.push(TERMS_LABEL.to_owned());
        }
        // Changed details are submitted again; changing only the account or the terms
        // keeps a submission.
        if customer_changes.is_none() && has_label(customer, SUBMITTED_LABEL) {
            labels.push(SUBMITTED_LABEL.to_owned());
        }
        labels
    });
    Ok(ApplicationChanges {
        customer: customer_changes,
        labels,
    })
}

/// The labels of the account to open after a patch, its errors pointed at the update that
/// gave the bad value.
fn account_labels_at(
    account: &AccountToOpen,
    patch: &ApplicationPatch,
    errors: &mut Vec<FieldErrorDto>,
) -> Vec<String> {
    let mut account_errors = Vec::new();
    let labels = account_labels(account, "account_to_open", &mut account_errors);
    for error in account_errors {
        let index = patch.updates.iter().position(|u| u.field == error.field);
        errors.push(match index {
            Some(index) => field_error(
                &format!("updates[{index}].value"),
                &error.code,
                &error.message,
            ),
            None => error,
        });
    }
    labels
}

/// The customer fields an application patch's customer updates change, if it has any.
fn customer_changes(
    customer: &CustomerDto,
    details_updates: &[(usize, Update)],
) -> Result<Option<Customer>, PatchRefusal> {
    if details_updates.is_empty() {
        return Ok(None);
    }
    let details_patch = layer2::CustomerPatch {
        updates: details_updates.iter().map(|(_, u)| u.clone()).collect(),
        updated_by: None,
        reason: None,
    };
    // The customer patch's error paths name its own updates: renumber them.
    let renumber = |errors: Vec<FieldErrorDto>| -> Vec<FieldErrorDto> {
        errors
            .into_iter()
            .map(|mut error| {
                error.field = renumbered(&error.field, details_updates);
                error
            })
            .collect()
    };
    layer2::apply_updates(&layer2::render(customer), &details_patch)
        .map(Some)
        .map_err(|refusal| match refusal {
            PatchRefusal::Invalid(errors) => PatchRefusal::Invalid(renumber(errors)),
            PatchRefusal::Conflict(errors) => PatchRefusal::Conflict(renumber(errors)),
        })
}

/// An error path of the customer patch made of the application patch's customer updates, in
/// the application patch's terms: `updates[i]` renumbered to the update's own index.
fn renumbered(field: &str, details_updates: &[(usize, Update)]) -> String {
    if let Some(rest) = field.strip_prefix("updates[") {
        if let Some((index, tail)) = rest.split_once(']') {
            if let Some((original, _)) = index
                .parse::<usize>()
                .ok()
                .and_then(|index| details_updates.get(index))
            {
                return format!("updates[{original}]{tail}");
            }
        }
    }
    field.to_owned()
}
