//! What is screened, what a screening returns, and how one name is scored against another.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::entry::{EntityKind, EntryTopic, Identifier, NameStrength, PartialDate};
use crate::normalize::{edits_upto_two, Role, Script, Token};

/// The default match threshold.
///
/// Chosen from the evaluation (`evaluation`: synthetic lists of 2,000 and 20,000 entries, seeds
/// 5, 7, 21 and 99, 50 queries per variation class and per look-alike class). Every class keeps
/// recall ≥ 0.95 and false positives stay ≤ 2 % for thresholds from 0.76 to 0.82 on every seed;
/// at 0.74 false positives reach 1.7 % (near-namesakes within a typo of each other), at 0.84
/// recall starts to fall and at 0.86 the two-edit typos (about 0.85) and initials (0.82 to 0.86)
/// drop out. 0.78 sits in the middle of that band: above the look-alikes (the same given names
/// with another family name score 0.6, one shared token of two-token names is capped at 0.6, a
/// conflicting middle name scores about 0.72) and below the weakest single variation the
/// requirement lists. The
/// `default_threshold_meets_the_requirement` test holds it there.
pub const DEFAULT_THRESHOLD: f64 = 0.78;

/// Whether the screened party is a person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A natural person: screened against person entries (and entries of unknown kind).
    Person,
    /// A company or other organisation: screened against organisations, vessels, aircraft and
    /// entries of unknown kind.
    Organization,
}

impl SubjectKind {
    /// Whether an entry of this kind can designate a subject of this kind.
    pub fn admits(self, kind: EntityKind) -> bool {
        match self {
            SubjectKind::Person => matches!(kind, EntityKind::Person | EntityKind::Other),
            SubjectKind::Organization => !matches!(kind, EntityKind::Person),
        }
    }
}

/// An identification number of the subject.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SubjectIdentifier {
    /// The number as written; spaces, dashes and case do not matter.
    pub number: String,
    /// The issuing country, ISO 3166-1 alpha-2, when known.
    pub country: Option<String>,
}

/// What is screened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Person or organisation.
    pub kind: SubjectKind,
    /// The names to screen (the legal name first, then others the subject is known by).
    pub names: Vec<String>,
    /// The date of birth (of incorporation, for an organisation), when known.
    pub birth_date: Option<NaiveDate>,
    /// Nationalities or countries of residence (registration), ISO 3166-1 alpha-2.
    pub countries: Vec<String>,
    /// Identification numbers.
    pub identifiers: Vec<SubjectIdentifier>,
}

/// How a screening decides and how much it returns.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MatchPolicy {
    /// A candidate scoring at least this is a match.
    pub threshold: f64,
    /// At most this many candidates are returned, best first.
    pub max_candidates: usize,
    /// Candidates below this are not returned at all (near misses between it and the threshold
    /// are, so an operator sees what almost matched).
    pub min_score: f64,
}

impl Default for MatchPolicy {
    fn default() -> Self {
        MatchPolicy {
            threshold: DEFAULT_THRESHOLD,
            max_candidates: 10,
            min_score: 0.5,
        }
    }
}

/// One list entry a subject was scored against, with the best of its names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The list's name, as the caller gave it to the index.
    pub list: String,
    /// The list version's id, as the caller gave it to the index.
    pub list_version: i64,
    /// The entry's identifier in its source list.
    pub entry_id: String,
    /// [`crate::ListEntry::fingerprint`] of the entry.
    pub entry_fingerprint: String,
    /// Why the entry is listed.
    pub topics: Vec<EntryTopic>,
    /// What kind of party the entry is.
    pub kind: EntityKind,
    /// The entry's name that scored best, as the list spells it.
    pub matched_name: String,
    /// The subject's name that scored best, as given.
    pub query_name: String,
    /// From 0 (nothing in common) to 1 (certain).
    pub score: f64,
    /// Whether the score reaches the policy's threshold.
    pub is_match: bool,
    /// How the score came about.
    pub explanation: Explanation,
}

/// How a candidate's score came about, for the operator who resolves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The subject's name compared.
    pub query_name: String,
    /// The entry's name compared, as the list spells it.
    pub matched_name: String,
    /// Whether that is the entry's primary name, a strong or a weak alias.
    pub name_strength: NameStrength,
    /// The score of the names alone.
    pub name_score: f64,
    /// The token alignment: which token of one name stands for which of the other, and how.
    pub tokens: Vec<TokenMatch>,
    /// What lowered or capped the name score (missing and extra tokens, caps).
    pub adjustments: Vec<Adjustment>,
    /// The birth date, country and identifier comparisons and their effect.
    pub qualifiers: Vec<Qualifier>,
    /// Whether an identification number settled the match.
    pub certain: bool,
    /// The final score.
    pub score: f64,
}

/// One step of the token alignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenMatch {
    /// The subject's token(s), as written; absent for a token only the entry has.
    pub query: Option<String>,
    /// The entry's token(s), as the list writes them; absent for a token only the query has.
    pub entry: Option<String>,
    /// How the two agree.
    pub agreement: Agreement,
    /// The similarity of the pair, 0 to 1 (0 for missing and extra tokens).
    pub similarity: f64,
}

/// How a query token agrees with an entry token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Agreement {
    /// The same letters.
    Exact,
    /// The same letters once case and diacritics are folded (`é`→`e`, `ß`→`ss`, `ł`→`l`).
    Folded,
    /// The same name written in another script (Cyrillic, Greek, Arabic) or another
    /// transliteration of it.
    Transliterated,
    /// The same letters once look-alike Cyrillic or Greek letters are read as Latin ones.
    Homoglyph,
    /// The same sound: spelling variants (`w`/`v`, `y`/`i`, `kh`/`h`) or doubled letters.
    Phonetic,
    /// The same consonants (vowels differ or are not written, as in Arabic script).
    Skeleton,
    /// A single letter standing for the name.
    Initial,
    /// The same name up to a few typing errors.
    Typo {
        /// Insertions, deletions, substitutions and transpositions.
        edits: u8,
    },
    /// One name written as two tokens on one side and one on the other (`Abdul Rahman` /
    /// `Abdulrahman`).
    CompoundSplit,
    /// A particle (`al`, `bin`, `van der`) only one side has; it does not count.
    ParticleIgnored,
    /// A legal-form word of an organisation name (`LLC`, `GmbH`); it does not count.
    LegalFormIgnored,
    /// An entry token the query does not have.
    Missing,
    /// A query token the entry does not have.
    Extra,
}

/// What lowered or capped a name score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Adjustment {
    /// The entry has a token the query lacks; a first or last name weighs more than a middle one.
    MissingToken {
        /// The entry's token.
        token: String,
        /// Whether it is the entry name's first or last token.
        anchor: bool,
        /// The factor applied to the score.
        factor: f64,
    },
    /// The query has a token the entry lacks.
    ExtraToken {
        /// The query's token.
        token: String,
        /// Whether it is the query name's first or last token.
        anchor: bool,
        /// The factor applied to the score.
        factor: f64,
    },
    /// Only one token of two many-token names agrees: a shared given name is not a match.
    SingleTokenCap {
        /// The score's ceiling.
        cap: f64,
    },
    /// A weak alias alone does not make a match unless a birth date or number supports it.
    WeakAliasCap {
        /// The score's ceiling (just below the threshold).
        cap: f64,
    },
}

/// A comparison of what the subject and the entry say beside names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Qualifier {
    /// The subject's date of birth against the entry's.
    BirthDate {
        /// Equal, same year, or conflicting year.
        outcome: BirthDateOutcome,
        /// The subject's year of birth.
        subject_year: i32,
        /// The entry's dates of birth, as the list gives them.
        entry_dates: Vec<String>,
        /// What was added to the score (negative: subtracted).
        effect: f64,
    },
    /// The subject's countries against the entry's.
    Country {
        /// Shared or conflicting.
        outcome: CountryOutcome,
        /// The entry's countries.
        entry_countries: Vec<String>,
        /// What was added to the score (negative: subtracted).
        effect: f64,
    },
    /// An identification number of the subject equals one of the entry's: the match is certain.
    Identifier {
        /// The entry's name for the document.
        document: String,
        /// The issuing country the entry gives.
        country: Option<String>,
    },
}

/// How two dates of birth compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BirthDateOutcome {
    /// The entry's date is the subject's, to the precision the list gives.
    Equal,
    /// The same year, a different or unknown day.
    SameYear,
    /// No year of the entry's is the subject's.
    ConflictingYear,
}

/// How two sets of countries compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountryOutcome {
    /// At least one country in common.
    Shared,
    /// Both give countries, none in common.
    Conflicting,
}

/// The similarity of two tokens and how they agree, or `None` when they do not.
pub(crate) fn token_similarity(q: &Token, e: &Token) -> Option<(f64, Agreement)> {
    match (q.role, e.role) {
        (Role::Particle, Role::Particle) | (Role::Initial, Role::Initial) => {
            return (q.text == e.text).then_some((1.0, Agreement::Exact));
        }
        (Role::Initial, Role::Name | Role::Particle)
        | (Role::Name | Role::Particle, Role::Initial) => {
            return (q.text.as_bytes().first() == e.text.as_bytes().first())
                .then_some((0.8, Agreement::Initial));
        }
        (Role::Name, Role::Name) => {}
        _ => return None,
    }
    let cross_script = q.script != e.script;
    if q.text == e.text {
        let agreement = if cross_script {
            Agreement::Transliterated
        } else if q.homoglyph || e.homoglyph {
            Agreement::Homoglyph
        } else if q.folded || e.folded || q.original.to_lowercase() != e.original.to_lowercase() {
            Agreement::Folded
        } else {
            Agreement::Exact
        };
        return Some((1.0, agreement));
    }
    if q.phonetic == e.phonetic {
        let agreement = if cross_script {
            Agreement::Transliterated
        } else {
            Agreement::Phonetic
        };
        return Some((0.95, agreement));
    }
    let arabic = q.script == Script::Arabic || e.script == Script::Arabic;
    if arabic {
        let strict = q.skeleton == e.skeleton && q.skeleton.len() >= 2;
        let loose = q.loose == e.loose && q.loose.len() >= 2;
        return (strict || loose).then_some((0.92, Agreement::Skeleton));
    }
    let mut best: Option<(f64, Agreement)> = None;
    let shortest = q.text.len().min(e.text.len());
    let longest = q.text.len().max(e.text.len());
    // Typing errors are counted on the letters; the phonetic form only adds a spelling variant
    // with one error on top (`Mukhamad` / `Muhammad`): two phonetic edits can hide three or four
    // letters (`Fedotev` / `Fedoyshev`), which is another name.
    let text_edits = edits_upto_two(&q.text, &e.text);
    let edits = if edits_upto_two(&q.phonetic, &e.phonetic) <= 1 {
        text_edits.min(1)
    } else {
        text_edits
    };
    // People rarely mistype the first letter of a name; a different first letter is more often
    // a different name (`Karakidis` / `Papakidis`).
    let same_start = q.text.as_bytes().first() == e.text.as_bytes().first()
        || q.phonetic.as_bytes().first() == e.phonetic.as_bytes().first();
    let typo = match (edits, shortest, same_start) {
        (1, 4.., true) => Some(0.88),
        (1, 4.., false) => Some(0.75),
        (1, 3, _) => Some(0.7),
        (2, _, true) if shortest + longest >= 12 && shortest >= 5 => Some(0.78),
        (2, _, false) if shortest + longest >= 12 && shortest >= 5 => Some(0.65),
        _ => None,
    };
    if let Some(similarity) = typo {
        #[allow(clippy::cast_possible_truncation)]
        let edits = edits as u8;
        best = Some((similarity, Agreement::Typo { edits }));
    }
    // Between two Latin spellings, equal consonants say little when there are few of them
    // (`Gallini` / `Gallanno`).
    if q.skeleton == e.skeleton
        && q.skeleton.len() >= 4
        && q.text.as_bytes().first() == e.text.as_bytes().first()
        && best.is_none_or(|(s, _)| s < 0.85)
    {
        best = Some((0.85, Agreement::Skeleton));
    }
    best
}

/// Compares a token written as two on one side (`abdul` + `rahman`) with one token on the other.
fn compound_similarity(first: &Token, whole: &Token) -> Option<f64> {
    if whole.role != Role::Name {
        return None;
    }
    let joined = first.join.as_deref()?;
    if joined.text == whole.text {
        return Some(0.97);
    }
    if joined.phonetic == whole.phonetic {
        return Some(0.93);
    }
    let arabic = joined.arabic || whole.script == Script::Arabic;
    (arabic && (joined.skeleton == whole.skeleton || joined.loose == whole.loose)).then_some(0.9)
}

/// One aligned unit: one or two query tokens against one or two entry tokens.
#[derive(Debug, Clone, Copy)]
struct Unit {
    query: u32,
    entry: u32,
    similarity: f64,
    agreement: Agreement,
    weight: f64,
    both_names: bool,
}

fn weight(token: &Token) -> f64 {
    if token.role == Role::Initial {
        0.5
    } else {
        1.0
    }
}

/// The score of one query name against one entry name, and its explanation parts.
#[derive(Debug, Clone)]
pub(crate) struct NameScore {
    pub(crate) score: f64,
    pub(crate) tokens: Vec<TokenMatch>,
    pub(crate) adjustments: Vec<Adjustment>,
}

const SINGLE_TOKEN_CAP: f64 = 0.6;
const INITIALS_ONLY_CAP: f64 = 0.5;

/// Scores a query name against an entry name: an alignment of their tokens (greedy, best pairs
/// first, compounds included), the weighted mean and the minimum of the pairs' similarities,
/// then a factor for every token only one side has.
#[allow(clippy::too_many_lines)]
pub(crate) fn score_names(query: &[Token], entry: &[Token], explain: bool) -> NameScore {
    // Names of more than 32 tokens are not names; their tail is ignored.
    let query = &query[..query.len().min(32)];
    let entry = &entry[..entry.len().min(32)];
    let mut units: Vec<Unit> = Vec::with_capacity(query.len() * entry.len() + 4);
    for (i, q) in query.iter().enumerate() {
        for (j, e) in entry.iter().enumerate() {
            if let Some((similarity, agreement)) = token_similarity(q, e) {
                units.push(Unit {
                    query: 1 << i,
                    entry: 1 << j,
                    similarity,
                    agreement,
                    weight: weight(q).max(weight(e)),
                    both_names: q.role == Role::Name && e.role == Role::Name,
                });
            }
        }
    }
    let compound = |side_a: &[Token], side_b: &[Token], units: &mut Vec<Unit>, query_side: bool| {
        for (i, first) in side_a.iter().enumerate() {
            if first.join.is_none() {
                continue;
            }
            for (j, whole) in side_b.iter().enumerate() {
                if let Some(similarity) = compound_similarity(first, whole) {
                    let pair = 0b11 << i;
                    let single = 1 << j;
                    let (q, e) = if query_side {
                        (pair, single)
                    } else {
                        (single, pair)
                    };
                    units.push(Unit {
                        query: q,
                        entry: e,
                        similarity,
                        agreement: Agreement::CompoundSplit,
                        weight: 1.0,
                        both_names: true,
                    });
                }
            }
        }
    };
    compound(query, entry, &mut units, true);
    compound(entry, query, &mut units, false);
    units.sort_by(|a, b| {
        b.similarity.total_cmp(&a.similarity).then(
            (a.query.count_ones() + a.entry.count_ones())
                .cmp(&(b.query.count_ones() + b.entry.count_ones())),
        )
    });
    let singles_first = assign(query, entry, &units, explain);
    if !units
        .iter()
        .any(|u| u.agreement == Agreement::CompoundSplit)
    {
        return singles_first;
    }
    // Greedy pairing can let a single token take the half of a compound that another token
    // needed (`Abdulkarim Karim` / `Abdul-Karim Karim`): try the compounds first too.
    units.sort_by_key(|u| u.agreement != Agreement::CompoundSplit);
    let compounds_first = assign(query, entry, &units, explain);
    if compounds_first.score > singles_first.score {
        compounds_first
    } else {
        singles_first
    }
}

/// Pairs units greedily in their order, then scores the pairing.
#[allow(clippy::too_many_lines)]
fn assign(query: &[Token], entry: &[Token], units: &[Unit], explain: bool) -> NameScore {
    let (mut used_q, mut used_e) = (0_u32, 0_u32);
    let mut chosen: Vec<Unit> = Vec::new();
    for &unit in units {
        if unit.query & used_q == 0 && unit.entry & used_e == 0 {
            used_q |= unit.query;
            used_e |= unit.entry;
            chosen.push(unit);
        }
    }
    let join = |tokens: &[Token], mask: u32| -> String {
        tokens
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, t)| t.original.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut tokens = Vec::new();
    let mut adjustments = Vec::new();
    let (mut weighted, mut total, mut minimum) = (0.0, 0.0, 1.0_f64);
    let mut name_units = 0;
    for unit in &chosen {
        if unit.agreement == Agreement::Exact
            && query
                .iter()
                .enumerate()
                .any(|(i, t)| unit.query & (1 << i) != 0 && t.role == Role::Particle)
        {
            // A shared particle says little; it neither raises nor lowers the score.
        } else {
            weighted += unit.weight * unit.similarity;
            total += unit.weight;
            minimum = minimum.min(unit.similarity);
            if unit.both_names {
                name_units += 1;
            }
        }
        if explain {
            tokens.push(TokenMatch {
                query: Some(join(query, unit.query)),
                entry: Some(join(entry, unit.entry)),
                agreement: unit.agreement,
                similarity: unit.similarity,
            });
        }
    }
    let mut factor = 1.0;
    // A middle name on each side that the other lacks is a conflicting middle name, not a
    // dropped one: it weighs more.
    let unmatched_names = |tokens: &[Token], used: u32| {
        tokens
            .iter()
            .enumerate()
            .any(|(i, t)| t.role == Role::Name && used & (1 << i) == 0)
    };
    let middle = if unmatched_names(query, used_q) && unmatched_names(entry, used_e) {
        0.85
    } else {
        0.93
    };
    let anchors = |tokens: &[Token]| {
        let counting: Vec<usize> = (0..tokens.len()).filter(|&i| tokens[i].counts()).collect();
        (counting.first().copied(), counting.last().copied())
    };
    let (entry_first, entry_last) = anchors(entry);
    let entry_names = entry.iter().filter(|t| t.role == Role::Name).count();
    for (j, token) in entry.iter().enumerate() {
        if used_e & (1 << j) != 0 {
            continue;
        }
        let (agreement, penalty) = match token.role {
            Role::Particle => (Agreement::ParticleIgnored, None),
            Role::LegalForm => (Agreement::LegalFormIgnored, None),
            Role::Initial => (Agreement::Missing, Some((false, 0.97))),
            Role::Name => {
                let anchor = Some(j) == entry_first || Some(j) == entry_last || token.hyphenated;
                (
                    Agreement::Missing,
                    Some((anchor, if anchor { 0.75 } else { middle })),
                )
            }
        };
        if let Some((anchor, f)) = penalty {
            factor *= f;
            if explain {
                adjustments.push(Adjustment::MissingToken {
                    token: token.original.clone(),
                    anchor,
                    factor: f,
                });
            }
        }
        if explain {
            tokens.push(TokenMatch {
                query: None,
                entry: Some(token.original.clone()),
                agreement,
                similarity: 0.0,
            });
        }
    }
    let (query_first, query_last) = anchors(query);
    for (i, token) in query.iter().enumerate() {
        if used_q & (1 << i) != 0 {
            continue;
        }
        let (agreement, penalty) = match token.role {
            Role::Particle => (Agreement::ParticleIgnored, None),
            Role::LegalForm => (Agreement::LegalFormIgnored, None),
            Role::Initial => (Agreement::Extra, Some((false, 0.97))),
            Role::Name => {
                let anchor = Some(i) == query_first || Some(i) == query_last || token.hyphenated;
                (
                    Agreement::Extra,
                    Some((anchor, if anchor { 0.8 } else { middle })),
                )
            }
        };
        if let Some((anchor, f)) = penalty {
            factor *= f;
            if explain {
                adjustments.push(Adjustment::ExtraToken {
                    token: token.original.clone(),
                    anchor,
                    factor: f,
                });
            }
        }
        if explain {
            tokens.push(TokenMatch {
                query: Some(token.original.clone()),
                entry: None,
                agreement,
                similarity: 0.0,
            });
        }
    }
    if total == 0.0 {
        return NameScore {
            score: 0.0,
            tokens,
            adjustments,
        };
    }
    let quality = 0.6 * (weighted / total) + 0.4 * minimum;
    let mut score = quality * factor;
    let cap = if name_units == 0 {
        Some(INITIALS_ONLY_CAP)
    } else if chosen.len() == 1 && name_units == 1 && entry_names >= 2 {
        Some(SINGLE_TOKEN_CAP)
    } else {
        None
    };
    if let Some(cap) = cap {
        if score > cap {
            score = cap;
            if explain {
                adjustments.push(Adjustment::SingleTokenCap { cap });
            }
        }
    }
    NameScore {
        score,
        tokens,
        adjustments,
    }
}

/// Normalises an identification number: only letters and digits, upper case.
pub(crate) fn normalize_number(number: &str) -> String {
    number
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The entry-level comparisons beside names.
pub(crate) struct Qualifiers {
    pub(crate) effect: f64,
    pub(crate) certain: bool,
    pub(crate) supports: bool,
    pub(crate) items: Vec<Qualifier>,
}

pub(crate) const DOB_EQUAL: f64 = 0.05;
pub(crate) const DOB_SAME_YEAR: f64 = 0.02;
pub(crate) const DOB_YEAR_OFF_BY_ONE: f64 = -0.10;
pub(crate) const DOB_CONFLICT: f64 = -0.20;
pub(crate) const COUNTRY_SHARED: f64 = 0.02;
pub(crate) const COUNTRY_CONFLICT: f64 = -0.05;

/// Compares birth dates, countries and identification numbers.
pub(crate) fn qualify(
    subject: &Subject,
    subject_numbers: &[(String, Option<String>)],
    birth_dates: &[PartialDate],
    countries: &[String],
    identifiers: &[Identifier],
) -> Qualifiers {
    let mut out = Qualifiers {
        effect: 0.0,
        certain: false,
        supports: false,
        items: Vec::new(),
    };
    if let (Some(date), false) = (subject.birth_date, birth_dates.is_empty()) {
        let equal = birth_dates
            .iter()
            .any(|d| d.day.is_some() && d.admits(date));
        let same_year = birth_dates.iter().any(|d| d.year == date.year());
        let (outcome, effect) = if equal {
            (BirthDateOutcome::Equal, DOB_EQUAL)
        } else if same_year {
            (BirthDateOutcome::SameYear, DOB_SAME_YEAR)
        } else {
            let closest = birth_dates
                .iter()
                .map(|d| (d.year - date.year()).abs())
                .min()
                .unwrap_or(i32::MAX);
            let effect = if closest <= 1 {
                DOB_YEAR_OFF_BY_ONE
            } else {
                DOB_CONFLICT
            };
            (BirthDateOutcome::ConflictingYear, effect)
        };
        out.supports |= outcome != BirthDateOutcome::ConflictingYear;
        out.effect += effect;
        out.items.push(Qualifier::BirthDate {
            outcome,
            subject_year: date.year(),
            entry_dates: birth_dates.iter().map(ToString::to_string).collect(),
            effect,
        });
    }
    if !subject.countries.is_empty() && !countries.is_empty() {
        let shared = subject
            .countries
            .iter()
            .any(|c| countries.iter().any(|e| e.eq_ignore_ascii_case(c)));
        let (outcome, effect) = if shared {
            (CountryOutcome::Shared, COUNTRY_SHARED)
        } else {
            (CountryOutcome::Conflicting, COUNTRY_CONFLICT)
        };
        out.effect += effect;
        out.items.push(Qualifier::Country {
            outcome,
            entry_countries: countries.to_vec(),
            effect,
        });
    }
    for identifier in identifiers {
        let number = normalize_number(&identifier.number);
        if number.len() < 4 {
            continue;
        }
        let equal = subject_numbers.iter().any(|(n, country)| {
            *n == number
                && match (country, &identifier.country) {
                    (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                    _ => true,
                }
        });
        if equal {
            out.certain = true;
            out.supports = true;
            out.items.push(Qualifier::Identifier {
                document: identifier.kind.clone(),
                country: identifier.country.clone(),
            });
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::tokenize;

    fn score(query: &str, entry: &str) -> f64 {
        score_names(&tokenize(query, false), &tokenize(entry, false), true).score
    }

    #[test]
    fn token_agreements_are_classified() {
        let t = |s: &str| tokenize(s, false).remove(0);
        let kind = |a: &str, b: &str| token_similarity(&t(a), &t(b)).map(|(_, k)| k);
        assert_eq!(kind("Karimov", "KARIMOV"), Some(Agreement::Exact));
        assert_eq!(kind("Jürgen", "Jurgen"), Some(Agreement::Folded));
        assert_eq!(
            kind("Владимир", "Vladimir"),
            Some(Agreement::Transliterated)
        );
        assert_eq!(kind("Wladimir", "Vladimir"), Some(Agreement::Phonetic));
        assert_eq!(kind("محمد", "Muhammad"), Some(Agreement::Skeleton));
        assert_eq!(
            kind("K\u{0430}rimov", "Karimov"),
            Some(Agreement::Homoglyph)
        );
        assert_eq!(
            kind("Karimvo", "Karimov"),
            Some(Agreement::Typo { edits: 1 })
        );
        assert_eq!(
            kind("Kamilov", "Karimov"),
            Some(Agreement::Typo { edits: 2 })
        );
        assert_eq!(kind("Petrov", "Karimov"), None);
    }

    #[test]
    fn look_alikes_score_below_variants() {
        let exact = score("Muhammad Yusuf Karimov", "Muhammad Yusuf Karimov");
        let reordered = score("KARIMOV, Muhammad Yusuf", "Muhammad Yusuf Karimov");
        let middle_dropped = score("Muhammad Karimov", "Muhammad Yusuf Karimov");
        let kamilov = score("Muhammad Yusuf Kamilov", "Muhammad Yusuf Karimov");
        let other_surname = score("Muhammad Yusuf Petrov", "Muhammad Yusuf Karimov");
        let given_only = score("Muhammad", "Muhammad Yusuf Karimov");
        assert!((exact - 1.0).abs() < 1e-9);
        assert!((reordered - 1.0).abs() < 1e-9);
        assert!(middle_dropped > DEFAULT_THRESHOLD, "{middle_dropped}");
        assert!(kamilov < middle_dropped, "{kamilov}");
        assert!(other_surname < DEFAULT_THRESHOLD, "{other_surname}");
        assert!(given_only <= SINGLE_TOKEN_CAP, "{given_only}");
    }

    #[test]
    fn compounds_particles_and_initials_align() {
        assert!(score("Abdulrahman Karimov", "Abdul-Rahman Karimov") > 0.9);
        assert!(score("Abdul Rahman Karimov", "Abdul-Rahman Karimov") > 0.99);
        assert!(score("Tariq Rashid", "Tariq al-Rashid") > 0.99);
        assert!(score("Pieter Berg", "Pieter van der Berg") > 0.99);
        assert!(score("M. Y. Karimov", "Muhammad Yusuf Karimov") > DEFAULT_THRESHOLD);
        assert!(score("عبدالرحمن كريموف", "Abdul Rahman Karimov") > DEFAULT_THRESHOLD);
    }
}
