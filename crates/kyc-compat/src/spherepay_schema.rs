//! The OpenAPI schemas of SpherePay's customer bodies, written with the builder like the native
//! bodies': each member carries the rule it is checked by, and the rules across members (the
//! three tax members together, `other` with its description, a name's first and last parts
//! together, one registered and one operating address) are stated.

use std::borrow::Cow;

use kyc_app::dto::schema::{
    adult_date_of_birth, array, done, null_only, object, one_of_values, or_null, past_date,
    patterned, text, trimmed,
};
use kyc_app::dto::{email_address, identifier, phone_number, website};
use kyc_domain::values::{
    CountryCode, LongText, MetadataValue, NameText, ShortText, MAX_METADATA_ENTRIES,
};
use utoipa::openapi::schema::{
    AdditionalProperties, AllOfBuilder, AnyOfBuilder, ObjectBuilder, OneOfBuilder, Schema,
    SchemaType, Type,
};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use super::spherepay::{Customer, CustomerChange, ENTITY_TYPES, FUNDS_SOURCES, GENDERS, TAX_TYPES};

/// SpherePay's spellings of a closed list.
fn vendor_values(table: &'static [(&'static str, &'static str)], nullable: bool) -> ObjectBuilder {
    one_of_values(table.iter().map(|(theirs, _)| *theirs), nullable)
}

/// An ISO 3166-1 alpha-3 country, either case, trimmed.
fn alpha3(nullable: bool) -> ObjectBuilder {
    let codes: Vec<String> = CountryCode::all_alpha2()
        .filter_map(|code| isocountry::CountryCode::for_alpha2(code).ok())
        .map(|code| {
            code.alpha3().chars().fold(String::new(), |mut class, c| {
                class.extend(['[', c, c.to_ascii_lowercase(), ']']);
                class
            })
        })
        .collect();
    patterned(trimmed(&codes.join("|")), nullable)
        .description(Some("ISO 3166-1 alpha-3 country code, e.g. USA"))
}

/// An address; `kind` is the schema of its `type` member (required when not `null`-only).
fn address(kind: ObjectBuilder, typed: bool) -> ObjectBuilder {
    object(
        vec![
            ("type", done(kind)),
            ("line1", done(text(200, false))),
            ("line2", done(text(200, true))),
            ("city", done(text(200, false))),
            ("state", done(text(200, true))),
            ("postalCode", done(text(ShortText::MAX_LENGTH, true))),
            ("country", done(alpha3(false))),
        ],
        if typed {
            &["type", "line1", "city", "country"]
        } else {
            &["line1", "city", "country"]
        },
    )
}

/// When `field` is given (not `null`), `dependencies` are given too (not `null`).
fn needs(field: &str, dependencies: &[&str]) -> AnyOfBuilder {
    let mut given = ObjectBuilder::new();
    for dependency in dependencies {
        given = given
            .property(
                *dependency,
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Object])),
            )
            .required(*dependency);
    }
    AnyOfBuilder::new()
        .item(ObjectBuilder::new().property(field, null_only()))
        .item(given)
}

/// `personalInformation`; on create a name has its first and last parts.
fn personal_information(whole_name: bool) -> RefOr<Schema> {
    const TAX: [&str; 3] = [
        "taxIdentificationNumber",
        "taxIdentificationNumberType",
        "taxIdentificationNumberCountry",
    ];
    let others: Vec<&str> = TAX_TYPES
        .iter()
        .map(|(theirs, _)| *theirs)
        .filter(|kind| *kind != "other")
        .collect();
    let members = object(
        vec![
            ("firstName", done(text(NameText::MAX_LENGTH, true))),
            ("lastName", done(text(NameText::MAX_LENGTH, true))),
            ("middleName", done(text(NameText::MAX_LENGTH, true))),
            ("dateOfBirth", done(adult_date_of_birth(true))),
            ("taxIdentificationNumber", done(identifier(true))),
            (
                "taxIdentificationNumberType",
                done(vendor_values(TAX_TYPES, true)),
            ),
            ("taxIdentificationNumberCountry", done(alpha3(true))),
            (
                "taxIdentificationNumberDescription",
                done(text(LongText::MAX_LENGTH, true)),
            ),
            ("gender", done(vendor_values(GENDERS, true))),
            ("countryOfBirth", done(alpha3(true))),
            ("nationality", done(alpha3(true))),
            (
                "occupationSocCode",
                done(patterned(
                    trimmed("(?:1[13579]|2[13579]|3[13579]|4[13579]|5[135])-[0-9]{4}"),
                    true,
                )),
            ),
            ("residencyCountry", done(alpha3(true))),
            ("sourceOfFunds", done(vendor_values(FUNDS_SOURCES, true))),
        ],
        &[],
    );
    // No tax member; or the three, not `other`, without a description; or `other` with one.
    let absent = |names: &[&str]| {
        names.iter().fold(ObjectBuilder::new(), |object, name| {
            object.property(*name, null_only())
        })
    };
    let present = |names: &[&str]| {
        names.iter().fold(ObjectBuilder::new(), |object, name| {
            object
                .property(*name, ObjectBuilder::new().schema_type(Type::String))
                .required(*name)
        })
    };
    let tax = OneOfBuilder::new()
        .item(absent(&[
            TAX[0],
            TAX[1],
            TAX[2],
            "taxIdentificationNumberDescription",
        ]))
        .item(
            present(&TAX)
                .property(TAX[1], one_of_values(others, false))
                .property("taxIdentificationNumberDescription", null_only()),
        )
        .item(
            present(&[TAX[0], TAX[1], TAX[2], "taxIdentificationNumberDescription"])
                .property(TAX[1], one_of_values(["other"], false)),
        );
    let mut all = AllOfBuilder::new().item(members).item(tax);
    if whole_name {
        all = all
            .item(needs("firstName", &["lastName"]))
            .item(needs("lastName", &["firstName"]))
            .item(needs("middleName", &["firstName", "lastName"]));
    }
    or_null(all.description(Some(
        "The three tax members together (`other` with its description), and on create a \
         name's first and last parts together",
    )))
}

/// `meta`: up to 50 keys, each value `null`, a string, a number or a boolean.
fn meta() -> RefOr<Schema> {
    let value = OneOfBuilder::new()
        .item(text(MetadataValue::MAX_LENGTH, false))
        .item(ObjectBuilder::new().schema_type(SchemaType::from_iter([
            Type::Number,
            Type::Boolean,
            Type::Null,
        ])));
    done(
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
            .max_properties(Some(MAX_METADATA_ENTRIES))
            .property_names(Some(text(ShortText::MAX_LENGTH, false)))
            .additional_properties(Some(AdditionalProperties::RefOr(value.into()))),
    )
}

/// A new individual.
fn individual() -> ObjectBuilder {
    object(
        vec![
            ("type", done(one_of_values(["individual"], false))),
            ("email", done(email_address(false))),
            ("phone", done(phone_number(false))),
            ("address", done(address(null_only(), false))),
            ("personalInformation", personal_information(true)),
            ("meta", meta()),
        ],
        &["type", "email", "phone", "address"],
    )
    .title(Some("Individual Customer Create"))
}

/// A new business: one registered and one operating address, in either order.
fn business() -> ObjectBuilder {
    let of_kind = |kind: &str| address(one_of_values_owned(kind), true);
    let pair = |first: &str, second: &str| {
        array(ObjectBuilder::new(), false)
            .prefix_items([
                Schema::Object(of_kind(first).build()),
                Schema::Object(of_kind(second).build()),
            ])
            .min_items(Some(2))
            .max_items(Some(2))
    };
    let addresses = OneOfBuilder::new()
        .item(pair("registered", "operating"))
        .item(pair("operating", "registered"));
    let information = object(
        vec![
            ("legalName", done(text(NameText::MAX_LENGTH, false))),
            ("tradeName", done(text(NameText::MAX_LENGTH, true))),
            ("description", done(text(LongText::MAX_LENGTH, true))),
            ("entityType", done(vendor_values(ENTITY_TYPES, true))),
            ("naicsCode", done(patterned(trimmed("[0-9]{2,6}"), true))),
            ("website", done(website(true))),
            ("incorporatedOn", done(past_date(true))),
            (
                "identificationNumber",
                done(text(ShortText::MAX_LENGTH, true)),
            ),
            (
                "primarySourceOfFunds",
                done(vendor_values(FUNDS_SOURCES, true)),
            ),
        ],
        &["legalName"],
    );
    object(
        vec![
            ("type", done(one_of_values(["business"], false))),
            ("email", done(email_address(false))),
            ("phone", done(phone_number(false))),
            ("addresses", addresses.into()),
            ("businessInformation", done(information)),
            ("meta", meta()),
        ],
        &["type", "email", "phone", "addresses", "businessInformation"],
    )
    .title(Some("Business Customer Create"))
}

/// One fixed string.
fn one_of_values_owned(value: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([value.to_owned()]))
}

impl PartialSchema for Customer {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(individual())
            .item(business())
            .description(Some(
                "SpherePay's customer: `individual` (with `address`) or `business` (with \
                 `addresses` and `businessInformation`); countries are ISO 3166-1 alpha-3",
            ))
            .into()
    }
}

impl ToSchema for Customer {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("SpherePayCustomer")
    }
}

impl PartialSchema for CustomerChange {
    fn schema() -> RefOr<Schema> {
        let members = ["address", "personalInformation", "meta"];
        let some_given = members.iter().fold(AnyOfBuilder::new(), |any, name| {
            any.item(
                ObjectBuilder::new()
                    .property(*name, ObjectBuilder::new().schema_type(Type::Object))
                    .required(*name),
            )
        });
        AllOfBuilder::new()
            .item(object(
                vec![
                    ("address", or_null(address(null_only(), false))),
                    ("personalInformation", personal_information(false)),
                    ("meta", meta()),
                ],
                &[],
            ))
            .item(some_given)
            .description(Some(
                "An individual's changes: a new `address` (whole), `personalInformation` \
                 members, new `meta` (whole); at least one. A name part the customer cannot \
                 complete, or tax members with no address, conflict with it (409)",
            ))
            .into()
    }
}

impl ToSchema for CustomerChange {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("SpherePayCustomerChange")
    }
}
