//! The EU's consolidated financial sanctions file (FSF), XML 1.1.
//!
//! Root `export generationDate="…"` in the namespace `http://eu.europa.ec/fpi/fsd/export`,
//! then one `sanctionEntity logicalId="…"` per listing. Nearly everything is in attributes:
//! `nameAlias wholeName= strong=`, `citizenship countryIso2Code=`, `birthdate birthdate=
//! year= monthOfYear= dayOfMonth= city=`, `identification number= identificationTypeCode=`,
//! `address countryIso2Code=`, `regulation programme=`. The EU writes `00` for an unknown
//! country.

use chrono::NaiveDate;
use kyc_screening::{EntityKind, EntryTopic, ListEntry, ListFormat, NameStrength};

use crate::builder::EntryBuilder;
use crate::error::ImportError;
use crate::xml::{Element, Entry, XmlStream};
use crate::{country, dates};

pub(crate) fn read(text: &str) -> Result<(Option<NaiveDate>, Vec<ListEntry>), ImportError> {
    let mut stream = XmlStream::open(ListFormat::EuFsfXml, text, "export")?;
    let published_on = stream
        .root_attr("generationDate")
        .and_then(|date| date.get(..10))
        .and_then(|date| NaiveDate::parse_from_str(date, "%Y-%m-%d").ok());
    let mut entries = Vec::new();
    while let Some(element) =
        stream.next_entry(|path| path.len() == 2 && path[1] == "sanctionEntity")?
    {
        entries.push(entry(&stream, &element)?);
    }
    Ok((published_on, entries))
}

/// The EU's country code, when it is one (`00` is its unknown; `CS`, Serbia and Montenegro,
/// is read as Serbia, as OpenSanctions does).
fn country_code(element: &Element<'_>) -> Option<String> {
    match element.attr("countryIso2Code")? {
        "CS" => Some("RS".to_owned()),
        code => country::valid_code(code),
    }
}

fn entry(stream: &XmlStream<'_>, found: &Entry<'_>) -> Result<ListEntry, ImportError> {
    let element = &found.root;
    let id = element
        .attr("logicalId")
        .ok_or_else(|| ImportError::Missing {
            location: stream.location(found, element),
            what: "logicalId",
            entry_id: None,
        })?;
    let kind = match element.child("subjectType") {
        None => EntityKind::Other,
        Some(subject) => match subject.attr("code") {
            Some("person") => EntityKind::Person,
            Some("enterprise") => EntityKind::Organization,
            Some(code) => {
                return Err(ImportError::UnknownCode {
                    location: stream.location(found, subject),
                    what: "subjectType code",
                    found: code.to_owned(),
                    known: "person, enterprise",
                    entry_id: Some(id.to_owned()),
                });
            }
            None => EntityKind::Other,
        },
    };
    let mut builder = EntryBuilder::new(id, kind, vec![EntryTopic::Sanctions]);

    // The first name alias is the name the regulation lists the entry under.
    for alias in element.children_named("nameAlias") {
        let strength = match alias.attr("strong") {
            Some("false") => NameStrength::Weak,
            _ => NameStrength::Strong,
        };
        if let Some(whole) = alias.attr("wholeName") {
            builder.name(whole, strength);
        } else {
            let parts: Vec<&str> = ["firstName", "middleName", "lastName"]
                .iter()
                .filter_map(|part| alias.attr(part))
                .collect();
            builder.name(&parts.join(" "), strength);
        }
    }
    if !builder.has_names() {
        return Err(ImportError::Missing {
            location: stream.location(found, element),
            what: "nameAlias wholeName",
            entry_id: Some(id.to_owned()),
        });
    }

    for regulation in element.children_named("regulation") {
        if let Some(programme) = regulation.attr("programme") {
            builder.program(programme);
        }
    }

    for birth in element.children_named("birthdate") {
        birth_date(stream, found, birth, id, &mut builder)?;
        let parts: Vec<&str> = ["city", "place", "region"]
            .iter()
            .filter_map(|part| birth.attr(part))
            .chain(
                birth
                    .attr("countryDescription")
                    .filter(|description| *description != "UNKNOWN"),
            )
            .collect();
        builder.birth_place(&parts.join(", "));
    }

    for citizenship in element.children_named("citizenship") {
        builder.country_code(country_code(citizenship));
    }
    for address in element.children_named("address") {
        builder.country_code(country_code(address));
    }

    for identification in element.children_named("identification") {
        let Some(number) = identification
            .attr("number")
            .or_else(|| identification.attr("latinNumber"))
        else {
            continue;
        };
        let kind = identification
            .attr("identificationTypeDescription")
            .or_else(|| identification.attr("identificationTypeCode"))
            .unwrap_or("identification");
        builder.identifier(kind, number, country_code(identification));
    }

    Ok(builder.finish())
}

fn birth_date(
    stream: &XmlStream<'_>,
    found: &Entry<'_>,
    birth: &Element<'_>,
    id: &str,
    builder: &mut EntryBuilder,
) -> Result<(), ImportError> {
    let invalid = |expected| ImportError::Invalid {
        location: stream.location(found, birth),
        what: "birthdate",
        expected,
        entry_id: Some(id.to_owned()),
    };
    if let Some(date) = birth.attr("birthdate") {
        let parsed = date
            .parse()
            .map_err(|_| invalid("a birthdate attribute of the form YYYY-MM-DD"))?;
        builder.birth_date(parsed);
        return Ok(());
    }
    let Some(year) = birth.attr("year") else {
        if let (Some(from), Some(to)) = (birth.attr("yearRangeFrom"), birth.attr("yearRangeTo")) {
            let years = dates::year(from)
                .zip(dates::year(to))
                .and_then(|(from, to)| dates::year_range(from, to))
                .ok_or_else(|| invalid("a yearRangeFrom and yearRangeTo of four-digit years"))?;
            builder.birth_dates(years);
        }
        return Ok(());
    };
    let number = |name: &str, alternative: &str| -> Result<Option<u32>, ImportError> {
        birth
            .attr(name)
            .or_else(|| birth.attr(alternative))
            .map(|text| text.parse().map_err(|_| invalid("a whole number")))
            .transpose()
    };
    let month = number("monthOfYear", "month")?;
    let day = number("dayOfMonth", "day")?.filter(|_| month.is_some());
    let parsed = dates::year(year)
        .and_then(|year| dates::partial(year, month, day))
        .ok_or_else(|| invalid("a year, month and day that make a date"))?;
    builder.birth_date(parsed);
    Ok(())
}
