//! FollowTheMoney entities, one JSON object per line (OpenSanctions' `entities.ftm.json`).
//!
//! Each line is `{"id": …, "schema": …, "properties": {"name": […], …}, …}` with every
//! property a list of strings. Parties (`Person`, `Organization`, `Company`, `LegalEntity`,
//! `PublicBody`, `Vessel`, `Airplane`) become entries; the other schemas (`Sanction`,
//! `Address`, `Passport`, `Ownership`, `Family`, …) describe them and are skipped.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kyc_screening::{EntityKind, EntryTopic, ListEntry, NameStrength, PartialDate};
use serde::Deserialize;

use crate::builder::EntryBuilder;
use crate::country;
use crate::error::{ImportError, Location};

const FILE: &str = "entities.ftm.json";

#[derive(Deserialize)]
struct Line {
    id: Option<String>,
    schema: Option<String>,
    #[serde(default)]
    properties: BTreeMap<String, Vec<String>>,
}

impl Line {
    fn values(&self, property: &str) -> impl Iterator<Item = &str> {
        self.properties
            .get(property)
            .into_iter()
            .flatten()
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
    }
}

fn kind(schema: &str) -> Option<EntityKind> {
    match schema {
        "Person" => Some(EntityKind::Person),
        "Organization" | "Company" | "LegalEntity" | "PublicBody" => Some(EntityKind::Organization),
        "Vessel" => Some(EntityKind::Vessel),
        "Airplane" => Some(EntityKind::Aircraft),
        _ => None,
    }
}

/// The topics the model knows. `sanction.counter` (sanctions a state imposes in retaliation,
/// such as Russia's on Western officials) is not a sanction a customer's bank must apply, so it
/// maps to nothing, like `poi`, `crime.*` and the other roles.
fn topic(topic: &str) -> Option<EntryTopic> {
    match topic {
        "sanction" | "sanction.linked" => Some(EntryTopic::Sanctions),
        "role.pep" | "role.rca" => Some(EntryTopic::Pep),
        _ => None,
    }
}

/// Properties that hold identification numbers, by FollowTheMoney's names (which become the
/// identifier's kind).
const IDENTIFIERS: &[&str] = &[
    "idNumber",
    "passportNumber",
    "taxNumber",
    "registrationNumber",
    "innCode",
    "ogrnCode",
    "vatCode",
    "leiCode",
    "swiftBic",
    "imoNumber",
    "mmsi",
    "icaoCode",
];

/// Properties naming countries an entry belongs to (codes, lower case).
const COUNTRIES: &[&str] = &[
    "nationality",
    "citizenship",
    "country",
    "jurisdiction",
    "mainCountry",
    "flag",
];

pub(crate) fn read(bytes: &[u8]) -> Result<(Option<NaiveDate>, Vec<ListEntry>), ImportError> {
    let mut entries = Vec::new();
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let number = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(1);
        if line.trim_ascii().is_empty() {
            continue;
        }
        // Only the end is trimmed (a CR), so that columns count from the line's start.
        let trimmed = line.trim_ascii_end();
        let location = |field: Option<String>| Location::Line {
            file: FILE,
            line: number,
            field,
        };
        let parsed: Line = serde_json::from_slice(trimmed).map_err(|e| {
            // serde_json's messages quote the offending value, which may be a name: only its
            // category and column are reported.
            let reason = match e.classify() {
                serde_json::error::Category::Data => {
                    "not a FollowTheMoney entity (an object with `id`, `schema` and `properties` \
                     whose values are lists of strings)"
                }
                serde_json::error::Category::Eof => "invalid JSON: the line ends early",
                _ => "invalid JSON",
            };
            ImportError::Malformed {
                location: location(Some(format!("column {}", e.column()))),
                reason: reason.to_owned(),
            }
        })?;
        let schema = parsed
            .schema
            .as_deref()
            .ok_or_else(|| ImportError::Missing {
                location: location(Some("schema".to_owned())),
                what: "schema",
                entry_id: parsed.id.clone(),
            })?;
        let Some(kind) = kind(schema) else {
            continue;
        };
        let id = parsed.id.as_deref().ok_or_else(|| ImportError::Missing {
            location: location(Some("id".to_owned())),
            what: "id",
            entry_id: None,
        })?;
        let mut topics: Vec<EntryTopic> = parsed.values("topics").filter_map(topic).collect();
        topics.sort_unstable();
        topics.dedup();
        // An entity without a sanction or PEP topic could never affect a profile criterion:
        // it is not an entry of the list for this service.
        if topics.is_empty() {
            continue;
        }
        entries.push(entry(&parsed, id, kind, topics, &location)?);
    }
    Ok((None, entries))
}

fn entry(
    line: &Line,
    id: &str,
    kind: EntityKind,
    topics: Vec<EntryTopic>,
    location: &dyn Fn(Option<String>) -> Location,
) -> Result<ListEntry, ImportError> {
    let mut builder = EntryBuilder::new(id, kind, topics);
    for name in line.values("name") {
        builder.name(name, NameStrength::Primary);
    }
    if !builder.has_names() {
        let parts: Vec<&str> = ["firstName", "middleName", "fatherName", "lastName"]
            .iter()
            .filter_map(|property| line.values(property).next())
            .collect();
        builder.name(&parts.join(" "), NameStrength::Primary);
    }
    if !builder.has_names() {
        return Err(ImportError::Missing {
            location: location(Some("properties.name".to_owned())),
            what: "name",
            entry_id: Some(id.to_owned()),
        });
    }
    for property in ["alias", "previousName"] {
        for name in line.values(property) {
            builder.name(name, NameStrength::Strong);
        }
    }
    for name in line.values("weakAlias") {
        builder.name(name, NameStrength::Weak);
    }

    let date_properties: &[&str] = if kind == EntityKind::Person {
        &["birthDate"]
    } else {
        &["incorporationDate", "buildDate"]
    };
    for property in date_properties {
        for value in line.values(property) {
            // FollowTheMoney dates are ISO 8601 prefixes; a time part is not part of a birth
            // date.
            let date: PartialDate =
                value
                    .get(..10)
                    .unwrap_or(value)
                    .parse()
                    .map_err(|_| ImportError::Invalid {
                        location: location(Some(format!("properties.{property}"))),
                        what: "date",
                        expected: "a date of the form YYYY, YYYY-MM or YYYY-MM-DD",
                        entry_id: Some(id.to_owned()),
                    })?;
            builder.birth_date(date);
        }
    }
    for place in line.values("birthPlace") {
        builder.birth_place(place);
    }
    for property in COUNTRIES {
        for code in line.values(property) {
            builder.country_code(country::valid_code(code));
        }
    }
    for property in IDENTIFIERS {
        for number in line.values(property) {
            builder.identifier(property, number, None);
        }
    }
    for property in ["programId", "program"] {
        for program in line.values(property) {
            builder.program(program);
        }
    }
    Ok(builder.finish())
}
