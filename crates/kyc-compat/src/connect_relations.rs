//! Connect Financial's person relations of a business customer
//! (`/v1/customers/business/:businessUserId/related-persons`): a shareholder or representative
//! who is also one of the tenant's individual customers. kyc keeps each related person as an
//! associate of the business, its details taken from the individual customer when the relation
//! is added (the business's KYB record holds them as they were, like an associate sent in
//! full), and linked to that customer by `customer_guid`.

use std::borrow::Cow;

use kyc_app::dto::schema::{done, object, one_of_values, patterned, period_date};
use kyc_app::dto::{
    AddressBody, AssociateBody, AssociateDto, AssociateIdentificationNumberBody, CustomerDto,
    NameBody, PepBody, TaxIdentificationBody,
};
use kyc_app::FieldErrorDto;
use kyc_domain::ids::CustomerGuid;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::connect::{guid_of, uuid_of};
use crate::{field_error, renamed, Renames};

/// Connect's relation roles and our associate roles: a shareholder owns a share; a
/// representative acts for the business, which is kyc's control person.
pub const ROLES: [(&str, &str); 2] = [
    ("SHAREHOLDER", "owner"),
    ("REPRESENTATIVE", "control_person"),
];

/// A share written as Connect writes it: `"51"`, `"30.5"`, at most two decimals, 0 to 100.
const SHARE_PATTERN: &str = "^(?:100(?:\\.0{1,2})?|[1-9]?[0-9](?:\\.[0-9]{1,2})?)$";

/// `representingRange`: the period the person holds the role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RepresentingRange {
    /// First day, ISO 8601 (`YYYY-MM-DD`).
    pub start_date: Option<String>,
    /// Last day, ISO 8601; open-ended when absent.
    pub end_date: Option<String>,
}

/// The relation: who, in which role, with which share, over which period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Relation {
    /// The related person: an individual customer's id (a UUID).
    pub user_id: Option<String>,
    /// `SHAREHOLDER` or `REPRESENTATIVE`.
    pub role: Option<String>,
    /// The share, as a string (a shareholder's, and only a shareholder's).
    pub ownership_percentage: Option<String>,
    /// The period.
    pub representing_range: Option<RepresentingRange>,
}

/// The body of an add or an update of a relation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationRequest {
    /// The relation.
    pub relation: Option<Relation>,
}

/// A relation as validated: the person, our role, the share and the period.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRelation {
    /// The related individual customer.
    pub person: CustomerGuid,
    /// Our role for it.
    pub role: &'static str,
    /// The share, for a shareholder.
    pub ownership_percentage: Option<f64>,
    /// First day.
    pub from: String,
    /// Last day, if any.
    pub until: Option<String>,
}

/// A share, when written as [`SHARE_PATTERN`] says.
fn share(raw: &str) -> Option<f64> {
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    let plain = !whole.is_empty()
        && whole.len() <= 3
        && whole.bytes().all(|b| b.is_ascii_digit())
        && (whole.len() == 1 || !whole.starts_with('0'))
        && (!raw.contains('.') || (1..=2).contains(&fraction.len()))
        && fraction.bytes().all(|b| b.is_ascii_digit());
    let value: f64 = raw.parse().ok()?;
    (plain && (0.0..=100.0).contains(&value)).then_some(value)
}

impl RelationRequest {
    /// The validated relation, or errors naming Connect's fields (`relation.userId` …).
    pub fn parse(self) -> Result<ParsedRelation, Vec<FieldErrorDto>> {
        let mut errors = Vec::new();
        let Some(relation) = self.relation else {
            return Err(vec![field_error("relation", "required", "is required")]);
        };
        let person = match relation.user_id.as_deref() {
            None => {
                errors.push(field_error("relation.userId", "required", "is required"));
                None
            }
            Some(raw) => {
                let guid = guid_of(raw);
                if guid.is_none() {
                    errors.push(field_error(
                        "relation.userId",
                        "invalid_format",
                        "must be a customer's UUID",
                    ));
                }
                guid
            }
        };
        let role = match relation.role.as_deref() {
            None => {
                errors.push(field_error("relation.role", "required", "is required"));
                None
            }
            Some(raw) => {
                let ours = ROLES
                    .iter()
                    .find(|(theirs, _)| *theirs == raw)
                    .map(|(_, ours)| *ours);
                if ours.is_none() {
                    errors.push(field_error(
                        "relation.role",
                        "unknown_value",
                        "must be one of: SHAREHOLDER, REPRESENTATIVE",
                    ));
                }
                ours
            }
        };
        let ownership_percentage = match (role, relation.ownership_percentage.as_deref()) {
            (Some("owner"), None) => {
                errors.push(field_error(
                    "relation.ownershipPercentage",
                    "required",
                    "is required for a SHAREHOLDER",
                ));
                None
            }
            (Some("control_person"), Some(_)) => {
                errors.push(field_error(
                    "relation.ownershipPercentage",
                    "not_allowed",
                    "is only for a SHAREHOLDER",
                ));
                None
            }
            (_, Some(raw)) => {
                let value = share(raw);
                if value.is_none() {
                    errors.push(field_error(
                        "relation.ownershipPercentage",
                        "out_of_range",
                        "must be 0 to 100 with at most two decimals, e.g. \"51\" or \"30.5\"",
                    ));
                }
                value
            }
            (_, None) => None,
        };
        let range = relation.representing_range.unwrap_or_default();
        if range.start_date.is_none() {
            errors.push(field_error(
                "relation.representingRange.startDate",
                "required",
                "is required",
            ));
        }
        match (person, role, range.start_date) {
            (Some(person), Some(role), Some(from)) if errors.is_empty() => Ok(ParsedRelation {
                person,
                role,
                ownership_percentage,
                from,
                until: range.end_date,
            }),
            _ => Err(errors),
        }
    }
}

/// Our associate field paths as Connect names them in a relation.
fn renames() -> Renames {
    [
        ("ownership_percentage", "relation.ownershipPercentage"),
        ("represents_from", "relation.representingRange.startDate"),
        ("represents_until", "relation.representingRange.endDate"),
        ("roles", "relation.role"),
    ]
    .into_iter()
    .map(|(ours, theirs)| (ours.to_owned(), theirs.to_owned()))
    .collect()
}

/// Our associate field path as Connect names it; a field of the person's own details is the
/// related customer's (`relation.userId: <field> …`).
pub fn field_name(native: &str) -> String {
    let name = renamed(native, &renames());
    if name.starts_with("relation.") {
        name
    } else {
        format!("relation.userId ({name})")
    }
}

/// The associate that adds `relation` for `person`, its details the person's as they stand.
pub fn associate_of(person: &CustomerDto, relation: &ParsedRelation) -> AssociateBody {
    AssociateBody {
        name: person.name.as_ref().map(|name| NameBody {
            first: name.first.clone(),
            middle: name.middle.clone(),
            last: name.last.clone(),
            full: None,
        }),
        date_of_birth: person.date_of_birth.map(|d| d.to_string()),
        address: person.address.as_ref().map(|a| AddressBody {
            street: Some(a.street.clone()),
            street2: a.street2.clone(),
            city: Some(a.city.clone()),
            subdivision: a.subdivision.clone(),
            postal_code: a.postal_code.clone(),
            country_code: Some(a.country_code.clone()),
        }),
        email_address: person.email_address.clone(),
        ownership_percentage: relation.ownership_percentage,
        roles: Some(vec![relation.role.to_owned()]),
        pep: person.pep.as_ref().map(|pep| PepBody {
            is_pep: Some(pep.is_pep),
            explanation: pep.explanation.clone(),
        }),
        job_title: person.job_title.clone(),
        phone_number: person.phone_number.clone(),
        nationality: person.nationality.clone(),
        us_residency_status: person.us_residency_status.clone(),
        tax_identification: person
            .tax_identification
            .as_ref()
            .map(|tax| TaxIdentificationBody {
                number: Some(tax.number.clone()),
                kind: Some(tax.kind.clone()),
                country_code: Some(tax.country_code.clone()),
                description: tax.description.clone(),
            }),
        identification_numbers: person.identification_numbers.as_ref().map(|list| {
            list.iter()
                .map(|n| AssociateIdentificationNumberBody {
                    kind: Some(n.kind.clone()),
                    issuing_country_code: Some(n.issuing_country_code.clone()),
                    identification_number: Some(n.identification_number.clone()),
                })
                .collect()
        }),
        customer_guid: Some(relation.person.to_string()),
        represents_from: Some(relation.from.clone()),
        represents_until: relation.until.clone(),
    }
}

/// The associate of `business` linked to `person`, if there is one.
pub fn linked<'a>(business: &'a CustomerDto, person: &CustomerGuid) -> Option<&'a AssociateDto> {
    let person = person.to_string();
    business
        .associates
        .iter()
        .find(|a| a.customer_guid.as_deref() == Some(person.as_str()))
}

/// The changes that give an existing linked associate `relation`: the role added (kept when
/// it holds it), the share for a shareholder, and the period.
pub fn changes_for(associate: &AssociateDto, relation: &ParsedRelation) -> AssociateBody {
    let mut roles = associate.roles.clone();
    if !roles.iter().any(|r| r == relation.role) {
        roles.push(relation.role.to_owned());
    }
    AssociateBody {
        roles: Some(roles),
        ownership_percentage: relation.ownership_percentage,
        represents_from: Some(relation.from.clone()),
        represents_until: relation.until.clone(),
        ..AssociateBody::default()
    }
}

/// A share as Connect writes it.
fn share_text(share: f64) -> String {
    let text = format!("{share:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `data.personRelations`: every relation of `business`, one per linked person and role.
pub fn person_relations(business: &CustomerDto) -> Vec<Value> {
    let mut relations = Vec::new();
    for associate in &business.associates {
        let Some(user) = associate.customer_guid.as_deref().and_then(uuid_of) else {
            continue;
        };
        for (theirs, ours) in ROLES {
            if !associate.roles.iter().any(|r| r == ours) {
                continue;
            }
            let mut relation = json!({"userId": user, "role": theirs});
            if theirs == "SHAREHOLDER" {
                if let Some(share) = associate.ownership_percentage {
                    relation["ownershipPercentage"] = json!(share_text(share));
                }
            }
            relations.push(relation);
        }
    }
    relations
}

impl PartialSchema for RelationRequest {
    fn schema() -> RefOr<Schema> {
        let user_id = || {
            done(patterned(
                "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
                    .to_owned(),
                false,
            ))
        };
        let range = || {
            object(
                vec![
                    ("startDate", done(period_date(false))),
                    ("endDate", done(period_date(true))),
                ],
                &["startDate"],
            )
            .description(Some(
                "`YYYY-MM-DD`, 1900-01-01 to 2199-12-31; `endDate` not before `startDate`, \
                 open-ended when left out",
            ))
        };
        let shareholder = object(
            vec![
                ("userId", user_id()),
                ("role", done(one_of_values(["SHAREHOLDER"], false))),
                (
                    "ownershipPercentage",
                    done(patterned(SHARE_PATTERN.to_owned(), false)),
                ),
                ("representingRange", range().into()),
            ],
            &["userId", "role", "ownershipPercentage", "representingRange"],
        );
        let representative = object(
            vec![
                ("userId", user_id()),
                ("role", done(one_of_values(["REPRESENTATIVE"], false))),
                (
                    "ownershipPercentage",
                    done(ObjectBuilder::new().schema_type(Type::Null)),
                ),
                ("representingRange", range().into()),
            ],
            &["userId", "role", "representingRange"],
        );
        object(
            vec![(
                "relation",
                OneOfBuilder::new()
                    .item(shareholder)
                    .item(representative)
                    .description(Some(
                        "A shareholder (with its share) or a representative of the business; \
                         `userId` is an individual customer of the tenant",
                    ))
                    .into(),
            )],
            &["relation"],
        )
        .into()
    }
}

impl ToSchema for RelationRequest {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ConnectRelationRequest")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(role: &str, share: Option<&str>) -> RelationRequest {
        RelationRequest {
            relation: Some(Relation {
                user_id: Some("123e4567-e89b-12d3-a456-426614174021".into()),
                role: Some(role.into()),
                ownership_percentage: share.map(str::to_owned),
                representing_range: Some(RepresentingRange {
                    start_date: Some("2024-01-01".into()),
                    end_date: None,
                }),
            }),
        }
    }

    #[test]
    fn a_shareholder_needs_its_share_and_a_representative_has_none() {
        let parsed = request("SHAREHOLDER", Some("30.5")).parse().unwrap();
        assert_eq!(parsed.role, "owner");
        assert_eq!(parsed.ownership_percentage, Some(30.5));
        let fields = |r: RelationRequest| -> Vec<String> {
            r.parse()
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(
            fields(request("SHAREHOLDER", None)),
            ["relation.ownershipPercentage"]
        );
        assert_eq!(
            fields(request("REPRESENTATIVE", Some("10"))),
            ["relation.ownershipPercentage"]
        );
        assert_eq!(
            fields(request("SHAREHOLDER", Some("101"))),
            ["relation.ownershipPercentage"]
        );
        assert_eq!(fields(request("DIRECTOR", None)), ["relation.role"]);
        for good in ["0", "51", "30.5", "99.99", "100", "100.00"] {
            assert!(share(good).is_some(), "{good}");
        }
        for bad in [
            "051", "08", "1.", ".5", "1.234", "100.5", "-1", "+5", " 5", "1e2",
        ] {
            assert!(share(bad).is_none(), "{bad}");
        }
        assert_eq!(share_text(51.0), "51");
        assert_eq!(share_text(30.5), "30.5");
        assert_eq!(
            field_name("represents_until"),
            "relation.representingRange.endDate"
        );
    }
}
