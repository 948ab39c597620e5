//! Connect Financial's customer resource (Gateway API, `docs/vendors/connectfinancial.md`):
//! `POST /customers/individual` and `/customers/business` with `basicData`, `taxInformation`,
//! `identification`, `mainAddress` and `pep`; `{traceId, message, data}` answers; UUID ids;
//! the compliance status reads.
//!
//! The public pages keep the member names of these objects only in part (the crawl stops in
//! the enum lists): the names below that are not on them (`firstName`, `number`, `street` …)
//! are this module's reading, stated in the README.

use kyc_app::dto::{
    AddressBody, AliasBody, CustomerBody, CustomerDto, IdentificationNumberBody, NameBody, PepBody,
    TaxIdentificationBody,
};
use kyc_app::FieldErrorDto;
use kyc_domain::ids::CustomerGuid;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{closed, field_error, renamed, Renames};

/// Where the Connect Financial surface is served.
pub const PREFIX: &str = "/compat/connectfinancial";

/// Connect's tax identification types and ours.
pub(crate) const TAX_TYPES: &[(&str, &str)] = &[
    ("NATIONAL_INSURANCE_NUMBER", "national_tax_id"),
    ("TAX_CODE", "tin"),
];
/// Connect's identification types of a person and ours.
pub(crate) const PERSON_IDS: &[(&str, &str)] = &[
    ("PASSPORT", "passport_number"),
    ("DRIVERS_LICENSE", "drivers_license_number"),
    ("NATIONAL_ID", "national_id"),
];
/// Connect's identification types of a business and ours.
pub(crate) const BUSINESS_IDS: &[(&str, &str)] = &[
    (
        "BUSINESS_REGISTRATION_NUMBER",
        "business_registration_number",
    ),
    (
        "EMPLOYER_IDENTIFICATION_NUMBER",
        "employer_identification_number",
    ),
];

/// A Connect address (`mainAddress`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Address {
    /// Street and number.
    pub street: Option<String>,
    /// Second line.
    pub street2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or region.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country: Option<String>,
}

/// `taxInformation`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TaxInformation {
    /// `NATIONAL_INSURANCE_NUMBER` or `TAX_CODE`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The number.
    pub number: Option<String>,
    /// Issuing country, alpha-2.
    pub country: Option<String>,
}

/// `identification`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Identification {
    /// A person's `PASSPORT`, `DRIVERS_LICENSE` or `NATIONAL_ID`; a business's
    /// `BUSINESS_REGISTRATION_NUMBER` (the default) or `EMPLOYER_IDENTIFICATION_NUMBER`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The number.
    pub number: Option<String>,
    /// Issuing country, alpha-2.
    pub country: Option<String>,
}

/// `pep`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Pep {
    /// Whether the person is politically exposed.
    pub is_pep: Option<bool>,
    /// Why; required when `isPep` is true.
    pub explanation: Option<String>,
}

/// A person's `basicData`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PersonData {
    /// Given name.
    pub first_name: Option<String>,
    /// Middle names.
    pub middle_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// `M`, `F` or `O` (the default).
    pub gender: Option<String>,
    /// Nationality, alpha-2.
    pub country: Option<String>,
    /// Occupation code: `11`…`55`, `SELFEMP`, `OTHERXX`, `STUDENT`, `RETIRED`, `UNEMPLO`.
    pub occupation: Option<String>,
}

/// A business's `basicData`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BusinessData {
    /// Legal name.
    pub name: Option<String>,
    /// Trading name.
    pub trade_name: Option<String>,
    /// Registration number.
    pub registration_number: Option<String>,
    /// Date of incorporation, `YYYY-MM-DD`.
    pub incorporation_date: Option<String>,
    /// Country of incorporation, alpha-2.
    pub country: Option<String>,
    /// Website.
    pub website: Option<String>,
}

/// `POST /customers/individual`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IndividualRequest {
    /// Email address.
    pub email: Option<String>,
    /// Phone number: digits, spaces, hyphens, plus signs and parentheses.
    pub phone: Option<String>,
    /// The country calling code, 1 to 4 digits (`1`).
    pub phone_country_code: Option<String>,
    /// Name, birth, gender, nationality and occupation.
    pub basic_data: Option<PersonData>,
    /// Tax identification.
    pub tax_information: Option<TaxInformation>,
    /// Identity document number.
    pub identification: Option<Identification>,
    /// Residential address.
    pub main_address: Option<Address>,
    /// Political exposure.
    pub pep: Option<Pep>,
}

/// `POST /customers/business`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BusinessRequest {
    /// Email address.
    pub email: Option<String>,
    /// Phone number: digits, spaces, hyphens, plus signs and parentheses.
    pub phone: Option<String>,
    /// The country calling code, 1 to 4 digits.
    pub phone_country_code: Option<String>,
    /// Legal name, registration and incorporation.
    pub basic_data: Option<BusinessData>,
    /// Tax identification.
    pub tax_information: Option<TaxInformation>,
    /// Registration document number.
    pub identification: Option<Identification>,
    /// Registered address.
    pub main_address: Option<Address>,
}

/// The guid a Connect id (a UUID) names.
pub fn guid_of(id: &str) -> Option<CustomerGuid> {
    let uuid = uuid_text(id)?;
    CustomerGuid::parse(&uuid).ok()
}

/// A UUID's 32 lowercase hex digits, when `id` is a UUID in its hyphenated form.
fn uuid_text(id: &str) -> Option<String> {
    let groups: Vec<&str> = id.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    (lengths == [8, 4, 4, 4, 12]
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit())))
    .then(|| groups.concat().to_ascii_lowercase())
}

/// The Connect id of a customer: its guid as a hyphenated UUID.
pub fn id_of(customer: &CustomerDto) -> String {
    uuid_of(&customer.guid).unwrap_or_else(|| customer.guid.clone())
}

/// A guid's 32 hex digits as a hyphenated UUID.
pub fn uuid_of(hex: &str) -> Option<String> {
    (hex.len() == 32 && hex.is_ascii()).then(|| {
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    })
}

/// Connect's phone rule: the national number (digits, spaces, hyphens, plus signs and
/// parentheses; 6 to 11 digits) and its country calling code (1 to 4 digits, not starting
/// with 0) make the E.164 number `+<code><digits>`.
fn e164(
    errors: &mut Vec<FieldErrorDto>,
    phone: Option<String>,
    code: Option<String>,
) -> Option<String> {
    let phone = phone?;
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')');
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if !phone.chars().all(allowed) || !(6..=11).contains(&digits.len()) {
        errors.push(field_error(
            "phone",
            "invalid_format",
            "must be 6 to 11 digits, with only spaces, hyphens, plus signs and parentheses \
             besides",
        ));
        return None;
    }
    let Some(code) = code else {
        errors.push(field_error(
            "phoneCountryCode",
            "missing_dependency",
            "is required with phone",
        ));
        return None;
    };
    let well_formed = (1..=4).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_digit())
        && !code.starts_with('0');
    if !well_formed {
        errors.push(field_error(
            "phoneCountryCode",
            "invalid_format",
            "must be 1 to 4 digits, not starting with 0",
        ));
        return None;
    }
    Some(format!("+{code}{digits}"))
}

impl Address {
    fn into_native(self) -> AddressBody {
        AddressBody {
            street: self.street,
            street2: self.street2,
            city: self.city,
            subdivision: self.state,
            postal_code: self.postal_code,
            country_code: self.country,
        }
    }
}

fn tax(errors: &mut Vec<FieldErrorDto>, info: TaxInformation) -> TaxIdentificationBody {
    TaxIdentificationBody {
        number: info.number,
        kind: info
            .kind
            .as_deref()
            .and_then(|raw| closed(errors, "taxInformation.type", raw, TAX_TYPES)),
        country_code: info.country,
        description: None,
    }
}

fn required(errors: &mut Vec<FieldErrorDto>, field: &str, given: bool) {
    if !given {
        errors.push(field_error(field, "required", "is required"));
    }
}

impl IndividualRequest {
    /// Our body for this person; errors name Connect's fields.
    pub fn into_native(self) -> Result<CustomerBody, Vec<FieldErrorDto>> {
        let mut errors = Vec::new();
        required(&mut errors, "email", self.email.is_some());
        required(&mut errors, "phone", self.phone.is_some());
        required(&mut errors, "basicData", self.basic_data.is_some());
        required(
            &mut errors,
            "taxInformation",
            self.tax_information.is_some(),
        );
        required(&mut errors, "identification", self.identification.is_some());
        required(&mut errors, "mainAddress", self.main_address.is_some());
        let phone_number = e164(&mut errors, self.phone, self.phone_country_code);
        let given = self.basic_data.is_some();
        let data = self.basic_data.unwrap_or_default();
        if given {
            required(
                &mut errors,
                "basicData.firstName",
                data.first_name.is_some(),
            );
            required(&mut errors, "basicData.lastName", data.last_name.is_some());
        }
        let identification = self.identification.map(|id| {
            let kind = if let Some(raw) = id.kind.as_deref() {
                closed(&mut errors, "identification.type", raw, PERSON_IDS)
            } else {
                errors.push(field_error(
                    "identification.type",
                    "required",
                    "is required",
                ));
                None
            };
            vec![IdentificationNumberBody {
                kind,
                issuing_country_code: id.country,
                identification_number: id.number,
                issuing_subdivision: None,
            }]
        });
        let tax_identification = self.tax_information.map(|info| tax(&mut errors, info));
        let body = CustomerBody {
            customer_type: Some("individual".into()),
            name: Some(NameBody {
                first: data.first_name,
                middle: data.middle_name,
                last: data.last_name,
                full: None,
            }),
            email_address: self.email,
            phone_number,
            date_of_birth: data.date_of_birth,
            // Connect's rule: a gender left blank is `O`.
            gender: Some(data.gender.unwrap_or_else(|| "O".to_owned())),
            nationality: data.country,
            occupation: data.occupation,
            tax_identification,
            identification_numbers: identification,
            address: self.main_address.map(Address::into_native),
            pep: self.pep.map(|pep| PepBody {
                is_pep: pep.is_pep,
                explanation: pep.explanation,
            }),
            ..CustomerBody::default()
        };
        if errors.is_empty() {
            Ok(body)
        } else {
            Err(errors)
        }
    }
}

impl BusinessRequest {
    /// Our body for this business; errors name Connect's fields.
    pub fn into_native(self) -> Result<CustomerBody, Vec<FieldErrorDto>> {
        let mut errors = Vec::new();
        required(&mut errors, "email", self.email.is_some());
        required(&mut errors, "phone", self.phone.is_some());
        required(&mut errors, "basicData", self.basic_data.is_some());
        required(
            &mut errors,
            "taxInformation",
            self.tax_information.is_some(),
        );
        required(&mut errors, "identification", self.identification.is_some());
        required(&mut errors, "mainAddress", self.main_address.is_some());
        let phone_number = e164(&mut errors, self.phone, self.phone_country_code);
        let given = self.basic_data.is_some();
        let data = self.basic_data.unwrap_or_default();
        if given {
            required(&mut errors, "basicData.name", data.name.is_some());
        }
        let identification = self.identification.map(|id| {
            let kind = match id.kind.as_deref() {
                Some(raw) => closed(&mut errors, "identification.type", raw, BUSINESS_IDS),
                None => Some("business_registration_number".to_owned()),
            };
            vec![IdentificationNumberBody {
                kind,
                issuing_country_code: id.country,
                identification_number: id.number,
                issuing_subdivision: None,
            }]
        });
        let tax_identification = self.tax_information.map(|info| tax(&mut errors, info));
        let body = CustomerBody {
            customer_type: Some("business".into()),
            name: data.name.map(|full| NameBody {
                full: Some(full),
                ..NameBody::default()
            }),
            aliases: data.trade_name.map(|name| vec![AliasBody::Name(name)]),
            registration_number: data.registration_number,
            incorporation_date: data.incorporation_date,
            incorporation_country: data.country,
            website: data.website,
            email_address: self.email,
            phone_number,
            tax_identification,
            identification_numbers: identification,
            address: self.main_address.map(Address::into_native),
            ..CustomerBody::default()
        };
        if errors.is_empty() {
            Ok(body)
        } else {
            Err(errors)
        }
    }
}

/// Our field names and Connect's, for error paths.
fn renames(business: bool) -> Renames {
    let mut renames: Renames = vec![
        ("email_address".into(), "email".into()),
        ("phone_number".into(), "phone".into()),
        ("address.street2".into(), "mainAddress.street2".into()),
        ("address.street".into(), "mainAddress.street".into()),
        ("address.subdivision".into(), "mainAddress.state".into()),
        (
            "address.postal_code".into(),
            "mainAddress.postalCode".into(),
        ),
        ("address.country_code".into(), "mainAddress.country".into()),
        ("address".into(), "mainAddress".into()),
        (
            "tax_identification.type".into(),
            "taxInformation.type".into(),
        ),
        (
            "tax_identification.country_code".into(),
            "taxInformation.country".into(),
        ),
        ("tax_identification".into(), "taxInformation".into()),
        (
            "identification_numbers[0].type".into(),
            "identification.type".into(),
        ),
        (
            "identification_numbers[0].issuing_country_code".into(),
            "identification.country".into(),
        ),
        (
            "identification_numbers[0].identification_number".into(),
            "identification.number".into(),
        ),
        ("identification_numbers".into(), "identification".into()),
        ("pep.is_pep".into(), "pep.isPep".into()),
    ];
    if business {
        renames.extend([
            ("name.full".into(), "basicData.name".into()),
            ("name".into(), "basicData.name".into()),
            ("aliases".into(), "basicData.tradeName".into()),
            (
                "registration_number".into(),
                "basicData.registrationNumber".into(),
            ),
            (
                "incorporation_date".into(),
                "basicData.incorporationDate".into(),
            ),
            ("incorporation_country".into(), "basicData.country".into()),
            ("website".into(), "basicData.website".into()),
        ]);
    } else {
        renames.extend([
            ("name.first".into(), "basicData.firstName".into()),
            ("name.middle".into(), "basicData.middleName".into()),
            ("name.last".into(), "basicData.lastName".into()),
            ("name".into(), "basicData".into()),
            ("date_of_birth".into(), "basicData.dateOfBirth".into()),
            ("gender".into(), "basicData.gender".into()),
            ("nationality".into(), "basicData.country".into()),
            ("occupation".into(), "basicData.occupation".into()),
        ]);
    }
    renames
}

/// Our field path as Connect names it.
pub fn field_name(native: &str, business: bool) -> String {
    renamed(native, &renames(business))
}

/// The customer as Connect's `data`: id, name, type and portfolios (kyc keeps none).
pub fn render(customer: &CustomerDto) -> Value {
    let business = customer.customer_type == "business";
    json!({
        "id": id_of(customer),
        "name": customer.name.as_ref().map(|name| name.full.clone()),
        "type": if business { "LEGAL" } else { "NATURAL" },
        "portfolios": [],
    })
}

/// A compliance check of Connect's status answer: its type, our criteria it stands for, and
/// the action a failure suggests.
struct Check {
    kind: &'static str,
    criteria: &'static [&'static str],
    action: &'static str,
}

/// The checks of a person's compliance status.
const PERSON_CHECKS: &[Check] = &[
    Check {
        kind: "KYC_DATA_PRESENT",
        criteria: &["name", "date_of_birth", "email_address", "phone_number"],
        action: "UPDATE_PROFILE",
    },
    Check {
        kind: "REGISTRATION_ADDRESS",
        criteria: &["residential_address"],
        action: "UPDATE_PROFILE",
    },
    Check {
        kind: "TAX_COUNTRY",
        criteria: &["tax_identification_number"],
        action: "UPDATE_PROFILE",
    },
    Check {
        kind: "SDK_VERIFICATION_COMPLETED",
        criteria: &["identity_document", "liveness_report_document"],
        action: "UPLOAD_DOCUMENT",
    },
    Check {
        kind: "DOC_SOURCE_OF_FUNDS",
        criteria: &["source_of_funds_document"],
        action: "UPLOAD_DOCUMENT",
    },
    Check {
        kind: "DOC_PROOF_OF_ADDRESS",
        criteria: &["proof_of_address_document"],
        action: "UPLOAD_DOCUMENT",
    },
];

/// The checks of a business's compliance status.
const BUSINESS_CHECKS: &[Check] = &[
    Check {
        kind: "KYB_DATA_PRESENT",
        criteria: &[
            "business_name",
            "registration_number",
            "email_address",
            "phone_number",
        ],
        action: "UPDATE_BUSINESS_DATA",
    },
    Check {
        kind: "REGISTRATION_ADDRESS",
        criteria: &["registered_address"],
        action: "UPDATE_BUSINESS_DATA",
    },
    Check {
        kind: "TAX_COUNTRY",
        criteria: &["tax_identification_number"],
        action: "UPDATE_BUSINESS_DATA",
    },
    Check {
        kind: "PERSON_RELATIONS",
        criteria: &["beneficial_owners", "control_person"],
        action: "ADD_PERSON_RELATIONS",
    },
    Check {
        kind: "DOC_BUSINESS",
        criteria: &[
            "incorporation_document",
            "proof_of_address_document",
            "ownership_structure_document",
        ],
        action: "UPLOAD_BUSINESS_DOCUMENT",
    },
];

/// Connect's compliance status of a customer, from its state and verification profile.
pub fn compliance_status(customer: &CustomerDto) -> Value {
    let business = customer.customer_type == "business";
    let Some(profile) = customer.verification_profiles.first() else {
        return json!({});
    };
    let listed = |criterion: &&str| {
        let all = [
            &profile.criteria.complete,
            &profile.criteria.pending,
            &profile.criteria.required,
        ];
        all.iter().any(|list| list.iter().any(|c| c == criterion))
            || profile.criteria.errors.iter().any(|e| e.name == *criterion)
    };
    let failed = |criterion: &&str| {
        profile.criteria.required.iter().any(|c| c == criterion)
            || profile.criteria.errors.iter().any(|e| e.name == *criterion)
    };
    let waiting = |criterion: &&str| profile.criteria.pending.iter().any(|c| c == criterion);
    let verified = customer.state == "verified";
    let mut checks = Vec::new();
    let mut passed_count = 0_u32;
    let mut failed_count = 0_u32;
    let mut required_failed: Vec<&str> = Vec::new();
    for check in if business {
        BUSINESS_CHECKS
    } else {
        PERSON_CHECKS
    } {
        if !check.criteria.iter().any(listed) {
            continue;
        }
        let passed = !check.criteria.iter().any(|c| failed(c) || waiting(c));
        let mut entry = json!({"type": check.kind, "passed": passed, "required": true});
        if passed {
            passed_count += 1;
        } else {
            failed_count += 1;
            required_failed.push(check.kind);
            let action = if check.criteria.iter().any(failed) {
                check.action
            } else {
                "WAIT"
            };
            entry["suggestedAction"] = json!(action);
        }
        checks.push(entry);
    }
    let status_check = if business { "KYB_STATUS" } else { "KYC_STATUS" };
    if verified {
        passed_count += 1;
        checks.push(json!({"type": status_check, "passed": true, "required": true}));
    } else {
        failed_count += 1;
        required_failed.push(status_check);
    }
    let retryable = customer.rejection.as_ref().is_some_and(|r| r.retryable);
    let (onboarding, next) = match customer.state.as_str() {
        "verified" => ("APPROVED", "NONE"),
        "rejected" if retryable => (
            "DENIED_COMPLIANCE",
            if business { "START_KYB" } else { "RERUN_KYC" },
        ),
        "rejected" | "frozen" | "closed" => ("DENIED_COMPLIANCE", "CONTACT_SUPPORT"),
        _ if profile.status == "pending" => ("PROCESSING", "WAIT"),
        _ => {
            let first_failed = checks
                .iter()
                .find_map(|c| c.get("suggestedAction").and_then(Value::as_str))
                .map_or("WAIT", |action| {
                    [
                        "UPDATE_PROFILE",
                        "UPLOAD_DOCUMENT",
                        "UPDATE_BUSINESS_DATA",
                        "ADD_PERSON_RELATIONS",
                        "UPLOAD_BUSINESS_DOCUMENT",
                    ]
                    .into_iter()
                    .find(|known| *known == action)
                    .unwrap_or("WAIT")
                });
            ("PENDING", first_failed)
        }
    };
    if !verified {
        let mut entry = json!({"type": status_check, "passed": false, "required": true});
        entry["suggestedAction"] = json!(next);
        checks.push(entry);
    }
    json!({
        "isCompliant": verified,
        "onboardingStatus": onboarding,
        "nextAction": next,
        "checks": checks,
        "summary": {
            "passed": passed_count,
            "failed": failed_count,
            "requiredFailed": required_failed,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_become_e164() {
        let mut errors = Vec::new();
        assert_eq!(
            e164(&mut errors, Some("(212) 555-0100".into()), Some("1".into())).as_deref(),
            Some("+12125550100")
        );
        assert_eq!(
            e164(&mut errors, Some("20 7946 0958".into()), Some("44".into())).as_deref(),
            Some("+442079460958")
        );
        assert!(errors.is_empty());
        assert!(e164(&mut errors, Some("555.0100".into()), Some("1".into())).is_none());
        assert!(e164(&mut errors, Some("2125550100".into()), Some("012".into())).is_none());
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["phone", "phoneCountryCode"]);
    }

    #[test]
    fn ids_are_uuids_of_the_guid() {
        let guid = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7d";
        let uuid = "0190f5a3-c2b4-7c3e-8a1d-2e3f4a5b6c7d";
        assert_eq!(guid_of(uuid).unwrap().to_string(), guid);
        assert!(guid_of(guid).is_none());
        assert!(guid_of("not-a-uuid").is_none());
    }

    #[test]
    fn gender_defaults_to_other_and_names_are_connects() {
        let request: IndividualRequest = serde_json::from_value(json!({
            "email": "ada@example.com", "phone": "2125550100", "phoneCountryCode": "1",
            "basicData": {"firstName": "Ada", "lastName": "Lovelace"},
            "taxInformation": {"type": "TAX_CODE", "number": "123", "country": "GB"},
            "identification": {"type": "PASSPORT", "number": "X1", "country": "GB"},
            "mainAddress": {"street": "1 St", "city": "London", "country": "GB"}
        }))
        .unwrap();
        let body = request.into_native().unwrap();
        assert_eq!(body.gender.as_deref(), Some("O"));
        assert_eq!(body.phone_number.as_deref(), Some("+12125550100"));
        assert_eq!(field_name("name.first", false), "basicData.firstName");
        assert_eq!(
            field_name("address.country_code", false),
            "mainAddress.country"
        );
        assert_eq!(
            field_name("identification_numbers[0].identification_number", false),
            "identification.number"
        );
    }
}
