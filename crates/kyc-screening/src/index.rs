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
use crate::normalize::{
    deletion_depth, deletions, phonetic, skeleton, tokenize, Role, Script, Token,
};

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
    phonetic_keys: Map<Vec<u32>>,
    skeleton_keys: Map<Vec<u32>>,
    deletion_keys: Map<Vec<u32>>,
    numbers: HashMap<String, Vec<u32>, FixedState>,
    hasher: FixedState,
}

#[derive(Debug)]
struct Word {
    text: String,
    phonetic: String,
    skeleton: String,
    arabic: bool,
    typo_keys: bool,
}

impl ScreeningIndex {
    /// Indexes the entries of every list version given.
    pub fn build<'a>(lists: impl IntoIterator<Item = (ListRef, &'a [ListEntry])>) -> Self {
        let hasher = FixedState::with_seed(0x6b79_6373_6372_6565);
        let mut index = ScreeningIndex {
            lists: Vec::new(),
            entries: Vec::new(),
            names: Vec::new(),
            postings: Vec::new(),
            words: Vec::new(),
            phonetic_keys: Map::with_hasher(hasher),
            skeleton_keys: Map::with_hasher(hasher),
            deletion_keys: Map::with_hasher(hasher),
            numbers: HashMap::with_hasher(hasher),
            hasher,
        };
        let mut dictionary: HashMap<(String, bool), u32, FixedState> = HashMap::with_hasher(hasher);
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
                    // (text, Arabic script, phonetic, skeleton, a compound of two tokens)
                    let mut words: Vec<(String, bool, String, String, bool)> = Vec::new();
                    for token in &tokens {
                        if token.role == Role::Name {
                            words.push((
                                token.text.clone(),
                                token.script == Script::Arabic,
                                token.phonetic.clone(),
                                token.skeleton.clone(),
                                false,
                            ));
                        }
                    }
                    for pair in tokens.windows(2) {
                        if pair
                            .iter()
                            .any(|t| matches!(t.role, Role::Initial | Role::LegalForm))
                        {
                            continue;
                        }
                        let (joined, arabic, joined_phonetic, joined_skeleton) = joined(pair);
                        words.push((joined, arabic, joined_phonetic, joined_skeleton, true));
                    }
                    for (text, arabic, phonetic_key, skeleton_key, compound) in words {
                        let next = u32::try_from(index.words.len()).unwrap_or(u32::MAX);
                        let word = *dictionary.entry((text.clone(), arabic)).or_insert(next);
                        if word == next {
                            index.add_keys(word, &phonetic_key, &skeleton_key);
                            index.words.push(Word {
                                text,
                                phonetic: phonetic_key,
                                skeleton: skeleton_key,
                                arabic,
                                typo_keys: false,
                            });
                            index.postings.push(Vec::new());
                        }
                        // A word first seen as a compound (`Jun-ping`) gets its typo keys when
                        // it is seen as a token of its own (`Junping`).
                        if !compound && !index.words[word as usize].typo_keys {
                            index.words[word as usize].typo_keys = true;
                            index.add_typo_keys(word, &mut variants);
                        }
                        let posting = &mut index.postings[word as usize];
                        if posting.last() != Some(&name_index) {
                            posting.push(name_index);
                        }
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

    fn add_keys(&mut self, word: u32, phonetic_key: &str, skeleton_key: &str) {
        let key = self.key(phonetic_key);
        self.phonetic_keys.entry(key).or_default().push(word);
        if skeleton_key.len() >= 2 {
            let key = self.key(skeleton_key);
            self.skeleton_keys.entry(key).or_default().push(word);
        }
    }

    fn add_typo_keys(&mut self, word: u32, variants: &mut Vec<String>) {
        let Word { text, phonetic, .. } = &self.words[word as usize];
        variants.clear();
        // Both forms: a typo can break a digraph the phonetic form relies on.
        deletions(phonetic, deletion_depth(phonetic), variants);
        deletions(text, deletion_depth(text), variants);
        for variant in variants.iter() {
            let key = self.hasher.hash_one(variant.as_str());
            let bucket = self.deletion_keys.entry(key).or_default();
            if bucket.last() != Some(&word) {
                bucket.push(word);
            }
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
    fn lookup(
        &self,
        phonetic_key: &str,
        skeleton_key: &str,
        arabic: bool,
        typos: Option<&str>,
        out: &mut Vec<u32>,
        variants: &mut Vec<String>,
    ) {
        let start = out.len();
        if let Some(words) = self.phonetic_keys.get(&self.key(phonetic_key)) {
            out.extend(
                words
                    .iter()
                    .copied()
                    .filter(|&w| self.words[w as usize].phonetic == phonetic_key),
            );
        }
        if skeleton_key.len() >= 3 || (arabic && skeleton_key.len() >= 2) {
            if let Some(words) = self.skeleton_keys.get(&self.key(skeleton_key)) {
                out.extend(words.iter().copied().filter(|&w| {
                    let word = &self.words[w as usize];
                    word.skeleton == skeleton_key
                        && (arabic
                            || word.arabic
                            || word.phonetic.as_bytes().first() == phonetic_key.as_bytes().first())
                }));
            }
        }
        if let (Some(text), false) = (typos, arabic) {
            variants.clear();
            deletions(phonetic_key, deletion_depth(phonetic_key), variants);
            deletions(text, deletion_depth(text), variants);
            for variant in variants.iter() {
                if let Some(words) = self.deletion_keys.get(&self.key(variant)) {
                    out.extend(words.iter().copied().filter(|&w| {
                        let word = &self.words[w as usize];
                        !word.arabic
                            && (strsim::osa_distance(&word.phonetic, phonetic_key) <= 2
                                || strsim::osa_distance(&word.text, text) <= 2)
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
        let mut hits: HashMap<u32, u32, FixedState> = HashMap::with_hasher(self.hasher);
        let queries: Vec<Vec<Token>> = subject
            .names
            .iter()
            .map(|name| tokenize(name, organization))
            .collect();
        for (query_index, query) in queries.iter().enumerate() {
            hits.clear();
            let query = &query[..query.len().min(32)];
            let mark = |words: &[u32], mask: u32, hits: &mut HashMap<u32, u32, FixedState>| {
                for &word in words {
                    for &name in &self.postings[word as usize] {
                        *hits.entry(name).or_insert(0) |= mask;
                    }
                }
            };
            for (i, token) in query.iter().enumerate() {
                if token.role != Role::Name {
                    continue;
                }
                words.clear();
                let arabic = token.script == Script::Arabic;
                self.lookup(
                    &token.phonetic,
                    &token.skeleton,
                    arabic,
                    Some(&token.text),
                    &mut words,
                    &mut variants,
                );
                mark(&words, 1 << i, &mut hits);
            }
            for (i, pair) in query.windows(2).enumerate() {
                if pair
                    .iter()
                    .any(|t| matches!(t.role, Role::Initial | Role::LegalForm))
                {
                    continue;
                }
                let (_, arabic, joined_phonetic, joined_skeleton) = joined(pair);
                words.clear();
                self.lookup(
                    &joined_phonetic,
                    &joined_skeleton,
                    arabic,
                    None,
                    &mut words,
                    &mut variants,
                );
                mark(&words, 0b11 << i, &mut hits);
            }
            let query_names = u32::try_from(query.iter().filter(|t| t.role == Role::Name).count())
                .unwrap_or(u32::MAX);
            for (&name_index, &mask) in &hits {
                let name = &self.names[name_index as usize];
                let required = 2.min(query_names).min(name.counting).max(1);
                if mask.count_ones() < required {
                    continue;
                }
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
                    score,
                    is_match: score >= policy.threshold,
                    explanation: Explanation {
                        query_name,
                        matched_name: name.full.clone(),
                        name_strength: name.strength,
                        name_score: detail.score,
                        tokens: detail.tokens,
                        adjustments,
                        qualifiers: qualifiers.items,
                        certain: qualifiers.certain,
                        score,
                    },
                })
            })
            .collect()
    }
}

/// Two adjacent tokens as one word: text, whether Arabic script, phonetic and skeleton keys.
fn joined(pair: &[Token]) -> (String, bool, String, String) {
    let text = format!("{}{}", pair[0].text, pair[1].text);
    let arabic = pair[0].script == Script::Arabic;
    if arabic {
        let phonetic_key = format!("{}{}", pair[0].phonetic, pair[1].phonetic);
        let skeleton_key = format!("{}{}", pair[0].skeleton, pair[1].skeleton);
        (text, true, phonetic_key, skeleton_key)
    } else {
        let phonetic_key = phonetic(&text);
        let skeleton_key = skeleton(&phonetic_key, false);
        (text, false, phonetic_key, skeleton_key)
    }
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
