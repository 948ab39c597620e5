//! Layer2 Financial's customer resource (API 1.0.5, `docs/vendors/layer2.md`): its flat
//! `snake_case` body discriminated by `customer_type`, its client-chosen customer ids, its
//! `{field, value}` patches, its statuses and its `{"errors": [{description, code}]}` body.
//!
//! A Layer2 customer is a kyc customer whose `external_id` is the Layer2 `id`; a customer
//! created elsewhere without one is named by its guid.

use std::collections::BTreeMap;

use kyc_app::dto::{
    AddressBody, AliasBody, CustomerBody, CustomerDto, IdentificationNumberBody, NameBody,
    SourceOfFundsBody, TaxIdentificationBody,
};
use kyc_app::FieldErrorDto;
use kyc_domain::CustomerState;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{closed, field_error, renamed, Renames};

/// Where the Layer2 surface is served.
pub const PREFIX: &str = "/compat/layer2";

/// Layer2's customer types and ours.
const CUSTOMER_TYPES: &[(&str, &str)] =
    &[("INDIVIDUAL", "individual"), ("CORPORATION", "business")];
/// Layer2's US residency statuses and ours.
pub(crate) const US_RESIDENCY: &[(&str, &str)] = &[
    ("US_CITIZEN", "us_citizen"),
    ("RESIDENT_ALIEN", "resident_alien"),
    ("NON_RESIDENT_ALIEN", "non_resident_alien"),
];
/// Layer2's employment statuses and ours (our `student` reads as `OTHER`).
pub(crate) const EMPLOYMENT: &[(&str, &str)] = &[
    ("EMPLOYEE", "employed"),
    ("SELF_EMPLOYED", "self_employed"),
    ("RETIRED", "retired"),
    ("UNEMPLOYED", "unemployed"),
    ("OTHER", "other"),
];
/// Layer2's corporate entity types and ours (our other forms read as `OTHER`).
pub(crate) const ENTITY_TYPES: &[(&str, &str)] = &[
    ("C_CORP_PRIVATE", "corporation"),
    ("C_CORP_PUBLIC", "public_corporation"),
    ("HNWI", "personal_investment_company"),
    ("LLC", "llc"),
    ("LLP", "llp"),
    ("LP", "limited_partnership"),
    ("S_CORP", "s_corporation"),
    ("SOLE_PROP", "sole_proprietorship"),
    ("TRUST", "trust"),
    ("NON_PROFIT", "non_profit"),
    ("OTHER", "other"),
];
/// Layer2's primary sources of funds and ours.
pub(crate) const FUNDS_SOURCES: &[(&str, &str)] = &[
    ("EMPLOYMENT", "employment"),
    ("SAVINGS", "savings"),
    ("WINNINGS", "winnings"),
    ("MARITAL", "marital"),
    ("REAL_ESTATE", "real_estate"),
    ("TRUST", "trust"),
    ("INVESTMENT", "investment"),
    ("OTHER", "other"),
    ("COMPANY", "company"),
    ("COMPANY_CAPITAL", "company_capital"),
    ("LOAN", "loan"),
    ("PRIVATE_CAPITAL", "private_capital"),
    ("GRANT", "grant"),
];
/// Layer2's restricted activities and ours.
pub(crate) const ACTIVITIES: &[(&str, &str)] = &[
    ("NONE", "none"),
    ("ADULT_ENTERTAINMENT", "adult_entertainment"),
    ("DRUGS", "drugs"),
    ("FIREARMS", "firearms"),
    ("GAMBLING", "gambling"),
    ("MARIJUANA", "marijuana"),
    ("TUMBLING", "tumbling"),
];
/// The measures of Layer2's investment profile (the same names as ours; bands upper-cased).
const INVESTMENT_MEASURES: &[&str] = &[
    "total_assets",
    "usd_value_of_fiat",
    "usd_value_of_crypto",
    "monthly_deposits",
    "monthly_withdrawals",
    "monthly_crypto_deposits",
    "monthly_crypto_withdrawals",
    "monthly_investment_deposit",
    "monthly_investment_withdrawal",
    "monthly_crypto_investment_deposit",
    "monthly_crypto_investment_withdrawal",
];
/// Longest unit number: with a space and the first line, it fits one of our address lines.
pub(crate) const MAX_UNIT_NUMBER: usize = 20;
/// Longest second or third line: joined with `, `, they fit one of our address lines.
pub(crate) const MAX_ADDRESS_LINE_PART: usize = 99;

/// Layer2's customer statuses, and the states of ours each stands for when listing.
pub const STATUSES: &[(&str, &[CustomerState])] = &[
    ("ACTIVE", &[CustomerState::Verified]),
    (
        "PENDING",
        &[CustomerState::Unverified, CustomerState::Storing],
    ),
    ("FROZEN", &[CustomerState::Frozen]),
    ("CLOSED", &[CustomerState::Closed, CustomerState::Rejected]),
    ("EDD", &[]),
    ("DORMANT", &[]),
];

/// A Layer2 postal address (`mailing_address`, `registered_address`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Layer2Address)]
pub struct Address {
    /// Unit number (kept at the start of the first line).
    pub unit_number: Option<String>,
    /// First line.
    pub address_line1: Option<String>,
    /// Second line.
    pub address_line2: Option<String>,
    /// Third line (kept after the second).
    pub address_line3: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or province: the subdivision part of its ISO 3166-2 code.
    pub state: Option<String>,
    /// Postal or zip code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country_code: Option<String>,
}

/// Layer2's investment profile: measure name to band (`UPTO_10K` …), and the primary source
/// of funds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Layer2InvestmentProfile)]
pub struct InvestmentProfile {
    /// `EMPLOYMENT`, `SAVINGS`, `WINNINGS`, `MARITAL`, `REAL_ESTATE`, `TRUST`, `INVESTMENT`,
    /// `OTHER`, `COMPANY`, `COMPANY_CAPITAL`, `LOAN`, `PRIVATE_CAPITAL` or `GRANT`.
    pub primary_source_of_funds: Option<String>,
    /// The source in words.
    pub primary_source_of_funds_description: Option<String>,
    /// The bands, by measure (`total_assets`, `monthly_deposits` …).
    #[serde(flatten)]
    pub bands: BTreeMap<String, Option<String>>,
}

/// Layer2's KYC profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Layer2KycProfile)]
pub struct KycProfile {
    /// Countries funds are sent to or received from, ISO 3166-1 alpha-2.
    pub funds_send_receive_jurisdictions: Option<Vec<String>>,
    /// `NONE`, `ADULT_ENTERTAINMENT`, `DRUGS`, `FIREARMS`, `GAMBLING`, `MARIJUANA`, `TUMBLING`.
    pub engage_in_activities: Option<Vec<String>>,
}

/// `POST /v1/customers`: an individual or a corporation, flat, by `customer_type` (its
/// schema is in `layer2_schema`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// The client's id for the customer, unique in the tenant.
    pub id: Option<String>,
    /// `INDIVIDUAL` or `CORPORATION`.
    pub customer_type: Option<String>,
    /// Read-only: ignored when sent.
    pub status: Option<String>,
    /// Given name (individuals).
    pub first_name: Option<String>,
    /// Middle names (individuals).
    pub middle_name: Option<String>,
    /// Family name (individuals).
    pub last_name: Option<String>,
    /// Email address.
    pub email_address: Option<String>,
    /// Mailing address (individuals).
    pub mailing_address: Option<Address>,
    /// E.164 phone number.
    pub telephone_number: Option<String>,
    /// Tax reference number (individuals); its country is the mailing address's, else the
    /// nationality.
    pub tax_reference_number: Option<String>,
    /// Passport number (individuals), issued by the nationality's country.
    pub passport_number: Option<String>,
    /// Nationality, ISO 3166-1 alpha-2 (individuals).
    pub nationality: Option<String>,
    /// Date of birth, `YYYY-MM-DD` (individuals).
    pub date_of_birth: Option<String>,
    /// `US_CITIZEN`, `RESIDENT_ALIEN` or `NON_RESIDENT_ALIEN` (individuals).
    pub us_residency_status: Option<String>,
    /// `EMPLOYEE`, `SELF_EMPLOYED`, `RETIRED`, `UNEMPLOYED` or `OTHER` (individuals).
    pub employment_status: Option<String>,
    /// The person's work (individuals).
    pub employment_description: Option<String>,
    /// Employer (individuals).
    pub employer_name: Option<String>,
    /// Occupation, free text (individuals).
    pub occupation: Option<String>,
    /// Investment profile.
    pub investment_profile: Option<InvestmentProfile>,
    /// KYC profile.
    pub kyc_profile: Option<KycProfile>,
    /// Registered name (corporations).
    pub registered_name: Option<String>,
    /// Trading name (corporations).
    pub trading_name: Option<String>,
    /// Registration number (corporations).
    pub registered_number: Option<String>,
    /// Registered address (corporations).
    pub registered_address: Option<Address>,
    /// Website (corporations).
    pub website_address: Option<String>,
    /// State or province of incorporation (corporations).
    pub state_of_incorporation: Option<String>,
    /// Country of incorporation, ISO 3166-1 alpha-2 (corporations).
    pub country_of_incorporation: Option<String>,
    /// Legal form (corporations).
    pub corporate_entity_type: Option<String>,
    /// The legal form in words, for `OTHER` (corporations).
    pub corporate_entity_type_description: Option<String>,
    /// Date established, `YYYY-MM-DD` (corporations).
    pub established_on: Option<String>,
    /// NAICS code (corporations).
    pub naics: Option<String>,
    /// NAICS description (corporations).
    pub naics_description: Option<String>,
}

/// One change of a Layer2 patch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Update {
    /// The field, by its Layer2 name (`mailing_address.city` for a member).
    pub field: String,
    /// Its new value (a list as comma-separated values).
    pub value: String,
}

/// `PATCH /v1/customers/{id}` (its schema is in `layer2_schema`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    /// The changes, at least one.
    pub updates: Vec<Update>,
    /// Who asked for the change.
    pub updated_by: Option<String>,
    /// Why.
    pub reason: Option<String>,
}

/// Our field names and Layer2's, for error paths, longest first within a prefix.
fn renames(business: bool) -> Renames {
    let address = if business {
        "registered_address"
    } else {
        "mailing_address"
    };
    let mut renames: Renames = vec![
        ("external_id".into(), "id".into()),
        ("type".into(), "customer_type".into()),
        ("name.first".into(), "first_name".into()),
        ("name.middle".into(), "middle_name".into()),
        ("name.last".into(), "last_name".into()),
        ("address.street2".into(), format!("{address}.address_line2")),
        ("address.street".into(), format!("{address}.address_line1")),
        ("address.subdivision".into(), format!("{address}.state")),
        ("address".into(), address.into()),
        ("phone_number".into(), "telephone_number".into()),
        ("tax_identification".into(), "tax_reference_number".into()),
        ("identification_numbers".into(), "passport_number".into()),
        ("aliases".into(), "trading_name".into()),
        ("website".into(), "website_address".into()),
        ("registration_number".into(), "registered_number".into()),
        ("incorporation_date".into(), "established_on".into()),
        (
            "incorporation_country".into(),
            "country_of_incorporation".into(),
        ),
        (
            "incorporation_subdivision".into(),
            "state_of_incorporation".into(),
        ),
        (
            "entity_type_description".into(),
            "corporate_entity_type_description".into(),
        ),
        ("entity_type".into(), "corporate_entity_type".into()),
        ("naics_code".into(), "naics".into()),
        ("job_title".into(), "occupation".into()),
        (
            "source_of_funds.kind".into(),
            "investment_profile.primary_source_of_funds".into(),
        ),
        (
            "source_of_funds.description".into(),
            "investment_profile.primary_source_of_funds_description".into(),
        ),
        (
            "source_of_funds".into(),
            "investment_profile.primary_source_of_funds".into(),
        ),
        (
            "jurisdictions".into(),
            "kyc_profile.funds_send_receive_jurisdictions".into(),
        ),
        (
            "activities".into(),
            "kyc_profile.engage_in_activities".into(),
        ),
    ];
    if business {
        renames.push(("name.full".into(), "registered_name".into()));
        renames.push(("name".into(), "registered_name".into()));
    } else {
        renames.push(("name".into(), "first_name".into()));
    }
    renames
}

/// Our field path as Layer2 names it.
pub fn field_name(native: &str, business: bool) -> String {
    renamed(native, &renames(business))
}

impl Address {
    pub(crate) fn into_native(self) -> AddressBody {
        // Each part is trimmed before joining, as our parser trims a whole line: what
        // surrounds a part must not end up inside the line.
        let street = match (self.unit_number, self.address_line1) {
            (Some(unit), Some(line)) => Some(format!("{} {}", unit.trim(), line.trim())),
            (unit, line) => line.or(unit),
        };
        let street2 = match (self.address_line2, self.address_line3) {
            (Some(second), Some(third)) => Some(format!("{}, {}", second.trim(), third.trim())),
            (second, third) => second.or(third),
        };
        AddressBody {
            street,
            street2,
            city: self.city,
            subdivision: self.state,
            postal_code: self.postal_code,
            country_code: self.country_code,
        }
    }

    pub(crate) fn from_native(address: &kyc_app::dto::AddressDto) -> Value {
        let mut out = Map::new();
        out.insert("address_line1".into(), address.street.clone().into());
        put(&mut out, "address_line2", address.street2.clone());
        out.insert("city".into(), address.city.clone().into());
        put(&mut out, "state", address.subdivision.clone());
        put(&mut out, "postal_code", address.postal_code.clone());
        out.insert("country_code".into(), address.country_code.clone().into());
        Value::Object(out)
    }
}

/// Sets `name` when `value` is given.
pub(crate) fn put(out: &mut Map<String, Value>, name: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value {
        out.insert(name.to_owned(), value.into());
    }
}

impl Customer {
    /// True for a corporation (else an individual, including when the type is missing).
    pub fn is_business(&self) -> bool {
        self.customer_type.as_deref() == Some("CORPORATION")
    }

    /// Our body for this customer: on create (`creating`), `id` and `customer_type` are
    /// required; on a change they are not given. Errors name Layer2's fields.
    // One block per Layer2 field keeps each translation visible in one place.
    #[allow(clippy::too_many_lines)]
    pub fn into_native(self, creating: bool) -> Result<CustomerBody, Vec<FieldErrorDto>> {
        let mut errors = Vec::new();
        let business = self.is_business();
        // On a change the type only says which fields apply: it never changes.
        let customer_type = match self.customer_type.as_deref() {
            None if creating => {
                errors.push(field_error("customer_type", "required", "is required"));
                None
            }
            Some(raw) if creating => closed(&mut errors, "customer_type", raw, CUSTOMER_TYPES),
            _ => None,
        };
        if creating && self.id.is_none() {
            errors.push(field_error("id", "required", "is required"));
        }
        let individual_only = [
            ("first_name", self.first_name.is_some()),
            ("middle_name", self.middle_name.is_some()),
            ("last_name", self.last_name.is_some()),
            ("mailing_address", self.mailing_address.is_some()),
            ("tax_reference_number", self.tax_reference_number.is_some()),
            ("passport_number", self.passport_number.is_some()),
            ("nationality", self.nationality.is_some()),
            ("date_of_birth", self.date_of_birth.is_some()),
            ("us_residency_status", self.us_residency_status.is_some()),
            ("employment_status", self.employment_status.is_some()),
            (
                "employment_description",
                self.employment_description.is_some(),
            ),
            ("employer_name", self.employer_name.is_some()),
            ("occupation", self.occupation.is_some()),
        ];
        let business_only = [
            ("registered_name", self.registered_name.is_some()),
            ("trading_name", self.trading_name.is_some()),
            ("registered_number", self.registered_number.is_some()),
            ("registered_address", self.registered_address.is_some()),
            ("website_address", self.website_address.is_some()),
            (
                "state_of_incorporation",
                self.state_of_incorporation.is_some(),
            ),
            (
                "country_of_incorporation",
                self.country_of_incorporation.is_some(),
            ),
            (
                "corporate_entity_type",
                self.corporate_entity_type.is_some(),
            ),
            (
                "corporate_entity_type_description",
                self.corporate_entity_type_description.is_some(),
            ),
            ("established_on", self.established_on.is_some()),
            ("naics", self.naics.is_some()),
            ("naics_description", self.naics_description.is_some()),
        ];
        let (refused, kind) = if business {
            (&individual_only[..], "CORPORATION")
        } else {
            (&business_only[..], "INDIVIDUAL")
        };
        for (field, given) in refused {
            if *given && (creating || self.customer_type.is_some()) {
                errors.push(field_error(
                    field,
                    "not_allowed",
                    &format!("does not apply to {kind} customers"),
                ));
            }
        }
        let address = if business {
            self.registered_address
        } else {
            self.mailing_address
        };
        let issuing_country = address
            .as_ref()
            .and_then(|a| a.country_code.clone())
            .or_else(|| self.nationality.clone());
        let tax_identification = self.tax_reference_number.map(|number| {
            if issuing_country.is_none() {
                errors.push(field_error(
                    "tax_reference_number",
                    "missing_dependency",
                    "needs mailing_address.country_code or nationality: the issuing country",
                ));
            }
            TaxIdentificationBody {
                number: Some(number),
                kind: Some("tin".into()),
                country_code: issuing_country.clone(),
                description: None,
            }
        });
        let identification_numbers = self.passport_number.map(|number| {
            if self.nationality.is_none() {
                errors.push(field_error(
                    "passport_number",
                    "missing_dependency",
                    "needs nationality: the issuing country",
                ));
            }
            vec![IdentificationNumberBody {
                kind: Some("passport_number".into()),
                issuing_country_code: self.nationality.clone(),
                identification_number: Some(number),
                issuing_subdivision: None,
            }]
        });
        let name = if business {
            self.registered_name.map(|full| NameBody {
                full: Some(full),
                ..NameBody::default()
            })
        } else if self.first_name.is_some()
            || self.middle_name.is_some()
            || self.last_name.is_some()
        {
            Some(NameBody {
                first: self.first_name,
                middle: self.middle_name,
                last: self.last_name,
                full: None,
            })
        } else {
            None
        };
        if creating && name.is_none() {
            let missing: &[&str] = if business {
                &["registered_name"]
            } else {
                &["first_name", "last_name"]
            };
            for field in missing {
                errors.push(field_error(field, "required", "is required"));
            }
        }
        let mut source_of_funds = None;
        let mut investment_profile = None;
        if let Some(profile) = self.investment_profile {
            let kind = profile.primary_source_of_funds.as_deref().and_then(|raw| {
                closed(
                    &mut errors,
                    "investment_profile.primary_source_of_funds",
                    raw,
                    FUNDS_SOURCES,
                )
            });
            if profile.primary_source_of_funds_description.is_some()
                && profile.primary_source_of_funds.is_none()
            {
                errors.push(field_error(
                    "investment_profile.primary_source_of_funds",
                    "missing_dependency",
                    "is required with primary_source_of_funds_description",
                ));
            }
            if kind.is_some() {
                source_of_funds = Some(SourceOfFundsBody {
                    kind,
                    description: profile.primary_source_of_funds_description,
                });
            }
            let mut bands = BTreeMap::new();
            for (measure, band) in profile.bands {
                if !INVESTMENT_MEASURES.contains(&measure.as_str()) {
                    errors.push(field_error(
                        &format!("investment_profile.{measure}"),
                        "not_allowed",
                        "is not a field of investment_profile",
                    ));
                    continue;
                }
                // Our bands are Layer2's, lower-cased: the domain checks each measure's scale.
                bands.insert(measure, band.map(|band| band.to_ascii_lowercase()));
            }
            investment_profile = Some(bands);
        }
        let (jurisdictions, activities) = match self.kyc_profile {
            None => (None, None),
            Some(profile) => {
                let activities = profile.engage_in_activities.map(|list| {
                    list.iter()
                        .enumerate()
                        .filter_map(|(index, raw)| {
                            closed(
                                &mut errors,
                                &format!("kyc_profile.engage_in_activities[{index}]"),
                                raw,
                                ACTIVITIES,
                            )
                        })
                        .collect()
                });
                (profile.funds_send_receive_jurisdictions, activities)
            }
        };
        let us_residency_status = self
            .us_residency_status
            .as_deref()
            .and_then(|raw| closed(&mut errors, "us_residency_status", raw, US_RESIDENCY));
        let employment_status = self
            .employment_status
            .as_deref()
            .and_then(|raw| closed(&mut errors, "employment_status", raw, EMPLOYMENT));
        let entity_type = self
            .corporate_entity_type
            .as_deref()
            .and_then(|raw| closed(&mut errors, "corporate_entity_type", raw, ENTITY_TYPES));
        let body = CustomerBody {
            customer_type,
            external_id: self.id,
            name,
            address: address.map(Address::into_native),
            phone_number: self.telephone_number,
            email_address: self.email_address,
            date_of_birth: self.date_of_birth,
            nationality: self.nationality,
            employment_status,
            us_residency_status,
            employer_name: self.employer_name,
            job_title: self.occupation,
            employment_description: self.employment_description,
            source_of_funds,
            investment_profile,
            jurisdictions,
            activities,
            tax_identification,
            identification_numbers,
            aliases: self.trading_name.map(|name| vec![AliasBody::Name(name)]),
            website: self.website_address,
            registration_number: self.registered_number,
            incorporation_date: self.established_on,
            incorporation_country: self.country_of_incorporation,
            incorporation_subdivision: self.state_of_incorporation,
            entity_type,
            entity_type_description: self.corporate_entity_type_description,
            naics_code: self.naics,
            naics_description: self.naics_description,
            ..CustomerBody::default()
        };
        if errors.is_empty() {
            Ok(body)
        } else {
            Err(errors)
        }
    }
}

/// The Layer2 id of a customer: its external id, else its guid.
pub fn id_of(customer: &CustomerDto) -> String {
    customer
        .external_id
        .clone()
        .unwrap_or_else(|| customer.guid.clone())
}

/// The Layer2 status of a customer.
pub fn status_of(customer: &CustomerDto) -> &'static str {
    match customer.state.as_str() {
        "verified" => "ACTIVE",
        "frozen" => "FROZEN",
        "closed" | "rejected" => "CLOSED",
        _ => "PENDING",
    }
}

/// Looks `ours` up in a table of (theirs, ours) and gives theirs, or `fallback`.
pub(crate) fn theirs(
    table: &[(&'static str, &str)],
    ours: &str,
    fallback: &'static str,
) -> &'static str {
    table
        .iter()
        .find(|(_, native)| *native == ours)
        .map_or(fallback, |(vendor, _)| vendor)
}

/// A customer as Layer2's `IndividualCustomer` or `CorporationCustomer`.
// One line per Layer2 field, like the native renderer.
#[allow(clippy::too_many_lines)]
pub fn render(customer: &CustomerDto) -> Value {
    let business = customer.customer_type == "business";
    let mut out = Map::new();
    out.insert("id".into(), id_of(customer).into());
    out.insert(
        "customer_type".into(),
        if business {
            "CORPORATION"
        } else {
            "INDIVIDUAL"
        }
        .into(),
    );
    out.insert("status".into(), status_of(customer).into());
    put(&mut out, "email_address", customer.email_address.clone());
    put(&mut out, "telephone_number", customer.phone_number.clone());
    let address = customer.address.as_ref().map(Address::from_native);
    if business {
        put(
            &mut out,
            "registered_name",
            customer.name.as_ref().map(|n| n.full.clone()),
        );
        put(
            &mut out,
            "trading_name",
            customer
                .aliases
                .as_ref()
                .and_then(|aliases| aliases.first().map(|a| a.full.clone())),
        );
        put(
            &mut out,
            "registered_number",
            customer.registration_number.clone(),
        );
        put(&mut out, "registered_address", address);
        put(&mut out, "website_address", customer.website.clone());
        put(
            &mut out,
            "state_of_incorporation",
            customer.incorporation_subdivision.clone(),
        );
        put(
            &mut out,
            "country_of_incorporation",
            customer.incorporation_country.clone(),
        );
        put(
            &mut out,
            "corporate_entity_type",
            customer
                .entity_type
                .as_deref()
                .map(|ours| theirs(ENTITY_TYPES, ours, "OTHER")),
        );
        put(
            &mut out,
            "corporate_entity_type_description",
            customer.entity_type_description.clone(),
        );
        put(
            &mut out,
            "established_on",
            customer.incorporation_date.map(|d| d.to_string()),
        );
        put(&mut out, "naics", customer.naics_code.clone());
        put(
            &mut out,
            "naics_description",
            customer.naics_description.clone(),
        );
        out.insert(
            "individuals".into(),
            customer
                .associates
                .iter()
                .map(crate::layer2_individuals::render)
                .collect::<Vec<_>>()
                .into(),
        );
    } else {
        if let Some(name) = &customer.name {
            put(&mut out, "first_name", name.first.clone());
            put(&mut out, "middle_name", name.middle.clone());
            put(&mut out, "last_name", name.last.clone());
        }
        put(&mut out, "mailing_address", address);
        put(
            &mut out,
            "tax_reference_number",
            customer
                .tax_identification
                .as_ref()
                .map(|t| t.number.clone()),
        );
        put(
            &mut out,
            "passport_number",
            customer.identification_numbers.as_ref().and_then(|list| {
                list.iter()
                    .find(|id| id.kind == "passport_number")
                    .map(|id| id.identification_number.clone())
            }),
        );
        put(&mut out, "nationality", customer.nationality.clone());
        put(
            &mut out,
            "date_of_birth",
            customer.date_of_birth.map(|d| d.to_string()),
        );
        put(
            &mut out,
            "us_residency_status",
            customer
                .us_residency_status
                .as_deref()
                .map(|ours| theirs(US_RESIDENCY, ours, "NON_RESIDENT_ALIEN")),
        );
        put(
            &mut out,
            "employment_status",
            customer
                .employment_status
                .as_deref()
                .map(|ours| theirs(EMPLOYMENT, ours, "OTHER")),
        );
        put(
            &mut out,
            "employment_description",
            customer.employment_description.clone(),
        );
        put(&mut out, "employer_name", customer.employer_name.clone());
        put(&mut out, "occupation", customer.job_title.clone());
    }
    let mut investment = Map::new();
    if let Some(source) = &customer.source_of_funds {
        investment.insert(
            "primary_source_of_funds".into(),
            theirs(FUNDS_SOURCES, &source.kind, "OTHER").into(),
        );
        put(
            &mut investment,
            "primary_source_of_funds_description",
            source.description.clone(),
        );
    }
    for (measure, band) in customer.investment_profile.iter().flatten() {
        investment.insert(measure.clone(), band.to_ascii_uppercase().into());
    }
    if !investment.is_empty() {
        out.insert("investment_profile".into(), Value::Object(investment));
    }
    let mut kyc = Map::new();
    put(
        &mut kyc,
        "funds_send_receive_jurisdictions",
        customer.jurisdictions.clone(),
    );
    put(
        &mut kyc,
        "engage_in_activities",
        customer.activities.as_ref().map(|list| {
            list.iter()
                .map(|ours| theirs(ACTIVITIES, ours, "NONE"))
                .collect::<Vec<_>>()
        }),
    );
    if !kyc.is_empty() {
        out.insert("kyc_profile".into(), Value::Object(kyc));
    }
    Value::Object(out)
}

/// Why a patch cannot be applied: invalid updates (400), or updates the stored customer
/// cannot take (409: a field of the other type, a member of an object it does not have, a
/// number whose issuing country it does not give).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchRefusal {
    /// The updates themselves are wrong.
    Invalid(Vec<FieldErrorDto>),
    /// The updates conflict with the stored customer.
    Conflict(Vec<FieldErrorDto>),
}

/// The Layer2 fields that hold a list, sent in a patch as comma-separated values.
const LIST_FIELDS: [&str; 2] = [
    "kyc_profile.funds_send_receive_jurisdictions",
    "kyc_profile.engage_in_activities",
];

/// The fields of a patch that only one type of customer has.
fn applies_only_to(field: &str) -> Option<bool> {
    let individual = [
        "first_name",
        "middle_name",
        "last_name",
        "mailing_address",
        "tax_reference_number",
        "passport_number",
        "nationality",
        "date_of_birth",
        "us_residency_status",
        "employment_status",
        "employment_description",
        "employer_name",
        "occupation",
    ];
    let business = [
        "registered_name",
        "trading_name",
        "registered_number",
        "registered_address",
        "website_address",
        "state_of_incorporation",
        "country_of_incorporation",
        "corporate_entity_type",
        "corporate_entity_type_description",
        "established_on",
        "naics",
        "naics_description",
    ];
    if individual.contains(&field) {
        Some(false)
    } else if business.contains(&field) {
        Some(true)
    } else {
        None
    }
}

/// The fields kyc changes together with a changed one, added to `changed` from `shown`: a
/// name changes as a whole (the parts not updated keep their values), and a tax number or
/// passport is stored with its issuing country (`address`'s, or the nationality).
pub(crate) fn carry_along(
    changed: &mut Map<String, Value>,
    shown: &Map<String, Value>,
    address: &str,
) {
    let name = ["first_name", "middle_name", "last_name"];
    let numbers = ["tax_reference_number", "passport_number"];
    let issuers = [address, "nationality"];
    for (trigger, along) in [(&name[..], &name[..]), (&numbers[..], &issuers[..])] {
        if trigger.iter().any(|field| changed.contains_key(*field)) {
            for field in along {
                if let Some(value) = shown.get(*field) {
                    changed
                        .entry((*field).to_owned())
                        .or_insert_with(|| value.clone());
                }
            }
        }
    }
}

/// Sets `field` or `object.member` (by its `segments`) in a Layer2 object to `value`; false
/// for a deeper path.
pub(crate) fn set_path(shown: &mut Map<String, Value>, segments: &[&str], value: Value) -> bool {
    match segments {
        [field] => {
            shown.insert((*field).to_owned(), value);
        }
        [object, member] => {
            let entry = shown
                .entry((*object).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(members) = entry.as_object_mut() {
                members.insert((*member).to_owned(), value);
            } else {
                *entry = Value::Object(Map::from_iter([((*member).to_owned(), value)]));
            }
        }
        _ => return false,
    }
    true
}

/// A list value: comma-separated items, each trimmed and none empty; `""` is the empty list.
pub(crate) fn list_value(raw: &str) -> Option<Value> {
    if raw.trim().is_empty() {
        return Some(Value::Array(Vec::new()));
    }
    raw.split(',')
        .map(|item| {
            let item = item.trim();
            (!item.is_empty()).then(|| Value::String(item.to_owned()))
        })
        .collect::<Option<Vec<_>>>()
        .map(Value::Array)
}

/// Applies a patch's updates to the customer as Layer2 shows it, giving the changed
/// top-level fields as a Layer2 body (whole objects: an address changes as a whole in kyc).
/// Errors name the update (`updates[1].field`).
#[allow(clippy::too_many_lines)] // The update rules read best in one pass.
pub fn apply_updates(current: &Value, patch: &CustomerPatch) -> Result<Customer, PatchRefusal> {
    let mut errors = Vec::new();
    let mut conflicts = Vec::new();
    if patch.updates.is_empty() {
        errors.push(field_error(
            "updates",
            "required",
            "needs at least one update",
        ));
    }
    let business = current.get("customer_type").and_then(Value::as_str) == Some("CORPORATION");
    let mut shown = current.as_object().cloned().unwrap_or_default();
    let mut touched: Vec<String> = Vec::new();
    for (index, update) in patch.updates.iter().enumerate() {
        let at = format!("updates[{index}].field");
        let segments: Vec<&str> = update.field.split('.').collect();
        let top = segments.first().copied().unwrap_or_default();
        if matches!(top, "id" | "customer_type" | "status") {
            errors.push(field_error(
                &at,
                "not_allowed",
                &format!("{top} cannot be changed"),
            ));
            continue;
        }
        if let Some(for_business) = applies_only_to(top) {
            if for_business != business {
                conflicts.push(field_error(
                    &at,
                    "not_allowed",
                    &format!(
                        "{top} does not apply to {} customers",
                        if business {
                            "CORPORATION"
                        } else {
                            "INDIVIDUAL"
                        }
                    ),
                ));
                continue;
            }
        }
        let value = if LIST_FIELDS.contains(&update.field.as_str()) {
            if let Some(list) = list_value(&update.value) {
                list
            } else {
                errors.push(field_error(
                    &format!("updates[{index}].value"),
                    "invalid_format",
                    "must be comma-separated values, none empty",
                ));
                continue;
            }
        } else {
            Value::String(update.value.clone())
        };
        if !set_path(&mut shown, &segments, value) {
            errors.push(field_error(
                &at,
                "invalid_format",
                "must be a field name or object.member",
            ));
            continue;
        }
        if !touched.iter().any(|t| t == top) {
            touched.push(top.to_owned());
        }
    }
    if !errors.is_empty() {
        return Err(PatchRefusal::Invalid(errors));
    }
    // What the stored customer must give for the changed fields to stand.
    let given = |object: &str, member: &str| {
        shown
            .get(object)
            .and_then(|value| value.get(member))
            .is_some_and(Value::is_string)
    };
    let address = if business {
        "registered_address"
    } else {
        "mailing_address"
    };
    if touched.iter().any(|t| t == address) {
        let missing: Vec<&str> = ["address_line1", "city", "country_code"]
            .into_iter()
            .filter(|member| !given(address, member))
            .collect();
        if !missing.is_empty() {
            conflicts.push(field_error(
                address,
                "missing_dependency",
                &format!(
                    "the customer has no {address} to change; update {} too",
                    missing.join(", ")
                ),
            ));
        }
    }
    // A name changes as a whole: the parts not updated must be there to keep.
    if touched
        .iter()
        .any(|t| ["first_name", "middle_name", "last_name"].contains(&t.as_str()))
    {
        for part in ["first_name", "last_name"] {
            if !shown.get(part).is_some_and(Value::is_string) {
                conflicts.push(field_error(
                    part,
                    "missing_dependency",
                    &format!("the customer has no {part}; update it too"),
                ));
            }
        }
    }
    if touched.iter().any(|t| t == "tax_reference_number") && !given(address, "country_code") {
        conflicts.push(field_error(
            "tax_reference_number",
            "missing_dependency",
            "the customer has no mailing_address to name the issuing country",
        ));
    }
    if touched.iter().any(|t| t == "passport_number")
        && !shown.get("nationality").is_some_and(Value::is_string)
    {
        conflicts.push(field_error(
            "passport_number",
            "missing_dependency",
            "the customer has no nationality to name the issuing country",
        ));
    }
    if touched.iter().any(|t| t == "investment_profile")
        && given("investment_profile", "primary_source_of_funds_description")
        && !given("investment_profile", "primary_source_of_funds")
    {
        conflicts.push(field_error(
            "investment_profile.primary_source_of_funds",
            "missing_dependency",
            "the customer has no primary_source_of_funds to describe",
        ));
    }
    if !conflicts.is_empty() {
        return Err(PatchRefusal::Conflict(conflicts));
    }
    let mut changed: Map<String, Value> = touched
        .iter()
        .filter_map(|name| shown.get(name).map(|value| (name.clone(), value.clone())))
        .collect();
    carry_along(&mut changed, &shown, address);
    let mut customer: Customer =
        serde_json::from_value(Value::Object(changed)).map_err(|error| {
            PatchRefusal::Invalid(vec![field_error(
                "updates",
                "invalid_format",
                &format!(
                    "the updates do not make a Layer2 customer: {}",
                    redact(&error)
                ),
            )])
        })?;
    // The type is not changed, but it decides which fields apply.
    customer.customer_type = current
        .get("customer_type")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(customer)
}

/// A serde error's message without the value it quotes (it may be personal data).
pub(crate) fn redact(error: &serde_json::Error) -> String {
    let text = error.to_string();
    if text.contains("unknown field") {
        // `unknown field `x`, expected one of …`: the field's name is the caller's own key.
        text.split(", expected")
            .next()
            .unwrap_or("unknown field")
            .to_owned()
    } else {
        "a value has the wrong type".to_owned()
    }
}

/// The list's status filter: our states for a Layer2 status, or an error naming `status`.
pub fn states_for(status: &str) -> Result<&'static [CustomerState], FieldErrorDto> {
    STATUSES
        .iter()
        .find(|(name, _)| *name == status)
        .map(|(_, states)| *states)
        .ok_or_else(|| {
            let accepted: Vec<&str> = STATUSES.iter().map(|(name, _)| *name).collect();
            field_error(
                "status",
                "unknown_value",
                &format!("must be one of: {}", accepted.join(", ")),
            )
        })
}

/// The list's type filter: ours for a Layer2 customer type.
pub fn customer_type_for(raw: &str) -> Result<&'static str, FieldErrorDto> {
    CUSTOMER_TYPES
        .iter()
        .find(|(vendor, _)| *vendor == raw)
        .map(|(_, ours)| *ours)
        .ok_or_else(|| {
            field_error(
                "type",
                "unknown_value",
                "must be one of: INDIVIDUAL, CORPORATION",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_paths_use_layer2_names() {
        assert_eq!(field_name("name.first", false), "first_name");
        assert_eq!(
            field_name("address.street", false),
            "mailing_address.address_line1"
        );
        assert_eq!(
            field_name("address.street2", true),
            "registered_address.address_line2"
        );
        assert_eq!(
            field_name("address.country_code", true),
            "registered_address.country_code"
        );
        assert_eq!(field_name("name.full", true), "registered_name");
        assert_eq!(
            field_name("jurisdictions[2]", false),
            "kyc_profile.funds_send_receive_jurisdictions[2]"
        );
        assert_eq!(
            field_name("investment_profile.total_assets", false),
            "investment_profile.total_assets"
        );
        assert_eq!(field_name("email_address", false), "email_address");
    }

    #[test]
    fn an_individual_maps_onto_our_body() {
        let customer: Customer = serde_json::from_value(serde_json::json!({
            "id": "cust-1",
            "customer_type": "INDIVIDUAL",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "mailing_address": {"address_line1": "1 Main St", "unit_number": "4B", "city": "Austin", "state": "TX", "postal_code": "78701", "country_code": "US"},
            "tax_reference_number": "123-45-6789",
            "us_residency_status": "US_CITIZEN",
            "employment_status": "EMPLOYEE",
            "investment_profile": {"primary_source_of_funds": "SAVINGS", "total_assets": "UPTO_10K"},
            "kyc_profile": {"funds_send_receive_jurisdictions": ["US"], "engage_in_activities": ["NONE"]}
        }))
        .unwrap();
        let body = customer.into_native(true).unwrap();
        assert_eq!(body.customer_type.as_deref(), Some("individual"));
        assert_eq!(body.external_id.as_deref(), Some("cust-1"));
        assert_eq!(
            body.address.as_ref().unwrap().street.as_deref(),
            Some("4B 1 Main St")
        );
        let tax = body.tax_identification.unwrap();
        assert_eq!(
            (tax.kind.as_deref(), tax.country_code.as_deref()),
            (Some("tin"), Some("US"))
        );
        assert_eq!(body.us_residency_status.as_deref(), Some("us_citizen"));
        assert_eq!(body.employment_status.as_deref(), Some("employed"));
        assert_eq!(
            body.source_of_funds.unwrap().kind.as_deref(),
            Some("savings")
        );
        assert_eq!(
            body.investment_profile.unwrap()["total_assets"].as_deref(),
            Some("upto_10k")
        );
        assert_eq!(body.activities.unwrap(), ["none"]);
    }

    #[test]
    fn bad_values_are_refused_by_their_layer2_names() {
        let customer: Customer = serde_json::from_value(serde_json::json!({
            "customer_type": "INDIVIDUAL",
            "first_name": "Ada",
            "passport_number": "X1",
            "employment_status": "EMPLOYED",
            "registered_name": "Acme",
            "kyc_profile": {"engage_in_activities": ["NONE", "KNITTING"]}
        }))
        .unwrap();
        let errors = customer.into_native(true).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "id",
                "registered_name",
                "passport_number",
                "kyc_profile.engage_in_activities[1]",
                "employment_status"
            ]
        );
    }

    #[test]
    fn a_patch_changes_one_member_of_the_address() {
        let current = serde_json::json!({
            "id": "c1", "customer_type": "INDIVIDUAL", "status": "PENDING",
            "first_name": "Ada", "last_name": "Lovelace", "nationality": "GB",
            "mailing_address": {"address_line1": "1 Main St", "city": "Austin", "country_code": "US"}
        });
        let patch: CustomerPatch = serde_json::from_value(serde_json::json!({
            "updates": [
                {"field": "mailing_address.city", "value": "Dallas"},
                {"field": "kyc_profile.funds_send_receive_jurisdictions", "value": "US, DE"}
            ],
            "updated_by": "ops", "reason": "moved"
        }))
        .unwrap();
        let changed = apply_updates(&current, &patch).unwrap();
        let address = changed.mailing_address.clone().unwrap();
        assert_eq!(address.city.as_deref(), Some("Dallas"));
        assert_eq!(address.address_line1.as_deref(), Some("1 Main St"));
        assert!(
            changed.first_name.is_none(),
            "untouched fields are not sent"
        );
        let body = changed.into_native(false).unwrap();
        assert_eq!(body.jurisdictions.unwrap(), ["US", "DE"]);
        let refused: CustomerPatch = serde_json::from_value(serde_json::json!({
            "updates": [{"field": "id", "value": "other"}]
        }))
        .unwrap();
        let PatchRefusal::Invalid(errors) = apply_updates(&current, &refused).unwrap_err() else {
            panic!("an id update is invalid input");
        };
        assert_eq!(errors[0].field, "updates[0].field");
        // A corporation's field, a member of an address the customer lacks: conflicts.
        let bare = serde_json::json!({"id": "c2", "customer_type": "INDIVIDUAL"});
        for field in ["registered_name", "mailing_address.city", "passport_number"] {
            let patch: CustomerPatch = serde_json::from_value(serde_json::json!({
                "updates": [{"field": field, "value": "x"}]
            }))
            .unwrap();
            assert!(
                matches!(apply_updates(&bare, &patch), Err(PatchRefusal::Conflict(_))),
                "{field}"
            );
        }
        let empty_item: CustomerPatch = serde_json::from_value(serde_json::json!({
            "updates": [{"field": "kyc_profile.engage_in_activities", "value": "GAMBLING,,DRUGS"}]
        }))
        .unwrap();
        assert!(matches!(
            apply_updates(&current, &empty_item),
            Err(PatchRefusal::Invalid(_))
        ));
    }

    #[test]
    fn a_patch_of_one_name_part_keeps_the_others() {
        let current = serde_json::json!({
            "id": "c1", "customer_type": "INDIVIDUAL", "status": "PENDING",
            "first_name": "Ada", "middle_name": "Augusta", "last_name": "Lovelace"
        });
        let patch: CustomerPatch = serde_json::from_value(serde_json::json!({
            "updates": [{"field": "last_name", "value": "King"}]
        }))
        .unwrap();
        let name = apply_updates(&current, &patch)
            .unwrap()
            .into_native(false)
            .unwrap()
            .name
            .unwrap();
        assert_eq!(
            (
                name.first.as_deref(),
                name.middle.as_deref(),
                name.last.as_deref()
            ),
            (Some("Ada"), Some("Augusta"), Some("King"))
        );
        // A customer created without a name has no first name to keep: a conflict.
        let nameless = serde_json::json!({"id": "c2", "customer_type": "INDIVIDUAL"});
        let PatchRefusal::Conflict(errors) = apply_updates(&nameless, &patch).unwrap_err() else {
            panic!("a name part without the others is a conflict");
        };
        assert_eq!(errors[0].field, "first_name");
    }

    #[test]
    fn statuses_map_onto_states() {
        assert_eq!(states_for("ACTIVE").unwrap(), [CustomerState::Verified]);
        assert!(states_for("EDD").unwrap().is_empty());
        assert_eq!(states_for("OPEN").unwrap_err().field, "status");
        assert_eq!(customer_type_for("CORPORATION").unwrap(), "business");
        assert_eq!(customer_type_for("corp").unwrap_err().field, "type");
    }
}
