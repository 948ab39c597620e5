//! Sanctions and PEP screening.
//!
//! A list (OFAC's SDN list, the UN Security Council's consolidated list, the EU's financial
//! sanctions file, an OpenSanctions FollowTheMoney export) becomes a [`ListVersion`]: its
//! [`ListEntry`]s in one model, whatever the source format, each keeping the identifier the
//! source gave it so an operator can look the entry up where it came from. Importers of the
//! formats live in `kyc-lists`; this crate only holds the model and scores subjects against it.

mod entry;
pub mod evaluation;
mod index;
mod matcher;
mod normalize;

pub use entry::{
    EntityKind, EntryName, EntryTopic, Identifier, ListEntry, ListFormat, ListVersion,
    NameStrength, PartialDate, PartialDateError,
};
pub use index::{ListRef, ScreeningIndex};
pub use matcher::{
    Adjustment, Agreement, BirthDateOutcome, Candidate, CountryOutcome, Explanation, MatchPolicy,
    Qualifier, Subject, SubjectIdentifier, SubjectKind, TokenMatch, DEFAULT_THRESHOLD,
};
