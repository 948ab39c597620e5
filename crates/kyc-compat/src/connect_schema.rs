//! The OpenAPI schemas of Connect Financial's create bodies, written with the builder like the
//! native bodies': each member carries the rule it is checked by (the phone's digits and its
//! country code making an E.164 number, `pep.explanation` with `isPep` true).

use std::borrow::Cow;

use kyc_app::dto::schema::{
    adult_date_of_birth, country_code, done, object, one_of_values, or_null, past_date, patterned,
    text,
};
use kyc_app::dto::{email_address, identifier, website};
use kyc_domain::values::{Gender, LongText, NameText, Occupation, ShortText};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use super::connect::{BusinessRequest, IndividualRequest, BUSINESS_IDS, PERSON_IDS, TAX_TYPES};

/// Connect's spellings of a closed list.
fn vendor_values(table: &'static [(&'static str, &'static str)], nullable: bool) -> ObjectBuilder {
    one_of_values(table.iter().map(|(theirs, _)| *theirs), nullable)
}

/// The members both bodies share: contact, tax, identification and address.
fn common(
    ids: &'static [(&'static str, &'static str)],
    id_type_required: bool,
) -> Vec<(&'static str, RefOr<Schema>)> {
    let identification_required: &[&str] = if id_type_required {
        &["type", "number", "country"]
    } else {
        &["number", "country"]
    };
    vec![
        ("email", done(email_address(false))),
        (
            "phone",
            done(
                patterned("^[ ()+-]*(?:[0-9][ ()+-]*){6,11}$", false)
                    .description(Some("The national number: 6 to 11 digits, with spaces, hyphens, plus signs or parentheses")),
            ),
        ),
        (
            "phoneCountryCode",
            done(
                patterned("^[1-9][0-9]{0,3}$", false)
                    .description(Some("The country calling code, 1 to 4 digits (`1`); with `phone` it makes the E.164 number")),
            ),
        ),
        (
            "taxInformation",
            done(object(
                vec![
                    ("type", done(vendor_values(TAX_TYPES, false))),
                    ("number", done(identifier(false))),
                    ("country", done(country_code(false))),
                ],
                &["type", "number", "country"],
            )),
        ),
        (
            "identification",
            done(object(
                vec![
                    ("type", done(vendor_values(ids, !id_type_required))),
                    ("number", done(identifier(false))),
                    ("country", done(country_code(false))),
                ],
                identification_required,
            )),
        ),
        (
            "mainAddress",
            done(object(
                vec![
                    ("street", done(text(200, false))),
                    ("street2", done(text(200, true))),
                    ("city", done(text(200, false))),
                    ("state", done(text(200, true))),
                    ("postalCode", done(text(ShortText::MAX_LENGTH, true))),
                    ("country", done(country_code(false))),
                ],
                &["street", "city", "country"],
            )),
        ),
    ]
}

/// Every member the domain requires of a new customer here.
const REQUIRED: [&str; 7] = [
    "email",
    "phone",
    "phoneCountryCode",
    "basicData",
    "taxInformation",
    "identification",
    "mainAddress",
];

fn pep() -> RefOr<Schema> {
    or_null(
        OneOfBuilder::new()
            .item(object(
                vec![
                    (
                        "isPep",
                        done(
                            ObjectBuilder::new()
                                .schema_type(Type::Boolean)
                                .enum_values(Some([true])),
                        ),
                    ),
                    ("explanation", done(text(LongText::MAX_LENGTH, false))),
                ],
                &["isPep", "explanation"],
            ))
            .item(object(
                vec![
                    (
                        "isPep",
                        done(
                            ObjectBuilder::new()
                                .schema_type(Type::Boolean)
                                .enum_values(Some([false])),
                        ),
                    ),
                    ("explanation", done(text(LongText::MAX_LENGTH, true))),
                ],
                &["isPep"],
            ))
            .description(Some("`explanation` is required when `isPep` is true")),
    )
}

impl PartialSchema for IndividualRequest {
    fn schema() -> RefOr<Schema> {
        let basic = object(
            vec![
                ("firstName", done(text(NameText::MAX_LENGTH, false))),
                ("middleName", done(text(NameText::MAX_LENGTH, true))),
                ("lastName", done(text(NameText::MAX_LENGTH, false))),
                ("dateOfBirth", done(adult_date_of_birth(true))),
                (
                    "gender",
                    done(
                        one_of_values(Gender::ALL.iter().map(|g| g.as_str()), true)
                            .description(Some("`M`, `F` or `O`; `O` when left out")),
                    ),
                ),
                ("country", done(country_code(true))),
                (
                    "occupation",
                    done(one_of_values(
                        Occupation::ALL.iter().map(|o| o.as_str()),
                        true,
                    )),
                ),
            ],
            &["firstName", "lastName"],
        );
        let mut properties = common(PERSON_IDS, true);
        properties.push(("basicData", done(basic)));
        properties.push(("pep", pep()));
        object(properties, &REQUIRED)
            .title(Some("Individual customer creation data"))
            .into()
    }
}

impl ToSchema for IndividualRequest {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ConnectIndividualCustomer")
    }
}

impl PartialSchema for BusinessRequest {
    fn schema() -> RefOr<Schema> {
        let basic = object(
            vec![
                ("name", done(text(NameText::MAX_LENGTH, false))),
                ("tradeName", done(text(NameText::MAX_LENGTH, true))),
                (
                    "registrationNumber",
                    done(text(ShortText::MAX_LENGTH, true)),
                ),
                ("incorporationDate", done(past_date(true))),
                ("country", done(country_code(true))),
                ("website", done(website(true))),
            ],
            &["name"],
        );
        let mut properties = common(BUSINESS_IDS, false);
        properties.push(("basicData", done(basic)));
        object(properties, &REQUIRED)
            .title(Some("Business customer creation data"))
            .into()
    }
}

impl ToSchema for BusinessRequest {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ConnectBusinessCustomer")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_business_has_no_pep() {
        let RefOr::T(Schema::Object(object)) = BusinessRequest::schema() else {
            panic!("an object");
        };
        assert!(!object.properties.contains_key("pep"));
        assert!(object.required.iter().any(|name| name == "mainAddress"));
    }
}
