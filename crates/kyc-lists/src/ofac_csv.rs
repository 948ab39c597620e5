//! OFAC's SDN list as CSV: `SDN.CSV` (one row per designation), `ALT.CSV` (its strong
//! aliases), `ADD.CSV` (addresses) and `SDN_COMMENTS.CSV` (the rest of remarks longer than the
//! 1,000 characters `SDN.CSV` holds).
//!
//! The files have no header row, write nulls as `-0-`, and may end with a `0x1A` (DOS end of
//! file) line. Everything the XML gives in elements of its own, the CSV writes in the
//! semicolon-separated `Remarks` column: `DOB 12 Jan 1960; POB Tehran, Iran; nationality
//! Iran; Passport A1234567 (Iran); a.k.a. 'SHORTY'.`. The a.k.a.s in single quotes there are
//! the weak aliases (the XML's `category` `weak`); `ALT.CSV` holds only the strong ones.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use kyc_screening::{EntityKind, EntryTopic, ListEntry, NameStrength};

use crate::builder::EntryBuilder;
use crate::error::{ImportError, Location};
use crate::{country, dates, ofac};

/// The four files; an empty slice is a file not given.
pub(crate) struct Files<'f> {
    pub(crate) sdn: &'f [u8],
    pub(crate) alt: &'f [u8],
    pub(crate) add: &'f [u8],
    pub(crate) comments: &'f [u8],
}

/// One file's name and its columns per OFAC's data specification.
struct Spec {
    file: &'static str,
    columns: &'static [&'static str],
}

const SDN: Spec = Spec {
    file: "SDN.CSV",
    columns: &[
        "ent_num",
        "SDN_Name",
        "SDN_Type",
        "Program",
        "Title",
        "Call_Sign",
        "Vess_type",
        "Tonnage",
        "GRT",
        "Vess_flag",
        "Vess_owner",
        "Remarks",
    ],
};
const ALT: Spec = Spec {
    file: "ALT.CSV",
    columns: &["ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"],
};
const ADD: Spec = Spec {
    file: "ADD.CSV",
    columns: &[
        "ent_num",
        "add_num",
        "Address",
        "City/State/Province/Postal Code",
        "Country",
        "Add_remarks",
    ],
};
const COMMENTS: Spec = Spec {
    file: "SDN_COMMENTS.CSV",
    columns: &["ent_num", "Remarks_Extended"],
};

/// One row, its fields with `-0-` turned into `None`.
struct Row {
    line: u64,
    fields: Vec<Option<String>>,
}

impl Row {
    fn get(&self, column: usize) -> Option<&str> {
        self.fields.get(column).and_then(Option::as_deref)
    }

    fn location(&self, spec: &Spec, column: usize) -> Location {
        Location::Line {
            file: spec.file,
            line: self.line,
            field: Some(format!(
                "column {} ({})",
                column + 1,
                spec.columns.get(column).copied().unwrap_or("?")
            )),
        }
    }

    fn ent_num(&self, spec: &Spec) -> Result<u64, ImportError> {
        let text = self.get(0).ok_or_else(|| ImportError::Missing {
            location: self.location(spec, 0),
            what: "ent_num",
            entry_id: None,
        })?;
        text.parse().map_err(|_| ImportError::Invalid {
            location: self.location(spec, 0),
            what: "ent_num",
            expected: "an integer",
            entry_id: None,
        })
    }
}

/// The file's text: UTF-8 when it is, otherwise Windows-1252 (OFAC's legacy files are
/// ASCII with the odd Latin letter, and Windows-1252 decodes every byte, so a stray byte
/// cannot stop an import).
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

fn rows(bytes: &[u8], spec: &Spec) -> Result<Vec<Row>, ImportError> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // The csv crate miscounts lines ending in CRLF (OFAC's), so lines are counted here from
    // the records' byte offsets, which it gets right.
    let mut lines = LineCounter::new(text.as_bytes());
    loop {
        let before = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let byte = e.position().map_or(before, csv::Position::byte);
                return Err(ImportError::Malformed {
                    location: Location::Line {
                        file: spec.file,
                        line: lines.line_at(byte),
                        field: None,
                    },
                    reason: "not CSV".to_owned(),
                });
            }
        }
        let line = lines.line_at(record.position().map_or(before, csv::Position::byte));
        // The DOS end-of-file character OFAC appends, and blank lines.
        if record.iter().all(|field| {
            field
                .trim_matches(|c: char| c == '\x1a' || c.is_whitespace())
                .is_empty()
        }) {
            continue;
        }
        if record.len() != spec.columns.len() {
            return Err(ImportError::WrongColumnCount {
                location: Location::Line {
                    file: spec.file,
                    line,
                    field: None,
                },
                expected: spec.columns.len(),
                found: record.len(),
            });
        }
        let fields = record
            .iter()
            .map(|field| {
                let field = field.trim();
                (field != "-0-" && !field.is_empty()).then(|| field.to_owned())
            })
            .collect();
        rows.push(Row { line, fields });
    }
    Ok(rows)
}

/// The line of increasing byte offsets, counting each newline once.
struct LineCounter<'t> {
    text: &'t [u8],
    byte: usize,
    line: u64,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t [u8]) -> Self {
        LineCounter {
            text,
            byte: 0,
            line: 1,
        }
    }

    // Each byte is counted once over a whole file: a dependency for SIMD counting is not worth it.
    #[allow(clippy::naive_bytecount)]
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut byte = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        // After a CR the csv crate starts the next record at the LF.
        while matches!(self.text.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        if byte > self.byte {
            let newlines = self.text[self.byte..byte]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.line += u64::try_from(newlines).unwrap_or(u64::MAX);
            self.byte = byte;
        }
        self.line
    }
}

pub(crate) fn read(files: &Files<'_>) -> Result<(Option<NaiveDate>, Vec<ListEntry>), ImportError> {
    let sdn_rows = rows(files.sdn, &SDN)?;

    let mut extra_remarks: HashMap<u64, String> = HashMap::new();
    for row in rows(files.comments, &COMMENTS)? {
        let ent_num = row.ent_num(&COMMENTS)?;
        // The continuation picks up mid-word where SDN.CSV's column stopped.
        extra_remarks
            .entry(ent_num)
            .or_default()
            .push_str(row.get(1).unwrap_or_default());
    }

    let mut aliases: HashMap<u64, Vec<String>> = HashMap::new();
    for row in rows(files.alt, &ALT)? {
        let ent_num = row.ent_num(&ALT)?;
        match row.get(2).map(str::to_ascii_lowercase).as_deref() {
            Some("aka" | "fka" | "nka") => {}
            None => {
                return Err(ImportError::Missing {
                    location: row.location(&ALT, 2),
                    what: "alt_type",
                    entry_id: Some(ent_num.to_string()),
                });
            }
            Some(_) => {
                return Err(ImportError::UnknownCode {
                    location: row.location(&ALT, 2),
                    what: "alt_type",
                    found: row.get(2).unwrap_or_default().to_owned(),
                    known: "aka, fka, nka",
                    entry_id: Some(ent_num.to_string()),
                });
            }
        }
        let name = row.get(3).ok_or_else(|| ImportError::Missing {
            location: row.location(&ALT, 3),
            what: "alt_name",
            entry_id: Some(ent_num.to_string()),
        })?;
        aliases.entry(ent_num).or_default().push(name.to_owned());
    }

    let mut address_countries: HashMap<u64, Vec<String>> = HashMap::new();
    for row in rows(files.add, &ADD)? {
        let ent_num = row.ent_num(&ADD)?;
        if let Some(country) = row.get(4) {
            address_countries
                .entry(ent_num)
                .or_default()
                .push(country.to_owned());
        }
    }

    let mut entries = Vec::with_capacity(sdn_rows.len());
    for row in &sdn_rows {
        let ent_num = row.ent_num(&SDN)?;
        let id = ent_num.to_string();
        let kind = match row.get(2) {
            // SDN.CSV leaves SDN_Type null for entities.
            None => EntityKind::Organization,
            Some(sdn_type) => ofac::kind(sdn_type).ok_or_else(|| ImportError::UnknownCode {
                location: row.location(&SDN, 2),
                what: "SDN_Type",
                found: sdn_type.to_owned(),
                known: "individual, vessel, aircraft, -0- (entity)",
                entry_id: Some(id.clone()),
            })?,
        };
        let name = row.get(1).ok_or_else(|| ImportError::Missing {
            location: row.location(&SDN, 1),
            what: "SDN_Name",
            entry_id: Some(id.clone()),
        })?;
        let mut builder = EntryBuilder::new(&id, kind, vec![EntryTopic::Sanctions]);
        builder.name(name, NameStrength::Primary);
        for alias in aliases.get(&ent_num).into_iter().flatten() {
            builder.name(alias, NameStrength::Strong);
        }
        // OFAC writes several programmes as `SDGT] [IFSR` inside one field.
        for program in row.get(3).unwrap_or_default().split("] [") {
            builder
                .program(program.trim_matches(|c: char| c == '[' || c == ']' || c.is_whitespace()));
        }

        let mut remarks = row.get(11).unwrap_or_default().to_owned();
        if let Some(extra) = extra_remarks.get(&ent_num) {
            remarks.push_str(extra);
        }
        let mut weak = Vec::new();
        let mut residences = address_countries.get(&ent_num).cloned().unwrap_or_default();
        residences.extend(row.get(9).map(str::to_owned));
        remark_items(&remarks, &mut builder, &mut weak).map_err(|what| ImportError::Invalid {
            location: row.location(&SDN, 11),
            what,
            expected: ofac::DATE_FORMS,
            entry_id: Some(id.clone()),
        })?;
        for country in residences {
            builder.country_name(&country);
        }
        for alias in weak {
            builder.name(&alias, NameStrength::Weak);
        }
        entries.push(builder.finish());
    }
    Ok((None, entries))
}

/// Reads the remarks into the entry; the weak aliases go to `weak` so they follow the strong
/// ones. Fails with what was not a date.
fn remark_items(
    remarks: &str,
    builder: &mut EntryBuilder,
    weak: &mut Vec<String>,
) -> Result<(), &'static str> {
    let remarks = remarks.trim().strip_suffix('.').unwrap_or(remarks.trim());
    for item in remarks.split("; ") {
        let item = item.trim();
        let item = item.strip_prefix("alt. ").unwrap_or(item);
        if let Some(date) = item.strip_prefix("DOB ") {
            builder.birth_dates(dates::ofac(date).ok_or("a date of birth in Remarks")?);
        } else if let Some(date) = item.strip_prefix("Organization Established Date ") {
            builder.birth_dates(dates::ofac(date).ok_or("an establishment date in Remarks")?);
        } else if let Some(place) = item.strip_prefix("POB ") {
            builder.birth_place(place);
        } else if let Some(name) = item
            .strip_prefix("nationality ")
            .or_else(|| item.strip_prefix("citizen "))
        {
            builder.country_name(name);
        } else if let Some(alias) = ["a.k.a. '", "f.k.a. '", "n.k.a. '"]
            .iter()
            .find_map(|prefix| item.strip_prefix(prefix))
        {
            weak.push(alias.strip_suffix('\'').unwrap_or(alias).to_owned());
        } else if let Some((kind, rest)) = document_type(item) {
            let (number, country) = number_and_country(rest);
            builder.identifier(kind, number, country);
        }
    }
    Ok(())
}

/// The longest known document type the item starts with, followed by a space, and the rest.
fn document_type(item: &str) -> Option<(&'static str, &str)> {
    ofac::DOCUMENT_TYPES
        .iter()
        .filter_map(|kind| {
            let rest = item.strip_prefix(kind)?.strip_prefix(' ')?;
            Some((*kind, rest))
        })
        .max_by_key(|(kind, _)| kind.len())
}

/// `A1234567 (Iran)`, `0582030 (Connecticut) (United States)`, `IMO 9486910`: the number runs
/// to the first parenthesis; the country is the last parenthesised name that is a country.
fn number_and_country(rest: &str) -> (&str, Option<String>) {
    let Some(open) = rest.find(" (") else {
        return (rest.trim(), None);
    };
    let number = rest[..open].trim();
    let country = rest[open..]
        .split('(')
        .filter_map(|part| part.split_once(')').map(|(inside, _)| inside))
        .filter_map(country::code_for_name)
        .next_back()
        .map(str::to_owned);
    (number, country)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_run_to_the_parenthesis_and_the_country_is_the_last_one() {
        assert_eq!(
            number_and_country("A1234567 (Iran)"),
            ("A1234567", Some("IR".to_owned()))
        );
        assert_eq!(
            number_and_country("0582030 (Connecticut) (United States)"),
            ("0582030", Some("US".to_owned()))
        );
        assert_eq!(number_and_country("IMO 9486910"), ("IMO 9486910", None));
        assert_eq!(
            document_type("National ID No. 123 (Iran)"),
            Some(("National ID No.", "123 (Iran)"))
        );
        assert_eq!(
            document_type("Business Registration Number 1"),
            Some(("Business Registration Number", "1"))
        );
        assert_eq!(document_type("Passportless 1"), None);
    }
}
