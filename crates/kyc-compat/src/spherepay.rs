//! SpherePay's customer resource (API v2, `docs/vendors/spherepay.md`): its camelCase body
//! (`personalInformation`, `businessInformation`, ISO 3166-1 alpha-3 countries), its
//! `customer_<hex>` ids, its `verificationProfiles` and its
//! `{status, detail, code, correlationId, errors: [{detail, pointer}]}` error body.
//!
//! A SpherePay customer is a kyc customer: its id is `customer_` and the guid.

use std::collections::BTreeMap;

use kyc_app::dto::{
    AddressBody, AddressDto, AliasBody, CustomerBody, CustomerDto, NameBody, SourceOfFundsBody,
    TaxIdentificationBody,
};
use kyc_app::FieldErrorDto;
use kyc_domain::ids::CustomerGuid;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{closed, field_error, renamed, Renames};

/// Where the SpherePay surface is served.
pub const PREFIX: &str = "/compat/spherepay";
/// The prefix of SpherePay's customer ids.
pub const ID_PREFIX: &str = "customer_";

/// SpherePay's genders and ours.
pub(crate) const GENDERS: &[(&str, &str)] = &[("male", "M"), ("female", "F"), ("other", "O")];
/// SpherePay's sources of funds and ours (`salary` is SpherePay's word for employment).
pub(crate) const FUNDS_SOURCES: &[(&str, &str)] = &[
    ("salary", "employment"),
    ("savings", "savings"),
    ("winnings", "winnings"),
    ("marital", "marital"),
    ("real_estate", "real_estate"),
    ("trust", "trust"),
    ("investment", "investment"),
    ("company", "company"),
    ("company_capital", "company_capital"),
    ("loan", "loan"),
    ("private_capital", "private_capital"),
    ("grant", "grant"),
    ("inheritance", "inheritance"),
    ("other", "other"),
];
/// SpherePay's tax identification types (ours, same spelling).
pub(crate) const TAX_TYPES: &[(&str, &str)] = &[
    ("ssn", "ssn"),
    ("itin", "itin"),
    ("ein", "ein"),
    ("tin", "tin"),
    ("vat", "vat"),
    ("cpf", "cpf"),
    ("cnpj", "cnpj"),
    ("passport", "passport"),
    ("national_id", "national_id_number"),
    ("national_tax_id", "national_tax_id"),
    ("other", "other"),
];
/// SpherePay's business entity types (ours, same spelling).
pub(crate) const ENTITY_TYPES: &[(&str, &str)] = &[
    ("corporation", "corporation"),
    ("public_corporation", "public_corporation"),
    ("s_corporation", "s_corporation"),
    ("llc", "llc"),
    ("llp", "llp"),
    ("limited_partnership", "limited_partnership"),
    ("partnership", "partnership"),
    ("sole_proprietorship", "sole_proprietorship"),
    ("trust", "trust"),
    ("non_profit", "non_profit"),
    ("cooperative", "cooperative"),
    ("government", "government"),
    ("other", "other"),
];

/// A SpherePay address: ISO 3166-1 alpha-3 country.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Address {
    /// `registered` or `operating` (a business's addresses only).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// First line.
    pub line1: Option<String>,
    /// Second line.
    pub line2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or region.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-3 country (`USA`).
    pub country: Option<String>,
}

/// An individual's personal information.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PersonalInformation {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Middle names.
    pub middle_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// Tax identification number: with its type and country, or none of the three.
    pub tax_identification_number: Option<String>,
    /// `ssn`, `itin`, `ein`, `tin`, `vat`, `cpf`, `cnpj`, `passport`, `national_id`,
    /// `national_tax_id` or `other`.
    pub tax_identification_number_type: Option<String>,
    /// The issuing country, alpha-3.
    pub tax_identification_number_country: Option<String>,
    /// What the document is, for `other`.
    pub tax_identification_number_description: Option<String>,
    /// `male`, `female` or `other`.
    pub gender: Option<String>,
    /// Country of birth, alpha-3.
    pub country_of_birth: Option<String>,
    /// Nationality, alpha-3.
    pub nationality: Option<String>,
    /// SOC 2018 occupation code, `NN-NNNN`.
    pub occupation_soc_code: Option<String>,
    /// Country of residence, alpha-3.
    pub residency_country: Option<String>,
    /// `salary`, `savings`, `investment` …
    pub source_of_funds: Option<String>,
}

/// A business's information.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BusinessInformation {
    /// Legal name.
    pub legal_name: Option<String>,
    /// Trade name.
    pub trade_name: Option<String>,
    /// What the business does.
    pub description: Option<String>,
    /// Legal form.
    pub entity_type: Option<String>,
    /// NAICS code.
    pub naics_code: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// Date of incorporation, `YYYY-MM-DD`.
    pub incorporated_on: Option<String>,
    /// Registration number.
    pub identification_number: Option<String>,
    /// Primary source of funds.
    pub primary_source_of_funds: Option<String>,
}

/// `POST /v2/customer` (and, with every member optional, `PATCH /v2/customer/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Customer {
    /// `individual` or `business`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// E.164 phone number.
    pub phone: Option<String>,
    /// Residential address (individuals).
    pub address: Option<Address>,
    /// Personal information (individuals).
    pub personal_information: Option<PersonalInformation>,
    /// Registered and operating addresses (businesses).
    pub addresses: Option<Vec<Address>>,
    /// Business information (businesses).
    pub business_information: Option<BusinessInformation>,
    /// The caller's key/value metadata: values `null` or primitives.
    pub meta: Option<BTreeMap<String, Value>>,
}

/// `PATCH /v2/customer/{id}`: an individual's changes, every member optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CustomerChange {
    /// The new residential address, whole.
    pub address: Option<Address>,
    /// The personal information members to change.
    pub personal_information: Option<PersonalInformation>,
    /// The new metadata, replacing the old whole.
    pub meta: Option<BTreeMap<String, Value>>,
}

impl CustomerChange {
    /// The change as a (partial) individual body.
    pub fn into_customer(self) -> Customer {
        Customer {
            address: self.address,
            personal_information: self.personal_information,
            meta: self.meta,
            ..Customer::default()
        }
    }
}

/// The guid a SpherePay id names, if it is one.
pub fn guid_of(id: &str) -> Option<CustomerGuid> {
    id.strip_prefix(ID_PREFIX)
        .and_then(|hex| CustomerGuid::parse(hex).ok())
}

/// The SpherePay id of a customer.
pub fn id_of(customer: &CustomerDto) -> String {
    format!("{ID_PREFIX}{}", customer.guid)
}

/// An alpha-3 country as our alpha-2, or an error at `field`.
fn alpha2(errors: &mut Vec<FieldErrorDto>, field: &str, raw: &str) -> Option<String> {
    if let Ok(code) = isocountry::CountryCode::for_alpha3_caseless(raw.trim()) {
        return Some(code.alpha2().to_owned());
    }
    errors.push(field_error(
        field,
        "unknown_value",
        "must be an ISO 3166-1 alpha-3 country code, e.g. USA",
    ));
    None
}

/// Our alpha-2 country as alpha-3 (unchanged if unknown, which stored data never is).
fn alpha3(code: &str) -> String {
    isocountry::CountryCode::for_alpha2(code)
        .map_or_else(|_| code.to_owned(), |c| c.alpha3().to_owned())
}

impl Address {
    fn into_native(self, errors: &mut Vec<FieldErrorDto>, at: &str) -> AddressBody {
        let country_code = self
            .country
            .as_deref()
            .and_then(|raw| alpha2(errors, &format!("{at}/country"), raw));
        AddressBody {
            street: self.line1,
            street2: self.line2,
            city: self.city,
            subdivision: self.state,
            postal_code: self.postal_code,
            // An unknown country is reported above (and the body refused before the domain
            // runs); a missing one is the domain's to report.
            country_code,
        }
    }

    fn render(address: &AddressDto, kind: Option<&str>) -> Value {
        let mut out = Map::new();
        put(&mut out, "type", kind.map(str::to_owned));
        out.insert("line1".into(), address.street.clone().into());
        put(&mut out, "line2", address.street2.clone());
        out.insert("city".into(), address.city.clone().into());
        put(&mut out, "state", address.subdivision.clone());
        put(&mut out, "postalCode", address.postal_code.clone());
        out.insert("country".into(), alpha3(&address.country_code).into());
        Value::Object(out)
    }
}

/// Sets `name` when `value` is given.
fn put(out: &mut Map<String, Value>, name: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value {
        out.insert(name.to_owned(), value.into());
    }
}

/// Where each address of a business body is: (registered, operating) indexes.
pub fn address_indexes(customer: &Customer) -> (Option<usize>, Option<usize>) {
    let find = |kind: &str| {
        customer
            .addresses
            .iter()
            .flatten()
            .position(|a| a.kind.as_deref() == Some(kind))
    };
    (find("registered"), find("operating"))
}

/// Our field names and SpherePay's (as dotted paths; see [`pointer`]).
fn renames(business: bool, registered: Option<usize>, operating: Option<usize>) -> Renames {
    let info = "personalInformation";
    let biz = "businessInformation";
    let mut renames: Renames = vec![
        ("type".into(), "type".into()),
        ("email_address".into(), "email".into()),
        ("phone_number".into(), "phone".into()),
        ("metadata".into(), "meta".into()),
        ("address.street2".into(), "address.line2".into()),
        ("address.street".into(), "address.line1".into()),
        ("address.subdivision".into(), "address.state".into()),
        ("address.postal_code".into(), "address.postalCode".into()),
        ("address.country_code".into(), "address.country".into()),
        ("name.first".into(), format!("{info}.firstName")),
        ("name.middle".into(), format!("{info}.middleName")),
        ("name.last".into(), format!("{info}.lastName")),
        ("date_of_birth".into(), format!("{info}.dateOfBirth")),
        ("gender".into(), format!("{info}.gender")),
        ("country_of_birth".into(), format!("{info}.countryOfBirth")),
        ("nationality".into(), format!("{info}.nationality")),
        ("soc_code".into(), format!("{info}.occupationSocCode")),
        (
            "country_of_residence".into(),
            format!("{info}.residencyCountry"),
        ),
        (
            "tax_identification.number".into(),
            format!("{info}.taxIdentificationNumber"),
        ),
        (
            "tax_identification.type".into(),
            format!("{info}.taxIdentificationNumberType"),
        ),
        (
            "tax_identification.country_code".into(),
            format!("{info}.taxIdentificationNumberCountry"),
        ),
        (
            "tax_identification.description".into(),
            format!("{info}.taxIdentificationNumberDescription"),
        ),
        (
            "tax_identification".into(),
            format!("{info}.taxIdentificationNumber"),
        ),
        ("name.full".into(), format!("{biz}.legalName")),
        ("aliases".into(), format!("{biz}.tradeName")),
        ("business_description".into(), format!("{biz}.description")),
        ("entity_type".into(), format!("{biz}.entityType")),
        ("naics_code".into(), format!("{biz}.naicsCode")),
        ("website".into(), format!("{biz}.website")),
        ("incorporation_date".into(), format!("{biz}.incorporatedOn")),
        (
            "registration_number".into(),
            format!("{biz}.identificationNumber"),
        ),
    ];
    if business {
        renames.push((
            "source_of_funds".into(),
            format!("{biz}.primarySourceOfFunds"),
        ));
        renames.push(("name".into(), format!("{biz}.legalName")));
        for (ours, index) in [("address", registered), ("operating_address", operating)] {
            let theirs =
                index.map_or_else(|| "addresses".to_owned(), |i| format!("addresses[{i}]"));
            for (member, their_member) in [
                ("street2", "line2"),
                ("street", "line1"),
                ("subdivision", "state"),
                ("postal_code", "postalCode"),
                ("country_code", "country"),
            ] {
                renames.insert(
                    0,
                    (
                        format!("{ours}.{member}"),
                        format!("{theirs}.{their_member}"),
                    ),
                );
            }
            renames.push((ours.into(), theirs));
        }
    } else {
        renames.push(("source_of_funds".into(), format!("{info}.sourceOfFunds")));
        renames.push(("name".into(), format!("{info}.firstName")));
    }
    renames
}

/// A dotted path (`addresses[1].line1`) as a JSON pointer (`/addresses/1/line1`).
pub fn pointer(path: &str) -> String {
    let mut out = String::new();
    for segment in path.split('.') {
        let mut rest = segment;
        if let Some(open) = rest.find('[') {
            out.push('/');
            out.push_str(&rest[..open]);
            rest = &rest[open..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let close = stripped.find(']').unwrap_or(stripped.len());
                out.push('/');
                out.push_str(&stripped[..close]);
                rest = stripped.get(close + 1..).unwrap_or_default();
            }
        } else {
            out.push('/');
            out.push_str(rest);
        }
    }
    out
}

/// Our field path as a SpherePay JSON pointer.
pub fn field_pointer(
    native: &str,
    business: bool,
    registered: Option<usize>,
    operating: Option<usize>,
) -> String {
    pointer(&renamed(native, &renames(business, registered, operating)))
}

impl Customer {
    /// True for a business.
    pub fn is_business(&self) -> bool {
        self.kind.as_deref() == Some("business")
    }

    /// Our body for this customer. On create (`creating`) `type`, `email`, `phone` and the
    /// addresses are required; on a change nothing is. Errors are JSON pointers into the body.
    #[allow(clippy::too_many_lines)] // One block per SpherePay member.
    pub fn into_native(self, creating: bool) -> Result<CustomerBody, Vec<FieldErrorDto>> {
        let mut errors = Vec::new();
        let business = self.is_business();
        let customer_type = match self.kind.as_deref() {
            None if creating => {
                errors.push(field_error("/type", "required", "is required"));
                None
            }
            Some(raw) if creating => closed(
                &mut errors,
                "/type",
                raw,
                &[("individual", "individual"), ("business", "business")],
            ),
            _ => None,
        };
        if creating {
            for (field, given) in [
                ("/email", self.email.is_some()),
                ("/phone", self.phone.is_some()),
            ] {
                if !given {
                    errors.push(field_error(field, "required", "is required"));
                }
            }
        }
        let refused: &[(&str, bool)] = if business {
            &[
                ("/address", self.address.is_some()),
                ("/personalInformation", self.personal_information.is_some()),
            ]
        } else {
            &[
                ("/addresses", self.addresses.is_some()),
                ("/businessInformation", self.business_information.is_some()),
            ]
        };
        for (field, given) in refused {
            if *given && (creating || self.kind.is_some()) {
                errors.push(field_error(
                    field,
                    "not_allowed",
                    &format!(
                        "does not apply to {} customers",
                        if business { "business" } else { "individual" }
                    ),
                ));
            }
        }
        let mut body = CustomerBody {
            customer_type,
            email_address: self.email,
            phone_number: self.phone,
            ..CustomerBody::default()
        };
        if let Some(meta) = self.meta {
            let mut metadata = BTreeMap::new();
            for (key, value) in meta {
                let text = match value {
                    Value::Null => continue,
                    Value::String(text) => text,
                    Value::Bool(_) | Value::Number(_) => value.to_string(),
                    Value::Array(_) | Value::Object(_) => {
                        errors.push(field_error(
                            &format!("/meta/{key}"),
                            "invalid_format",
                            "must be null, a string, a number or a boolean",
                        ));
                        continue;
                    }
                };
                metadata.insert(key, text);
            }
            body.metadata = Some(metadata);
        }
        if business {
            if creating && self.business_information.is_none() {
                errors.push(field_error(
                    "/businessInformation",
                    "required",
                    "is required",
                ));
            }
            let (registered, operating) = {
                let addresses = self.addresses.clone().unwrap_or_default();
                let mut registered = None;
                let mut operating = None;
                for (index, address) in addresses.into_iter().enumerate() {
                    let at = format!("/addresses/{index}");
                    match address.kind.as_deref() {
                        Some("registered") if registered.is_none() => {
                            registered = Some(address.into_native(&mut errors, &at));
                        }
                        Some("operating") if operating.is_none() => {
                            operating = Some(address.into_native(&mut errors, &at));
                        }
                        Some("registered" | "operating") => errors.push(field_error(
                            &format!("{at}/type"),
                            "duplicate",
                            "each type of address at most once",
                        )),
                        _ => errors.push(field_error(
                            &format!("{at}/type"),
                            "unknown_value",
                            "must be one of: registered, operating",
                        )),
                    }
                }
                (registered, operating)
            };
            if creating {
                for (kind, given) in [
                    ("registered", registered.is_some()),
                    ("operating", operating.is_some()),
                ] {
                    if !given {
                        errors.push(field_error(
                            "/addresses",
                            "required",
                            &format!("needs a {kind} address"),
                        ));
                    }
                }
            }
            body.address = registered;
            body.operating_address = operating;
            if let Some(info) = self.business_information {
                if creating && info.legal_name.is_none() {
                    errors.push(field_error(
                        "/businessInformation/legalName",
                        "required",
                        "is required",
                    ));
                }
                body.name = info.legal_name.map(|full| NameBody {
                    full: Some(full),
                    ..NameBody::default()
                });
                body.aliases = info.trade_name.map(|name| vec![AliasBody::Name(name)]);
                body.business_description = info.description;
                body.entity_type = info.entity_type.as_deref().and_then(|raw| {
                    closed(
                        &mut errors,
                        "/businessInformation/entityType",
                        raw,
                        ENTITY_TYPES,
                    )
                });
                body.naics_code = info.naics_code;
                body.website = info.website;
                body.incorporation_date = info.incorporated_on;
                body.registration_number = info.identification_number;
                body.source_of_funds = info.primary_source_of_funds.as_deref().and_then(|raw| {
                    closed(
                        &mut errors,
                        "/businessInformation/primarySourceOfFunds",
                        raw,
                        FUNDS_SOURCES,
                    )
                    .map(|kind| SourceOfFundsBody {
                        kind: Some(kind),
                        description: None,
                    })
                });
            }
        } else {
            if creating && self.address.is_none() {
                errors.push(field_error("/address", "required", "is required"));
            }
            if self
                .address
                .as_ref()
                .is_some_and(|address| address.kind.is_some())
            {
                errors.push(field_error(
                    "/address/type",
                    "not_allowed",
                    "applies only to a business's addresses",
                ));
            }
            body.address = self
                .address
                .map(|address| address.into_native(&mut errors, "/address"));
            if let Some(info) = self.personal_information {
                let at = |member: &str| format!("/personalInformation/{member}");
                if info.first_name.is_some()
                    || info.last_name.is_some()
                    || info.middle_name.is_some()
                {
                    body.name = Some(NameBody {
                        first: info.first_name,
                        middle: info.middle_name,
                        last: info.last_name,
                        full: None,
                    });
                }
                body.date_of_birth = info.date_of_birth;
                body.gender = info
                    .gender
                    .as_deref()
                    .and_then(|raw| closed(&mut errors, &at("gender"), raw, GENDERS));
                body.country_of_birth = info
                    .country_of_birth
                    .as_deref()
                    .and_then(|raw| alpha2(&mut errors, &at("countryOfBirth"), raw));
                body.nationality = info
                    .nationality
                    .as_deref()
                    .and_then(|raw| alpha2(&mut errors, &at("nationality"), raw));
                body.country_of_residence = info
                    .residency_country
                    .as_deref()
                    .and_then(|raw| alpha2(&mut errors, &at("residencyCountry"), raw));
                body.soc_code = info.occupation_soc_code;
                body.source_of_funds = info.source_of_funds.as_deref().and_then(|raw| {
                    closed(&mut errors, &at("sourceOfFunds"), raw, FUNDS_SOURCES).map(|kind| {
                        SourceOfFundsBody {
                            kind: Some(kind),
                            description: None,
                        }
                    })
                });
                let tax = [
                    (
                        "taxIdentificationNumber",
                        info.tax_identification_number.is_some(),
                    ),
                    (
                        "taxIdentificationNumberType",
                        info.tax_identification_number_type.is_some(),
                    ),
                    (
                        "taxIdentificationNumberCountry",
                        info.tax_identification_number_country.is_some(),
                    ),
                ];
                if tax.iter().any(|(_, given)| *given)
                    || info.tax_identification_number_description.is_some()
                {
                    // SpherePay's rule: all three tax members together, with the address.
                    for (member, given) in tax {
                        if !given {
                            errors.push(field_error(
                                &at(member),
                                "incomplete_group",
                                "taxIdentificationNumber, taxIdentificationNumberType and \
                                 taxIdentificationNumberCountry must be given together",
                            ));
                        }
                    }
                    let kind = info
                        .tax_identification_number_type
                        .as_deref()
                        .and_then(|raw| {
                            closed(
                                &mut errors,
                                &at("taxIdentificationNumberType"),
                                raw,
                                TAX_TYPES,
                            )
                        });
                    let country =
                        info.tax_identification_number_country
                            .as_deref()
                            .and_then(|raw| {
                                alpha2(&mut errors, &at("taxIdentificationNumberCountry"), raw)
                            });
                    body.tax_identification = Some(TaxIdentificationBody {
                        number: info.tax_identification_number,
                        kind,
                        country_code: country,
                        description: info.tax_identification_number_description,
                    });
                }
            }
        }
        if errors.is_empty() {
            Ok(body)
        } else {
            Err(errors)
        }
    }
}

/// The status of a customer's verification as SpherePay names it (ours already does).
fn profiles(customer: &CustomerDto) -> Value {
    Value::Array(
        customer
            .verification_profiles
            .iter()
            .map(|profile| {
                serde_json::json!({
                    "name": profile.name,
                    "status": profile.status,
                    "criteria": {
                        "complete": profile.criteria.complete,
                        "pending": profile.criteria.pending,
                        "required": profile.criteria.required,
                        "errors": profile.criteria.errors.iter().map(|error| serde_json::json!({
                            "name": error.name,
                            "message": error.message.clone().unwrap_or_else(|| error.code.clone()),
                        })).collect::<Vec<_>>(),
                    }
                })
            })
            .collect(),
    )
}

/// Looks `ours` up in a table of (theirs, ours) and gives theirs, or `ours` itself.
fn theirs(table: &[(&'static str, &str)], ours: &str) -> String {
    table
        .iter()
        .find(|(_, native)| *native == ours)
        .map_or_else(|| ours.to_owned(), |(vendor, _)| (*vendor).to_owned())
}

/// A customer as SpherePay's customer object.
#[allow(clippy::too_many_lines)] // One line per SpherePay member.
pub fn render(customer: &CustomerDto) -> Value {
    let business = customer.customer_type == "business";
    let mut out = Map::new();
    out.insert("id".into(), id_of(customer).into());
    out.insert(
        "type".into(),
        if business { "business" } else { "individual" }.into(),
    );
    put(&mut out, "email", customer.email_address.clone());
    put(&mut out, "phone", customer.phone_number.clone());
    if business {
        put(
            &mut out,
            "businessLegalName",
            customer.name.as_ref().map(|n| n.full.clone()),
        );
        put(
            &mut out,
            "businessTradeName",
            customer
                .aliases
                .as_ref()
                .and_then(|aliases| aliases.first().map(|a| a.full.clone())),
        );
        let mut addresses = Vec::new();
        if let Some(address) = &customer.address {
            addresses.push(Address::render(address, Some("registered")));
        }
        if let Some(address) = &customer.operating_address {
            addresses.push(Address::render(address, Some("operating")));
        }
        if !addresses.is_empty() {
            out.insert("addresses".into(), Value::Array(addresses));
        }
        let mut info = Map::new();
        put(
            &mut info,
            "legalName",
            customer.name.as_ref().map(|n| n.full.clone()),
        );
        put(
            &mut info,
            "tradeName",
            customer
                .aliases
                .as_ref()
                .and_then(|aliases| aliases.first().map(|a| a.full.clone())),
        );
        put(
            &mut info,
            "description",
            customer.business_description.clone(),
        );
        put(&mut info, "entityType", customer.entity_type.clone());
        put(&mut info, "naicsCode", customer.naics_code.clone());
        put(&mut info, "website", customer.website.clone());
        put(
            &mut info,
            "incorporatedOn",
            customer.incorporation_date.map(|d| d.to_string()),
        );
        put(
            &mut info,
            "identificationNumber",
            customer.registration_number.clone(),
        );
        put(
            &mut info,
            "primarySourceOfFunds",
            customer
                .source_of_funds
                .as_ref()
                .map(|source| theirs(FUNDS_SOURCES, &source.kind)),
        );
        out.insert("businessInformation".into(), Value::Object(info));
    } else {
        if let Some(name) = &customer.name {
            put(&mut out, "firstName", name.first.clone());
            put(&mut out, "lastName", name.last.clone());
        }
        put(
            &mut out,
            "dateOfBirth",
            customer.date_of_birth.map(|d| d.to_string()),
        );
        put(
            &mut out,
            "address",
            customer
                .address
                .as_ref()
                .map(|address| Address::render(address, None)),
        );
        let mut info = Map::new();
        if let Some(name) = &customer.name {
            put(&mut info, "firstName", name.first.clone());
            put(&mut info, "middleName", name.middle.clone());
            put(&mut info, "lastName", name.last.clone());
        }
        put(
            &mut info,
            "dateOfBirth",
            customer.date_of_birth.map(|d| d.to_string()),
        );
        // The number itself is never echoed (SpherePay does not either).
        if let Some(tax) = &customer.tax_identification {
            info.insert(
                "taxIdentificationNumberType".into(),
                theirs(TAX_TYPES, &tax.kind).into(),
            );
            info.insert(
                "taxIdentificationNumberCountry".into(),
                alpha3(&tax.country_code).into(),
            );
            put(
                &mut info,
                "taxIdentificationNumberDescription",
                tax.description.clone(),
            );
        }
        put(
            &mut info,
            "gender",
            customer.gender.as_deref().map(|ours| theirs(GENDERS, ours)),
        );
        put(
            &mut info,
            "countryOfBirth",
            customer.country_of_birth.as_deref().map(alpha3),
        );
        put(
            &mut info,
            "nationality",
            customer.nationality.as_deref().map(alpha3),
        );
        put(&mut info, "occupationSocCode", customer.soc_code.clone());
        put(
            &mut info,
            "residencyCountry",
            customer.country_of_residence.as_deref().map(alpha3),
        );
        put(
            &mut info,
            "sourceOfFunds",
            customer
                .source_of_funds
                .as_ref()
                .map(|source| theirs(FUNDS_SOURCES, &source.kind)),
        );
        out.insert("personalInformation".into(), Value::Object(info));
    }
    out.insert("verificationProfiles".into(), profiles(customer));
    out.insert(
        "meta".into(),
        Value::Object(
            customer
                .metadata
                .iter()
                .flatten()
                .map(|(key, value)| (key.clone(), Value::String(value.clone())))
                .collect(),
        ),
    );
    out.insert("createdAt".into(), rfc3339(customer.created_at).into());
    out.insert("updatedAt".into(), rfc3339(customer.updated_at).into());
    Value::Object(out)
}

/// SpherePay's timestamps: RFC 3339 with milliseconds and `Z`.
fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Merges a change into the customer as SpherePay shows it: `address` and `meta` replace the
/// old ones whole; `personalInformation` members replace theirs (a name's parts not sent keep
/// their values). The tax members go with the address (SpherePay's rule), the current one when
/// the change has none. A change the stored customer cannot complete (a name part with no
/// first or last name to keep, tax members with no address) is a conflict: its errors.
pub fn merge_change(current: &Value, change: Customer) -> Result<Customer, Vec<FieldErrorDto>> {
    let mut merged = change;
    let mut conflicts = Vec::new();
    let shown = |member: &str| {
        current
            .get("personalInformation")
            .and_then(|info| info.get(member))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    if let Some(info) = merged.personal_information.as_mut() {
        if info.first_name.is_some() || info.last_name.is_some() || info.middle_name.is_some() {
            info.first_name = info.first_name.take().or_else(|| shown("firstName"));
            info.last_name = info.last_name.take().or_else(|| shown("lastName"));
            info.middle_name = info.middle_name.take().or_else(|| shown("middleName"));
            for (member, given) in [
                ("firstName", info.first_name.is_some()),
                ("lastName", info.last_name.is_some()),
            ] {
                if !given {
                    conflicts.push(field_error(
                        &format!("/personalInformation/{member}"),
                        "missing_dependency",
                        "the customer has none to keep: send the whole name",
                    ));
                }
            }
        }
        let touches_tax = info.tax_identification_number.is_some()
            || info.tax_identification_number_type.is_some()
            || info.tax_identification_number_country.is_some();
        if touches_tax && merged.address.is_none() {
            merged.address = current
                .get("address")
                .cloned()
                .and_then(|address| serde_json::from_value(address).ok());
            if merged.address.is_none() {
                conflicts.push(field_error(
                    "/address",
                    "missing_dependency",
                    "the customer has no address to go with the tax identification",
                ));
            }
        }
    }
    if conflicts.is_empty() {
        Ok(merged)
    } else {
        Err(conflicts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_spherepay_pointers() {
        assert_eq!(pointer("addresses[1].line1"), "/addresses/1/line1");
        assert_eq!(
            field_pointer("name.first", false, None, None),
            "/personalInformation/firstName"
        );
        assert_eq!(
            field_pointer("address.country_code", false, None, None),
            "/address/country"
        );
        assert_eq!(
            field_pointer("operating_address.street", true, Some(0), Some(1)),
            "/addresses/1/line1"
        );
        assert_eq!(
            field_pointer("name.full", true, None, None),
            "/businessInformation/legalName"
        );
        assert_eq!(field_pointer("email_address", true, None, None), "/email");
    }

    #[test]
    fn the_documented_individual_maps_onto_our_body() {
        let customer: Customer = serde_json::from_value(serde_json::json!({
            "type": "individual",
            "email": "jane.smith@example.com",
            "phone": "+14155550123",
            "address": {"line1": "233 South Wacker Drive", "city": "Chicago", "state": "IL",
                        "postalCode": "60606", "country": "USA"},
            "personalInformation": {"firstName": "Jane", "lastName": "Smith", "dateOfBirth": "1990-04-15",
                                    "taxIdentificationNumber": "123-45-6789",
                                    "taxIdentificationNumberType": "ssn",
                                    "taxIdentificationNumberCountry": "USA",
                                    "gender": "female", "occupationSocCode": "15-1132",
                                    "sourceOfFunds": "salary"}
        }))
        .unwrap();
        let body = customer.into_native(true).unwrap();
        assert_eq!(body.address.unwrap().country_code.as_deref(), Some("US"));
        assert_eq!(body.gender.as_deref(), Some("F"));
        assert_eq!(
            body.source_of_funds.unwrap().kind.as_deref(),
            Some("employment")
        );
        let tax = body.tax_identification.unwrap();
        assert_eq!(
            (tax.kind.as_deref(), tax.country_code.as_deref()),
            (Some("ssn"), Some("US"))
        );
    }

    #[test]
    fn tax_members_come_together_and_countries_are_alpha3() {
        let customer: Customer = serde_json::from_value(serde_json::json!({
            "type": "individual", "email": "a@example.com", "phone": "+14155550123",
            "address": {"line1": "1 A St", "city": "X", "country": "US"},
            "personalInformation": {"taxIdentificationNumber": "1"}
        }))
        .unwrap();
        let errors = customer.into_native(true).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "/address/country",
                "/personalInformation/taxIdentificationNumberType",
                "/personalInformation/taxIdentificationNumberCountry"
            ]
        );
    }
}
