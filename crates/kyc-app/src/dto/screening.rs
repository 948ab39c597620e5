//! The wire shapes of an ad hoc screening (`POST /api/screenings`, NATS
//! `….query.screening.screen`): a person or organisation in, the candidate list entries out,
//! best first, each with its score and why.

use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use super::schema::{array, country_code, done, object, one_of_values, past_date, text};

/// Longest name screened, in characters.
pub const MAX_SCREENED_NAME: usize = 200;
/// Most names in one screening.
pub const MAX_SCREENED_NAMES: usize = 10;
/// Most identification numbers in one screening.
pub const MAX_SCREENED_NUMBERS: usize = 10;

/// Whom to screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningRequest {
    /// `individual` or `business`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The name (give `name` or `names`).
    pub name: Option<String>,
    /// Several names the party is known by (give `name` or `names`).
    pub names: Option<Vec<String>>,
    /// Date of birth (of incorporation, for a business), `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// Nationality, residence or registration, ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Identification numbers (passport, national id, registration).
    pub identification_numbers: Option<Vec<ScreenedNumber>>,
}

/// An identification number to screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenedNumber {
    /// The number as written (spaces, dashes and case do not matter).
    pub number: Option<String>,
    /// Its issuing country, ISO 3166-1 alpha-2.
    pub country: Option<String>,
}

impl PartialSchema for ScreenedNumber {
    fn schema() -> RefOr<Schema> {
        done(object(
            vec![
                ("number", done(text(64, false))),
                ("country", done(country_code(true))),
            ],
            &["number"],
        ))
    }
}
impl ToSchema for ScreenedNumber {}

impl PartialSchema for ScreeningRequest {
    /// One of two shapes, so that a schema-valid request gives exactly one of `name` and
    /// `names` (each shape admits no other property).
    fn schema() -> RefOr<Schema> {
        let shape = |names_field: &'static str| {
            let name = || text(MAX_SCREENED_NAME, false);
            let names: RefOr<Schema> = if names_field == "name" {
                done(name())
            } else {
                array(done(name()), false)
                    .min_items(Some(1))
                    .max_items(Some(MAX_SCREENED_NAMES))
                    .into()
            };
            done(object(
                vec![
                    (
                        "type",
                        done(one_of_values(["individual", "business"], false)),
                    ),
                    (names_field, names),
                    ("date_of_birth", done(past_date(true))),
                    ("country", done(country_code(true))),
                    (
                        "identification_numbers",
                        array(ScreenedNumber::schema(), true)
                            .max_items(Some(MAX_SCREENED_NUMBERS))
                            .into(),
                    ),
                ],
                &["type", names_field],
            ))
        };
        OneOfBuilder::new()
            .item(shape("name"))
            .item(shape("names"))
            .description(Some("Give exactly one of `name` and `names`."))
            .into()
    }
}
impl ToSchema for ScreeningRequest {}

/// One imported list version screened against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListVersionDto {
    /// The list (`ofac_sdn`, `un_sc`, `eu_fsf`, `opensanctions`, …).
    pub list: String,
    /// The version the import created.
    pub version: i64,
}

/// A list entry scored against the party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateDto {
    /// The list.
    pub list: String,
    /// Its version.
    pub list_version: i64,
    /// The entry's identifier in the source list (OFAC `uid`, UN reference number, EU logical
    /// id, FollowTheMoney id).
    pub entry_id: String,
    /// The entry's name that matched, as the list spells it.
    pub name: String,
    /// `person`, `organization`, `vessel`, `aircraft` or `other`.
    pub entity_type: String,
    /// `sanctions` and/or `pep`.
    pub topics: Vec<String>,
    /// From 0 to 1.
    pub score: f64,
    /// Whether the score reaches the tenant's threshold.
    #[serde(rename = "match")]
    pub is_match: bool,
    /// Which name pair, which token agreements, which qualifiers, and their effect.
    pub explanation: serde_json::Value,
}

impl PartialSchema for CandidateDto {
    fn schema() -> RefOr<Schema> {
        let string = || ObjectBuilder::new().schema_type(Type::String);
        let score = || {
            ObjectBuilder::new()
                .schema_type(Type::Number)
                .minimum(Some(0.0))
                .maximum(Some(1.0))
        };
        done(object(
            vec![
                ("list", done(string())),
                (
                    "list_version",
                    done(ObjectBuilder::new().schema_type(Type::Integer)),
                ),
                ("entry_id", done(string())),
                ("name", done(string())),
                (
                    "entity_type",
                    done(one_of_values(
                        ["person", "organization", "vessel", "aircraft", "other"],
                        false,
                    )),
                ),
                (
                    "topics",
                    array(done(one_of_values(["sanctions", "pep"], false)), false).into(),
                ),
                ("score", done(score())),
                (
                    "match",
                    done(ObjectBuilder::new().schema_type(Type::Boolean)),
                ),
                (
                    "explanation",
                    done(
                        ObjectBuilder::new()
                            .schema_type(SchemaType::Type(Type::Object))
                            .description(Some(
                                "`query_name`, `matched_name`, `name_strength`, `name_score`, \
                                 `tokens` (each query token's counterpart and how they agree), \
                                 `adjustments`, `qualifiers` (birth date, country, \
                                 identification number), `certain`, `score`",
                            )),
                    ),
                ),
            ],
            &[
                "list",
                "list_version",
                "entry_id",
                "name",
                "entity_type",
                "topics",
                "score",
                "match",
                "explanation",
            ],
        ))
    }
}
impl ToSchema for CandidateDto {}

/// The answer of an ad hoc screening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScreeningDto {
    /// The tenant's threshold: candidates scoring at least this are matches.
    pub threshold: f64,
    /// The list versions screened against (empty: no list is imported).
    pub list_versions: Vec<ListVersionDto>,
    /// The candidates, best first (near misses included, marked `match: false`).
    pub candidates: Vec<CandidateDto>,
}
