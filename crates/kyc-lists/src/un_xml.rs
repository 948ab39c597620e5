//! The UN Security Council consolidated list, `consolidated.xml`.
//!
//! Root `CONSOLIDATED_LIST dateGenerated="…"`, then `INDIVIDUALS/INDIVIDUAL` and
//! `ENTITIES/ENTITY`. Names come in parts (`FIRST_NAME` … `FOURTH_NAME`, an entity's name is
//! its `FIRST_NAME`), aliases carry a `QUALITY` (`Good`, `a.k.a.`, `f.k.a.`, `Low`; `Low` is
//! the UN's weak alias), dates of birth are `EXACT`/`APPROXIMATELY` with a `DATE` or `YEAR`, or
//! `BETWEEN` a `FROM_YEAR` and a `TO_YEAR`.

use chrono::NaiveDate;
use kyc_screening::{EntityKind, EntryTopic, ListEntry, ListFormat, NameStrength};

use crate::builder::EntryBuilder;
use crate::error::ImportError;
use crate::xml::{Element, Entry, XmlStream};
use crate::{country, dates};

pub(crate) fn read(text: &str) -> Result<(Option<NaiveDate>, Vec<ListEntry>), ImportError> {
    let mut stream = XmlStream::open(ListFormat::UnConsolidatedXml, text, "CONSOLIDATED_LIST")?;
    let published_on = stream
        .root_attr("dateGenerated")
        .and_then(|date| date.get(..10))
        .and_then(|date| NaiveDate::parse_from_str(date, "%Y-%m-%d").ok());
    let mut entries = Vec::new();
    while let Some(element) = stream.next_entry(|path| {
        path.len() == 3
            && ((path[1] == "INDIVIDUALS" && path[2] == "INDIVIDUAL")
                || (path[1] == "ENTITIES" && path[2] == "ENTITY"))
    })? {
        entries.push(entry(&stream, &element)?);
    }
    Ok((published_on, entries))
}

fn entry(stream: &XmlStream<'_>, found: &Entry<'_>) -> Result<ListEntry, ImportError> {
    let element = &found.root;
    let person = element.name == "INDIVIDUAL";
    // The reference number is what the UN's notices and the committees cite; the DATAID is
    // a database key, only taken when an entry has no reference number.
    let id = element
        .child_text("REFERENCE_NUMBER")
        .or_else(|| element.child_text("DATAID"))
        .ok_or_else(|| ImportError::Missing {
            location: stream.location(found, element),
            what: "REFERENCE_NUMBER",
            entry_id: None,
        })?;
    let kind = if person {
        EntityKind::Person
    } else {
        EntityKind::Organization
    };
    let mut builder = EntryBuilder::new(id, kind, vec![EntryTopic::Sanctions]);
    let parts: Vec<&str> = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
        .iter()
        .filter_map(|part| element.child_text(part))
        .collect();
    builder.name(&parts.join(" "), NameStrength::Primary);
    if let Some(original) = element.child_text("NAME_ORIGINAL_SCRIPT") {
        builder.name(original, NameStrength::Strong);
    }
    if !builder.has_names() {
        return Err(ImportError::Missing {
            location: stream.location(found, element),
            what: "FIRST_NAME",
            entry_id: Some(id.to_owned()),
        });
    }

    let alias_tag = if person {
        "INDIVIDUAL_ALIAS"
    } else {
        "ENTITY_ALIAS"
    };
    for alias in element.children_named(alias_tag) {
        let Some(names) = alias.child_text("ALIAS_NAME") else {
            continue;
        };
        let strength = match alias.child_text("QUALITY") {
            Some("Low") => NameStrength::Weak,
            Some("Good" | "a.k.a." | "f.k.a." | "n.k.a.") | None => NameStrength::Strong,
            Some(quality) => {
                return Err(ImportError::UnknownCode {
                    location: stream.location(found, alias.child("QUALITY").unwrap_or(alias)),
                    what: "alias QUALITY",
                    found: quality.to_owned(),
                    known: "Good, Low, a.k.a., f.k.a., n.k.a.",
                    entry_id: Some(id.to_owned()),
                });
            }
        };
        // One ALIAS_NAME sometimes lists several names, separated by semicolons.
        for name in names.split(';') {
            builder.name(name, strength);
        }
    }

    if let Some(program) = element.child_text("UN_LIST_TYPE") {
        builder.program(program);
    }

    for birth in element.children_named("INDIVIDUAL_DATE_OF_BIRTH") {
        birth_dates(stream, found, birth, id, &mut builder)?;
    }
    for place in element.children_named("INDIVIDUAL_PLACE_OF_BIRTH") {
        let parts: Vec<&str> = ["CITY", "STATE_PROVINCE", "COUNTRY"]
            .iter()
            .filter_map(|part| place.child_text(part))
            .collect();
        builder.birth_place(&parts.join(", "));
    }

    for nationality in element.children_named("NATIONALITY") {
        for value in nationality.children_named("VALUE") {
            builder.country_name(&value.text);
        }
    }
    let address_tag = if person {
        "INDIVIDUAL_ADDRESS"
    } else {
        "ENTITY_ADDRESS"
    };
    for address in element.children_named(address_tag) {
        if let Some(name) = address.child_text("COUNTRY") {
            builder.country_name(name);
        }
    }

    for document in element.children_named("INDIVIDUAL_DOCUMENT") {
        let (Some(kind), Some(number)) = (
            document.child_text("TYPE_OF_DOCUMENT"),
            document.child_text("NUMBER"),
        ) else {
            continue;
        };
        let country = document
            .child_text("ISSUING_COUNTRY")
            .or_else(|| document.child_text("COUNTRY_OF_ISSUE"))
            .and_then(country::code_for_name);
        builder.identifier(kind, number, country.map(str::to_owned));
    }

    Ok(builder.finish())
}

fn birth_dates(
    stream: &XmlStream<'_>,
    found: &Entry<'_>,
    birth: &Element<'_>,
    id: &str,
    builder: &mut EntryBuilder,
) -> Result<(), ImportError> {
    let invalid = |element: &Element<'_>, expected| ImportError::Invalid {
        location: stream.location(found, element),
        what: "date of birth",
        expected,
        entry_id: Some(id.to_owned()),
    };
    if let Some(date) = birth.child("DATE").filter(|d| d.text().is_some()) {
        // The UN writes whole dates; a prefix (`1960-05`) is accepted as the model reads it.
        let text = date.text.get(..10).unwrap_or(&date.text);
        let parsed = text
            .parse()
            .map_err(|_| invalid(date, "a date of the form YYYY-MM-DD"))?;
        builder.birth_date(parsed);
    }
    if let Some(year) = birth.child("YEAR").filter(|y| y.text().is_some()) {
        let parsed = dates::year(&year.text)
            .and_then(|y| dates::partial(y, None, None))
            .ok_or_else(|| invalid(year, "a four-digit year"))?;
        builder.birth_date(parsed);
    }
    let from = birth.child("FROM_YEAR").filter(|y| y.text().is_some());
    let to = birth.child("TO_YEAR").filter(|y| y.text().is_some());
    match (from, to) {
        (None, None) => {}
        (Some(only), None) | (None, Some(only)) => {
            let parsed = dates::year(&only.text)
                .and_then(|y| dates::partial(y, None, None))
                .ok_or_else(|| invalid(only, "a four-digit year"))?;
            builder.birth_date(parsed);
        }
        (Some(from), Some(to)) => {
            let first =
                dates::year(&from.text).ok_or_else(|| invalid(from, "a four-digit year"))?;
            let last = dates::year(&to.text).ok_or_else(|| invalid(to, "a four-digit year"))?;
            let years = dates::year_range(first, last)
                .ok_or_else(|| invalid(to, "a year after FROM_YEAR, at most a hundred years on"))?;
            builder.birth_dates(years);
        }
    }
    Ok(())
}
