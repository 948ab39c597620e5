//! Sanctions and PEP screening.
//!
//! A list (OFAC's SDN list, the UN Security Council's consolidated list, the EU's financial
//! sanctions file, an OpenSanctions FollowTheMoney export) becomes a [`ListVersion`]: its
//! [`ListEntry`]s in one model, whatever the source format, each keeping the identifier the
//! source gave it so an operator can look the entry up where it came from. Importers of the
//! formats live in `kyc-lists`; this crate only holds the model and scores subjects against it.
//!
//! Screening: [`ScreeningIndex::build`] indexes the entries of one or more list versions (a
//! tenant's lists); [`ScreeningIndex::screen`] scores a [`Subject`] against the entries that
//! share enough with it (blocking on normalised, phonetic, consonant-skeleton and typo-tolerant
//! keys) and returns [`Candidate`]s, best first, each with an [`Explanation`] an operator can
//! read: which names, which token stood for which and how (exact, transliterated, homoglyph,
//! initial, typo, …), and how birth dates, countries and identification numbers moved the score.
//! [`evaluation`] generates a labelled synthetic set and measures any scorer on it.

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
