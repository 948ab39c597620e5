//! The list model every importer produces and the matcher reads.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The file format a list was imported from; it also names the list unless the operator gives
/// another name (one FollowTheMoney file may be one of many OpenSanctions datasets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListFormat {
    /// OFAC's Specially Designated Nationals list, `SDN.XML`.
    OfacSdnXml,
    /// OFAC's SDN list as `SDN.CSV` with its aliases in `ALT.CSV`.
    OfacSdnCsv,
    /// The UN Security Council consolidated list, XML.
    UnConsolidatedXml,
    /// The EU consolidated financial sanctions file (FSF), XML.
    EuFsfXml,
    /// FollowTheMoney entities, one JSON object per line (OpenSanctions' export).
    FollowTheMoneyJson,
}

impl ListFormat {
    /// Every format, in the order `kycctl lists import --format` documents them.
    pub const ALL: [ListFormat; 5] = [
        ListFormat::OfacSdnXml,
        ListFormat::OfacSdnCsv,
        ListFormat::UnConsolidatedXml,
        ListFormat::EuFsfXml,
        ListFormat::FollowTheMoneyJson,
    ];

    /// The format's name on the command line and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ListFormat::OfacSdnXml => "ofac_sdn_xml",
            ListFormat::OfacSdnCsv => "ofac_sdn_csv",
            ListFormat::UnConsolidatedXml => "un_xml",
            ListFormat::EuFsfXml => "eu_fsf_xml",
            ListFormat::FollowTheMoneyJson => "ftm_json",
        }
    }

    /// The list name an import of this format gets when the operator names none.
    pub fn default_list_name(self) -> &'static str {
        match self {
            ListFormat::OfacSdnXml | ListFormat::OfacSdnCsv => "ofac_sdn",
            ListFormat::UnConsolidatedXml => "un_sc",
            ListFormat::EuFsfXml => "eu_fsf",
            ListFormat::FollowTheMoneyJson => "opensanctions",
        }
    }
}

impl fmt::Display for ListFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ListFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ListFormat::ALL
            .into_iter()
            .find(|format| format.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = ListFormat::ALL.iter().map(|f| f.as_str()).collect();
                format!("unknown list format `{s}` (known: {})", known.join(", "))
            })
    }
}

/// One imported version of a list: what was read, from where, and when the source published it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListVersion {
    /// The list's name (`ofac_sdn`, `un_sc`, `eu_fsf`, `opensanctions`, or the operator's).
    pub list: String,
    /// The format it was read from.
    pub format: ListFormat,
    /// The publication date the file states, when it states one.
    pub published_on: Option<NaiveDate>,
    /// SHA-256 of the imported bytes (for two-file formats, of both files in order), hex.
    pub content_hash: String,
    /// The entries, in file order.
    pub entries: Vec<ListEntry>,
}

/// What kind of party an entry designates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A natural person.
    Person,
    /// A company, organisation or other legal person.
    Organization,
    /// A ship.
    Vessel,
    /// An aircraft.
    Aircraft,
    /// The source does not say, or says something else.
    Other,
}

/// Why an entry is on a list; it decides which profile criterion a match affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryTopic {
    /// Subject to sanctions (asset freeze, travel ban, embargo).
    Sanctions,
    /// A politically exposed person, or a relative or close associate of one.
    Pep,
}

/// How much a name says about the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameStrength {
    /// The entry's primary name.
    Primary,
    /// An alias the source calls strong (a.k.a., f.k.a., a good-quality alias).
    Strong,
    /// An alias the source calls weak or low quality: it alone should not make a match.
    Weak,
}

/// One name of an entry, as the source spells it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntryName {
    /// The full name, in the source's order and script.
    pub full: String,
    /// Primary name, strong alias or weak alias.
    pub strength: NameStrength,
}

/// An identification number the source gives (passport, national id, tax, registration, IMO).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identifier {
    /// The source's name for the kind of document or register, as written.
    pub kind: String,
    /// The number as written.
    pub number: String,
    /// The issuing country, ISO 3166-1 alpha-2, when the source names one that maps to a code.
    pub country: Option<String>,
}

/// A date the source may give only in part: a year, a year and month, or a whole date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartialDate {
    /// The year.
    pub year: i32,
    /// The month, 1 to 12, when known.
    pub month: Option<u32>,
    /// The day of the month, when known (only with a month).
    pub day: Option<u32>,
}

/// Why a text is not a [`PartialDate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")]
pub struct PartialDateError(String);

impl PartialDate {
    /// A date known to the day.
    pub fn from_date(date: NaiveDate) -> Self {
        use chrono::Datelike;
        PartialDate {
            year: date.year(),
            month: Some(date.month()),
            day: Some(date.day()),
        }
    }

    /// Whether `date` lies within this partial date (same year, and same month and day where
    /// those are known).
    pub fn admits(&self, date: NaiveDate) -> bool {
        use chrono::Datelike;
        self.year == date.year()
            && self.month.is_none_or(|month| month == date.month())
            && self.day.is_none_or(|day| day == date.day())
    }
}

impl FromStr for PartialDate {
    type Err = PartialDateError;

    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (FollowTheMoney's and ISO 8601's prefixes).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || PartialDateError(text.to_owned());
        let mut parts = text.trim().split('-');
        let year_text = parts.next().ok_or_else(invalid)?;
        if year_text.len() != 4 {
            return Err(invalid());
        }
        let year: i32 = year_text.parse().map_err(|_| invalid())?;
        let month: Option<u32> = parts
            .next()
            .map(str::parse)
            .transpose()
            .map_err(|_| invalid())?;
        let day: Option<u32> = parts
            .next()
            .map(str::parse)
            .transpose()
            .map_err(|_| invalid())?;
        if parts.next().is_some() {
            return Err(invalid());
        }
        match (month, day) {
            (None, _) => Ok(PartialDate {
                year,
                month: None,
                day: None,
            }),
            (Some(m), None) if (1..=12).contains(&m) => Ok(PartialDate {
                year,
                month: Some(m),
                day: None,
            }),
            (Some(m), Some(d)) if NaiveDate::from_ymd_opt(year, m, d).is_some() => {
                Ok(PartialDate {
                    year,
                    month: Some(m),
                    day: Some(d),
                })
            }
            _ => Err(invalid()),
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(month) = self.month {
            write!(f, "-{month:02}")?;
            if let Some(day) = self.day {
                write!(f, "-{day:02}")?;
            }
        }
        Ok(())
    }
}

/// One designated party as a list describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListEntry {
    /// The source list's own identifier, as a string: OFAC's `uid`/`ent_num`, the UN reference
    /// number, the EU logical id, the FollowTheMoney id.
    pub entry_id: String,
    /// Person, organisation, vessel, aircraft or other.
    pub kind: EntityKind,
    /// Sanctions, PEP or both.
    pub topics: Vec<EntryTopic>,
    /// The primary name first, then the aliases.
    pub names: Vec<EntryName>,
    /// Dates of birth (of incorporation, for organisations where the source gives one).
    pub birth_dates: Vec<PartialDate>,
    /// Places of birth, as written.
    pub birth_places: Vec<String>,
    /// Nationalities, citizenships and countries of residence or registration, ISO 3166-1
    /// alpha-2, upper case.
    pub countries: Vec<String>,
    /// Identification numbers.
    pub identifiers: Vec<Identifier>,
    /// The sanctions programmes or regimes the source names (`SDGT`, `IRAN`, …).
    pub programs: Vec<String>,
}

impl ListEntry {
    /// A digest of everything the entry says, stable across imports: equal when the entry did
    /// not change, so a match resolved as a false positive is not raised again by a new version
    /// of the list unless its entry changed.
    pub fn fingerprint(&self) -> String {
        // serde_json writes struct fields in declaration order and vectors in order, so the
        // serialisation is canonical for one version of this type.
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(canonical))
    }

    /// The entry's primary name (the first name; importers put the primary name first).
    pub fn primary_name(&self) -> Option<&str> {
        self.names.first().map(|name| name.full.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_parse_every_precision_and_refuse_impossible_ones() {
        assert_eq!(
            "1961".parse(),
            Ok(PartialDate {
                year: 1961,
                month: None,
                day: None
            })
        );
        assert_eq!(
            "1961-04".parse(),
            Ok(PartialDate {
                year: 1961,
                month: Some(4),
                day: None
            })
        );
        assert_eq!(
            "1961-04-30".parse(),
            Ok(PartialDate {
                year: 1961,
                month: Some(4),
                day: Some(30)
            })
        );
        for bad in [
            "61",
            "1961-13",
            "1961-02-30",
            "1961-04-30-1",
            "circa 1961",
            "",
        ] {
            assert!(bad.parse::<PartialDate>().is_err(), "{bad}");
        }
        assert_eq!(
            "1961-04".parse::<PartialDate>().map(|d| d.to_string()),
            Ok("1961-04".to_owned())
        );
    }

    #[test]
    fn a_partial_date_admits_the_dates_it_covers() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let year_only = PartialDate {
            year: 1961,
            month: None,
            day: None,
        };
        assert!(year_only.admits(date(1961, 12, 31)));
        assert!(!year_only.admits(date(1962, 1, 1)));
        let whole = PartialDate::from_date(date(1961, 4, 30));
        assert!(whole.admits(date(1961, 4, 30)));
        assert!(!whole.admits(date(1961, 4, 29)));
    }

    #[test]
    fn the_fingerprint_changes_with_the_entry_and_only_with_it() {
        let entry = ListEntry {
            entry_id: "36".to_owned(),
            kind: EntityKind::Person,
            topics: vec![EntryTopic::Sanctions],
            names: vec![EntryName {
                full: "TESTOV, Ivan".to_owned(),
                strength: NameStrength::Primary,
            }],
            birth_dates: vec![],
            birth_places: vec![],
            countries: vec!["RU".to_owned()],
            identifiers: vec![],
            programs: vec!["TEST".to_owned()],
        };
        let same = entry.clone();
        assert_eq!(entry.fingerprint(), same.fingerprint());
        let mut changed = entry.clone();
        changed.names.push(EntryName {
            full: "TESTOFF, Iwan".to_owned(),
            strength: NameStrength::Weak,
        });
        assert_ne!(entry.fingerprint(), changed.fingerprint());
        assert_eq!("ofac_sdn_xml".parse(), Ok(ListFormat::OfacSdnXml));
        assert!("sdn".parse::<ListFormat>().is_err());
    }
}
