//! Why a file was refused, and where in it.

use std::fmt;

use kyc_screening::ListFormat;

/// Where in an imported file something is wrong.
///
/// A location never quotes the file's content: the lists hold personal data, and an error ends
/// up in logs and terminals. The element path, line and field are enough to find the spot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An element of an XML file.
    Element {
        /// The element path from the root, local names only, with `[n]` after an element that
        /// is the n-th (n > 1) of its name under its parent, and always after the entry
        /// element (`sdnList/sdnEntry[412]/akaList/aka[2]/category`).
        path: String,
        /// The line of the element's start tag, from 1.
        line: u64,
        /// The byte offset of the element's start tag (in the file as UTF-8: the file's own
        /// offset unless its XML declaration names another encoding).
        offset: u64,
    },
    /// A place in an XML file that is not inside a known element (a syntax error).
    Offset {
        /// The element path that was open there (empty before the root element).
        path: String,
        /// The line, from 1.
        line: u64,
        /// The byte offset (as for [`Location::Element`]).
        offset: u64,
    },
    /// A line of a CSV or JSON lines file.
    Line {
        /// The file's conventional name (`SDN.CSV`, `ALT.CSV`, `ADD.CSV`, `SDN_COMMENTS.CSV`,
        /// `entities.ftm.json`).
        file: &'static str,
        /// The line, from 1.
        line: u64,
        /// The column (CSV: the field's position from 1 and its name in OFAC's data
        /// specification; JSON: the character column from 1, or the property), when known.
        field: Option<String>,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Element { path, line, offset } => {
                write!(f, "{path} (line {line}, byte {offset})")
            }
            Location::Offset { path, line, offset } if path.is_empty() => {
                write!(f, "line {line}, byte {offset}")
            }
            Location::Offset { path, line, offset } => {
                write!(f, "line {line}, byte {offset}, inside {path}")
            }
            Location::Line {
                file,
                line,
                field: None,
            } => write!(f, "{file} line {line}"),
            Location::Line {
                file,
                line,
                field: Some(field),
            } => write!(f, "{file} line {line}, {field}"),
        }
    }
}

/// Why a list file was refused. The messages name where and what was expected, never a name
/// or other personal data from the file (an entry's own source id may appear).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The format takes another number of files.
    #[error("the {format} format takes {expected}, {found} given")]
    WrongFileCount {
        /// The format asked for.
        format: ListFormat,
        /// What it takes, in words.
        expected: &'static str,
        /// How many files were given.
        found: usize,
    },
    /// The file is not in the format at all (another root element, not text).
    #[error("{location}: not a {format} file: expected {expected}")]
    NotThisFormat {
        /// The format asked for.
        format: ListFormat,
        /// Where that became clear.
        location: Location,
        /// What the format starts with.
        expected: &'static str,
    },
    /// The file breaks its syntax (ill-formed or truncated XML, invalid JSON, unbalanced CSV
    /// quotes, bytes that are not in the file's encoding).
    #[error("{location}: malformed: {reason}")]
    Malformed {
        /// Where.
        location: Location,
        /// What is wrong, in the parser's words (which never quote content).
        reason: String,
    },
    /// Something every entry must have is absent (an id, a name, a type).
    #[error("{location}: {}missing {what}", entry_prefix(entry_id.as_deref()))]
    Missing {
        /// Where it should be (the element or line that lacks it).
        location: Location,
        /// What is missing.
        what: &'static str,
        /// The entry's source id, when it was read before the error.
        entry_id: Option<String>,
    },
    /// A value is not of the expected form (a date that is not a date).
    #[error("{location}: {}{what} is not {expected}", entry_prefix(entry_id.as_deref()))]
    Invalid {
        /// Where the value is.
        location: Location,
        /// What the value is (`date of birth`, `ent_num`, …).
        what: &'static str,
        /// What form was expected.
        expected: &'static str,
        /// The entry's source id, when known.
        entry_id: Option<String>,
    },
    /// A code from a closed set has a value this importer does not know (an `sdnType`, an
    /// alias category). These values are codes, not personal data, so the message shows it.
    #[error("{location}: {}unknown {what} `{found}` (known: {known})", entry_prefix(entry_id.as_deref()))]
    UnknownCode {
        /// Where the value is.
        location: Location,
        /// What the value is.
        what: &'static str,
        /// The value found.
        found: String,
        /// The values this importer knows.
        known: &'static str,
        /// The entry's source id, when known.
        entry_id: Option<String>,
    },
    /// A CSV row has another number of columns than its file's specification.
    #[error("{location}: {found} columns, expected {expected}")]
    WrongColumnCount {
        /// The row.
        location: Location,
        /// The columns OFAC's data specification gives the file.
        expected: usize,
        /// The columns found.
        found: usize,
    },
}

fn entry_prefix(entry_id: Option<&str>) -> String {
    entry_id.map_or_else(String::new, |id| format!("entry {id}: "))
}
