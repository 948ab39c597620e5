//! Test and benchmark support: OFAC `SDN.XML` files of any size, in the real format, from
//! entries or from a seed.
//!
//! Every name is made up from syllables; nothing here is, or is drawn from, a real listing.
//! [`sdn_xml`] writes only what the importer reads back, so importing its output gives back
//! the entries (see the crate's round-trip test), provided they are what an SDN import can
//! produce: sanctions topic only, persons' names as `LAST, First`, document identifiers, and
//! countries as ISO codes.

use std::fmt::Write as _;

use chrono::NaiveDate;
use isocountry::CountryCode;
use kyc_screening::{
    EntityKind, EntryName, EntryTopic, Identifier, ListEntry, NameStrength, PartialDate,
};

use crate::ofac;

/// The size of OFAC's SDN list in 2025: about 18,000 entries.
pub const SDN_SIZE: usize = 18_000;

/// `count` made-up entries, the same for the same seed: about half persons with up to seven
/// aliases (one in four weak), dates of birth of every precision, places of birth,
/// nationalities and passports; the rest organisations (registration numbers, establishment
/// years), vessels (IMO numbers, flags) and aircraft.
pub fn entries(seed: u64, count: usize) -> Vec<ListEntry> {
    let mut random = SplitMix(seed);
    (0..count).map(|index| entry(&mut random, index)).collect()
}

/// An `SDN.XML` document listing `entries`, published on `published_on`.
pub fn sdn_xml(entries: &[ListEntry], published_on: NaiveDate) -> String {
    let mut xml = String::with_capacity(entries.len() * 1_500 + 512);
    xml.push_str("<?xml version=\"1.0\" standalone=\"yes\"?>\n");
    xml.push_str(
        "<sdnList xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xmlns=\"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML\">\n",
    );
    let _ = write!(
        xml,
        "  <publshInformation>\n    <Publish_Date>{}</Publish_Date>\n    \
         <Record_Count>{}</Record_Count>\n  </publshInformation>\n",
        published_on.format("%m/%d/%Y"),
        entries.len()
    );
    let mut uid = 100_000_u64;
    let mut next_uid = || {
        uid += 1;
        uid
    };
    for entry in entries {
        write_entry(&mut xml, entry, &mut next_uid);
    }
    xml.push_str("</sdnList>\n");
    xml
}

#[allow(clippy::too_many_lines)] // One block per element of the entry, in OFAC's order.
fn write_entry(xml: &mut String, entry: &ListEntry, next_uid: &mut impl FnMut() -> u64) {
    let person = entry.kind == EntityKind::Person;
    xml.push_str("  <sdnEntry>\n");
    let _ = writeln!(xml, "    <uid>{}</uid>", escape(&entry.entry_id));
    let mut names = entry.names.iter();
    if let Some(primary) = names.next() {
        write_name(xml, "    ", &primary.full, person);
    }
    let sdn_type = match entry.kind {
        EntityKind::Person => "Individual",
        EntityKind::Vessel => "Vessel",
        EntityKind::Aircraft => "Aircraft",
        EntityKind::Organization | EntityKind::Other => "Entity",
    };
    let _ = writeln!(xml, "    <sdnType>{sdn_type}</sdnType>");
    if !entry.programs.is_empty() {
        xml.push_str("    <programList>\n");
        for program in &entry.programs {
            let _ = writeln!(xml, "      <program>{}</program>", escape(program));
        }
        xml.push_str("    </programList>\n");
    }
    let establishment = !person && !entry.birth_dates.is_empty();
    if !entry.identifiers.is_empty() || establishment {
        xml.push_str("    <idList>\n");
        for identifier in &entry.identifiers {
            let _ = write!(
                xml,
                "      <id>\n        <uid>{}</uid>\n        <idType>{}</idType>\n        \
                 <idNumber>{}</idNumber>\n",
                next_uid(),
                escape(&identifier.kind),
                escape(&identifier.number)
            );
            if let Some(country) = &identifier.country {
                let _ = writeln!(
                    xml,
                    "        <idCountry>{}</idCountry>",
                    escape(country_name(country))
                );
            }
            xml.push_str("      </id>\n");
        }
        if establishment {
            for date in &entry.birth_dates {
                let _ = write!(
                    xml,
                    "      <id>\n        <uid>{}</uid>\n        <idType>{}</idType>\n        \
                     <idNumber>{}</idNumber>\n      </id>\n",
                    next_uid(),
                    ofac::ESTABLISHED,
                    ofac_date(*date)
                );
            }
        }
        xml.push_str("    </idList>\n");
    }
    let aliases: Vec<&EntryName> = names.collect();
    if !aliases.is_empty() {
        xml.push_str("    <akaList>\n");
        for alias in aliases {
            let category = if alias.strength == NameStrength::Weak {
                "weak"
            } else {
                "strong"
            };
            let _ = write!(
                xml,
                "      <aka>\n        <uid>{}</uid>\n        <type>a.k.a.</type>\n        \
                 <category>{category}</category>\n",
                next_uid()
            );
            write_name(xml, "        ", &alias.full, person);
            xml.push_str("      </aka>\n");
        }
        xml.push_str("    </akaList>\n");
    }
    if !entry.countries.is_empty() {
        xml.push_str("    <nationalityList>\n");
        for (index, country) in entry.countries.iter().enumerate() {
            let _ = write!(
                xml,
                "      <nationality>\n        <uid>{}</uid>\n        <country>{}</country>\n        \
                 <mainEntry>{}</mainEntry>\n      </nationality>\n",
                next_uid(),
                escape(country_name(country)),
                index == 0
            );
        }
        xml.push_str("    </nationalityList>\n");
    }
    if person && !entry.birth_dates.is_empty() {
        xml.push_str("    <dateOfBirthList>\n");
        for (index, date) in entry.birth_dates.iter().enumerate() {
            let _ = write!(
                xml,
                "      <dateOfBirthItem>\n        <uid>{}</uid>\n        \
                 <dateOfBirth>{}</dateOfBirth>\n        <mainEntry>{}</mainEntry>\n      \
                 </dateOfBirthItem>\n",
                next_uid(),
                ofac_date(*date),
                index == 0
            );
        }
        xml.push_str("    </dateOfBirthList>\n");
    }
    if !entry.birth_places.is_empty() {
        xml.push_str("    <placeOfBirthList>\n");
        for (index, place) in entry.birth_places.iter().enumerate() {
            let _ = write!(
                xml,
                "      <placeOfBirthItem>\n        <uid>{}</uid>\n        \
                 <placeOfBirth>{}</placeOfBirth>\n        <mainEntry>{}</mainEntry>\n      \
                 </placeOfBirthItem>\n",
                next_uid(),
                escape(place),
                index == 0
            );
        }
        xml.push_str("    </placeOfBirthList>\n");
    }
    xml.push_str("  </sdnEntry>\n");
}

/// A person's `LAST, First` as `lastName` and `firstName`; anything else as `lastName`.
fn write_name(xml: &mut String, indent: &str, full: &str, person: bool) {
    match full.split_once(", ").filter(|_| person) {
        Some((last, first)) => {
            let _ = write!(
                xml,
                "{indent}<firstName>{}</firstName>\n{indent}<lastName>{}</lastName>\n",
                escape(first),
                escape(last)
            );
        }
        None => {
            let _ = writeln!(xml, "{indent}<lastName>{}</lastName>", escape(full));
        }
    }
}

/// OFAC's spelling of a date: `12 Jan 1960`, `Jan 1960`, `1960`.
fn ofac_date(date: PartialDate) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = date
        .month
        .and_then(|m| usize::try_from(m).ok())
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)));
    match (date.day, month) {
        (Some(day), Some(month)) => format!("{day:02} {month} {}", date.year),
        (None, Some(month)) => format!("{month} {}", date.year),
        _ => date.year.to_string(),
    }
}

/// The English name of an ISO code, as the list would write the country.
pub fn country_name(code: &str) -> &'static str {
    if code == "XK" {
        return "Kosovo";
    }
    CountryCode::for_alpha2(code).map_or("Undetermined", |country| country.name())
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A small deterministic generator (`SplitMix64`), so the files are the same on every run and
/// machine without a dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `bound` (which is small: the bias does not matter here).
    fn below(&mut self, bound: usize) -> usize {
        let bound = u64::try_from(bound.max(1)).unwrap_or(u64::MAX);
        usize::try_from(self.next() % bound).unwrap_or(0)
    }

    fn pick<'t>(&mut self, items: &[&'t str]) -> &'t str {
        items[self.below(items.len())]
    }
}

const SYLLABLES: &[&str] = &[
    "ba", "ko", "ri", "ta", "mu", "ze", "lo", "vi", "na", "de", "sha", "kar", "mir", "tel", "von",
    "du", "gal", "hes", "or", "pra", "qui", "sto", "ul", "wen", "yar", "zor", "al", "bel", "cor",
];
const COUNTRIES: &[&str] = &[
    "IR", "RU", "KP", "SY", "VE", "CU", "BY", "MM", "LB", "IQ", "AE", "TR", "CN", "DE", "PA", "XK",
];
const PROGRAMS: &[&str] = &[
    "SDGT",
    "IRAN",
    "RUSSIA-EO14024",
    "DPRK3",
    "SYRIA",
    "CYBER2",
    "SDNTK",
    "GLOMAG",
];
const CITIES: &[&str] = &[
    "Velmora", "Castrel", "Ondavi", "Pyrsk", "Talbruk", "Nessaro",
];

fn word(random: &mut SplitMix, syllables: usize) -> String {
    let mut word = String::new();
    for _ in 0..syllables {
        word.push_str(random.pick(SYLLABLES));
    }
    word
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[allow(clippy::too_many_lines)] // Names, then what each kind of entry has.
fn entry(random: &mut SplitMix, index: usize) -> ListEntry {
    let roll = random.below(100);
    let kind = match roll {
        0..=49 => EntityKind::Person,
        50..=89 => EntityKind::Organization,
        90..=96 => EntityKind::Vessel,
        _ => EntityKind::Aircraft,
    };
    let mut names: Vec<EntryName> = Vec::new();
    let mut add_name = |full: String, strength| {
        if !names.iter().any(|name: &EntryName| name.full == full) {
            names.push(EntryName {
                full,
                strength: if names.is_empty() {
                    NameStrength::Primary
                } else {
                    strength
                },
            });
        }
    };
    let make_name = |random: &mut SplitMix| match kind {
        EntityKind::Person => format!(
            "{} {}, {}",
            word(random, 2).to_uppercase(),
            word(random, 3).to_uppercase(),
            capitalised(&word(random, 2))
        ),
        EntityKind::Organization => format!(
            "{} {} {}",
            word(random, 3).to_uppercase(),
            random.pick(&["TRADING", "SHIPPING", "INDUSTRIES", "HOLDING"]),
            random.pick(&["LLC", "CO. LTD.", "S.A.", "FZE"])
        ),
        _ => word(random, 3).to_uppercase(),
    };
    add_name(make_name(random), NameStrength::Primary);
    // About 3.5 aliases an entry on average, near the real list's (60,000 for 18,000 entries).
    let aliases = random.below(8);
    for _ in 0..aliases {
        let strength = if random.below(4) == 0 {
            NameStrength::Weak
        } else {
            NameStrength::Strong
        };
        add_name(make_name(random), strength);
    }

    let mut birth_dates = Vec::new();
    let mut birth_places = Vec::new();
    let mut identifiers = Vec::new();
    let mut countries = Vec::new();
    let country = random.pick(COUNTRIES).to_owned();
    match kind {
        EntityKind::Person => {
            let year = 1940 + i32::try_from(random.below(50)).unwrap_or(0);
            let month = u32::try_from(random.below(12) + 1).unwrap_or(1);
            let day = u32::try_from(random.below(28) + 1).unwrap_or(1);
            birth_dates.push(match random.below(3) {
                0 => PartialDate {
                    year,
                    month: Some(month),
                    day: Some(day),
                },
                1 => PartialDate {
                    year,
                    month: Some(month),
                    day: None,
                },
                _ => PartialDate {
                    year,
                    month: None,
                    day: None,
                },
            });
            if random.below(3) == 0 {
                birth_dates.push(PartialDate {
                    year: year + 1,
                    month: None,
                    day: None,
                });
            }
            birth_places.push(format!(
                "{}, {}",
                random.pick(CITIES),
                country_name(&country)
            ));
            identifiers.push(Identifier {
                kind: "Passport".to_owned(),
                number: format!("P{:08}", random.next() % 100_000_000),
                country: Some(country.clone()),
            });
            countries.push(country);
        }
        EntityKind::Organization => {
            if random.below(2) == 0 {
                birth_dates.push(PartialDate {
                    year: 1980 + i32::try_from(random.below(40)).unwrap_or(0),
                    month: None,
                    day: None,
                });
            }
            identifiers.push(Identifier {
                kind: "Registration Number".to_owned(),
                number: format!("{:010}", random.next() % 10_000_000_000),
                country: Some(country.clone()),
            });
            countries.push(country);
        }
        EntityKind::Vessel => {
            identifiers.push(Identifier {
                kind: "Vessel Registration Identification".to_owned(),
                number: format!("IMO {}", 9_000_000 + random.next() % 1_000_000),
                country: None,
            });
            countries.push(country);
        }
        EntityKind::Aircraft | EntityKind::Other => {
            identifiers.push(Identifier {
                kind: "Aircraft Manufacturer's Serial Number (MSN)".to_owned(),
                number: format!("{}", 1_000_000 + random.next() % 9_000_000),
                country: None,
            });
        }
    }
    let mut programs = vec![random.pick(PROGRAMS).to_owned()];
    let second = random.pick(PROGRAMS).to_owned();
    if random.below(3) == 0 && !programs.contains(&second) {
        programs.push(second);
    }
    ListEntry {
        entry_id: (10_000 + index).to_string(),
        kind,
        topics: vec![EntryTopic::Sanctions],
        names,
        birth_dates,
        birth_places,
        countries,
        identifiers,
        programs,
    }
}
