//! Reads the official sanctions and PEP list formats into `kyc-screening`'s list model.
//!
//! | format | files, in order | entry id | published on |
//! | --- | --- | --- | --- |
//! | [`ListFormat::OfacSdnXml`] | `SDN.XML` | `uid` | `Publish_Date` |
//! | [`ListFormat::OfacSdnCsv`] | `SDN.CSV`, then optionally `ALT.CSV`, `ADD.CSV`, `SDN_COMMENTS.CSV` | `ent_num` | none |
//! | [`ListFormat::UnConsolidatedXml`] | `consolidated.xml` | `REFERENCE_NUMBER` | `dateGenerated` |
//! | [`ListFormat::EuFsfXml`] | `xmlFullSanctionsList_1_1` | `logicalId` | `generationDate` |
//! | [`ListFormat::FollowTheMoneyJson`] | `entities.ftm.json` | `id` | none |
//!
//! A file is read whole or refused: an [`ImportError`] says where it is wrong (element path,
//! line, byte offset, CSV field) and never quotes a name from it. Elements, attributes and
//! properties this crate does not know are skipped, since the publishers add fields over time;
//! missing ids and names, dates that are not dates, and unknown entry types are errors.
//!
//! The [`synthetic`] module writes SDN.XML files of any size for tests and benchmarks.

// An import returns at most one error and never holds errors in bulk: their size costs nothing.
#![allow(clippy::result_large_err)]

mod builder;
mod country;
mod dates;
mod error;
mod eu_xml;
mod ftm;
mod ofac;
mod ofac_csv;
mod ofac_xml;
pub mod synthetic;
mod un_xml;
mod xml;

use chrono::NaiveDate;
use kyc_screening::{ListEntry, ListFormat, ListVersion};
use sha2::{Digest, Sha256};

pub use error::{ImportError, Location};

/// Reads one version of a list from its files.
///
/// `files` are the file contents in the order the format's row of the table above gives; the
/// OFAC CSV format takes `SDN.CSV` alone or followed by `ALT.CSV` (strong aliases), `ADD.CSV`
/// (address countries) and `SDN_COMMENTS.CSV` (the remarks OFAC cut off at 1,000 characters),
/// and an empty slice stands for a file the operator does not have. Every other format takes
/// one file.
///
/// The version's `content_hash` is the SHA-256 of all files' bytes in order, and its `list` is
/// `list_name` or the format's default name.
pub fn import(
    format: ListFormat,
    list_name: Option<&str>,
    files: &[&[u8]],
) -> Result<ListVersion, ImportError> {
    let (published_on, entries) = read(format, files)?;
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file);
    }
    Ok(ListVersion {
        list: list_name.map_or_else(|| format.default_list_name().to_owned(), str::to_owned),
        format,
        published_on,
        content_hash: hex::encode(hasher.finalize()),
        entries,
    })
}

type Read = (Option<NaiveDate>, Vec<ListEntry>);

fn read(format: ListFormat, files: &[&[u8]]) -> Result<Read, ImportError> {
    match format {
        ListFormat::OfacSdnCsv => {
            if files.is_empty() || files.len() > 4 {
                return Err(ImportError::WrongFileCount {
                    format,
                    expected: "one to four files (SDN.CSV, ALT.CSV, ADD.CSV, SDN_COMMENTS.CSV)",
                    found: files.len(),
                });
            }
            let file = |index: usize| files.get(index).copied().unwrap_or_default();
            ofac_csv::read(&ofac_csv::Files {
                sdn: file(0),
                alt: file(1),
                add: file(2),
                comments: file(3),
            })
        }
        ListFormat::OfacSdnXml => ofac_xml::read(&xml::decode(single(format, files)?)?),
        ListFormat::UnConsolidatedXml => un_xml::read(&xml::decode(single(format, files)?)?),
        ListFormat::EuFsfXml => eu_xml::read(&xml::decode(single(format, files)?)?),
        ListFormat::FollowTheMoneyJson => ftm::read(single(format, files)?),
    }
}

fn single<'f>(format: ListFormat, files: &[&'f [u8]]) -> Result<&'f [u8], ImportError> {
    match files {
        [file] => Ok(file),
        _ => Err(ImportError::WrongFileCount {
            format,
            expected: "one file",
            found: files.len(),
        }),
    }
}
