//! The screening index: the names of one or more list versions, normalised once, with blocking
//! keys so a screening scores only the entries that share something with the subject.
//!
//! Blocking: every distinct token of every entry name (and every concatenation of two adjacent
//! tokens, for `Abdul Rahman` / `Abdulrahman`) is a dictionary word, reachable by its phonetic
//! key, its consonant skeleton, and the deletion variants of its phonetic key (up to two
//! deletions for keys of six letters or more, one for four or five: `SymSpell`'s trick, so any
//! key within two edits shares a variant). A screening looks up each of its tokens, marks the
//! names the found words occur in, and scores only the names that enough distinct query tokens
//! reached (two, or one when either name has a single token).

use std::collections::HashMap;
use std::hash::BuildHasher;

use foldhash::fast::FixedState;

use crate::entry::{EntityKind, EntryTopic, Identifier, ListEntry, NameStrength, PartialDate};
use crate::matcher::{
    normalize_number, qualify, score_names, Candidate, Explanation, MatchPolicy, Subject,
    SubjectKind,
};
use crate::normalize::{deletion_depth, edits_upto_two, tokenize, Role, Script, Token};

/// A list version, as the caller identifies it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListRef {
    /// The list's name (`ofac_sdn`, `un_sc`, …).
    pub name: String,
    /// The id the store gave the imported version.
    pub version: i64,
}

#[derive(Debug)]
struct IndexedEntry {
    list: u32,
    entry_id: String,
    fingerprint: String,
    kind: EntityKind,
    topics: Vec<EntryTopic>,
    birth_dates: Vec<PartialDate>,
    countries: Vec<String>,
    identifiers: Vec<Identifier>,
}

#[derive(Debug)]
struct IndexedName {
    entry: u32,
    full: String,
    strength: NameStrength,
    tokens: Vec<Token>,
    /// Tokens that count (names and initials), the `required hits` bound's other side.
    counting: u32,
}

/// Seeds-fixed hashing keeps the index deterministic across runs (and the keys are our own).
type Map<V> = HashMap<u64, V, FixedState>;

/// An index over one or more list versions, shared by concurrent screenings (`Send + Sync`).
#[derive(Debug)]
pub struct ScreeningIndex {
    lists: Vec<ListRef>,
    entries: Vec<IndexedEntry>,
    names: Vec<IndexedName>,
    /// Dictionary word → names it occurs in.
    postings: Vec<Vec<u32>>,
    /// Dictionary word → its forms, for verifying a key hit.
    words: Vec<Word>,
    phonetic_keys: Map<Bucket>,
    skeleton_keys: Map<Bucket>,
    /// Loose skeletons, for comparisons with Arabic script only.
    loose_keys: Map<Bucket>,
    deletion_keys: Map<Bucket>,
    numbers: HashMap<String, Vec<u32>, FixedState>,
    hasher: FixedState,
}

/// The dictionary words under one key. Most keys (deletion variants above all) lead to one
/// word: those need no allocation of their own, which halves the index's build time.
#[derive(Debug, Default)]
enum Bucket {
    #[default]
    Empty,
    One([u32; 1]),
    Many(Vec<u32>),
}

impl Bucket {
    fn push(&mut self, word: u32) {
        match self {
            Bucket::Empty => *self = Bucket::One([word]),
            Bucket::One([only]) if *only == word => {}
            Bucket::One([only]) => *self = Bucket::Many(vec![*only, word]),
            Bucket::Many(words) => {
                if words.last() != Some(&word) {
                    words.push(word);
                }
            }
        }
    }

    fn words(&self) -> &[u32] {
        match self {
            Bucket::Empty => &[],
            Bucket::One(one) => one,
            Bucket::Many(words) => words,
        }
    }
}

#[derive(Debug)]
struct Word {
    text: String,
    phonetic: String,
    skeleton: String,
    loose: String,
    arabic: bool,
    typo_keys: bool,
}

impl ScreeningIndex {
    /// Indexes the entries of every list version given.
    #[allow(clippy::too_many_lines)]
    pub fn build<'a>(lists: impl IntoIterator<Item = (ListRef, &'a [ListEntry])>) -> Self {
        let hasher = FixedState::with_seed(0x6b79_6373_6372_6565);
        let lists: Vec<(ListRef, &[ListEntry])> = lists.into_iter().collect();
        // Sized up front from the number of names: growing the maps rehashes millions of keys.
        let entry_count: usize = lists.iter().map(|(_, entries)| entries.len()).sum();
        let name_count: usize = lists
            .iter()
            .flat_map(|(_, entries)| entries.iter())
            .map(|entry| entry.names.len())
            .sum();
        // About one new word a name and eight deletion keys a word, on the synthetic list.
        let word_estimate = name_count;
        let mut index = ScreeningIndex {
            lists: Vec::with_capacity(lists.len()),
            entries: Vec::with_capacity(entry_count),
            names: Vec::with_capacity(name_count),
            postings: Vec::with_capacity(word_estimate),
            words: Vec::with_capacity(word_estimate),
            phonetic_keys: Map::with_capacity_and_hasher(word_estimate, hasher),
            skeleton_keys: Map::with_capacity_and_hasher(word_estimate / 2, hasher),
            loose_keys: Map::with_capacity_and_hasher(word_estimate / 2, hasher),
            deletion_keys: Map::with_capacity_and_hasher(word_estimate * 8, hasher),
            numbers: HashMap::with_capacity_and_hasher(entry_count, hasher),
            hasher,
        };
        let mut dictionary: Dictionary = HashMap::with_capacity_and_hasher(word_estimate, hasher);
        let mut variants = Vec::new();
        for (list, entries) in lists {
            let list_index = u32::try_from(index.lists.len()).unwrap_or(u32::MAX);
            index.lists.push(list);
            for entry in entries {
                let entry_index = u32::try_from(index.entries.len()).unwrap_or(u32::MAX);
                for identifier in &entry.identifiers {
                    let number = normalize_number(&identifier.number);
                    if number.len() >= 4 {
                        index.numbers.entry(number).or_default().push(entry_index);
                    }
                }
                let organization = !matches!(entry.kind, EntityKind::Person);
                for name in &entry.names {
                    let tokens = tokenize(&name.full, organization);
                    if tokens.is_empty() {
                        continue;
                    }
                    let name_index = u32::try_from(index.names.len()).unwrap_or(u32::MAX);
                    for token in tokens.iter().filter(|t| t.role == Role::Name) {
                        let forms = Forms {
                            text: &token.text,
                            phonetic: &token.phonetic,
                            skeleton: &token.skeleton,
                            loose: &token.loose,
                            arabic: token.script == Script::Arabic,
                        };
                        index.add_occurrence(
                            &mut dictionary,
                            &forms,
                            false,
                            name_index,
                            &mut variants,
                        );
                    }
                    for joined in tokens.iter().filter_map(|t| t.join.as_deref()) {
                        let forms = Forms {
                            text: &joined.text,
                            phonetic: &joined.phonetic,
                            skeleton: &joined.skeleton,
                            loose: &joined.loose,
                            arabic: joined.arabic,
                        };
                        index.add_occurrence(
                            &mut dictionary,
                            &forms,
                            true,
                            name_index,
                            &mut variants,
                        );
                    }
                    let counting =
                        u32::try_from(tokens.iter().filter(|t| t.role == Role::Name).count())
                            .unwrap_or(u32::MAX);
                    index.names.push(IndexedName {
                        entry: entry_index,
                        full: name.full.clone(),
                        strength: name.strength,
                        tokens,
                        counting,
                    });
                }
                index.entries.push(IndexedEntry {
                    list: list_index,
                    entry_id: entry.entry_id.clone(),
                    fingerprint: entry.fingerprint(),
                    kind: entry.kind,
                    topics: entry.topics.clone(),
                    birth_dates: entry.birth_dates.clone(),
                    countries: entry.countries.clone(),
                    identifiers: entry.identifiers.clone(),
                });
            }
        }
        index
    }

    fn key(&self, prefix_free: &str) -> u64 {
        self.hasher.hash_one(prefix_free)
    }

    /// Records that a word occurs in a name, adding the word and its keys when it is new.
    fn add_occurrence(
        &mut self,
        dictionary: &mut Dictionary,
        forms: &Forms<'_>,
        compound: bool,
        name_index: u32,
        variants: &mut Vec<u64>,
    ) {
        let arabic_key;
        // Arabic-script words get their own entries: their forms compare differently.
        let key: &str = if forms.arabic {
            arabic_key = format!("\u{1}{}", forms.text);
            &arabic_key
        } else {
            forms.text
        };
        let word = if let Some(&word) = dictionary.get(key) {
            word
        } else {
            let word = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
            dictionary.insert(key.into(), word);
            self.add_keys(word, forms.phonetic, forms.skeleton, forms.loose);
            self.words.push(Word {
                text: forms.text.to_owned(),
                phonetic: forms.phonetic.to_owned(),
                skeleton: forms.skeleton.to_owned(),
                loose: forms.loose.to_owned(),
                arabic: forms.arabic,
                typo_keys: false,
            });
            self.postings.push(Vec::new());
            word
        };
        // A word first seen as a compound (`Jun-ping`) gets its typo keys when it is seen as a
        // token of its own (`Junping`).
        if !compound && !self.words[word as usize].typo_keys {
            self.words[word as usize].typo_keys = true;
            self.add_typo_keys(word, variants);
        }
        let posting = &mut self.postings[word as usize];
        if posting.last() != Some(&name_index) {
            posting.push(name_index);
        }
    }

    fn add_keys(&mut self, word: u32, phonetic_key: &str, skeleton_key: &str, loose: &str) {
        let key = self.key(phonetic_key);
        self.phonetic_keys.entry(key).or_default().push(word);
        if skeleton_key.len() >= 2 {
            let key = self.key(skeleton_key);
            self.skeleton_keys.entry(key).or_default().push(word);
        }
        if loose.len() >= 2 {
            let key = self.key(loose);
            self.loose_keys.entry(key).or_default().push(word);
        }
    }

    fn add_typo_keys(&mut self, word: u32, variants: &mut Vec<u64>) {
        let Word { text, phonetic, .. } = &self.words[word as usize];
        variants.clear();
        // Both forms: a typo can break a digraph the phonetic form relies on.
        deletion_hashes(self.hasher, phonetic, variants);
        deletion_hashes(self.hasher, text, variants);
        variants.sort_unstable();
        variants.dedup();
        for &key in variants.iter() {
            self.deletion_keys.entry(key).or_default().push(word);
        }
    }

    /// How many entries the index holds, over all its lists.
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// How many names (primary names and aliases) the index holds.
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// The list versions the index was built from.
    pub fn lists(&self) -> &[ListRef] {
        &self.lists
    }

    /// Dictionary words reachable from one query form (a token or two adjacent tokens joined).
    fn lookup(&self, form: &Form<'_>, out: &mut Vec<u32>, variants: &mut Vec<u64>) {
        let Form {
            phonetic: phonetic_key,
            skeleton: skeleton_key,
            loose,
            arabic,
            typos,
        } = *form;
        let start = out.len();
        if let Some(words) = self
            .phonetic_keys
            .get(&self.key(phonetic_key))
            .map(Bucket::words)
        {
            out.extend(
                words
                    .iter()
                    .copied()
                    .filter(|&w| self.words[w as usize].phonetic == phonetic_key),
            );
        }
        if skeleton_key.len() >= 3 || (arabic && skeleton_key.len() >= 2) {
            if let Some(words) = self
                .skeleton_keys
                .get(&self.key(skeleton_key))
                .map(Bucket::words)
            {
                out.extend(words.iter().copied().filter(|&w| {
                    let word = &self.words[w as usize];
                    word.skeleton == skeleton_key
                        && (arabic
                            || word.arabic
                            || word.phonetic.as_bytes().first() == phonetic_key.as_bytes().first())
                }));
            }
        }
        if loose.len() >= 2 {
            if let Some(words) = self.loose_keys.get(&self.key(loose)).map(Bucket::words) {
                out.extend(words.iter().copied().filter(|&w| {
                    let word = &self.words[w as usize];
                    word.loose == loose && (arabic || word.arabic)
                }));
            }
        }
        if let (Some(text), false) = (typos, arabic) {
            variants.clear();
            deletion_hashes(self.hasher, phonetic_key, variants);
            deletion_hashes(self.hasher, text, variants);
            variants.sort_unstable();
            variants.dedup();
            for variant in variants.iter() {
                if let Some(words) = self.deletion_keys.get(variant).map(Bucket::words) {
                    out.extend(words.iter().copied().filter(|&w| {
                        let word = &self.words[w as usize];
                        !word.arabic
                            && (edits_upto_two(&word.phonetic, phonetic_key) <= 2
                                || edits_upto_two(&word.text, text) <= 2)
                    }));
                }
            }
        }
        out[start..].sort_unstable();
        let mut seen = start;
        for i in start..out.len() {
            if i == start || out[i] != out[seen - 1] {
                out[seen] = out[i];
                seen += 1;
            }
        }
        out.truncate(seen);
    }

    /// Screens a subject: the entries whose names share enough with one of the subject's names,
    /// or whose identification number is the subject's, scored and explained, best first.
    #[allow(clippy::too_many_lines)]
    pub fn screen(&self, subject: &Subject, policy: &MatchPolicy) -> Vec<Candidate> {
        let organization = subject.kind == SubjectKind::Organization;
        let numbers: Vec<(String, Option<String>)> = subject
            .identifiers
            .iter()
            .map(|i| (normalize_number(&i.number), i.country.clone()))
            .filter(|(n, _)| n.len() >= 4)
            .collect();
        // Best (final score, name score, query name index, name index) per entry.
        let mut best: HashMap<u32, (f64, u32, usize), FixedState> =
            HashMap::with_hasher(self.hasher);
        let mut qualifier_cache: HashMap<u32, crate::matcher::Qualifiers, FixedState> =
            HashMap::with_hasher(self.hasher);
        let mut words = Vec::new();
        let mut variants = Vec::new();
        let mut hits: HashMap<u32, Hits, FixedState> = HashMap::with_hasher(self.hasher);
        let mut shortlist: Vec<(u32, u32, u32, u32)> = Vec::new();
        let queries: Vec<Vec<Token>> = subject
            .names
            .iter()
            .map(|name| tokenize(name, organization))
            .collect();
        for (query_index, query) in queries.iter().enumerate() {
            hits.clear();
            let query = &query[..query.len().min(32)];
            let mark = |words: &[u32],
                        phonetic: &str,
                        mask: u32,
                        hits: &mut HashMap<u32, Hits, FixedState>| {
                for &word in words {
                    let exact = if self.words[word as usize].phonetic == phonetic {
                        mask
                    } else {
                        0
                    };
                    for &name in &self.postings[word as usize] {
                        hits.entry(name)
                            .and_modify(|h| {
                                h.query |= mask;
                                h.exact |= exact;
                                h.two_words |= h.first_word != word;
                            })
                            .or_insert(Hits {
                                query: mask,
                                exact,
                                first_word: word,
                                two_words: false,
                            });
                    }
                }
            };
            for (i, token) in query.iter().enumerate() {
                if token.role != Role::Name {
                    continue;
                }
                words.clear();
                let arabic = token.script == Script::Arabic;
                let form = Form {
                    phonetic: &token.phonetic,
                    skeleton: &token.skeleton,
                    loose: &token.loose,
                    arabic,
                    typos: Some(&token.text),
                };
                self.lookup(&form, &mut words, &mut variants);
                mark(&words, &token.phonetic, 1 << i, &mut hits);
            }
            for (i, token) in query.iter().enumerate() {
                let Some(joined) = token.join.as_deref() else {
                    continue;
                };
                words.clear();
                let form = Form {
                    phonetic: &joined.phonetic,
                    skeleton: &joined.skeleton,
                    loose: &joined.loose,
                    arabic: joined.arabic,
                    typos: None,
                };
                self.lookup(&form, &mut words, &mut variants);
                mark(&words, &joined.phonetic, 0b11 << i, &mut hits);
            }
            let query_names = u32::try_from(query.iter().filter(|t| t.role == Role::Name).count())
                .unwrap_or(u32::MAX);
            // Two query tokens reaching the same entry word (`Young Young`) are one hit.
            shortlist.clear();
            shortlist.extend(hits.iter().filter_map(|(&name_index, h)| {
                let name = &self.names[name_index as usize];
                let required = 2.min(query_names).min(name.counting).max(1);
                let count = h.query.count_ones();
                let unreached = name.counting.saturating_sub(count);
                (count >= required && (required < 2 || h.two_words)).then_some((
                    h.exact.count_ones(),
                    count,
                    unreached,
                    name_index,
                ))
            }));
            // The names most query tokens reached first, then those most reached exactly, then
            // those with the fewest tokens left unreached; past the budget only namesakes
            // remain, and scoring them all would only spend time.
            shortlist.sort_unstable_by(|a, b| {
                b.1.cmp(&a.1)
                    .then(b.0.cmp(&a.0))
                    .then(a.2.cmp(&b.2))
                    .then(a.3.cmp(&b.3))
            });
            shortlist.truncate(SCORING_BUDGET);
            for &(_, _, _, name_index) in &shortlist {
                let name = &self.names[name_index as usize];
                let entry = &self.entries[name.entry as usize];
                if !subject.kind.admits(entry.kind) {
                    continue;
                }
                let name_score = score_names(query, &name.tokens, false).score;
                let qualifiers = qualifier_cache.entry(name.entry).or_insert_with(|| {
                    qualify(
                        subject,
                        &numbers,
                        &entry.birth_dates,
                        &entry.countries,
                        &entry.identifiers,
                    )
                });
                let score = final_score(name_score, name.strength, qualifiers, policy.threshold);
                let slot = best
                    .entry(name.entry)
                    .or_insert((-1.0, name_index, query_index));
                if score > slot.0 {
                    *slot = (score, name_index, query_index);
                }
            }
        }
        // Entries reached through an identification number only: their best name is scored
        // for the explanation, the number decides.
        for (number, _) in &numbers {
            let Some(entries) = self.numbers.get(number) else {
                continue;
            };
            for &entry_index in entries {
                if best.contains_key(&entry_index) {
                    continue;
                }
                let entry = &self.entries[entry_index as usize];
                let qualifiers = qualify(
                    subject,
                    &numbers,
                    &entry.birth_dates,
                    &entry.countries,
                    &entry.identifiers,
                );
                if !qualifiers.certain {
                    continue;
                }
                let mut slot: Option<(f64, u32, usize)> = None;
                for (name_index, name) in self
                    .names
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.entry == entry_index)
                {
                    for (query_index, query) in queries.iter().enumerate() {
                        let s = score_names(query, &name.tokens, false).score;
                        let name_index = u32::try_from(name_index).unwrap_or(u32::MAX);
                        if slot.is_none_or(|(best, _, _)| s > best) {
                            slot = Some((s, name_index, query_index));
                        }
                    }
                }
                if let Some((_, name_index, query_index)) = slot {
                    best.insert(entry_index, (1.0, name_index, query_index));
                    qualifier_cache.insert(entry_index, qualifiers);
                }
            }
        }
        let mut ranked: Vec<(u32, f64, u32, usize)> = best
            .into_iter()
            .filter(|(_, (score, _, _))| *score >= policy.min_score)
            .map(|(entry, (score, name, query))| (entry, score, name, query))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(policy.max_candidates);
        ranked
            .into_iter()
            .filter_map(|(entry_index, score, name_index, query_index)| {
                let name = &self.names[name_index as usize];
                let entry = &self.entries[entry_index as usize];
                let qualifiers = qualifier_cache.remove(&entry_index)?;
                let detail = score_names(&queries[query_index], &name.tokens, true);
                let mut adjustments = detail.adjustments;
                if name.strength == NameStrength::Weak && !qualifiers.supports {
                    let cap = weak_cap(policy.threshold);
                    if detail.score + qualifiers.effect > cap {
                        adjustments.push(crate::matcher::Adjustment::WeakAliasCap { cap });
                    }
                }
                let query_name = subject.names.get(query_index).cloned().unwrap_or_default();
                Some(Candidate {
                    list: self.lists[entry.list as usize].name.clone(),
                    list_version: self.lists[entry.list as usize].version,
                    entry_id: entry.entry_id.clone(),
                    entry_fingerprint: entry.fingerprint.clone(),
                    topics: entry.topics.clone(),
                    kind: entry.kind,
                    matched_name: name.full.clone(),
                    query_name: query_name.clone(),
                    score: readable(score),
                    is_match: score >= policy.threshold,
                    explanation: Explanation {
                        query_name,
                        matched_name: name.full.clone(),
                        name_strength: name.strength,
                        name_score: readable(detail.score),
                        tokens: detail.tokens,
                        adjustments,
                        qualifiers: qualifiers.items,
                        certain: qualifiers.certain,
                        score: readable(score),
                    },
                })
            })
            .collect()
    }
}

/// The hashes of every variant of `key` with up to [`deletion_depth`] characters deleted (the
/// key itself included), built in a stack buffer: the index hashes some two million of them.
fn deletion_hashes(hasher: FixedState, key: &str, out: &mut Vec<u64>) {
    let bytes = key.as_bytes();
    let depth = deletion_depth(key);
    if bytes.len() > 64 {
        out.push(hasher.hash_one(bytes));
        return;
    }
    let mut buffer = [0_u8; 64];
    out.push(hasher.hash_one(bytes));
    if depth == 0 {
        return;
    }
    for i in 0..bytes.len() {
        let mut n = 0;
        for (k, &b) in bytes.iter().enumerate() {
            if k != i {
                buffer[n] = b;
                n += 1;
            }
        }
        out.push(hasher.hash_one(&buffer[..n]));
        if depth < 2 {
            continue;
        }
        for j in i + 1..bytes.len() {
            let mut n = 0;
            for (k, &b) in bytes.iter().enumerate() {
                if k != i && k != j {
                    buffer[n] = b;
                    n += 1;
                }
            }
            out.push(hasher.hash_one(&buffer[..n]));
        }
    }
}

/// The most names one query name is scored against: a subject whose tokens are each shared by
/// thousands of names (`Kim Young`) would otherwise cost milliseconds.
const SCORING_BUDGET: usize = 200;

/// Which query tokens reached a name, and whether through two entry words at least.
#[derive(Debug, Clone, Copy)]
struct Hits {
    query: u32,
    /// The query tokens that reached a word with their own phonetic key.
    exact: u32,
    first_word: u32,
    two_words: bool,
}

/// Word text (prefixed with U+0001 for Arabic script) → word.
type Dictionary = HashMap<Box<str>, u32, FixedState>;

/// The forms of one word of the index.
struct Forms<'a> {
    text: &'a str,
    phonetic: &'a str,
    skeleton: &'a str,
    loose: &'a str,
    arabic: bool,
}

/// The keys of one query form (a token, or two adjacent tokens joined).
#[derive(Clone, Copy)]
struct Form<'a> {
    phonetic: &'a str,
    skeleton: &'a str,
    loose: &'a str,
    arabic: bool,
    /// The text, when typos are looked up (not for joined tokens: too long to be worth it).
    typos: Option<&'a str>,
}

/// A score cut to four decimals for people to read; cut, not rounded, so a score shown as the
/// threshold is a match and one shown below it is not.
fn readable(score: f64) -> f64 {
    (score * 10_000.0).floor() / 10_000.0
}

/// A weak alias alone stays just below the threshold.
fn weak_cap(threshold: f64) -> f64 {
    (threshold - 0.01).max(0.0)
}

fn final_score(
    name_score: f64,
    strength: NameStrength,
    qualifiers: &crate::matcher::Qualifiers,
    threshold: f64,
) -> f64 {
    if qualifiers.certain {
        return 1.0;
    }
    let mut score = (name_score + qualifiers.effect).clamp(0.0, 1.0);
    if strength == NameStrength::Weak && !qualifiers.supports {
        score = score.min(weak_cap(threshold));
    }
    score
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::entry::EntryName;
    use crate::matcher::{
        Adjustment, Agreement, BirthDateOutcome, Qualifier, SubjectIdentifier, DEFAULT_THRESHOLD,
    };

    fn name(full: &str, strength: NameStrength) -> EntryName {
        EntryName {
            full: full.to_owned(),
            strength,
        }
    }

    fn person(id: &str, names: &[(&str, NameStrength)], born: Option<&str>) -> ListEntry {
        ListEntry {
            entry_id: id.to_owned(),
            kind: EntityKind::Person,
            topics: vec![EntryTopic::Sanctions],
            names: names.iter().map(|(n, s)| name(n, *s)).collect(),
            birth_dates: born.iter().filter_map(|d| d.parse().ok()).collect(),
            birth_places: vec![],
            countries: vec!["UZ".to_owned()],
            identifiers: vec![],
            programs: vec!["TEST".to_owned()],
        }
    }

    /// Fictional entries, one per kind of difficulty.
    fn fixture() -> Vec<ListEntry> {
        use NameStrength::{Primary, Strong, Weak};
        let mut karimov = person(
            "P-1",
            &[("KARIMOV, Muhammad Yusuf", Primary), ("Abu Zarkan", Weak)],
            Some("1971-04-12"),
        );
        karimov.identifiers.push(Identifier {
            kind: "Passport".to_owned(),
            number: "AB 123 4567".to_owned(),
            country: Some("UZ".to_owned()),
        });
        let mut northwind = person("O-1", &[("Northwind Trading LLC", Primary)], None);
        northwind.kind = EntityKind::Organization;
        vec![
            karimov,
            person(
                "P-2",
                &[("Vladimir Sergeyevich Morozkin", Primary)],
                Some("1965"),
            ),
            person("P-3", &[("Olympia Karamanou", Primary)], None),
            person(
                "P-4",
                &[
                    ("Abdul-Rahman al-Tikriti", Primary),
                    ("Abdulrahman Tikriti", Strong),
                ],
                None,
            ),
            person("P-5", &[("Pieter van der Berg", Primary)], None),
            person("P-6", &[("Jürgen Weißmüller", Primary)], None),
            person("P-7", &[("Hassan Kamilov", Primary)], None),
            northwind,
        ]
    }

    fn index(entries: &[ListEntry]) -> ScreeningIndex {
        ScreeningIndex::build([(
            ListRef {
                name: "test".to_owned(),
                version: 7,
            },
            entries,
        )])
    }

    fn subject(name: &str) -> Subject {
        Subject {
            kind: SubjectKind::Person,
            names: vec![name.to_owned()],
            birth_date: None,
            countries: vec![],
            identifiers: vec![],
        }
    }

    fn best(index: &ScreeningIndex, subject: &Subject) -> Option<Candidate> {
        index
            .screen(subject, &MatchPolicy::default())
            .into_iter()
            .next()
    }

    fn assert_matches(index: &ScreeningIndex, query: &str, expected: &str) {
        let candidate = best(index, &subject(query));
        let found = candidate
            .as_ref()
            .map(|c| (c.entry_id.as_str(), c.score, c.is_match));
        assert!(
            matches!(found, Some((id, _, true)) if id == expected),
            "{query} should match {expected}: {found:?}"
        );
    }

    fn assert_no_match(index: &ScreeningIndex, query: &str) {
        let candidates = index.screen(&subject(query), &MatchPolicy::default());
        assert!(
            candidates.iter().all(|c| !c.is_match),
            "{query} should match nothing: {:?}",
            candidates
                .iter()
                .map(|c| (&c.entry_id, c.score))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn every_variation_class_matches_its_entry() {
        let entries = fixture();
        let index = index(&entries);
        for (query, expected) in [
            // Name order and comma forms.
            ("Muhammad Yusuf Karimov", "P-1"),
            ("Karimov Muhammad Yusuf", "P-1"),
            // Dropped and added middle names.
            ("Muhammad Karimov", "P-1"),
            ("Muhammad Yusuf Ali Karimov", "P-1"),
            ("Vladimir Morozkin", "P-2"),
            // Transliteration across scripts and Latin variants.
            ("Владимир Морозкин", "P-2"),
            ("Wladimir Morozkin", "P-2"),
            ("Vladimyr Morozkin", "P-2"),
            ("Ολυμπία Καραμάνου", "P-3"),
            ("Olimpia Karamanou", "P-3"),
            ("محمد يوسف كريموف", "P-1"),
            ("Mohammed Yusuf Karimov", "P-1"),
            ("Mohamed Yusuf Karimov", "P-1"),
            // Initials.
            ("M. Y. Karimov", "P-1"),
            // Hyphenation, spacing and particles.
            ("Abdul Rahman al-Tikriti", "P-4"),
            ("Abdulrahman al Tikriti", "P-4"),
            ("Abdul-Rahman Tikriti", "P-4"),
            ("Abdul Rahman el-Tikriti", "P-4"),
            ("Pieter Berg", "P-5"),
            ("Pieter Van Der Berg", "P-5"),
            // Diacritics.
            ("Jurgen Weissmuller", "P-6"),
            ("JÜRGEN WEISSMÜLLER", "P-6"),
            // Doubled letters.
            ("Hasan Kamilov", "P-7"),
            ("Hassan Kammilov", "P-7"),
            // Homoglyphs (Cyrillic а, о, р; Greek Ο) and invisible characters.
            ("Muh\u{0430}mmad Yusuf K\u{0430}rim\u{043E}v", "P-1"),
            ("Muhammad Yusuf \u{039F}\u{0430}rimov", "P-1"),
            (
                "Mu\u{200B}hammad Yu\u{00AD}suf Kari\u{2060}mov\u{FEFF}",
                "P-1",
            ),
            // Typos: one and two edits.
            ("Muhamad Yusuf Karimvo", "P-1"),
            ("Muhammad Yusuf Krimov", "P-1"),
            ("Vladimir Morozkni", "P-2"),
            ("Vladimir Mrozkinn", "P-2"),
        ] {
            assert_matches(&index, query, expected);
        }
    }

    #[test]
    fn look_alikes_and_common_given_names_do_not_match() {
        let entries = fixture();
        let index = index(&entries);
        for query in [
            "Muhammad Yusuf Petrov",
            "Muhammad",
            "Muhammad Yusuf",
            "Vladimir Petrov",
            "Olympia Papadaki",
            "Pieter van der Meer",
            "Southwind Trading LLC",
        ] {
            assert_no_match(&index, query);
        }
        let score = |q: &str| best(&index, &subject(q)).map_or(0.0, |c| c.score);
        assert!(score("Muhammad Yusuf Kamilov") < score("Muhammad Yusuf Karimov"));
    }

    #[test]
    fn organisations_drop_legal_forms_and_only_meet_organisations() {
        let entries = fixture();
        let index = index(&entries);
        let mut org = subject("NORTHWIND TRADING GmbH");
        org.kind = SubjectKind::Organization;
        let candidate = best(&index, &org).expect("a candidate");
        assert_eq!(candidate.entry_id, "O-1");
        assert!(candidate.is_match);
        assert!(candidate
            .explanation
            .tokens
            .iter()
            .any(|t| t.agreement == Agreement::LegalFormIgnored));
        // The same name screened as a person does not reach organisations.
        assert!(best(&index, &subject("Northwind Trading")).is_none());
    }

    #[test]
    fn birth_dates_countries_and_numbers_qualify_the_score() {
        let entries = fixture();
        let index = index(&entries);
        let plain = best(&index, &subject("Muhammad Karimov")).expect("a candidate");
        let mut born = subject("Muhammad Karimov");
        born.birth_date = NaiveDate::from_ymd_opt(1971, 4, 12);
        let equal = best(&index, &born).expect("a candidate");
        born.birth_date = NaiveDate::from_ymd_opt(1958, 1, 1);
        let conflicting = best(&index, &born).expect("a candidate");
        assert!(equal.score > plain.score);
        assert!(conflicting.score < plain.score);
        assert!(matches!(
            conflicting.explanation.qualifiers[0],
            Qualifier::BirthDate {
                outcome: BirthDateOutcome::ConflictingYear,
                subject_year: 1958,
                ..
            }
        ));
        let mut numbered = subject("Someone Else Entirely");
        numbered.identifiers.push(SubjectIdentifier {
            number: "ab1234567".to_owned(),
            country: Some("UZ".to_owned()),
        });
        let certain = best(&index, &numbered).expect("a candidate");
        assert_eq!(certain.entry_id, "P-1");
        assert!((certain.score - 1.0).abs() < f64::EPSILON);
        assert!(certain.explanation.certain && certain.is_match);
    }

    #[test]
    fn a_weak_alias_alone_stays_below_the_threshold() {
        let entries = fixture();
        let index = index(&entries);
        let weak = best(&index, &subject("Abu Zarkan")).expect("a candidate");
        assert_eq!(weak.entry_id, "P-1");
        assert!(!weak.is_match);
        assert!(weak.score < DEFAULT_THRESHOLD);
        assert!(weak
            .explanation
            .adjustments
            .iter()
            .any(|a| matches!(a, Adjustment::WeakAliasCap { .. })));
        let mut supported = subject("Abu Zarkan");
        supported.birth_date = NaiveDate::from_ymd_opt(1971, 4, 12);
        assert!(best(&index, &supported).expect("a candidate").is_match);
    }

    #[test]
    fn explanations_are_readable_json_without_other_subject_data() {
        let entries = fixture();
        let index = index(&entries);
        let mut s = subject("M. Karimov-Zade");
        s.names = vec!["Mohammed Karimov".to_owned()];
        s.countries = vec!["KZ".to_owned()];
        s.identifiers.push(SubjectIdentifier {
            number: "ZZ9999999".to_owned(),
            country: None,
        });
        let candidate = best(&index, &s).expect("a candidate");
        assert_eq!(
            (candidate.list.as_str(), candidate.list_version),
            ("test", 7)
        );
        assert_eq!(candidate.matched_name, "KARIMOV, Muhammad Yusuf");
        let json = serde_json::to_string(&candidate.explanation).expect("serialisable");
        assert!(
            json.contains(r#""agreement":{"kind":"skeleton"}"#),
            "{json}"
        );
        assert!(json.contains(r#""kind":"missing_token""#), "{json}");
        assert!(json.contains(r#""outcome":"conflicting""#), "{json}");
        assert!(
            !json.contains("ZZ9999999") && !json.contains("KZ"),
            "{json}"
        );
    }

    #[test]
    fn odd_input_neither_panics_nor_matches() {
        let entries = fixture();
        let index = index(&entries);
        let long = "Karimov ".repeat(80);
        let one_long_token = format!("{}karimov", "x".repeat(120));
        for query in [
            "",
            "   ",
            ",,,",
            "-",
            "\u{200B}\u{FEFF}",
            "😀 🚀",
            "a",
            "M.",
            "Al",
            "ООО",
            "x-y-z-w",
            long.as_str(),
            one_long_token.as_str(),
        ] {
            let candidates = index.screen(&subject(query), &MatchPolicy::default());
            assert!(
                candidates.iter().all(|c| !c.is_match || query == long),
                "{query}"
            );
        }
        let mut nobody = subject("Muhammad Yusuf Karimov");
        nobody.names.clear();
        assert!(index.screen(&nobody, &MatchPolicy::default()).is_empty());
    }

    #[test]
    fn arbitrary_text_never_panics() {
        let list = crate::evaluation::synthetic_list(300, 1);
        let index = crate::evaluation::index_of(&list);
        let pool: Vec<char> =
            "aZéß-. ,'’ʿ\u{0301}\u{064E}\u{200B}\u{00AD}\u{202E}кКЁйΩσςابالة０１😀中\t\n"
                .chars()
                .collect();
        let mut rng = crate::evaluation::Rng::new(3);
        for _ in 0..2_000 {
            let length = rng.below(40);
            let text: String = (0..length).map(|_| pool[rng.below(pool.len())]).collect();
            for kind in [SubjectKind::Person, SubjectKind::Organization] {
                let mut s = subject(&text);
                s.kind = kind;
                s.identifiers.push(SubjectIdentifier {
                    number: text.clone(),
                    country: None,
                });
                for candidate in index.screen(&s, &MatchPolicy::default()) {
                    assert!((0.0..=1.0).contains(&candidate.score), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn deletion_keys_reach_two_edits() {
        let hasher = FixedState::with_seed(1);
        let mut keys = Vec::new();
        deletion_hashes(hasher, "abcdef", &mut keys);
        assert_eq!(keys.len(), 1 + 6 + 15);
        let shared = |a: &str, b: &str| {
            let (mut x, mut y) = (Vec::new(), Vec::new());
            deletion_hashes(hasher, a, &mut x);
            deletion_hashes(hasher, b, &mut y);
            x.iter().any(|k| y.contains(k))
        };
        assert!(shared("karimov", "kamilov"));
        assert!(shared("karimov", "karimvo"));
        assert!(!shared("karimov", "petrova"));
    }

    #[test]
    fn one_index_serves_several_lists_and_is_shareable() {
        fn shareable<T: Send + Sync>() {}
        shareable::<ScreeningIndex>();
        let first = fixture();
        let second = vec![person(
            "UN-9",
            &[("Morozkin, Vladimir", NameStrength::Primary)],
            None,
        )];
        let index = ScreeningIndex::build([
            (
                ListRef {
                    name: "ofac_sdn".to_owned(),
                    version: 1,
                },
                first.as_slice(),
            ),
            (
                ListRef {
                    name: "un_sc".to_owned(),
                    version: 2,
                },
                second.as_slice(),
            ),
        ]);
        let candidates = index.screen(&subject("Vladimir Morozkin"), &MatchPolicy::default());
        let lists: Vec<(&str, i64, &str)> = candidates
            .iter()
            .map(|c| (c.list.as_str(), c.list_version, c.entry_id.as_str()))
            .collect();
        assert!(lists.contains(&("ofac_sdn", 1, "P-2")), "{lists:?}");
        assert!(lists.contains(&("un_sc", 2, "UN-9")), "{lists:?}");
        assert_eq!(index.entry_count(), first.len() + 1);
    }
}
