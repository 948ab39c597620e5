//! The OpenAPI schema of Layer2's customer body, written with the builder like the native
//! bodies' (`kyc_app::dto::request_schema`): each field carries the exact rule it is checked by,
//! and the rules across fields (a tax number needs the address that names its country, a
//! passport the nationality) are stated, so that what the schema allows is accepted.

use std::borrow::Cow;

use kyc_app::dto::schema::{
    adult_date_of_birth, array, country_code, country_codes_alternation, done, null_only, object,
    one_of_values, or_null, past_date, patterned, text, trimmed, whitespace,
};
use kyc_app::dto::{email_address, identifier, phone_number, website};
use kyc_domain::ids::ExternalId;
use kyc_domain::values::{InvestmentMeasure, LongText, NameText, ShortText, MAX_JURISDICTIONS};
use utoipa::openapi::schema::{
    AllOfBuilder, AnyOfBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use super::layer2::{
    Customer, CustomerPatch, ACTIVITIES, EMPLOYMENT, ENTITY_TYPES, FUNDS_SOURCES,
    MAX_ADDRESS_LINE_PART, MAX_UNIT_NUMBER, US_RESIDENCY,
};
use super::layer2_applications::{
    Application, ApplicationPatch, ACCOUNT_MEMBERS, MAX_ACCOUNT_VALUE,
};
use super::layer2_individuals::{Individual, IndividualPatch, INDIVIDUAL_TYPES};

/// A closed list of Layer2's spellings.
fn vendor_values(table: &'static [(&'static str, &'static str)], nullable: bool) -> RefOr<Schema> {
    done(one_of_values(
        table.iter().map(|(theirs, _)| *theirs),
        nullable,
    ))
}

/// Layer2's address: its lines fit ours once joined (unit and first line, second and third).
fn address() -> RefOr<Schema> {
    or_null(object(
        vec![
            ("unit_number", done(text(MAX_UNIT_NUMBER, true))),
            (
                "address_line1",
                done(text(200 - MAX_UNIT_NUMBER - 1, false)),
            ),
            ("address_line2", done(text(MAX_ADDRESS_LINE_PART, true))),
            ("address_line3", done(text(MAX_ADDRESS_LINE_PART, true))),
            ("city", done(text(200, false))),
            ("state", done(text(200, true))),
            ("postal_code", done(text(ShortText::MAX_LENGTH, true))),
            ("country_code", done(country_code(false))),
        ],
        &["address_line1", "city", "country_code"],
    ))
}

/// The investment profile: Layer2's bands, upper-cased, for each measure.
fn investment_profile() -> RefOr<Schema> {
    let mut properties = vec![
        (
            "primary_source_of_funds",
            vendor_values(FUNDS_SOURCES, true),
        ),
        (
            "primary_source_of_funds_description",
            done(text(LongText::MAX_LENGTH, true)),
        ),
    ];
    let bands: Vec<(&'static str, Vec<String>)> = InvestmentMeasure::ALL
        .iter()
        .map(|measure| {
            (
                measure.as_str(),
                measure
                    .bands()
                    .iter()
                    .map(|band| band.as_str().to_ascii_uppercase())
                    .collect(),
            )
        })
        .collect();
    for (measure, values) in &bands {
        let values: Vec<Option<&str>> = values
            .iter()
            .map(|value| Some(value.as_str()))
            .chain([None])
            .collect();
        properties.push((
            measure,
            done(
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .enum_values(Some(values)),
            ),
        ));
    }
    let profile = object(properties, &[]);
    or_null(
        AllOfBuilder::new()
            .item(profile)
            .item(needs(
                "primary_source_of_funds_description",
                "primary_source_of_funds",
                Type::String,
            ))
            .description(Some(
                "`primary_source_of_funds_description` needs `primary_source_of_funds`",
            )),
    )
}

/// The KYC profile: countries, and `NONE` alone or any of the restricted activities.
fn kyc_profile() -> RefOr<Schema> {
    let others = ACTIVITIES
        .iter()
        .filter(|(theirs, _)| *theirs != "NONE")
        .map(|(theirs, _)| *theirs);
    let activities = OneOfBuilder::new()
        .item(array(one_of_values(["NONE"], false), false).min_items(Some(1)))
        .item(array(one_of_values(others, false), false))
        .item(null_only());
    or_null(object(
        vec![
            (
                "funds_send_receive_jurisdictions",
                array(country_code(false), true)
                    .max_items(Some(MAX_JURISDICTIONS))
                    .into(),
            ),
            ("engage_in_activities", activities.into()),
        ],
        &[],
    ))
}

/// When `field` is given (not `null`), `dependency` is given as a `kind` (not `null`).
fn needs(field: &str, dependency: &str, kind: Type) -> AnyOfBuilder {
    AnyOfBuilder::new()
        .item(ObjectBuilder::new().property(field, null_only()))
        .item(
            ObjectBuilder::new()
                .property(dependency, ObjectBuilder::new().schema_type(kind))
                .required(dependency),
        )
}

/// The members a customer carries of itself: its id, type and read-only status.
fn identity(customer_type: &'static str) -> Vec<(&'static str, RefOr<Schema>)> {
    vec![
        (
            "id",
            done(patterned(
                format!("^[A-Za-z0-9_.:-]{{1,{}}}$", ExternalId::MAX_LENGTH),
                false,
            )),
        ),
        ("customer_type", done(one_of_values([customer_type], false))),
        ("status", read_only()),
    ]
}

/// A read-only member: ignored when sent.
fn read_only() -> RefOr<Schema> {
    done(
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .description(Some("Read-only: ignored when sent")),
    )
}

/// The detail members both types share.
fn shared() -> Vec<(&'static str, RefOr<Schema>)> {
    vec![
        ("email_address", done(email_address(true))),
        ("telephone_number", done(phone_number(true))),
        ("investment_profile", investment_profile()),
        ("kyc_profile", kyc_profile()),
    ]
}

/// An individual's own members.
fn individual_members() -> Vec<(&'static str, RefOr<Schema>)> {
    let mut properties = shared();
    properties.extend([
        ("first_name", done(text(NameText::MAX_LENGTH, false))),
        ("middle_name", done(text(NameText::MAX_LENGTH, true))),
        ("last_name", done(text(NameText::MAX_LENGTH, false))),
        ("mailing_address", address()),
        ("tax_reference_number", done(identifier(true))),
        ("passport_number", done(identifier(true))),
        ("nationality", done(country_code(true))),
        ("date_of_birth", done(adult_date_of_birth(true))),
        ("us_residency_status", vendor_values(US_RESIDENCY, true)),
        ("employment_status", vendor_values(EMPLOYMENT, true)),
        (
            "employment_description",
            done(text(LongText::MAX_LENGTH, true)),
        ),
        ("employer_name", done(text(NameText::MAX_LENGTH, true))),
        ("occupation", done(text(NameText::MAX_LENGTH, true))),
    ]);
    properties
}

/// An individual's members under the rules across them.
fn individual_with(
    properties: Vec<(&'static str, RefOr<Schema>)>,
    required: &[&str],
    title: &str,
) -> RefOr<Schema> {
    AllOfBuilder::new()
        .item(object(properties, required).title(Some(title)))
        .item(needs(
            "tax_reference_number",
            "mailing_address",
            Type::Object,
        ))
        .item(needs("passport_number", "nationality", Type::String))
        .description(Some(
            "`tax_reference_number` needs `mailing_address` (its country issues the number); \
             `passport_number` needs `nationality`",
        ))
        .into()
}

/// An `IndividualCustomer`.
fn individual() -> RefOr<Schema> {
    let mut properties = identity("INDIVIDUAL");
    properties.extend(individual_members());
    individual_with(
        properties,
        &["id", "customer_type", "first_name", "last_name"],
        "IndividualCustomer",
    )
}

/// A corporation's own members.
fn corporation_members() -> Vec<(&'static str, RefOr<Schema>)> {
    let mut properties = shared();
    properties.extend([
        ("registered_name", done(text(NameText::MAX_LENGTH, false))),
        ("trading_name", done(text(NameText::MAX_LENGTH, true))),
        ("registered_number", done(text(ShortText::MAX_LENGTH, true))),
        ("registered_address", address()),
        ("website_address", done(website(true))),
        (
            "state_of_incorporation",
            done(text(ShortText::MAX_LENGTH, true)),
        ),
        ("country_of_incorporation", done(country_code(true))),
        ("corporate_entity_type", vendor_values(ENTITY_TYPES, true)),
        (
            "corporate_entity_type_description",
            done(text(LongText::MAX_LENGTH, true)),
        ),
        ("established_on", done(past_date(true))),
        ("naics", done(patterned(trimmed("[0-9]{2,6}"), true))),
        ("naics_description", done(text(LongText::MAX_LENGTH, true))),
    ]);
    properties
}

/// A `CorporationCustomer`.
fn corporation() -> RefOr<Schema> {
    let mut properties = identity("CORPORATION");
    properties.extend(corporation_members());
    object(properties, &["id", "customer_type", "registered_name"])
        .title(Some("CorporationCustomer"))
        .into()
}

impl PartialSchema for Customer {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(individual())
            .item(corporation())
            .description(Some(
                "Layer2's customer, flat, by `customer_type`: `INDIVIDUAL` or `CORPORATION`",
            ))
            .into()
    }
}

impl ToSchema for Customer {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Layer2Customer")
    }
}

/// A list of Layer2 values in a patch: comma-separated `item`s (a regex), or none at all.
fn comma_list(item: &str) -> ObjectBuilder {
    let ws = whitespace();
    patterned(
        format!("^(?:{ws}|{ws}(?:{item}){ws}(?:,{ws}(?:{item}){ws})*)$"),
        false,
    )
}

/// What a patch's `value` may be for `field`: the field's own rule, as a string.
// One line per field, like the create body's schema.
#[allow(clippy::too_many_lines)]
fn update_values() -> Vec<(String, ObjectBuilder)> {
    let enum_of = |table: &'static [(&'static str, &'static str)]| {
        one_of_values(table.iter().map(|(theirs, _)| *theirs), false)
    };
    let mut fields: Vec<(String, ObjectBuilder)> = vec![
        ("first_name".into(), text(NameText::MAX_LENGTH, false)),
        ("middle_name".into(), text(NameText::MAX_LENGTH, false)),
        ("last_name".into(), text(NameText::MAX_LENGTH, false)),
        ("email_address".into(), email_address(false)),
        ("telephone_number".into(), phone_number(false)),
        ("tax_reference_number".into(), identifier(false)),
        ("passport_number".into(), identifier(false)),
        ("nationality".into(), country_code(false)),
        ("date_of_birth".into(), adult_date_of_birth(false)),
        ("us_residency_status".into(), enum_of(US_RESIDENCY)),
        ("employment_status".into(), enum_of(EMPLOYMENT)),
        (
            "employment_description".into(),
            text(LongText::MAX_LENGTH, false),
        ),
        ("employer_name".into(), text(NameText::MAX_LENGTH, false)),
        ("occupation".into(), text(NameText::MAX_LENGTH, false)),
        ("registered_name".into(), text(NameText::MAX_LENGTH, false)),
        ("trading_name".into(), text(NameText::MAX_LENGTH, false)),
        (
            "registered_number".into(),
            text(ShortText::MAX_LENGTH, false),
        ),
        ("website_address".into(), website(false)),
        (
            "state_of_incorporation".into(),
            text(ShortText::MAX_LENGTH, false),
        ),
        ("country_of_incorporation".into(), country_code(false)),
        ("corporate_entity_type".into(), enum_of(ENTITY_TYPES)),
        (
            "corporate_entity_type_description".into(),
            text(LongText::MAX_LENGTH, false),
        ),
        ("established_on".into(), past_date(false)),
        ("naics".into(), patterned(trimmed("[0-9]{2,6}"), false)),
        (
            "naics_description".into(),
            text(LongText::MAX_LENGTH, false),
        ),
        (
            "investment_profile.primary_source_of_funds".into(),
            enum_of(FUNDS_SOURCES),
        ),
        (
            "investment_profile.primary_source_of_funds_description".into(),
            text(LongText::MAX_LENGTH, false),
        ),
        (
            "kyc_profile.funds_send_receive_jurisdictions".into(),
            comma_list(&country_codes_alternation()).max_length(Some(MAX_JURISDICTIONS * 3 - 1)),
        ),
    ];
    let others: Vec<&str> = ACTIVITIES
        .iter()
        .filter(|(theirs, _)| *theirs != "NONE")
        .map(|(theirs, _)| *theirs)
        .collect();
    let ws = whitespace();
    fields.push((
        "kyc_profile.engage_in_activities".into(),
        patterned(
            format!(
                "^(?:{ws}NONE{ws}|{})$",
                comma_list(&others.join("|"))
                    .build()
                    .pattern
                    .unwrap_or_default()
                    .trim_start_matches('^')
                    .trim_end_matches('$')
            ),
            false,
        ),
    ));
    for measure in InvestmentMeasure::ALL {
        let bands: Vec<String> = measure
            .bands()
            .iter()
            .map(|band| band.as_str().to_ascii_uppercase())
            .collect();
        let bands: Vec<Option<&str>> = bands.iter().map(|band| Some(band.as_str())).collect();
        fields.push((
            format!("investment_profile.{}", measure.as_str()),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(bands)),
        ));
    }
    for address in ["mailing_address", "registered_address"] {
        fields.extend(address_update_values(address));
    }
    fields
}

/// What a patch's `value` may be for each member of `address`.
fn address_update_values(address: &str) -> Vec<(String, ObjectBuilder)> {
    vec![
        (
            format!("{address}.unit_number"),
            text(MAX_UNIT_NUMBER, false),
        ),
        (
            format!("{address}.address_line1"),
            text(200 - MAX_UNIT_NUMBER - 1, false),
        ),
        (
            format!("{address}.address_line2"),
            text(MAX_ADDRESS_LINE_PART, false),
        ),
        (
            format!("{address}.address_line3"),
            text(MAX_ADDRESS_LINE_PART, false),
        ),
        (format!("{address}.city"), text(200, false)),
        (format!("{address}.state"), text(200, false)),
        (
            format!("{address}.postal_code"),
            text(ShortText::MAX_LENGTH, false),
        ),
        (format!("{address}.country_code"), country_code(false)),
    ]
}

/// One update of a patch: one of `fields` with its value's rule, described by `description`.
fn updates_of(fields: Vec<(String, ObjectBuilder)>, description: &str) -> OneOfBuilder {
    fields
        .into_iter()
        .fold(OneOfBuilder::new(), |any, (field, value)| {
            let name = ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([field.as_str()]));
            any.item(object(
                vec![("field", done(name)), ("value", done(value))],
                &["field", "value"],
            ))
        })
        .description(Some(description))
}

impl PartialSchema for CustomerPatch {
    fn schema() -> RefOr<Schema> {
        let update = updates_of(
            update_values(),
            "A field by its Layer2 name (`mailing_address.city` for a member) and its new \
             value, a string (a list as comma-separated values). A field of the other \
             customer type, a member of an object the customer lacks, or a name part of a customer \
             without a name, is a conflict (409)",
        );
        let free_text = || {
            done(
                ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null])),
            )
        };
        object(
            vec![
                ("updates", array(update, false).min_items(Some(1)).into()),
                ("updated_by", free_text()),
                ("reason", free_text()),
            ],
            &["updates"],
        )
        .into()
    }
}

impl ToSchema for CustomerPatch {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Layer2CustomerPatch")
    }
}

/// Layer2's individual types as the schema lists them.
fn individual_types() -> impl Iterator<Item = &'static str> {
    INDIVIDUAL_TYPES.iter().map(|(theirs, _)| *theirs)
}

/// A whole percentage from 0 to 100.
fn whole_percentage(nullable: bool) -> ObjectBuilder {
    let kind = if nullable {
        SchemaType::from_iter([Type::Integer, Type::Null])
    } else {
        SchemaType::new(Type::Integer)
    };
    ObjectBuilder::new()
        .schema_type(kind)
        .minimum(Some(0))
        .maximum(Some(100))
}

impl PartialSchema for Individual {
    fn schema() -> RefOr<Schema> {
        let properties = vec![
            (
                "id",
                done(
                    ObjectBuilder::new()
                        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                        .description(Some("Read-only: ignored when sent")),
                ),
            ),
            ("title", done(text(NameText::MAX_LENGTH, true))),
            (
                "individual_type",
                array(one_of_values(individual_types(), false), false)
                    .min_items(Some(1))
                    .into(),
            ),
            ("first_name", done(text(NameText::MAX_LENGTH, false))),
            ("middle_name", done(text(NameText::MAX_LENGTH, true))),
            ("last_name", done(text(NameText::MAX_LENGTH, false))),
            ("email_address", done(email_address(true))),
            ("mailing_address", address()),
            ("telephone_number", done(phone_number(true))),
            ("tax_reference_number", done(identifier(true))),
            ("passport_number", done(identifier(true))),
            ("nationality", done(country_code(true))),
            ("date_of_birth", done(past_date(true))),
            ("us_residency_status", vendor_values(US_RESIDENCY, true)),
            ("percentage_ownership", done(whole_percentage(true))),
        ];
        AllOfBuilder::new()
            .item(
                object(properties, &["first_name", "last_name", "individual_type"])
                    .title(Some("Individual")),
            )
            .item(needs(
                "tax_reference_number",
                "mailing_address",
                Type::Object,
            ))
            .item(needs("passport_number", "nationality", Type::String))
            .description(Some(
                "An officer, beneficial owner, control person or authorised person of a \
                 corporation. `tax_reference_number` needs `mailing_address` (its country issues \
                 the number); `passport_number` needs `nationality`",
            ))
            .into()
    }
}

impl ToSchema for Individual {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Layer2Individual")
    }
}

/// What a patch's `value` may be for each field of an individual, as a string.
fn individual_update_values() -> Vec<(String, ObjectBuilder)> {
    let ws = whitespace();
    let types = individual_types().collect::<Vec<_>>().join("|");
    let mut fields: Vec<(String, ObjectBuilder)> = vec![
        ("title".into(), text(NameText::MAX_LENGTH, false)),
        (
            "individual_type".into(),
            patterned(
                format!("^{ws}(?:{types}){ws}(?:,{ws}(?:{types}){ws})*$"),
                false,
            ),
        ),
        ("first_name".into(), text(NameText::MAX_LENGTH, false)),
        ("middle_name".into(), text(NameText::MAX_LENGTH, false)),
        ("last_name".into(), text(NameText::MAX_LENGTH, false)),
        ("email_address".into(), email_address(false)),
        ("telephone_number".into(), phone_number(false)),
        ("tax_reference_number".into(), identifier(false)),
        ("passport_number".into(), identifier(false)),
        ("nationality".into(), country_code(false)),
        ("date_of_birth".into(), past_date(false)),
        (
            "us_residency_status".into(),
            one_of_values(US_RESIDENCY.iter().map(|(theirs, _)| *theirs), false),
        ),
        (
            "percentage_ownership".into(),
            patterned("^(?:100|[1-9]?[0-9])$".to_owned(), false),
        ),
    ];
    fields.extend(address_update_values("mailing_address"));
    fields
}

impl PartialSchema for IndividualPatch {
    fn schema() -> RefOr<Schema> {
        let update = updates_of(
            individual_update_values(),
            "A field by its Layer2 name (`mailing_address.city` for a member) and its new value, \
             a string (`individual_type` as comma-separated types). A member of an address the \
             individual lacks, or a number whose issuing country it does not give, is a \
             conflict (409)",
        );
        object(
            vec![("updates", array(update, false).min_items(Some(1)).into())],
            &["updates"],
        )
        .into()
    }
}

impl ToSchema for IndividualPatch {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Layer2IndividualPatch")
    }
}

/// An `AccountOpen`: three plain identifiers.
fn account_to_open() -> RefOr<Schema> {
    let value = || {
        done(patterned(
            format!("^[A-Za-z0-9_.:-]{{1,{MAX_ACCOUNT_VALUE}}}$"),
            false,
        ))
    };
    object(
        ACCOUNT_MEMBERS
            .iter()
            .map(|(member, _)| (*member, value()))
            .collect(),
        &["account_id", "asset_type_id", "product_id"],
    )
    .into()
}

/// A `RequestApplication` of one type, with its `customer_details`.
fn application_of(application_type: &'static str, details: RefOr<Schema>) -> ObjectBuilder {
    object(
        vec![
            ("id", read_only()),
            ("status", read_only()),
            (
                "application_type",
                done(one_of_values([application_type], false)),
            ),
            ("account_to_open", account_to_open()),
            (
                "terms_and_conditions_accepted",
                done(
                    ObjectBuilder::new()
                        .schema_type(SchemaType::from_iter([Type::Boolean, Type::Null])),
                ),
            ),
            (
                "customer_id",
                done(patterned(
                    format!("^[A-Za-z0-9_.:-]{{1,{}}}$", ExternalId::MAX_LENGTH),
                    false,
                )),
            ),
            ("customer_details", details),
        ],
        &[
            "application_type",
            "account_to_open",
            "customer_id",
            "customer_details",
        ],
    )
}

impl PartialSchema for Application {
    fn schema() -> RefOr<Schema> {
        let individual = individual_with(
            individual_members(),
            &["first_name", "last_name"],
            "IndividualApplication",
        );
        let mut corporation = corporation_members();
        corporation.push(("physical_address", address()));
        let corporation = object(corporation, &["registered_name"])
            .title(Some("CorporationApplication"))
            .into();
        OneOfBuilder::new()
            .item(application_of("INDIVIDUAL", individual).title(Some("ApplicationIndividual")))
            .item(application_of("CORPORATION", corporation).title(Some("ApplicationCorporation")))
            .description(Some(
                "An application to onboard a person or a corporation, by `application_type`. \
                 `terms_and_conditions_accepted` is `false` when left out",
            ))
            .into()
    }
}

impl ToSchema for Application {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Layer2Application")
    }
}

impl PartialSchema for ApplicationPatch {
    fn schema() -> RefOr<Schema> {
        let account = format!("^[A-Za-z0-9_.:-]{{1,{MAX_ACCOUNT_VALUE}}}$");
        let mut fields: Vec<(String, ObjectBuilder)> = vec![
            (
                "terms_and_conditions_accepted".into(),
                one_of_values(["true", "false"], false),
            ),
            (
                "account_to_open.account_id".into(),
                patterned(account.clone(), false),
            ),
            (
                "account_to_open.asset_type_id".into(),
                patterned(account.clone(), false),
            ),
            (
                "account_to_open.product_id".into(),
                patterned(account, false),
            ),
        ];
        fields.extend(update_values());
        let update = updates_of(
            fields,
            "`terms_and_conditions_accepted` (`true` or `false`), a member of `account_to_open`, \
             or a customer field by its Layer2 name, bare (`registered_address.city` for a \
             member), with its new value as a string. A field of the other type, or a member of \
             an object the customer lacks, is a conflict (409); so is a change once the \
             application is submitted and not sent back",
        );
        object(
            vec![("updates", array(update, false).min_items(Some(1)).into())],
            &["updates"],
        )
        .into()
    }
}

impl ToSchema for ApplicationPatch {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Layer2ApplicationPatch")
    }
}
