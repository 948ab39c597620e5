//! OFAC's `SDN.XML`.
//!
//! Root `sdnList` (any namespace: OFAC moved from `http://tempuri.org/sdnList.xsd` to the
//! Sanctions List Service's), `publshInformation/Publish_Date` as `MM/DD/YYYY` (the typo is
//! OFAC's), then one `sdnEntry` per designation.

use chrono::NaiveDate;
use kyc_screening::{EntryTopic, ListEntry, ListFormat, NameStrength};

use crate::builder::EntryBuilder;
use crate::error::ImportError;
use crate::xml::{Element, Entry, XmlStream};
use crate::{country, dates, ofac};

pub(crate) fn read(text: &str) -> Result<(Option<NaiveDate>, Vec<ListEntry>), ImportError> {
    let mut stream = XmlStream::open(ListFormat::OfacSdnXml, text, "sdnList")?;
    let mut published_on = None;
    let mut entries = Vec::new();
    while let Some(element) = stream.next_entry(|path| {
        path.len() == 2 && (path[1] == "sdnEntry" || path[1] == "publshInformation")
    })? {
        if element.root.name == "sdnEntry" {
            entries.push(entry(&stream, &element)?);
        } else if let Some(date) = element.root.child("Publish_Date") {
            published_on = Some(publish_date(&stream, &element, date)?);
        }
    }
    Ok((published_on, entries))
}

fn publish_date(
    stream: &XmlStream<'_>,
    found: &Entry<'_>,
    element: &Element<'_>,
) -> Result<NaiveDate, ImportError> {
    NaiveDate::parse_from_str(&element.text, "%m/%d/%Y").map_err(|_| ImportError::Invalid {
        location: stream.location(found, element),
        what: "the publication date",
        expected: "a date of the form MM/DD/YYYY",
        entry_id: None,
    })
}

/// `LASTNAME, Firstname` as OFAC's own `SDN_Name` writes it (the CSV's primary name), or the
/// last name alone: entities, vessels and aircraft have only a `lastName`.
fn full_name(element: &Element<'_>) -> Option<String> {
    let last = element.child_text("lastName");
    let first = element.child_text("firstName");
    match (last, first) {
        (Some(last), Some(first)) => Some(format!("{last}, {first}")),
        (Some(only), None) | (None, Some(only)) => Some(only.to_owned()),
        (None, None) => None,
    }
}

#[allow(clippy::too_many_lines)] // One block per list of the entry, in the file's order.
fn entry(stream: &XmlStream<'_>, found: &Entry<'_>) -> Result<ListEntry, ImportError> {
    let element = &found.root;
    let missing = |what, entry_id: Option<&str>| ImportError::Missing {
        location: stream.location(found, element),
        what,
        entry_id: entry_id.map(str::to_owned),
    };
    let uid = element
        .child_text("uid")
        .ok_or_else(|| missing("uid", None))?;
    let sdn_type = element
        .child("sdnType")
        .filter(|t| t.text().is_some())
        .ok_or_else(|| missing("sdnType", Some(uid)))?;
    let kind = ofac::kind(&sdn_type.text).ok_or_else(|| ImportError::UnknownCode {
        location: stream.location(found, sdn_type),
        what: "sdnType",
        found: sdn_type.text.to_string(),
        known: ofac::KNOWN_TYPES,
        entry_id: Some(uid.to_owned()),
    })?;
    let primary = full_name(element).ok_or_else(|| missing("lastName", Some(uid)))?;
    let mut builder = EntryBuilder::new(uid, kind, vec![EntryTopic::Sanctions]);
    builder.name(&primary, NameStrength::Primary);

    for list in element.children_named("akaList") {
        for aka in list.children_named("aka") {
            let strength = match aka.child("category").and_then(Element::text) {
                None => NameStrength::Strong,
                Some(category) if category.eq_ignore_ascii_case("strong") => NameStrength::Strong,
                Some(category) if category.eq_ignore_ascii_case("weak") => NameStrength::Weak,
                Some(category) => {
                    return Err(ImportError::UnknownCode {
                        location: stream.location(found, aka.child("category").unwrap_or(aka)),
                        what: "alias category",
                        found: category.to_owned(),
                        known: "strong, weak",
                        entry_id: Some(uid.to_owned()),
                    });
                }
            };
            let name = full_name(aka).ok_or_else(|| ImportError::Missing {
                location: stream.location(found, aka),
                what: "lastName",
                entry_id: Some(uid.to_owned()),
            })?;
            builder.name(&name, strength);
        }
    }

    for list in element.children_named("programList") {
        for program in list.children_named("program") {
            builder.program(&program.text);
        }
    }

    for list in element.children_named("dateOfBirthList") {
        for item in list.children_named("dateOfBirthItem") {
            if let Some(date) = item.child("dateOfBirth").filter(|d| d.text().is_some()) {
                builder.birth_dates(ofac_date(stream, found, date, "date of birth", uid)?);
            }
        }
    }

    for list in element.children_named("placeOfBirthList") {
        for item in list.children_named("placeOfBirthItem") {
            if let Some(place) = item.child_text("placeOfBirth") {
                builder.birth_place(place);
            }
        }
    }

    for (list, item) in [
        ("nationalityList", "nationality"),
        ("citizenshipList", "citizenship"),
        ("addressList", "address"),
    ] {
        for list in element.children_named(list) {
            for item in list.children_named(item) {
                if let Some(name) = item.child_text("country") {
                    builder.country_name(name);
                }
            }
        }
    }
    if let Some(flag) = element
        .child("vesselInfo")
        .and_then(|info| info.child_text("vesselFlag"))
    {
        builder.country_name(flag);
    }

    for list in element.children_named("idList") {
        for id in list.children_named("id") {
            let (Some(id_type), Some(number)) =
                (id.child_text("idType"), id.child_text("idNumber"))
            else {
                continue;
            };
            if id_type.eq_ignore_ascii_case(ofac::ESTABLISHED) {
                let date = id.child("idNumber").unwrap_or(id);
                builder.birth_dates(ofac_date(stream, found, date, "establishment date", uid)?);
            } else if ofac::is_document(id_type, number) {
                let country = id.child_text("idCountry").and_then(country::code_for_name);
                builder.identifier(id_type, number, country.map(str::to_owned));
            }
        }
    }

    Ok(builder.finish())
}

fn ofac_date(
    stream: &XmlStream<'_>,
    found: &Entry<'_>,
    element: &Element<'_>,
    what: &'static str,
    uid: &str,
) -> Result<Vec<kyc_screening::PartialDate>, ImportError> {
    dates::ofac(&element.text).ok_or_else(|| ImportError::Invalid {
        location: stream.location(found, element),
        what,
        expected: ofac::DATE_FORMS,
        entry_id: Some(uid.to_owned()),
    })
}
