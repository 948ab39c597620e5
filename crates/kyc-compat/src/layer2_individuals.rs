//! Layer2's individuals of a corporate customer (`/v1/customers/{id}/individuals`): its
//! officers, beneficial owners, control persons and authorised persons, which are kyc's
//! associates of a business. Translates Layer2's `RequestIndividual` into kyc's
//! [`AssociateBody`], an associate into Layer2's `Individual`, a `RequestPatchGeneric` into
//! the changed fields, and kyc's field paths into Layer2's names.

use kyc_app::dto::{
    AssociateBody, AssociateDto, AssociateIdentificationNumberBody, NameBody, TaxIdentificationBody,
};
use kyc_app::FieldErrorDto;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::layer2::{
    carry_along, list_value, put, set_path, theirs, Address, PatchRefusal, Update, US_RESIDENCY,
};
use crate::{closed, field_error, renamed, Renames};

/// Layer2's individual types on a corporation, and our associate roles. Layer2's fifth type,
/// `INDIVIDUAL`, is "for non corporate customers", which have no individuals in kyc.
pub(crate) const INDIVIDUAL_TYPES: &[(&str, &str)] = &[
    ("OFFICER", "officer"),
    ("BENEFICIAL_OWNER", "owner"),
    ("CONTROL_PERSON", "control_person"),
    ("AUTHORIZED_PERSON", "signer"),
];

/// A role of ours with no Layer2 type of its own, and the type it is shown as: a director is
/// one of the corporation's officers.
const SHOWN_AS: &[(&str, &str)] = &[("OFFICER", "director")];

/// `RequestIndividual`: a person of a corporation (its schema is in `layer2_schema`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Individual {
    /// Read-only (the server names the individual): ignored when sent.
    pub id: Option<String>,
    /// Position (`CEO`, `Treasurer` …).
    pub title: Option<String>,
    /// `OFFICER`, `BENEFICIAL_OWNER`, `CONTROL_PERSON` or `AUTHORIZED_PERSON`; at least one.
    pub individual_type: Option<Vec<String>>,
    /// Given name.
    pub first_name: Option<String>,
    /// Middle names.
    pub middle_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Email address.
    pub email_address: Option<String>,
    /// Residential address.
    pub mailing_address: Option<Address>,
    /// E.164 phone number.
    pub telephone_number: Option<String>,
    /// Tax reference number, issued by the mailing address's country.
    pub tax_reference_number: Option<String>,
    /// Passport number, issued by the nationality's country.
    pub passport_number: Option<String>,
    /// Nationality, ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// `US_CITIZEN`, `RESIDENT_ALIEN` or `NON_RESIDENT_ALIEN`.
    pub us_residency_status: Option<String>,
    /// Share of the corporation owned, a whole percentage from 0 to 100.
    pub percentage_ownership: Option<f64>,
}

/// `RequestPatchGeneric`: changes to an individual (its schema is in `layer2_schema`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndividualPatch {
    /// The changes, at least one.
    pub updates: Vec<Update>,
}

/// Our associate field paths and Layer2's individual names, longest first within a prefix.
fn renames() -> Renames {
    [
        ("name.first", "first_name"),
        ("name.middle", "middle_name"),
        ("name.last", "last_name"),
        ("name", "first_name"),
        ("address.street2", "mailing_address.address_line2"),
        ("address.street", "mailing_address.address_line1"),
        ("address.subdivision", "mailing_address.state"),
        ("address", "mailing_address"),
        ("phone_number", "telephone_number"),
        ("tax_identification", "tax_reference_number"),
        ("identification_numbers", "passport_number"),
        ("roles", "individual_type"),
        ("ownership_percentage", "percentage_ownership"),
        ("job_title", "title"),
    ]
    .into_iter()
    .map(|(ours, theirs)| (ours.to_owned(), theirs.to_owned()))
    .collect()
}

/// Our associate field path as Layer2 names it on an individual.
pub fn field_name(native: &str) -> String {
    renamed(native, &renames())
}

/// Our roles for Layer2's `individual_type`: at least one, each a corporate type.
fn roles_of(types: &[String], errors: &mut Vec<FieldErrorDto>) -> Vec<String> {
    if types.is_empty() {
        errors.push(field_error(
            "individual_type",
            "required",
            "needs at least one type",
        ));
    }
    types
        .iter()
        .enumerate()
        .filter_map(|(index, raw)| {
            closed(
                errors,
                &format!("individual_type[{index}]"),
                raw,
                INDIVIDUAL_TYPES,
            )
        })
        .collect()
}

impl Individual {
    /// Our associate body, or the errors in Layer2's names. `creating` requires what a new
    /// individual needs (`first_name`, `last_name`, `individual_type`).
    pub fn into_native(self, creating: bool) -> Result<AssociateBody, Vec<FieldErrorDto>> {
        let mut errors = Vec::new();
        if creating {
            for (field, given) in [
                ("first_name", self.first_name.is_some()),
                ("last_name", self.last_name.is_some()),
                ("individual_type", self.individual_type.is_some()),
            ] {
                if !given {
                    errors.push(field_error(field, "required", "is required"));
                }
            }
        }
        let roles = self
            .individual_type
            .map(|types| roles_of(&types, &mut errors));
        let ownership_percentage = self.percentage_ownership.inspect(|share| {
            if share.fract() != 0.0 || !(0.0..=100.0).contains(share) {
                errors.push(field_error(
                    "percentage_ownership",
                    "out_of_range",
                    "must be a whole number from 0 to 100",
                ));
            }
        });
        let issuing_country = self
            .mailing_address
            .as_ref()
            .and_then(|address| address.country_code.clone());
        let tax_identification = self.tax_reference_number.map(|number| {
            if issuing_country.is_none() {
                errors.push(field_error(
                    "tax_reference_number",
                    "missing_dependency",
                    "needs mailing_address: its country issues the number",
                ));
            }
            TaxIdentificationBody {
                number: Some(number),
                kind: Some("tin".into()),
                country_code: issuing_country,
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
            vec![AssociateIdentificationNumberBody {
                kind: Some("passport_number".into()),
                issuing_country_code: self.nationality.clone(),
                identification_number: Some(number),
            }]
        });
        let us_residency_status = self
            .us_residency_status
            .as_deref()
            .and_then(|raw| closed(&mut errors, "us_residency_status", raw, US_RESIDENCY));
        let named = self.first_name.is_some() || self.middle_name.is_some();
        let name = (named || self.last_name.is_some()).then_some(NameBody {
            first: self.first_name,
            middle: self.middle_name,
            last: self.last_name,
            full: None,
        });
        let body = AssociateBody {
            name,
            date_of_birth: self.date_of_birth,
            address: self.mailing_address.map(Address::into_native),
            email_address: self.email_address,
            ownership_percentage,
            roles,
            pep: None,
            job_title: self.title,
            phone_number: self.telephone_number,
            nationality: self.nationality,
            us_residency_status,
            tax_identification,
            identification_numbers,
            ..AssociateBody::default()
        };
        if errors.is_empty() {
            Ok(body)
        } else {
            Err(errors)
        }
    }
}

/// An associate as Layer2's `Individual`.
pub fn render(associate: &AssociateDto) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), associate.guid.clone().into());
    let mut types: Vec<&str> = associate
        .roles
        .iter()
        .map(|ours| {
            INDIVIDUAL_TYPES
                .iter()
                .chain(SHOWN_AS)
                .find(|(_, native)| native == ours)
                .map_or("OFFICER", |(vendor, _)| vendor)
        })
        .collect();
    types.dedup();
    out.insert("individual_type".into(), types.into());
    put(&mut out, "title", associate.job_title.clone());
    if let Some(name) = &associate.name {
        put(&mut out, "first_name", name.first.clone());
        put(&mut out, "middle_name", name.middle.clone());
        put(&mut out, "last_name", name.last.clone());
    }
    put(&mut out, "email_address", associate.email_address.clone());
    put(
        &mut out,
        "mailing_address",
        associate.address.as_ref().map(Address::from_native),
    );
    put(&mut out, "telephone_number", associate.phone_number.clone());
    put(
        &mut out,
        "tax_reference_number",
        associate
            .tax_identification
            .as_ref()
            .map(|tax| tax.number.clone()),
    );
    put(
        &mut out,
        "passport_number",
        associate.identification_numbers.as_ref().and_then(|list| {
            list.iter()
                .find(|id| id.kind == "passport_number")
                .map(|id| id.identification_number.clone())
        }),
    );
    put(&mut out, "nationality", associate.nationality.clone());
    put(
        &mut out,
        "date_of_birth",
        associate.date_of_birth.map(|d| d.to_string()),
    );
    put(
        &mut out,
        "us_residency_status",
        associate
            .us_residency_status
            .as_deref()
            .map(|ours| theirs(US_RESIDENCY, ours, "NON_RESIDENT_ALIEN")),
    );
    put(
        &mut out,
        "percentage_ownership",
        associate.ownership_percentage.map(|share| {
            // Layer2's shares are whole percentages; ours may carry two decimals.
            if share.fract() == 0.0 {
                #[allow(clippy::cast_possible_truncation)] // Whole, and 0 to 100.
                Value::from(share as i64)
            } else {
                Value::from(share)
            }
        }),
    );
    Value::Object(out)
}

/// The JSON value an update of `field` sets: a list for the types, a number for the share,
/// else the string; `None` when the string does not make one.
fn update_value(field: &str, raw: &str) -> Option<Value> {
    match field {
        "individual_type" => list_value(raw),
        "percentage_ownership" => whole_percentage(raw).map(Value::from),
        _ => Some(Value::String(raw.to_owned())),
    }
}

/// What the updated individual `shown` must give for the `touched` fields to stand.
fn conflicts_of(shown: &Map<String, Value>, touched: &[String]) -> Vec<FieldErrorDto> {
    let given = |object: &str, member: &str| {
        shown
            .get(object)
            .and_then(|value| value.get(member))
            .is_some_and(Value::is_string)
    };
    let mut conflicts = Vec::new();
    if touched.iter().any(|t| t == "mailing_address") {
        let missing: Vec<&str> = ["address_line1", "city", "country_code"]
            .into_iter()
            .filter(|member| !given("mailing_address", member))
            .collect();
        if !missing.is_empty() {
            conflicts.push(field_error(
                "mailing_address",
                "missing_dependency",
                &format!(
                    "the individual has no mailing_address to change; update {} too",
                    missing.join(", ")
                ),
            ));
        }
    }
    if touched.iter().any(|t| t == "tax_reference_number")
        && !given("mailing_address", "country_code")
    {
        conflicts.push(field_error(
            "tax_reference_number",
            "missing_dependency",
            "the individual has no mailing_address to name the issuing country",
        ));
    }
    if touched.iter().any(|t| t == "passport_number")
        && !shown.get("nationality").is_some_and(Value::is_string)
    {
        conflicts.push(field_error(
            "passport_number",
            "missing_dependency",
            "the individual has no nationality to name the issuing country",
        ));
    }
    conflicts
}

/// A whole percentage written plainly: `0` to `100`, no sign, no leading zero, no spaces.
fn whole_percentage(raw: &str) -> Option<u8> {
    let plain = raw.bytes().all(|b| b.is_ascii_digit())
        && !raw.is_empty()
        && (raw == "0" || !raw.starts_with('0'));
    raw.parse::<u8>()
        .ok()
        .filter(|share| plain && *share <= 100)
}

/// Applies a patch's updates to the individual as Layer2 shows it, giving the changed
/// top-level fields as a Layer2 body. Errors name the update (`updates[1].field`).
pub fn apply_updates(current: &Value, patch: &IndividualPatch) -> Result<Individual, PatchRefusal> {
    let mut errors = Vec::new();
    if patch.updates.is_empty() {
        errors.push(field_error(
            "updates",
            "required",
            "needs at least one update",
        ));
    }
    let mut shown = current.as_object().cloned().unwrap_or_default();
    let mut touched: Vec<String> = Vec::new();
    for (index, update) in patch.updates.iter().enumerate() {
        let at = format!("updates[{index}].field");
        let segments: Vec<&str> = update.field.split('.').collect();
        let top = segments.first().copied().unwrap_or_default();
        if top == "id" {
            errors.push(field_error(&at, "not_allowed", "id cannot be changed"));
            continue;
        }
        let Some(value) = update_value(top, &update.value) else {
            errors.push(field_error(
                &format!("updates[{index}].value"),
                "invalid_format",
                if top == "individual_type" {
                    "must be comma-separated values, none empty"
                } else {
                    "must be a whole number from 0 to 100"
                },
            ));
            continue;
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
    let conflicts = conflicts_of(&shown, &touched);
    if !conflicts.is_empty() {
        return Err(PatchRefusal::Conflict(conflicts));
    }
    let mut changed: Map<String, Value> = touched
        .iter()
        .filter_map(|name| shown.get(name).map(|value| (name.clone(), value.clone())))
        .collect();
    carry_along(&mut changed, &shown, "mailing_address");
    serde_json::from_value(Value::Object(changed)).map_err(|_| {
        PatchRefusal::Invalid(vec![field_error(
            "updates",
            "invalid_format",
            "the updates do not make a Layer2 individual",
        )])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Individual {
        Individual {
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            individual_type: Some(vec!["BENEFICIAL_OWNER".into(), "OFFICER".into()]),
            percentage_ownership: Some(40.0),
            title: Some("CEO".into()),
            ..Individual::default()
        }
    }

    #[test]
    fn types_become_roles_and_the_share_and_title_carry_over() {
        let body = owner().into_native(true).unwrap();
        assert_eq!(
            body.roles,
            Some(vec!["owner".to_owned(), "officer".to_owned()])
        );
        assert_eq!(body.ownership_percentage, Some(40.0));
        assert_eq!(body.job_title.as_deref(), Some("CEO"));
    }

    #[test]
    fn a_new_individual_needs_its_names_and_a_type_and_errors_use_layer2_names() {
        let errors = Individual::default().into_native(true).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["first_name", "last_name", "individual_type"]);
        let errors = Individual {
            individual_type: Some(vec!["INDIVIDUAL".into()]),
            percentage_ownership: Some(12.5),
            tax_reference_number: Some("123".into()),
            ..owner()
        }
        .into_native(true)
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "individual_type[0]",
                "percentage_ownership",
                "tax_reference_number"
            ]
        );
        assert_eq!(field_name("roles[0]"), "individual_type[0]");
        assert_eq!(
            field_name("address.street"),
            "mailing_address.address_line1"
        );
        assert_eq!(field_name("ownership_percentage"), "percentage_ownership");
    }

    #[test]
    fn a_patch_keeps_the_name_parts_it_does_not_update_and_refuses_what_the_individual_lacks() {
        let current = serde_json::json!({
            "id": "x", "individual_type": ["OFFICER"],
            "first_name": "Ada", "last_name": "Lovelace",
        });
        let update = |field: &str, value: &str| IndividualPatch {
            updates: vec![Update {
                field: field.into(),
                value: value.into(),
            }],
        };
        let changed = apply_updates(&current, &update("last_name", "King")).unwrap();
        assert_eq!(changed.first_name.as_deref(), Some("Ada"));
        assert_eq!(changed.last_name.as_deref(), Some("King"));
        assert!(changed.individual_type.is_none());
        let changed = apply_updates(
            &current,
            &update("individual_type", "OFFICER, CONTROL_PERSON"),
        )
        .unwrap();
        assert_eq!(
            changed.individual_type,
            Some(vec!["OFFICER".to_owned(), "CONTROL_PERSON".to_owned()])
        );
        assert!(matches!(
            apply_updates(&current, &update("mailing_address.city", "Paris")),
            Err(PatchRefusal::Conflict(_))
        ));
        assert!(matches!(
            apply_updates(&current, &update("percentage_ownership", "12.5")),
            Err(PatchRefusal::Invalid(_))
        ));
    }
}
