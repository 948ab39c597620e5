//! The OpenAPI schemas of the request bodies, written with the builder rather than derived:
//! which fields a body needs depends on another field (`type`, `decision`, `is_pep`, `state`),
//! which only `oneOf`/`anyOf` shapes can say, and every value carries the domain's exact rule
//! (see [`super::schema`]).
//!
//! Every optional member accepts `null` as "not given", as the parsers do; required members
//! do not.

use chrono::{Months, NaiveDate};
use kyc_domain::customer::MAX_DOCUMENT_VALIDITY_YEARS;
use kyc_domain::customer::{
    ClosureReason, CustomerRejectionReason, CustomerType, DetailField, DocumentKind,
    DocumentRejectionReason, DuplicateResolution, FileName,
};
use kyc_domain::ids::ExternalId;
use kyc_domain::values::{
    Activity, AddressLine, AssociateRole, EmailAddress, EmploymentStatus, EntityType, FundsSource,
    Gender, IdentificationType, IdentifierText, InvestmentMeasure, LongText, MetadataValue,
    NameText, Occupation, ShortText, TaxIdType, UsResidencyStatus, Website, MAX_JURISDICTIONS,
    MAX_LABELS, MAX_METADATA_ENTRIES,
};
use utoipa::openapi::schema::{
    AdditionalProperties, AllOfBuilder, AnyOfBuilder, ObjectBuilder, OneOfBuilder, Schema,
    SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use super::request::{
    ApproveBody, AssociateBody, AssociateChanges, CloseBody, CustomerBody, CustomerPatchBody,
    DocumentUpload, EraseBody, FreezeBody, LegalHoldBody, NoFields, RejectBody,
    ResolveDuplicateBody, ResolveMatchBody, ReviewBody, CYBRID_IDENTIFICATION_TYPES,
};
use super::schema::{
    adult_date_of_birth, array, country_code, date_between, document_base64, done, earliest_date,
    null_only, object, one_of_values, or_null, past_date, patterned, period_date, text, today,
    trimmed,
};

/// The states `PATCH` takes: `frozen` freezes, the others lift a freeze.
pub const PATCH_STATES: [&str; 4] = ["frozen", "unverified", "verified", "rejected"];

fn boolean() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Boolean)
}

fn person_name() -> ObjectBuilder {
    object(
        vec![
            ("first", done(text(NameText::MAX_LENGTH, false))),
            ("middle", done(text(NameText::MAX_LENGTH, true))),
            ("last", done(text(NameText::MAX_LENGTH, false))),
            ("full", done(null_only())),
        ],
        &["first", "last"],
    )
    .description(Some("A person's name: `full` is derived"))
}

fn business_name() -> ObjectBuilder {
    object(
        vec![
            ("first", done(null_only())),
            ("middle", done(null_only())),
            ("last", done(null_only())),
            ("full", done(text(NameText::MAX_LENGTH, false))),
        ],
        &["full"],
    )
    .description(Some("A business's legal name"))
}

fn address() -> ObjectBuilder {
    object(
        vec![
            ("street", done(text(AddressLine::MAX_LENGTH, false))),
            ("street2", done(text(AddressLine::MAX_LENGTH, true))),
            ("city", done(text(AddressLine::MAX_LENGTH, false))),
            ("subdivision", done(text(AddressLine::MAX_LENGTH, true))),
            ("postal_code", done(text(ShortText::MAX_LENGTH, true))),
            ("country_code", done(country_code(false))),
        ],
        &["street", "city", "country_code"],
    )
}

/// `IdentifierText` once trimmed: ASCII letters and digits first, then also `-`, `/`, `.`,
/// space.
fn identifier_core() -> String {
    format!(
        "[A-Za-z0-9](?:[A-Za-z0-9 ./-]{{0,{}}}[A-Za-z0-9./-])?",
        IdentifierText::MAX_LENGTH - 2
    )
}

/// `IdentifierText`: ASCII letters and digits first, then also `-`, `/`, `.`, space; trimmed.
pub fn identifier(nullable: bool) -> ObjectBuilder {
    patterned(trimmed(&identifier_core()), nullable)
}

/// A tax or identification number as `IdentityValue::parse_number` takes it:
/// `<type>:<country>:<number>`, each part trimmed.
pub fn typed_number() -> ObjectBuilder {
    let types: Vec<&str> = TaxIdType::ALL
        .iter()
        .map(|t| t.as_str())
        .chain(IdentificationType::ALL.iter().map(|t| t.as_str()))
        .collect();
    let w = super::schema::whitespace();
    let core = format!(
        "{w}(?:{}){w}:{w}(?:{}){w}:{w}{}{w}",
        types.join("|"),
        super::schema::country_codes_alternation(),
        identifier_core()
    );
    patterned(trimmed(&core), false).description(Some(
        "`<type>:<country>:<number>` with a tax identification type (`ssn:US:123-45-6789`) or \
         an identification number type (`passport_number:GB:123456789`)",
    ))
}

/// An E.164 phone number, as `PhoneNumber` takes it.
pub fn phone_number(nullable: bool) -> ObjectBuilder {
    patterned(trimmed(r"\+[1-9][0-9]{6,14}"), nullable).description(Some("E.164"))
}

/// An email address, as `EmailAddress` takes it.
pub fn email_address(nullable: bool) -> ObjectBuilder {
    let schema_type = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .format(Some(SchemaFormat::KnownFormat(
            utoipa::openapi::schema::KnownFormat::Email,
        )))
        .max_length(Some(EmailAddress::MAX_LENGTH))
        .description(Some(
            "A bare address with a dotted domain: no display name, no IP literal",
        ))
}

/// An `http`/`https` URL with a host name (a narrower form than the parser takes).
pub fn website(nullable: bool) -> ObjectBuilder {
    patterned(
        trimmed(r"[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*(?:/[A-Za-z0-9._~-]*)*"),
        nullable,
    )
    .max_length(Some(Website::MAX_LENGTH))
}

fn pep() -> RefOr<Schema> {
    or_null(
        OneOfBuilder::new()
            .item(object(
                vec![
                    ("is_pep", done(boolean().enum_values(Some([true])))),
                    ("explanation", done(text(LongText::MAX_LENGTH, false))),
                ],
                &["is_pep", "explanation"],
            ))
            .item(object(
                vec![
                    ("is_pep", done(boolean().enum_values(Some([false])))),
                    (
                        "explanation",
                        done(
                            ObjectBuilder::new()
                                .schema_type(SchemaType::from_iter([Type::String, Type::Null])),
                        ),
                    ),
                ],
                &["is_pep"],
            ))
            .description(Some("`explanation` is required when `is_pep` is true")),
    )
}

fn tax_identification() -> RefOr<Schema> {
    tax_identification_noting(
        "Needs `address` on the customer; `description` names an `other` document",
    )
}

/// A tax number, `note` saying what it needs.
fn tax_identification_noting(note: &str) -> RefOr<Schema> {
    let kinds = TaxIdType::ALL
        .iter()
        .filter(|kind| **kind != TaxIdType::Other)
        .map(|kind| kind.as_str());
    let named = object(
        vec![
            ("number", done(identifier(false))),
            ("type", done(one_of_values(kinds, false))),
            ("country_code", done(country_code(false))),
            ("description", done(null_only())),
        ],
        &["number", "type", "country_code"],
    );
    let other = object(
        vec![
            ("number", done(identifier(false))),
            (
                "type",
                done(one_of_values([TaxIdType::Other.as_str()], false)),
            ),
            ("country_code", done(country_code(false))),
            ("description", done(text(LongText::MAX_LENGTH, false))),
        ],
        &["number", "type", "country_code", "description"],
    );
    or_null(
        OneOfBuilder::new()
            .item(named)
            .item(other)
            .description(Some(note)),
    )
}

fn identification_numbers() -> RefOr<Schema> {
    identification_numbers_with(true)
}

/// Identification numbers; with `cybrid_subdivision`, Cybrid's `issuing_subdivision` is
/// accepted as `null`.
fn identification_numbers_with(cybrid_subdivision: bool) -> RefOr<Schema> {
    let kinds = IdentificationType::ALL.iter().map(|v| v.as_str()).chain(
        CYBRID_IDENTIFICATION_TYPES
            .iter()
            .map(|(cybrid, _)| *cybrid),
    );
    let mut members = vec![
        ("type", done(one_of_values(kinds, false))),
        ("issuing_country_code", done(country_code(false))),
        ("identification_number", done(identifier(false))),
    ];
    if cybrid_subdivision {
        members.push(("issuing_subdivision", done(null_only())));
    }
    array(
        object(
            members,
            &["type", "issuing_country_code", "identification_number"],
        ),
        true,
    )
    .description(Some(
        "Each (type, issuing country) at most once; Cybrid's type names are accepted too",
    ))
    .into()
}

fn aliases() -> RefOr<Schema> {
    array(
        OneOfBuilder::new()
            .item(text(NameText::MAX_LENGTH, false))
            .item(object(
                vec![
                    ("full", done(text(NameText::MAX_LENGTH, false))),
                    ("first", done(null_only())),
                    ("middle", done(null_only())),
                    ("last", done(null_only())),
                ],
                &["full"],
            )),
        true,
    )
    .into()
}

fn labels() -> RefOr<Schema> {
    array(text(ShortText::MAX_LENGTH, false), true)
        .max_items(Some(MAX_LABELS))
        .into()
}

fn metadata() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .max_properties(Some(MAX_METADATA_ENTRIES))
        .property_names(Some(text(ShortText::MAX_LENGTH, false)))
        .additional_properties(Some(AdditionalProperties::RefOr(done(text(
            MetadataValue::MAX_LENGTH,
            false,
        )))))
        .into()
}

fn source_of_funds() -> RefOr<Schema> {
    or_null(object(
        vec![
            (
                "kind",
                done(one_of_values(
                    FundsSource::ALL.iter().map(|v| v.as_str()),
                    false,
                )),
            ),
            ("description", done(text(LongText::MAX_LENGTH, true))),
        ],
        &["kind"],
    ))
}

fn investment_profile() -> RefOr<Schema> {
    or_null(
        object(
            InvestmentMeasure::ALL
                .iter()
                .map(|measure| {
                    (
                        measure.as_str(),
                        done(one_of_values(
                            measure.bands().iter().map(|band| band.as_str()),
                            true,
                        )),
                    )
                })
                .collect(),
            &[],
        )
        .description(Some(
            "Each measure takes the bands of its scale; the whole profile replaces the previous one",
        )),
    )
}

fn jurisdictions() -> RefOr<Schema> {
    array(country_code(false), true)
        .max_items(Some(MAX_JURISDICTIONS))
        .into()
}

/// Activities: `["none"]`, or any of the others.
fn activities() -> RefOr<Schema> {
    let others = Activity::ALL
        .iter()
        .filter(|activity| **activity != Activity::None)
        .map(|activity| activity.as_str());
    OneOfBuilder::new()
        .item(array(one_of_values([Activity::None.as_str()], false), false).min_items(Some(1)))
        .item(array(one_of_values(others, false), false))
        .item(null_only())
        .description(Some("`none` cannot be combined with other activities"))
        .into()
}

fn closed<T: Copy + 'static>(all: &'static [T], spell: fn(T) -> &'static str) -> RefOr<Schema> {
    done(one_of_values(all.iter().map(|v| spell(*v)), true))
}

/// A detail field's schema for a customer of `customer_type`.
fn detail(field: DetailField, customer_type: CustomerType) -> RefOr<Schema> {
    match field {
        DetailField::Name => match customer_type {
            CustomerType::Individual => or_null(person_name()),
            CustomerType::Business => or_null(business_name()),
        },
        DetailField::Address | DetailField::OperatingAddress => or_null(address()),
        DetailField::PhoneNumber => done(phone_number(true)),
        DetailField::EmailAddress => done(email_address(true)),
        DetailField::DateOfBirth => done(adult_date_of_birth(true)),
        DetailField::Nationality
        | DetailField::IncorporationCountry
        | DetailField::CountryOfBirth
        | DetailField::CountryOfResidence => done(country_code(true)),
        DetailField::Gender => closed(Gender::ALL, Gender::as_str),
        DetailField::Occupation => closed(Occupation::ALL, Occupation::as_str),
        DetailField::EmploymentStatus => closed(EmploymentStatus::ALL, EmploymentStatus::as_str),
        DetailField::UsResidencyStatus => closed(UsResidencyStatus::ALL, UsResidencyStatus::as_str),
        DetailField::EmployerName | DetailField::JobTitle => done(text(NameText::MAX_LENGTH, true)),
        DetailField::SourceOfFunds => source_of_funds(),
        DetailField::InvestmentProfile => investment_profile(),
        DetailField::Jurisdictions => jurisdictions(),
        DetailField::Activities => activities(),
        DetailField::EntityType => closed(EntityType::ALL, EntityType::as_str),
        DetailField::EmploymentDescription
        | DetailField::BusinessDescription
        | DetailField::EntityTypeDescription
        | DetailField::NaicsDescription => done(text(LongText::MAX_LENGTH, true)),
        DetailField::NaicsCode => done(patterned(trimmed("[0-9]{2,6}"), true)),
        DetailField::SocCode => done(patterned(
            trimmed("(?:1[13579]|2[13579]|3[13579]|4[13579]|5[135])-[0-9]{4}"),
            true,
        )),
        DetailField::Pep => pep(),
        DetailField::TaxIdentification => tax_identification(),
        DetailField::IdentificationNumbers => identification_numbers(),
        DetailField::Aliases => aliases(),
        DetailField::Website => done(website(true)),
        DetailField::RegistrationNumber | DetailField::IncorporationSubdivision => {
            done(text(ShortText::MAX_LENGTH, true))
        }
        DetailField::IncorporationDate => done(past_date(true)),
        DetailField::Labels => labels(),
        DetailField::Metadata => metadata(),
    }
}

/// The detail fields a customer of `customer_type` may carry.
fn details(customer_type: CustomerType) -> Vec<(&'static str, RefOr<Schema>)> {
    DetailField::ALL
        .iter()
        .filter(|field| field.applies_to(customer_type))
        .map(|field| (field.as_str(), detail(*field, customer_type)))
        .collect()
}

/// A new customer of `customer_type`.
fn new_customer(customer_type: CustomerType) -> ObjectBuilder {
    let mut properties = vec![
        ("type", done(one_of_values([customer_type.as_str()], false))),
        (
            "external_id",
            done(patterned(
                format!("^[A-Za-z0-9_.:-]{{1,{}}}$", ExternalId::MAX_LENGTH),
                true,
            )),
        ),
    ];
    properties.extend(details(customer_type));
    object(properties, &["type"]).title(Some(format!("New {customer_type} customer")))
}

/// `check_consistency` on create: a (non-null) `tax_identification` needs a (non-null)
/// `address`. `properties` only constrain members that are present, so the first branch is
/// "absent or null".
fn tax_identification_needs_address() -> AnyOfBuilder {
    AnyOfBuilder::new()
        .item(ObjectBuilder::new().property("tax_identification", null_only()))
        .item(
            ObjectBuilder::new()
                .property("address", ObjectBuilder::new().schema_type(Type::Object))
                .required("address"),
        )
}

/// At least one member of `fields` given and not `null` (a `null` member is "not given").
fn some_given<'a>(names: impl IntoIterator<Item = &'a str>) -> AnyOfBuilder {
    names.into_iter().fold(AnyOfBuilder::new(), |any, name| {
        any.item(
            ObjectBuilder::new()
                .property(
                    name,
                    ObjectBuilder::new().schema_type(SchemaType::from_iter([
                        Type::String,
                        Type::Object,
                        Type::Array,
                        Type::Boolean,
                        Type::Number,
                    ])),
                )
                .required(name),
        )
    })
}

/// Detail changes to a customer of `customer_type`: at least one field given.
fn detail_changes(customer_type: CustomerType) -> AllOfBuilder {
    let fields = details(customer_type);
    let given = some_given(fields.iter().map(|(name, _)| *name));
    AllOfBuilder::new()
        .item(
            object(fields, &[])
                .title(Some(format!("Changes to an {customer_type} customer")))
                .description(Some(
                    "Only the fields of the customer's type (the other type's: 409 \
                     `wrong_customer_type`). A verified customer may change only \
                     email_address, phone_number, labels and metadata; once a document is \
                     submitted, identity fields are locked (409)",
                )),
        )
        .item(given)
}

impl PartialSchema for CustomerBody {
    fn schema() -> RefOr<Schema> {
        let new = |customer_type| {
            AllOfBuilder::new()
                .item(new_customer(customer_type))
                .item(tax_identification_needs_address())
        };
        OneOfBuilder::new()
            .item(new(CustomerType::Individual))
            .item(new(CustomerType::Business))
            .description(Some(
                "An individual or a business, told apart by `type`; the other type's fields \
                 are refused. `tax_identification` needs `address`",
            ))
            .into()
    }
}
impl ToSchema for CustomerBody {}

impl PartialSchema for CustomerPatchBody {
    fn schema() -> RefOr<Schema> {
        let freeze = object(
            vec![
                ("state", done(one_of_values([PATCH_STATES[0]], false))),
                ("freeze_reason", done(text(LongText::MAX_LENGTH, true))),
            ],
            &["state"],
        )
        .title(Some("Freeze"));
        let unfreeze = object(
            vec![
                (
                    "state",
                    done(one_of_values(PATCH_STATES[1..].iter().copied(), false)),
                ),
                ("freeze_reason", done(null_only())),
            ],
            &["state"],
        )
        .title(Some("Unfreeze (restores the state from before the freeze)"));
        AnyOfBuilder::new()
            .item(freeze)
            .item(unfreeze)
            .item(detail_changes(CustomerType::Individual))
            .item(detail_changes(CustomerType::Business))
            .description(Some(
                "A state change or detail changes, never both; detail fields as on create, for \
                 the customer's type",
            ))
            .into()
    }
}
impl ToSchema for CustomerPatchBody {}

fn associate(required: &[&str]) -> ObjectBuilder {
    object(
        vec![
            ("name", or_null(person_name())),
            ("date_of_birth", done(past_date(true))),
            ("address", or_null(address())),
            ("email_address", done(email_address(true))),
            (
                "ownership_percentage",
                done(
                    ObjectBuilder::new()
                        .schema_type(SchemaType::from_iter([Type::Number, Type::Null]))
                        .minimum(Some(0))
                        .maximum(Some(100))
                        .multiple_of(Some(0.01))
                        .description(Some(
                            "0 to 100 with at most two decimals; all owners together at most 100",
                        )),
                ),
            ),
            (
                "roles",
                array(
                    one_of_values(AssociateRole::ALL.iter().map(|v| v.as_str()), false),
                    !required.contains(&"roles"),
                )
                .min_items(Some(1))
                .into(),
            ),
            ("pep", pep()),
            ("job_title", done(text(NameText::MAX_LENGTH, true))),
            ("phone_number", done(phone_number(true))),
            ("nationality", done(country_code(true))),
            (
                "us_residency_status",
                closed(UsResidencyStatus::ALL, UsResidencyStatus::as_str),
            ),
            (
                "tax_identification",
                tax_identification_noting("`description` names an `other` document"),
            ),
            ("identification_numbers", identification_numbers_with(false)),
            (
                "customer_guid",
                done(patterned("^[0-9a-f]{32}$".to_owned(), true)),
            ),
            ("represents_from", done(period_date(true))),
            (
                "represents_until",
                done(period_date(true).description(Some(
                    "`YYYY-MM-DD`, 1900-01-01 to 2199-12-31, not before `represents_from`",
                ))),
            ),
        ],
        required,
    )
}

impl PartialSchema for AssociateBody {
    fn schema() -> RefOr<Schema> {
        // Required members must not be null.
        let mut schema = associate(&["name", "roles"]);
        schema = schema.property("name", person_name());
        done(schema)
    }
}
impl ToSchema for AssociateBody {}

impl PartialSchema for AssociateChanges {
    fn schema() -> RefOr<Schema> {
        let fields = associate(&[]).build().properties;
        AllOfBuilder::new()
            .item(associate(&[]))
            .item(some_given(fields.keys().map(String::as_str)))
            .into()
    }
}
impl ToSchema for AssociateChanges {}

impl PartialSchema for ReviewBody {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(object(
                vec![
                    ("decision", done(one_of_values(["accept"], false))),
                    ("reason_code", done(null_only())),
                    ("message", done(null_only())),
                ],
                &["decision"],
            ))
            .item(object(
                vec![
                    ("decision", done(one_of_values(["reject"], false))),
                    (
                        "reason_code",
                        done(one_of_values(
                            DocumentRejectionReason::ALL.iter().map(|v| v.as_str()),
                            false,
                        )),
                    ),
                    ("message", done(text(LongText::MAX_LENGTH, false))),
                ],
                &["decision", "reason_code", "message"],
            ))
            .into()
    }
}
impl ToSchema for ReviewBody {}

impl PartialSchema for RejectBody {
    fn schema() -> RefOr<Schema> {
        done(object(
            vec![
                (
                    "reason_codes",
                    array(
                        one_of_values(
                            CustomerRejectionReason::ALL.iter().map(|v| v.as_str()),
                            false,
                        ),
                        false,
                    )
                    .min_items(Some(1))
                    .into(),
                ),
                ("message", done(text(LongText::MAX_LENGTH, true))),
                ("retryable", done(boolean())),
            ],
            &["reason_codes", "retryable"],
        ))
    }
}
impl ToSchema for RejectBody {}

impl PartialSchema for ApproveBody {
    fn schema() -> RefOr<Schema> {
        done(object(
            vec![(
                "note",
                done(
                    text(LongText::MAX_LENGTH, true)
                        .description(Some("What the approver checked; shown in the audit trail")),
                ),
            )],
            &[],
        ))
    }
}
impl ToSchema for ApproveBody {}

impl PartialSchema for FreezeBody {
    fn schema() -> RefOr<Schema> {
        done(object(
            vec![("reason", done(text(LongText::MAX_LENGTH, false)))],
            &["reason"],
        ))
    }
}
impl ToSchema for FreezeBody {}

impl PartialSchema for CloseBody {
    fn schema() -> RefOr<Schema> {
        done(object(
            vec![
                (
                    "reason",
                    done(one_of_values(
                        ClosureReason::ALL.iter().map(|v| v.as_str()),
                        false,
                    )),
                ),
                ("message", done(text(LongText::MAX_LENGTH, true))),
            ],
            &["reason"],
        ))
    }
}
impl ToSchema for CloseBody {}

impl PartialSchema for LegalHoldBody {
    fn schema() -> RefOr<Schema> {
        done(object(
            vec![
                ("on", done(boolean())),
                ("reason", done(text(LongText::MAX_LENGTH, false))),
            ],
            &["on", "reason"],
        ))
    }
}
impl ToSchema for LegalHoldBody {}

impl PartialSchema for EraseBody {
    fn schema() -> RefOr<Schema> {
        done(object(
            vec![(
                "reason",
                done(text(LongText::MAX_LENGTH, false).description(Some(
                    "Why. It stays readable after the erasure, for audit: never put personal \
                     data here",
                ))),
            )],
            &["reason"],
        ))
    }
}
impl ToSchema for EraseBody {}

impl PartialSchema for ResolveDuplicateBody {
    fn schema() -> RefOr<Schema> {
        done(object(
            vec![
                (
                    "other_customer_guid",
                    done(patterned("^[0-9a-f]{32}$", false).description(Some(
                        "The other customer a `duplicate_identity` entry names (404 if \
                             none does)",
                    ))),
                ),
                (
                    "resolution",
                    done(one_of_values(
                        DuplicateResolution::ALL.iter().map(|v| v.as_str()),
                        false,
                    )),
                ),
                ("note", done(text(LongText::MAX_LENGTH, true))),
            ],
            &["other_customer_guid", "resolution"],
        ))
    }
}
impl ToSchema for ResolveDuplicateBody {}

impl PartialSchema for ResolveMatchBody {
    fn schema() -> RefOr<Schema> {
        done(object(
            vec![
                (
                    "decision",
                    done(one_of_values(
                        kyc_domain::customer::MatchDecision::ALL
                            .iter()
                            .map(|v| v.as_str()),
                        false,
                    )),
                ),
                (
                    "note",
                    done(text(LongText::MAX_LENGTH, false).description(Some(
                        "What the reviewer compared (dates of birth, nationality, documents)",
                    ))),
                ),
            ],
            &["decision", "note"],
        ))
    }
}
impl ToSchema for ResolveMatchBody {}

impl PartialSchema for NoFields {
    fn schema() -> RefOr<Schema> {
        done(object(Vec::new(), &[]))
    }
}
impl ToSchema for NoFields {}

/// The description fields of an upload, shared by the JSON body and the multipart form
/// (`nullable` for JSON, where `null` means "not given"), one shape per kind of document:
/// `associate_guid` names the associate an identity document or liveness report is about (a
/// business's need one; an individual's take none, which only the customer's type tells) and
/// is refused on every other kind.
pub fn upload_shapes(
    nullable: bool,
    extra: &[(&'static str, RefOr<Schema>)],
    required: &[&str],
) -> OneOfBuilder {
    let identity: Vec<DocumentKind> = DocumentKind::ALL
        .iter()
        .copied()
        .filter(|kind| kind.is_identity())
        .collect();
    let others: Vec<DocumentKind> = DocumentKind::ALL
        .iter()
        .copied()
        .filter(|kind| !kind.is_identity() && *kind != DocumentKind::LivenessReport)
        .collect();
    let shape = |kinds: Vec<DocumentKind>, associate: Option<RefOr<Schema>>, expires: bool| {
        let mut properties = vec![
            (
                "type",
                done(one_of_values(kinds.iter().map(|v| v.as_str()), false)),
            ),
            ("file_name", done(text(FileName::MAX_LENGTH, nullable))),
            ("issued_on", done(issued_on(nullable))),
        ];
        if expires {
            properties.push(("expires_on", done(expires_on(nullable))));
        }
        properties.extend(associate.map(|schema| ("associate_guid", schema)));
        properties.extend(extra.iter().cloned());
        let mut all_required = vec!["type"];
        all_required.extend_from_slice(required);
        object(properties, &all_required)
    };
    let associate = || {
        done(patterned("^[0-9a-f]{32}$", nullable).description(Some(
            "The associate the document is about: required for a business, refused for an \
             individual (422)",
        )))
    };
    // A form has no `null`: there the part is simply not allowed.
    let no_associate = nullable.then(|| done(null_only()));
    OneOfBuilder::new()
        .item(shape(identity, Some(associate()), true))
        .item(shape(
            vec![DocumentKind::LivenessReport],
            Some(associate()),
            false,
        ))
        .item(shape(others, no_associate, false))
}

/// When a document was issued: not in the future (`parse_document_dates`).
fn issued_on(nullable: bool) -> ObjectBuilder {
    date_between(earliest_date(), today(), nullable).description(Some(
        "`YYYY-MM-DD`, when the document was issued: on or after 1900-01-01, not in the future",
    ))
}

/// When an identity document expires: after today, at most 50 years ahead.
fn expires_on(nullable: bool) -> ObjectBuilder {
    let tomorrow = today().succ_opt().unwrap_or(NaiveDate::MAX);
    let latest = today()
        .checked_add_months(Months::new(12 * MAX_DOCUMENT_VALIDITY_YEARS))
        .unwrap_or(NaiveDate::MAX);
    date_between(tomorrow, latest, nullable).description(Some(format!(
        "`YYYY-MM-DD`, when the identity document expires: after today, at most \
         {MAX_DOCUMENT_VALIDITY_YEARS} years ahead (an expired document is refused). The \
         customer's verification then depends on a replacement (`DocumentExpired`)"
    )))
}

impl PartialSchema for DocumentUpload {
    fn schema() -> RefOr<Schema> {
        upload_shapes(
            true,
            &[("content_base64", done(document_base64()))],
            &["content_base64"],
        )
        .into()
    }
}
impl ToSchema for DocumentUpload {}
