//! Benchmark support: a deterministic synthetic list, labelled queries derived from it by each
//! variation the matcher must withstand, look-alike negatives, and the recall and false-positive
//! rate of any scorer over them (ours, the baseline here, or an external one through the JSON
//! lines this module writes).
//!
//! Every name is fictional: given names come from common pools of each culture, family names are
//! assembled from syllables, and no entry describes a real person or organisation.

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use unicode_normalization::UnicodeNormalization;

use crate::entry::{
    EntityKind, EntryName, EntryTopic, Identifier, ListEntry, NameStrength, PartialDate,
};
use crate::index::{ListRef, ScreeningIndex};
use crate::matcher::{MatchPolicy, Subject, SubjectIdentifier, SubjectKind};
use crate::normalize::tokenize;

/// A small deterministic generator (`SplitMix64`): the same seed gives the same list and queries
/// on every platform and version, which a shared random crate does not promise.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        #[allow(clippy::cast_possible_truncation)]
        let n64 = n as u64;
        #[allow(clippy::cast_possible_truncation)]
        let value = (self.next_u64() % n64) as usize;
        value
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        #[allow(clippy::cast_precision_loss)]
        let draw = (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64;
        draw < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The cultures the synthetic names are drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Culture {
    /// Russian, Ukrainian, Serbian names; Cyrillic aliases.
    Slavic,
    /// Arabic names with `al-`, `bin`, `Abdul-`; Arabic-script aliases.
    Arabic,
    /// Romance and Germanic names with diacritics and `van der`, `von`, `de`.
    Latin,
    /// Greek names; Greek-script aliases.
    Greek,
    /// Turkish and Central Asian names.
    Turkic,
    /// Chinese, Korean and Japanese names, romanised, family name first.
    EastAsian,
}

const CULTURES: [Culture; 6] = [
    Culture::Slavic,
    Culture::Arabic,
    Culture::Latin,
    Culture::Greek,
    Culture::Turkic,
    Culture::EastAsian,
];

const SLAVIC_GIVEN: &[&str] = &[
    "Ivan",
    "Dmitri",
    "Sergei",
    "Oleg",
    "Boris",
    "Yuri",
    "Anatoli",
    "Vladimir",
    "Nikolai",
    "Pavel",
    "Igor",
    "Stanislav",
    "Bogdan",
    "Miroslav",
    "Tatiana",
    "Olga",
    "Svetlana",
    "Irina",
    "Lyudmila",
    "Yelena",
    "Aleksandr",
    "Mikhail",
    "Vasili",
    "Grigori",
    "Yevgeni",
    "Konstantin",
    "Vadim",
    "Arkadi",
    "Radomir",
    "Zoya",
];
const SLAVIC_MIDDLE: &[&str] = &[
    "Ivanovich",
    "Petrovich",
    "Sergeyevich",
    "Olegovich",
    "Borisovich",
    "Yurievich",
    "Pavlovich",
    "Igorevich",
    "Nikolaevich",
    "Mikhailovich",
    "Vasilievich",
    "Grigorievich",
];
const SLAVIC_ROOTS: &[&str] = &[
    "Kar", "Mor", "Vol", "Zar", "Bel", "Grom", "Lip", "Sok", "Tver", "Dub", "Kras", "Lyub", "Med",
    "Nov", "Rud", "Smir", "Tish", "Ust", "Yar", "Zhur", "Bog", "Chern", "Dor", "Gor", "Kol", "Lav",
    "Mal", "Pol", "Ryab", "Shum", "Sten", "Vor", "Zel", "Kuz", "Prok", "Sav", "Tar", "Fed", "Gul",
    "Mish",
];
const SLAVIC_MID: &[&str] = &["", "i", "o", "a", "in", "ash", "en", "ot", "ul", "im"];
const SLAVIC_END: &[&str] = &[
    "ov", "ev", "in", "enko", "sky", "uk", "chuk", "yshev", "anov", "itsky",
];

const ARABIC_GIVEN: &[&str] = &[
    "Muhammad", "Ahmad", "Hassan", "Khalid", "Omar", "Yusuf", "Ibrahim", "Tariq", "Walid", "Karim",
    "Samir", "Nabil", "Rashid", "Faisal", "Hamza", "Bilal", "Jamal", "Fatima", "Amina", "Layla",
    "Mahmoud", "Mustafa", "Saeed", "Anwar", "Zayd", "Nasser", "Hisham", "Adel", "Kamal", "Sami",
];
const ARABIC_COMPOUND: &[&str] = &[
    "Rahman", "Karim", "Aziz", "Latif", "Hamid", "Majid", "Qadir", "Wahid", "Salam", "Jabbar",
];
const ARABIC_ROOTS: &[&str] = &[
    "Rash", "Hash", "Zah", "Qas", "Nas", "Har", "Jab", "Mas", "Tam", "Sal", "Dab", "Fakh", "Ghan",
    "Huss", "Khat", "Mans", "Najj", "Qur", "Sham", "Tikr", "Wahh", "Yam", "Zub", "Bakr", "Daw",
    "Farr", "Hal", "Jaz", "Mut", "Sudd",
];
const ARABIC_MID: &[&str] = &["", "i", "a", "ar", "an", "im", "ur", "ad"];
const ARABIC_END: &[&str] = &["i", "awi", "ani", "iri", "ouri", "ein", "id", "ah"];

const LATIN_GIVEN: &[&str] = &[
    "Marco",
    "Luca",
    "Giovanni",
    "Pierre",
    "Jean",
    "Hans",
    "Klaus",
    "Jürgen",
    "François",
    "José",
    "João",
    "Søren",
    "Łukasz",
    "André",
    "Bénédicte",
    "Inès",
    "Hélène",
    "Matteo",
    "Pablo",
    "Joaquín",
    "Günther",
    "Björn",
    "Zoë",
    "Raúl",
    "Ángel",
    "Íñigo",
    "Mathijs",
    "Pieter",
    "Wouter",
    "Clément",
];
const LATIN_ROOTS: &[&str] = &[
    "Ferr", "Bell", "Mont", "Cast", "Ros", "Brun", "Marc", "Vill", "Cort", "Sant", "Gall", "Lomb",
    "Pell", "Ricc", "Sorr", "Varg", "Berg", "Hof", "Kirch", "Lind", "Mühl", "Schw", "Stein",
    "Wald", "Dür", "Göt", "Ström", "Brå", "Weiß", "Lęcz",
];
const LATIN_MID: &[&str] = &[
    "", "ell", "ar", "ein", "in", "az", "er", "an", "ès", "ut", "ann", "iñ", "ão",
];
const LATIN_END: &[&str] = &["i", "o", "a", "", "es", "mann", "er", "ez", "ard"];
const LATIN_PARTICLES: &[&str] = &[
    "van", "van der", "von", "de", "da", "del", "di", "le", "dos", "van den",
];

const GREEK_GIVEN: &[&str] = &[
    "Olympia",
    "Georgios",
    "Dimitrios",
    "Eleni",
    "Nikos",
    "Theodoros",
    "Christos",
    "Konstantinos",
    "Sofia",
    "Ioanna",
    "Vasileios",
    "Panagiotis",
    "Athanasios",
    "Evangelos",
    "Spyridon",
    "Kyriaki",
    "Stavros",
    "Anastasia",
    "Ilias",
    "Maria",
];
const GREEK_ROOTS: &[&str] = &[
    "Pap", "Kar", "Nik", "Ath", "Dem", "Lamp", "Stef", "Chrys", "Kal", "Mav", "Psar", "Theo",
    "Vlach", "Xen", "Zer", "Gian", "Kost", "Mich", "Pet", "Tsak",
];
const GREEK_MID: &[&str] = &["", "ad", "op", "an", "ak", "id", "el", "ir"];
const GREEK_END: &[&str] = &["opoulos", "akis", "idis", "ou", "as", "os", "atos", "iadis"];

const TURKIC_GIVEN: &[&str] = &[
    "Murat",
    "Emre",
    "Kemal",
    "Aylin",
    "Serkan",
    "Tolga",
    "Şükrü",
    "Gülşen",
    "Nurlan",
    "Yerlan",
    "Rustam",
    "Timur",
    "Aziz",
    "Dilnoza",
    "Bahodir",
    "Ulugbek",
    "Ayşe",
    "Çağrı",
    "Oğuz",
    "Nursultan",
    "Askar",
    "Jasur",
    "Farrukh",
    "Gulnara",
];
const TURKIC_ROOTS: &[&str] = &[
    "Ayd", "Kay", "Yıld", "Özt", "Şah", "Çel", "Kurt", "Arsl", "Doğ", "Tokt", "Nazar", "Abdull",
    "Rakhm", "Yusup", "Turs", "Ism", "Sult", "Umar", "Khodj", "Erg",
];
const TURKIC_MID: &[&str] = &["", "ın", "er", "an", "ali", "bek", "im", "ay"];
const TURKIC_END: &[&str] = &["oğlu", "ov", "ova", "ev", "uly", "zoda", "", "kan"];

const CHINESE_FAMILY: &[&str] = &[
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Ma",
    "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao",
];
const CHINESE_SYLLABLES: &[&str] = &[
    "Wei", "Ming", "Hua", "Jun", "Lei", "Xiao", "Hong", "Jian", "Yong", "Fang", "Qiang", "Ping",
    "Gang", "Jie", "Tao", "Xin", "Yan", "Hui", "Zhi", "Bo",
];
const KOREAN_FAMILY: &[&str] = &[
    "Kim", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han",
];
const KOREAN_SYLLABLES: &[&str] = &[
    "Min", "Jun", "Seo", "Yeon", "Ji", "Hoon", "Woo", "Hyun", "Soo", "Young", "Eun", "Sung",
];
const JAPANESE_FAMILY: &[&str] = &[
    "Tanaka",
    "Suzuki",
    "Watanabe",
    "Takahashi",
    "Ito",
    "Yamamoto",
    "Nakamura",
    "Kobayashi",
    "Kato",
    "Yoshida",
];
const JAPANESE_GIVEN: &[&str] = &[
    "Hiroshi", "Kenji", "Yuki", "Takeshi", "Haruto", "Sakura", "Akira", "Daichi", "Naoko", "Ryota",
];

/// Family-name syllables that no list entry uses: look-alike negatives take their family names
/// from here, so they are other people by construction.
const NEGATIVE_ROOTS: &[&str] = &[
    "Quell", "Brisk", "Plond", "Vexl", "Gwyth", "Trumb", "Frond", "Skal", "Drelv", "Plim", "Hulk",
    "Nerth", "Obst", "Crund", "Welt", "Jolb",
];
const NEGATIVE_END: &[&str] = &["ard", "ett", "ows", "ington", "ley", "ham"];

const ORG_ROOTS: &[&str] = &[
    "North", "Zen", "Orb", "Crest", "Vant", "Lum", "Ster", "Kor", "Dal", "Ferro", "Gal", "Hydr",
    "Ion", "Jas", "Kel", "Marq", "Nov", "Oct", "Pyr", "Quor", "Rav", "Sol", "Tek", "Ul",
];
const ORG_SUFFIX: &[&str] = &[
    "wind", "ix", "ara", "tek", "on", "ova", "ium", "ex", "ant", "us", "corp", "line",
];
const ORG_SECTORS: &[&str] = &[
    "Trading",
    "Industries",
    "Shipping",
    "Holdings",
    "Petroleum",
    "Logistics",
    "Capital",
    "Metals",
    "Aviation",
    "Chemicals",
    "Energy",
    "Shipyard",
];
const LEGAL_FORMS: &[&str] = &[
    "LLC", "Ltd", "GmbH", "OOO", "JSC", "SA", "Company", "Co.", "Limited", "Inc.",
];
const NEGATIVE_ORG_ROOTS: &[&str] = &["Plover", "Quintal", "Wrenfield", "Brackwater", "Glimmer"];

const COUNTRIES: [&[&str]; 6] = [
    &["RU", "BY", "UA", "RS", "BG"],
    &["SY", "IQ", "YE", "LB", "SA", "AE", "EG", "LY"],
    &["IT", "FR", "ES", "PT", "DE", "NL", "BE", "BR", "VE"],
    &["GR", "CY"],
    &["TR", "AZ", "KZ", "UZ", "KG", "TM"],
    &["CN", "KP", "KR", "JP"],
];

/// A synthetic person's name in parts.
#[derive(Debug, Clone)]
struct PersonName {
    given: Vec<String>,
    /// Family-name tokens, particles included (`al-Rashidi`, `van der Berg`).
    family: String,
    family_first: bool,
}

impl PersonName {
    fn natural(&self) -> String {
        if self.family_first {
            format!("{} {}", self.family, self.given.join(" "))
        } else {
            format!("{} {}", self.given.join(" "), self.family)
        }
    }

    fn comma(&self) -> String {
        format!("{}, {}", self.family.to_uppercase(), self.given.join(" "))
    }
}

fn syllable_name(rng: &mut Rng, roots: &[&str], mids: &[&str], ends: &[&str]) -> String {
    format!("{}{}{}", rng.pick(roots), rng.pick(mids), rng.pick(ends))
}

fn person_name(rng: &mut Rng, culture: Culture) -> PersonName {
    let mut given = Vec::new();
    let mut family_first = false;
    let family = match culture {
        Culture::Slavic => {
            given.push(rng.pick(SLAVIC_GIVEN).to_owned());
            if rng.chance(0.45) {
                given.push(rng.pick(SLAVIC_MIDDLE).to_owned());
            }
            syllable_name(rng, SLAVIC_ROOTS, SLAVIC_MID, SLAVIC_END)
        }
        Culture::Arabic => {
            if rng.chance(0.3) {
                given.push(format!("Abdul-{}", rng.pick(ARABIC_COMPOUND)));
            } else {
                given.push(rng.pick(ARABIC_GIVEN).to_owned());
            }
            if rng.chance(0.4) {
                given.push(rng.pick(ARABIC_GIVEN).to_owned());
            }
            let root = syllable_name(rng, ARABIC_ROOTS, ARABIC_MID, ARABIC_END);
            match rng.below(10) {
                0..=3 => format!("al-{root}"),
                4 => format!("bin {root}"),
                _ => root,
            }
        }
        Culture::Latin => {
            given.push(rng.pick(LATIN_GIVEN).to_owned());
            if rng.chance(0.35) {
                given.push(rng.pick(LATIN_GIVEN).to_owned());
            }
            let root = syllable_name(rng, LATIN_ROOTS, LATIN_MID, LATIN_END);
            if rng.chance(0.3) {
                format!("{} {root}", rng.pick(LATIN_PARTICLES))
            } else {
                root
            }
        }
        Culture::Greek => {
            given.push(rng.pick(GREEK_GIVEN).to_owned());
            if rng.chance(0.3) {
                given.push(rng.pick(GREEK_GIVEN).to_owned());
            }
            syllable_name(rng, GREEK_ROOTS, GREEK_MID, GREEK_END)
        }
        Culture::Turkic => {
            given.push(rng.pick(TURKIC_GIVEN).to_owned());
            if rng.chance(0.3) {
                given.push(rng.pick(TURKIC_GIVEN).to_owned());
            }
            syllable_name(rng, TURKIC_ROOTS, TURKIC_MID, TURKIC_END)
        }
        Culture::EastAsian => {
            family_first = true;
            match rng.below(3) {
                0 => {
                    let (a, b) = (rng.pick(CHINESE_SYLLABLES), rng.pick(CHINESE_SYLLABLES));
                    given.push(match rng.below(3) {
                        0 => format!("{a}{}", b.to_lowercase()),
                        1 => format!("{a}-{b}"),
                        _ => format!("{a}-{}", b.to_lowercase()),
                    });
                    rng.pick(CHINESE_FAMILY).to_owned()
                }
                1 => {
                    let (a, b) = (rng.pick(KOREAN_SYLLABLES), rng.pick(KOREAN_SYLLABLES));
                    given.push(format!("{a}-{}", b.to_lowercase()));
                    rng.pick(KOREAN_FAMILY).to_owned()
                }
                _ => {
                    given.push(rng.pick(JAPANESE_GIVEN).to_owned());
                    family_first = false;
                    rng.pick(JAPANESE_FAMILY).to_owned()
                }
            }
        }
    };
    PersonName {
        given,
        family,
        family_first,
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Writes a Latin name in Cyrillic, the way a Russian document would.
pub fn to_cyrillic(latin: &str) -> String {
    const TABLE: &[(&str, &str)] = &[
        ("shch", "щ"),
        ("kh", "х"),
        ("zh", "ж"),
        ("ch", "ч"),
        ("sh", "ш"),
        ("ts", "ц"),
        ("yu", "ю"),
        ("ya", "я"),
        ("ye", "е"),
        ("yo", "ё"),
        ("iy", "ий"),
        ("a", "а"),
        ("b", "б"),
        ("v", "в"),
        ("g", "г"),
        ("d", "д"),
        ("e", "е"),
        ("z", "з"),
        ("i", "и"),
        ("y", "ы"),
        ("k", "к"),
        ("l", "л"),
        ("m", "м"),
        ("n", "н"),
        ("o", "о"),
        ("p", "п"),
        ("r", "р"),
        ("s", "с"),
        ("t", "т"),
        ("u", "у"),
        ("f", "ф"),
        ("h", "х"),
        ("c", "к"),
        ("j", "дж"),
        ("w", "в"),
        ("q", "к"),
        ("x", "кс"),
    ];
    transcribe(latin, TABLE, |_, _| None)
}

/// Writes a Latin name in Greek letters.
pub fn to_greek(latin: &str) -> String {
    const TABLE: &[(&str, &str)] = &[
        ("th", "θ"),
        ("ch", "χ"),
        ("ps", "ψ"),
        ("ph", "φ"),
        ("ks", "ξ"),
        ("ou", "ου"),
        ("a", "α"),
        ("b", "β"),
        ("v", "β"),
        ("g", "γ"),
        ("d", "δ"),
        ("e", "ε"),
        ("z", "ζ"),
        ("i", "ι"),
        ("k", "κ"),
        ("c", "κ"),
        ("l", "λ"),
        ("m", "μ"),
        ("n", "ν"),
        ("x", "ξ"),
        ("o", "ο"),
        ("p", "π"),
        ("r", "ρ"),
        ("s", "σ"),
        ("t", "τ"),
        ("y", "υ"),
        ("f", "φ"),
        ("h", ""),
        ("u", "ου"),
        ("j", "ι"),
        ("w", "ου"),
        ("q", "κ"),
    ];
    let greek = transcribe(latin, TABLE, |_, _| None);
    // A word-final sigma is written ς.
    let mut out = String::with_capacity(greek.len());
    let chars: Vec<char> = greek.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let last = chars.get(i + 1).is_none_or(|n| !n.is_alphabetic());
        out.push(if c == 'σ' && last { 'ς' } else { c });
    }
    out
}

/// Writes a Latin name in Arabic script: consonants only, as Arabic writes names without short
/// vowels; `al-` joins the word it precedes.
pub fn to_arabic(latin: &str) -> String {
    const TABLE: &[(&str, &str)] = &[
        ("sh", "ش"),
        ("kh", "خ"),
        ("th", "ث"),
        ("dh", "ذ"),
        ("gh", "غ"),
        ("ou", ""),
        ("b", "ب"),
        ("t", "ت"),
        ("j", "ج"),
        ("h", "ح"),
        ("d", "د"),
        ("r", "ر"),
        ("z", "ز"),
        ("s", "س"),
        ("f", "ف"),
        ("q", "ق"),
        ("k", "ك"),
        ("l", "ل"),
        ("m", "م"),
        ("n", "ن"),
        ("w", "و"),
        ("y", "ي"),
        ("v", "ف"),
        ("p", "ب"),
        ("g", "ج"),
        ("c", "ك"),
        ("x", "كس"),
        ("a", ""),
        ("e", ""),
        ("i", ""),
        ("o", ""),
        ("u", ""),
    ];
    let joined = latin
        .replace("al-", "al")
        .replace("Al-", "al")
        .replace("Abdul-", "Abdul");
    transcribe(&joined, TABLE, |word, at| {
        // A word's initial vowel is written with an alif.
        (at == 0 && word[..1].chars().all(|c| "aeiou".contains(c))).then_some("ا")
    })
}

fn transcribe(
    latin: &str,
    table: &[(&str, &str)],
    initial: impl Fn(&str, usize) -> Option<&'static str>,
) -> String {
    let mut out = String::new();
    for (n, word) in latin.split(' ').enumerate() {
        if n > 0 {
            out.push(' ');
        }
        let lower = any_ascii::any_ascii(word).to_lowercase();
        let mut i = 0;
        let mut first = true;
        let mut written = String::new();
        while i < lower.len() {
            if !lower.as_bytes()[i].is_ascii_alphabetic() {
                written.push(char::from(lower.as_bytes()[i]));
                i += 1;
                continue;
            }
            if first {
                if let Some(letter) = initial(&lower[i..], 0) {
                    written.push_str(letter);
                    i += 1;
                    first = false;
                    continue;
                }
            }
            first = false;
            let rest = &lower[i..];
            let (pattern, replacement) = table
                .iter()
                .find(|(p, _)| rest.starts_with(p))
                .copied()
                .unwrap_or(("?", ""));
            written.push_str(replacement);
            i += pattern.len().max(1);
        }
        out.push_str(&capitalize(&written));
    }
    out
}

/// A variant Latin transliteration (`Vladimir` → `Wladimir`, `Muhammad` → `Mohammad`).
fn alternate_latin(rng: &mut Rng, name: &str, culture: Culture) -> String {
    let rules: &[(&str, &str)] = match culture {
        Culture::Slavic => &[
            ("v", "w"),
            ("i", "y"),
            ("kh", "h"),
            ("Yu", "Ju"),
            ("Ye", "E"),
            ("ev", "ew"),
            ("sh", "sch"),
            ("ts", "tz"),
            ("ks", "x"),
            ("y", "i"),
            ("iy", "ij"),
        ],
        Culture::Arabic => &[
            ("u", "o"),
            ("a", "e"),
            ("ee", "i"),
            ("ou", "u"),
            ("q", "k"),
            ("Kh", "H"),
            ("i", "ee"),
            ("y", "i"),
        ],
        _ => &[
            ("y", "i"),
            ("i", "y"),
            ("ph", "f"),
            ("ch", "h"),
            ("k", "c"),
            ("ou", "u"),
            ("v", "b"),
        ],
    };
    for _ in 0..8 {
        let (from, to) = rules[rng.below(rules.len())];
        let positions: Vec<usize> = name.match_indices(from).map(|(i, _)| i).collect();
        if positions.is_empty() {
            continue;
        }
        let at = positions[rng.below(positions.len())];
        return format!("{}{}{}", &name[..at], to, &name[at + from.len()..]);
    }
    name.to_owned()
}

fn native_script(name: &str, culture: Culture) -> Option<String> {
    match culture {
        Culture::Slavic => Some(to_cyrillic(name)),
        Culture::Greek => Some(to_greek(name)),
        Culture::Arabic => Some(to_arabic(name)),
        _ => None,
    }
}

/// What a synthetic entry was built from, for deriving queries.
#[derive(Debug, Clone)]
pub struct EntrySeed {
    /// The entry's index in the list.
    pub index: usize,
    culture: Culture,
    person: Option<PersonName>,
    org: Option<(String, String, String)>,
}

/// A synthetic list and the seeds its entries were built from.
#[derive(Debug, Clone)]
pub struct SyntheticList {
    /// The entries, `SYN-00000` onwards.
    pub entries: Vec<ListEntry>,
    /// One seed per entry.
    pub seeds: Vec<EntrySeed>,
}

/// Generates a list of `size` fictional entries (about 12 % organisations), each with a primary
/// name, strong aliases (another transliteration, the native script, the comma form), a weak
/// alias for some, dates of birth, countries and passport or registration numbers. About three
/// names an entry on average.
#[allow(clippy::too_many_lines)]
pub fn synthetic_list(size: usize, seed: u64) -> SyntheticList {
    let mut rng = Rng::new(seed);
    let mut entries = Vec::with_capacity(size);
    let mut seeds = Vec::with_capacity(size);
    for index in 0..size {
        let culture = CULTURES[rng.below(CULTURES.len())];
        let countries_pool = COUNTRIES[CULTURES.iter().position(|c| *c == culture).unwrap_or(0)];
        let mut countries = vec![rng.pick(countries_pool).to_owned()];
        if rng.chance(0.2) {
            let other = rng.pick(countries_pool).to_owned();
            if !countries.contains(&other) {
                countries.push(other);
            }
        }
        let mut names = Vec::new();
        let mut identifiers = Vec::new();
        let mut birth_dates = Vec::new();
        let (kind, person, org) = if rng.chance(0.12) {
            let root = format!("{}{}", rng.pick(ORG_ROOTS), rng.pick(ORG_SUFFIX));
            let sector = rng.pick(ORG_SECTORS).to_owned();
            let form = rng.pick(LEGAL_FORMS).to_owned();
            names.push(EntryName {
                full: format!("{root} {sector} {form}"),
                strength: NameStrength::Primary,
            });
            if rng.chance(0.8) {
                names.push(EntryName {
                    full: format!("{} {}", root.to_uppercase(), sector.to_uppercase()),
                    strength: NameStrength::Strong,
                });
            }
            if rng.chance(0.5) {
                names.push(EntryName {
                    full: format!("{root}-{sector} {form}"),
                    strength: NameStrength::Strong,
                });
            }
            if culture == Culture::Slavic && rng.chance(0.6) {
                names.push(EntryName {
                    full: format!("ООО {}", to_cyrillic(&format!("{root} {sector}"))),
                    strength: NameStrength::Strong,
                });
            }
            if rng.chance(0.5) {
                identifiers.push(Identifier {
                    kind: "Registration Number".to_owned(),
                    number: format!("{}", 1_000_000 + rng.below(8_999_999)),
                    country: Some(countries[0].clone()),
                });
            }
            (EntityKind::Organization, None, Some((root, sector, form)))
        } else {
            let person = person_name(&mut rng, culture);
            let natural = person.natural();
            if rng.chance(0.3) && !person.family_first {
                names.push(EntryName {
                    full: person.comma(),
                    strength: NameStrength::Primary,
                });
            } else {
                names.push(EntryName {
                    full: natural.clone(),
                    strength: NameStrength::Primary,
                });
            }
            if !person.family_first && !names[0].full.contains(',') && rng.chance(0.6) {
                names.push(EntryName {
                    full: person.comma(),
                    strength: NameStrength::Strong,
                });
            }
            if let Some(native) = native_script(&natural, culture).filter(|_| rng.chance(0.6)) {
                names.push(EntryName {
                    full: native,
                    strength: NameStrength::Strong,
                });
            }
            let variant = alternate_latin(&mut rng, &natural, culture);
            if variant != natural && rng.chance(0.9) {
                names.push(EntryName {
                    full: variant,
                    strength: NameStrength::Strong,
                });
            }
            if rng.chance(0.7) {
                let nick = format!(
                    "{} {}",
                    syllable_name(&mut rng, ORG_ROOTS, &["a", "o", "i"], &["r", "n", "s", "k"]),
                    syllable_name(&mut rng, SLAVIC_ROOTS, &["a", "e"], &["l", "m", "t"]),
                );
                names.push(EntryName {
                    full: nick,
                    strength: NameStrength::Weak,
                });
            }
            if rng.chance(0.85) {
                let year = 1940 + i32::try_from(rng.below(60)).unwrap_or(0);
                let month = 1 + u32::try_from(rng.below(12)).unwrap_or(0);
                let day = 1 + u32::try_from(rng.below(28)).unwrap_or(0);
                birth_dates.push(if rng.chance(0.75) {
                    PartialDate {
                        year,
                        month: Some(month),
                        day: Some(day),
                    }
                } else {
                    PartialDate {
                        year,
                        month: None,
                        day: None,
                    }
                });
            }
            if rng.chance(0.5) {
                identifiers.push(Identifier {
                    kind: "Passport".to_owned(),
                    number: format!(
                        "{}{}",
                        char::from(b'A' + u8::try_from(rng.below(26)).unwrap_or(0)),
                        1_000_000 + rng.below(8_999_999)
                    ),
                    country: Some(countries[0].clone()),
                });
            }
            (EntityKind::Person, Some(person), None)
        };
        entries.push(ListEntry {
            entry_id: format!("SYN-{index:05}"),
            kind,
            topics: vec![EntryTopic::Sanctions],
            names,
            birth_dates,
            birth_places: Vec::new(),
            countries,
            identifiers,
            programs: vec!["SYNTHETIC".to_owned()],
        });
        seeds.push(EntrySeed {
            index,
            culture,
            person,
            org,
        });
    }
    SyntheticList { entries, seeds }
}

/// The variation a labelled query was derived by, or the kind of negative it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariationClass {
    /// The primary name as listed (a control).
    Exact,
    /// Diacritics added or removed (é, ü, ş, ł, ø, ß).
    Diacritics,
    /// Another script (Cyrillic, Greek, Arabic) or another Latin transliteration.
    Transliteration,
    /// `SURNAME, Given` against `Given Surname`, or family name first.
    NameOrder,
    /// A middle name dropped or added.
    MiddleName,
    /// A particle (`al-`, `bin`, `van der`, `de`) dropped or spelled differently.
    Particles,
    /// Given names reduced to initials.
    Initials,
    /// `Abdul-Rahman` / `Abdul Rahman` / `Abdulrahman`.
    Hyphenation,
    /// A letter doubled or a double letter collapsed.
    DoubledLetters,
    /// Latin letters replaced by Cyrillic or Greek look-alikes.
    Homoglyphs,
    /// Zero-width and other invisible characters inserted.
    Invisible,
    /// One or two typing errors (insertion, deletion, substitution, transposition).
    Typo,
    /// An organisation with its legal form dropped or changed.
    Organization,
    /// Negative: the given names of an entry with a family name no entry has.
    NegSharedGiven,
    /// Negative: the family name of an entry with other given names.
    NegSharedFamily,
    /// Negative: the given names of one entry and the family name of another.
    NegSwapped,
    /// Negative: one common given name alone.
    NegGivenOnly,
    /// Negative: a fresh name from the same pools.
    NegRandom,
    /// Negative: an organisation sharing the sector and legal form of a listed one.
    NegOrganization,
}

impl VariationClass {
    /// Every positive class, each a requirement of the matcher.
    pub const POSITIVE: [VariationClass; 13] = [
        VariationClass::Exact,
        VariationClass::Diacritics,
        VariationClass::Transliteration,
        VariationClass::NameOrder,
        VariationClass::MiddleName,
        VariationClass::Particles,
        VariationClass::Initials,
        VariationClass::Hyphenation,
        VariationClass::DoubledLetters,
        VariationClass::Homoglyphs,
        VariationClass::Invisible,
        VariationClass::Typo,
        VariationClass::Organization,
    ];

    /// Every negative class: none of these must match.
    pub const NEGATIVE: [VariationClass; 6] = [
        VariationClass::NegSharedGiven,
        VariationClass::NegSharedFamily,
        VariationClass::NegSwapped,
        VariationClass::NegGivenOnly,
        VariationClass::NegRandom,
        VariationClass::NegOrganization,
    ];

    /// Whether queries of this class have an expected entry.
    pub fn is_positive(self) -> bool {
        !VariationClass::NEGATIVE.contains(&self)
    }

    /// The class's name in reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            VariationClass::Exact => "exact",
            VariationClass::Diacritics => "diacritics",
            VariationClass::Transliteration => "transliteration",
            VariationClass::NameOrder => "name_order",
            VariationClass::MiddleName => "middle_name",
            VariationClass::Particles => "particles",
            VariationClass::Initials => "initials",
            VariationClass::Hyphenation => "hyphenation",
            VariationClass::DoubledLetters => "doubled_letters",
            VariationClass::Homoglyphs => "homoglyphs",
            VariationClass::Invisible => "invisible",
            VariationClass::Typo => "typo",
            VariationClass::Organization => "organization",
            VariationClass::NegSharedGiven => "neg_shared_given",
            VariationClass::NegSharedFamily => "neg_shared_family",
            VariationClass::NegSwapped => "neg_swapped",
            VariationClass::NegGivenOnly => "neg_given_only",
            VariationClass::NegRandom => "neg_random",
            VariationClass::NegOrganization => "neg_organization",
        }
    }
}

impl fmt::Display for VariationClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One labelled query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelledQuery {
    /// The variation or negative class.
    pub class: VariationClass,
    /// The name screened.
    pub name: String,
    /// Person or organisation.
    pub kind: SubjectKind,
    /// The date of birth given with the query, if any.
    pub birth_date: Option<NaiveDate>,
    /// The country given with the query, if any.
    pub country: Option<String>,
    /// The entry the query must match; `None` for negatives, which must match nothing.
    pub expected: Option<String>,
}

impl LabelledQuery {
    /// The query as a subject to screen.
    pub fn subject(&self) -> Subject {
        Subject {
            kind: self.kind,
            names: vec![self.name.clone()],
            birth_date: self.birth_date,
            countries: self.country.iter().cloned().collect(),
            identifiers: Vec::<SubjectIdentifier>::new(),
        }
    }
}

const HOMOGLYPHS: &[(char, char)] = &[
    ('a', 'а'),
    ('e', 'е'),
    ('o', 'о'),
    ('p', 'р'),
    ('c', 'с'),
    ('x', 'х'),
    ('y', 'у'),
    ('A', 'А'),
    ('B', 'В'),
    ('E', 'Е'),
    ('K', 'К'),
    ('M', 'М'),
    ('H', 'Н'),
    ('O', 'О'),
    ('P', 'Р'),
    ('C', 'С'),
    ('T', 'Т'),
    ('X', 'Х'),
    ('A', 'Α'),
    ('O', 'Ο'),
    ('E', 'Ε'),
    ('I', 'Ι'),
    ('K', 'Κ'),
    ('N', 'Ν'),
    ('T', 'Τ'),
    ('o', 'ο'),
];
const INVISIBLE: &[char] = &[
    '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{2060}', '\u{FEFF}', '\u{00AD}',
];
const ACCENTS: &[(char, char)] = &[
    ('a', 'á'),
    ('a', 'ä'),
    ('e', 'é'),
    ('e', 'ë'),
    ('o', 'ö'),
    ('o', 'ø'),
    ('u', 'ü'),
    ('s', 'ş'),
    ('c', 'ç'),
    ('l', 'ł'),
    ('i', 'í'),
    ('n', 'ñ'),
    ('z', 'ž'),
    ('g', 'ğ'),
];

fn replace_char_at(text: &str, at: usize, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for (i, c) in text.chars().enumerate() {
        if i == at {
            out.push_str(with);
        } else {
            out.push(c);
        }
    }
    out
}

/// Applies one or two random edits to a word of at least five letters.
fn typo(rng: &mut Rng, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let at = 1 + rng.below(chars.len().saturating_sub(2).max(1));
    let letters = "abdeghiklmnorstuvz";
    let letter = letters.chars().nth(rng.below(letters.len())).unwrap_or('e');
    match rng.below(4) {
        0 => chars.insert(at, letter),
        1 => {
            chars.remove(at);
        }
        2 => {
            if chars[at].to_ascii_lowercase() == letter {
                chars[at] = 'q';
            } else {
                chars[at] = letter;
            }
        }
        _ => {
            if at + 1 < chars.len() && chars[at] != chars[at + 1] {
                chars.swap(at, at + 1);
            } else {
                chars.remove(at);
            }
        }
    }
    chars.into_iter().collect()
}

/// Whether every token of `small` has its own counterpart in `large` with two edits at most in
/// all (greedy, closest pairs first).
fn within_two_edits(small: &[&String], large: &[&String]) -> bool {
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
    for (i, a) in small.iter().enumerate() {
        for (j, b) in large.iter().enumerate() {
            let edits = strsim::osa_distance(a, b);
            if edits <= 2 {
                pairs.push((edits, i, j));
            }
        }
    }
    pairs.sort_unstable();
    let (mut used_small, mut used_large, mut total, mut matched) = (0_u64, 0_u64, 0, 0);
    for (edits, i, j) in pairs {
        if used_small & (1 << i) == 0 && used_large & (1 << j) == 0 {
            used_small |= 1 << i;
            used_large |= 1 << j;
            total += edits;
            matched += 1;
        }
    }
    matched == small.len() && total <= 2
}

struct Deriver<'a> {
    list: &'a SyntheticList,
    /// Normalised token → names containing it, for checking negatives are absent.
    tokens: HashMap<String, Vec<usize>>,
    name_tokens: Vec<Vec<String>>,
}

impl<'a> Deriver<'a> {
    fn new(list: &'a SyntheticList) -> Self {
        let mut tokens: HashMap<String, Vec<usize>> = HashMap::new();
        let mut name_tokens = Vec::new();
        for entry in &list.entries {
            for name in &entry.names {
                let mut set: Vec<String> = tokenize(&name.full, entry.kind != EntityKind::Person)
                    .into_iter()
                    .filter(super::normalize::Token::counts)
                    .map(|t| t.text)
                    .take(60)
                    .collect();
                set.dedup();
                for token in &set {
                    tokens
                        .entry(token.clone())
                        .or_default()
                        .push(name_tokens.len());
                }
                name_tokens.push(set);
            }
        }
        Deriver {
            list,
            tokens,
            name_tokens,
        }
    }

    /// Whether `name` may designate a listed party, so it cannot serve as a negative: some
    /// listed name sharing a token with it is, token for token, within two edits in all of it
    /// (the typo class's reach), allowing for a dropped or added middle name. Such a name is
    /// indistinguishable from a positive of the typo or middle-name class by construction. A
    /// single token is only checked against listed single-token names.
    fn listed(&self, name: &str, organization: bool) -> bool {
        let query: Vec<String> = tokenize(name, organization)
            .into_iter()
            .filter(super::normalize::Token::counts)
            .map(|t| t.text)
            .collect();
        if query.is_empty() {
            return true;
        }
        let mut seen = HashSet::new();
        for token in &query {
            for &n in self.tokens.get(token).into_iter().flatten() {
                if !seen.insert(n) {
                    continue;
                }
                let listed: Vec<&String> = self.name_tokens[n].iter().collect();
                if query.len() == 1 {
                    if listed.len() == 1 {
                        return true;
                    }
                    continue;
                }
                let query: Vec<&String> = query.iter().collect();
                let (small, large) = if query.len() <= listed.len() {
                    (&query, &listed)
                } else {
                    (&listed, &query)
                };
                if within_two_edits(small, large) {
                    return true;
                }
            }
        }
        false
    }

    fn seed(&self, rng: &mut Rng, accept: impl Fn(&EntrySeed) -> bool) -> Option<&'a EntrySeed> {
        for _ in 0..5_000 {
            let seed = &self.list.seeds[rng.below(self.list.seeds.len())];
            if accept(seed) {
                return Some(seed);
            }
        }
        None
    }

    #[allow(clippy::too_many_lines)]
    fn positive(&self, rng: &mut Rng, class: VariationClass) -> Option<LabelledQuery> {
        let person = |s: &EntrySeed| s.person.is_some();
        let seed = match class {
            VariationClass::Transliteration => self.seed(rng, |s| {
                person(s)
                    && matches!(
                        s.culture,
                        Culture::Slavic | Culture::Arabic | Culture::Greek
                    )
            }),
            VariationClass::MiddleName | VariationClass::Initials | VariationClass::NameOrder => {
                self.seed(rng, |s| person(s) && s.culture != Culture::EastAsian)
            }
            VariationClass::Particles => self.seed(rng, |s| {
                s.person
                    .as_ref()
                    .is_some_and(|p| p.family.contains(' ') || p.family.contains("al-"))
            }),
            VariationClass::Hyphenation => self.seed(rng, |s| {
                s.person
                    .as_ref()
                    .is_some_and(|p| p.given.iter().any(|g| g.contains('-')))
            }),
            VariationClass::Organization => self.seed(rng, |s| s.org.is_some()),
            _ => self.seed(rng, person),
        }?;
        let entry = &self.list.entries[seed.index];
        let natural = seed.person.as_ref().map(PersonName::natural);
        let name = match class {
            VariationClass::Exact => entry.names[0].full.clone(),
            VariationClass::Diacritics => {
                let base = natural?;
                if base.is_ascii() {
                    let mut out = base;
                    for _ in 0..=rng.below(2) {
                        let chars: Vec<char> = out.chars().collect();
                        let spots: Vec<(usize, char)> = chars
                            .iter()
                            .enumerate()
                            .filter_map(|(i, c)| {
                                let options: Vec<char> = ACCENTS
                                    .iter()
                                    .filter(|(from, _)| from == c)
                                    .map(|(_, to)| *to)
                                    .collect();
                                (!options.is_empty())
                                    .then(|| (i, options[rng.below(options.len())]))
                            })
                            .collect();
                        if spots.is_empty() {
                            break;
                        }
                        let (at, accented) = spots[rng.below(spots.len())];
                        out = replace_char_at(&out, at, &accented.to_string());
                    }
                    out
                } else {
                    any_ascii::any_ascii(&base)
                }
            }
            VariationClass::Transliteration => {
                let base = natural?;
                if rng.chance(0.6) {
                    native_script(&base, seed.culture)?
                } else {
                    let variant = alternate_latin(rng, &base, seed.culture);
                    if variant == base {
                        return None;
                    }
                    variant
                }
            }
            VariationClass::NameOrder => {
                let p = seed.person.as_ref()?;
                if entry.names[0].full.contains(',') {
                    p.natural()
                } else if rng.chance(0.5) {
                    p.comma()
                } else {
                    format!("{} {}", p.family, p.given.join(" "))
                }
            }
            VariationClass::MiddleName => {
                let p = seed.person.as_ref()?;
                let mut given = p.given.clone();
                if given.len() >= 2 {
                    given.truncate(1);
                } else {
                    let pool = match seed.culture {
                        Culture::Slavic => SLAVIC_MIDDLE,
                        Culture::Arabic => ARABIC_GIVEN,
                        Culture::Greek => GREEK_GIVEN,
                        Culture::Turkic => TURKIC_GIVEN,
                        _ => LATIN_GIVEN,
                    };
                    given.push(rng.pick(pool).to_owned());
                }
                format!("{} {}", given.join(" "), p.family)
            }
            VariationClass::Particles => {
                let p = seed.person.as_ref()?;
                let family = if let Some(root) = p.family.strip_prefix("al-") {
                    match rng.below(3) {
                        0 => root.to_owned(),
                        1 => format!("el-{root}"),
                        _ => format!("Al {root}"),
                    }
                } else {
                    let parts: Vec<&str> = p.family.split(' ').collect();
                    let root = parts.last().copied().unwrap_or_default();
                    if rng.chance(0.5) {
                        root.to_owned()
                    } else {
                        let particles: Vec<String> = parts[..parts.len() - 1]
                            .iter()
                            .map(|s| capitalize(s))
                            .collect();
                        format!("{} {root}", particles.join(" "))
                    }
                };
                format!("{} {family}", p.given.join(" "))
            }
            VariationClass::Initials => {
                let p = seed.person.as_ref()?;
                let initials: Vec<String> = p
                    .given
                    .iter()
                    .flat_map(|g| g.split('-'))
                    .map(|g| format!("{}.", g.chars().next().unwrap_or('X')))
                    .collect();
                format!("{} {}", initials.join(" "), p.family)
            }
            VariationClass::Hyphenation => {
                let p = seed.person.as_ref()?;
                let given: Vec<String> = p
                    .given
                    .iter()
                    .map(|g| {
                        if g.contains('-') {
                            if rng.chance(0.5) {
                                g.replace('-', " ")
                            } else {
                                let (a, b) = g.split_once('-').unwrap_or((g, ""));
                                format!("{a}{}", b.to_lowercase())
                            }
                        } else {
                            g.clone()
                        }
                    })
                    .collect();
                let mut person = p.clone();
                person.given = given;
                person.natural()
            }
            VariationClass::DoubledLetters => {
                let base = natural?;
                let chars: Vec<char> = base.chars().collect();
                // Consonants, as in `Mohammed` / `Mohamed` and `Hassan` / `Hasan`: a vowel pair
                // is often another vowel (`oo` is `u`), not a doubled one.
                let doubles: Vec<usize> = (1..chars.len())
                    .filter(|&i| chars[i] == chars[i - 1] && "bdfgklmnprstz".contains(chars[i]))
                    .collect();
                if !doubles.is_empty() && rng.chance(0.5) {
                    replace_char_at(&base, doubles[rng.below(doubles.len())], "")
                } else {
                    let spots: Vec<usize> = (1..chars.len())
                        .filter(|&i| {
                            "bdfgklmnprstz".contains(chars[i]) && chars[i - 1].is_alphabetic()
                        })
                        .collect();
                    if spots.is_empty() {
                        return None;
                    }
                    let at = spots[rng.below(spots.len())];
                    replace_char_at(&base, at, &format!("{}{}", chars[at], chars[at]))
                }
            }
            VariationClass::Homoglyphs => {
                let mut out = natural?;
                for _ in 0..=rng.below(3) {
                    let chars: Vec<char> = out.chars().collect();
                    let spots: Vec<(usize, char)> = chars
                        .iter()
                        .enumerate()
                        .filter_map(|(i, c)| {
                            HOMOGLYPHS
                                .iter()
                                .find(|(l, _)| l == c)
                                .map(|(_, g)| (i, *g))
                        })
                        .collect();
                    if spots.is_empty() {
                        break;
                    }
                    let (at, glyph) = spots[rng.below(spots.len())];
                    out = replace_char_at(&out, at, &glyph.to_string());
                }
                out
            }
            VariationClass::Invisible => {
                let mut out = natural?;
                for _ in 0..=rng.below(3) {
                    let count = out.chars().count();
                    let at = 1 + rng.below(count.saturating_sub(1).max(1));
                    let c = INVISIBLE[rng.below(INVISIBLE.len())];
                    let mut chars: Vec<char> = out.chars().collect();
                    chars.insert(at.min(chars.len()), c);
                    out = chars.into_iter().collect();
                }
                out
            }
            VariationClass::Typo => {
                let base = natural?;
                let mut words: Vec<String> = base.split(' ').map(str::to_owned).collect();
                // Hyphenated words are two names: their parts are too short to count as one.
                let long: Vec<usize> = (0..words.len())
                    .filter(|&i| words[i].chars().count() >= 5 && !words[i].contains('-'))
                    .collect();
                if long.is_empty() {
                    return None;
                }
                let two = rng.chance(0.5);
                let first = long[rng.below(long.len())];
                words[first] = typo(rng, &words[first]);
                if two {
                    let others: Vec<usize> = long.iter().copied().filter(|&i| i != first).collect();
                    // Two errors in one word only in a word long enough to stay recognisable.
                    let long_enough = words[first].chars().count() >= 7;
                    let second = if others.is_empty() || (long_enough && rng.chance(0.5)) {
                        long_enough.then_some(first)
                    } else {
                        Some(others[rng.below(others.len())])
                    };
                    if let Some(second) = second {
                        words[second] = typo(rng, &words[second]);
                    }
                }
                words.join(" ")
            }
            VariationClass::Organization => {
                let (root, sector, form) = seed.org.as_ref()?;
                match rng.below(3) {
                    0 => format!("{root} {sector}"),
                    1 => {
                        let other = LEGAL_FORMS
                            .iter()
                            .copied()
                            .find(|f| f != form && rng.chance(0.3))
                            .unwrap_or("Ltd");
                        format!("{} {} {other}", root.to_uppercase(), sector)
                    }
                    _ => format!("{} {} {}", root.to_lowercase(), sector.to_lowercase(), form),
                }
            }
            _ => return None,
        };
        let (birth_date, country) = Self::qualifiers(rng, entry);
        Some(LabelledQuery {
            class,
            name,
            kind: if entry.kind == EntityKind::Person {
                SubjectKind::Person
            } else {
                SubjectKind::Organization
            },
            birth_date,
            country,
            expected: Some(entry.entry_id.clone()),
        })
    }

    /// A third of the queries carry the entry's date of birth and country, as an onboarding
    /// record would; the rest are screened on the name alone.
    fn qualifiers(rng: &mut Rng, entry: &ListEntry) -> (Option<NaiveDate>, Option<String>) {
        if !rng.chance(0.33) {
            return (None, None);
        }
        let date = entry.birth_dates.first().and_then(|d| {
            NaiveDate::from_ymd_opt(d.year, d.month.unwrap_or(6), d.day.unwrap_or(15))
        });
        (date, entry.countries.first().cloned())
    }

    fn negative(&self, rng: &mut Rng, class: VariationClass) -> Option<LabelledQuery> {
        let person = |s: &EntrySeed| s.person.is_some();
        let negative_family =
            |rng: &mut Rng| format!("{}{}", rng.pick(NEGATIVE_ROOTS), rng.pick(NEGATIVE_END));
        let (name, kind) = match class {
            VariationClass::NegSharedGiven => {
                let p = self.seed(rng, person)?.person.as_ref()?;
                (
                    format!("{} {}", p.given.join(" "), negative_family(rng)),
                    SubjectKind::Person,
                )
            }
            VariationClass::NegSharedFamily => {
                let seed = self.seed(rng, |s| person(s) && s.culture != Culture::EastAsian)?;
                let p = seed.person.as_ref()?;
                let other = person_name(rng, seed.culture);
                (
                    format!("{} {}", other.given.join(" "), p.family),
                    SubjectKind::Person,
                )
            }
            VariationClass::NegSwapped => {
                let a = self.seed(rng, person)?.person.as_ref()?;
                let b = self.seed(rng, person)?.person.as_ref()?;
                (
                    format!("{} {}", a.given.join(" "), b.family),
                    SubjectKind::Person,
                )
            }
            VariationClass::NegGivenOnly => {
                let p = self.seed(rng, person)?.person.as_ref()?;
                (p.given[0].clone(), SubjectKind::Person)
            }
            VariationClass::NegRandom => {
                let culture = CULTURES[rng.below(CULTURES.len())];
                let mut p = person_name(rng, culture);
                if culture != Culture::EastAsian {
                    p.family = negative_family(rng);
                }
                (p.natural(), SubjectKind::Person)
            }
            VariationClass::NegOrganization => {
                let (_, sector, form) = self.seed(rng, |s| s.org.is_some())?.org.as_ref()?;
                (
                    format!("{} {sector} {form}", rng.pick(NEGATIVE_ORG_ROOTS)),
                    SubjectKind::Organization,
                )
            }
            _ => return None,
        };
        if self.listed(&name, kind == SubjectKind::Organization) {
            return None;
        }
        let birth_date = rng.chance(0.33).then(|| {
            let year = 1940 + i32::try_from(rng.below(60)).unwrap_or(0);
            NaiveDate::from_ymd_opt(year, 3, 1).unwrap_or_default()
        });
        Some(LabelledQuery {
            class,
            name,
            kind,
            birth_date,
            country: None,
            expected: None,
        })
    }
}

/// Derives `per_class` queries of every positive and every negative class from a list.
pub fn labelled_queries(list: &SyntheticList, per_class: usize, seed: u64) -> Vec<LabelledQuery> {
    let deriver = Deriver::new(list);
    let mut rng = Rng::new(seed);
    let mut queries = Vec::new();
    for class in VariationClass::POSITIVE
        .into_iter()
        .chain(VariationClass::NEGATIVE)
    {
        let mut made = 0;
        let mut attempts = 0;
        while made < per_class && attempts < per_class * 50 {
            attempts += 1;
            let query = if class.is_positive() {
                deriver.positive(&mut rng, class)
            } else {
                deriver.negative(&mut rng, class)
            };
            if let Some(query) = query {
                queries.push(query);
                made += 1;
            }
        }
    }
    queries
}

/// Anything that scores a labelled query against the list: ours, the baseline, or another.
pub trait Scorer {
    /// A short name for reports.
    fn name(&self) -> String;

    /// The entries the query matches at `threshold`, by entry id.
    fn matches(&self, query: &LabelledQuery, threshold: f64) -> Vec<String>;
}

/// Our matcher, through a [`ScreeningIndex`].
#[derive(Debug)]
pub struct IndexScorer<'a>(pub &'a ScreeningIndex);

impl Scorer for IndexScorer<'_> {
    fn name(&self) -> String {
        "kyc-screening".to_owned()
    }

    fn matches(&self, query: &LabelledQuery, threshold: f64) -> Vec<String> {
        let policy = MatchPolicy {
            threshold,
            max_candidates: 50,
            min_score: threshold,
        };
        self.0
            .screen(&query.subject(), &policy)
            .into_iter()
            .filter(|c| c.is_match)
            .map(|c| c.entry_id)
            .collect()
    }
}

/// The baseline: lower case, diacritics stripped (NFKD without combining marks), unique tokens
/// sorted and joined, Jaro-Winkler against every name of every entry of the right kind.
#[derive(Debug)]
pub struct BaselineScorer {
    names: Vec<(String, bool, String)>,
}

impl BaselineScorer {
    /// Prepares the list's names.
    pub fn new(entries: &[ListEntry]) -> Self {
        let names = entries
            .iter()
            .flat_map(|e| {
                e.names.iter().map(|n| {
                    (
                        e.entry_id.clone(),
                        e.kind == EntityKind::Person,
                        baseline_key(&n.full),
                    )
                })
            })
            .collect();
        BaselineScorer { names }
    }
}

/// The baseline's normalisation: lower case, NFKD with combining marks stripped, unique tokens
/// sorted and joined by a space.
pub fn baseline_key(name: &str) -> String {
    let folded: String = name
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut tokens: Vec<&str> = folded.split_whitespace().collect();
    tokens.sort_unstable();
    tokens.dedup();
    tokens.join(" ")
}

impl Scorer for BaselineScorer {
    fn name(&self) -> String {
        "baseline token-set Jaro-Winkler".to_owned()
    }

    fn matches(&self, query: &LabelledQuery, threshold: f64) -> Vec<String> {
        let key = baseline_key(&query.name);
        let person = query.kind == SubjectKind::Person;
        let mut out: Vec<String> = self
            .names
            .iter()
            .filter(|(_, p, name)| *p == person && strsim::jaro_winkler(&key, name) >= threshold)
            .map(|(id, _, _)| id.clone())
            .collect();
        out.dedup();
        out
    }
}

/// Recall or false positives of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassResult {
    /// The class.
    pub class: VariationClass,
    /// Queries of the class.
    pub cases: usize,
    /// Positives: queries whose expected entry matched. Negatives: queries that matched anything.
    pub hits: usize,
}

impl ClassResult {
    /// Hits over cases (recall for a positive class, false-positive rate for a negative one).
    pub fn rate(&self) -> f64 {
        if self.cases == 0 {
            return 0.0;
        }
        #[allow(clippy::cast_precision_loss)]
        let rate = self.hits as f64 / self.cases as f64;
        rate
    }
}

/// A scorer's results over a labelled set at one threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationReport {
    /// The scorer's name.
    pub scorer: String,
    /// The threshold.
    pub threshold: f64,
    /// One result per class, positives first.
    pub classes: Vec<ClassResult>,
}

impl EvaluationReport {
    /// The recall of a positive class.
    pub fn recall(&self, class: VariationClass) -> f64 {
        self.classes
            .iter()
            .find(|c| c.class == class)
            .map_or(0.0, ClassResult::rate)
    }

    /// The share of negative queries (all negative classes) that matched anything.
    pub fn false_positive_rate(&self) -> f64 {
        let (hits, cases) = self
            .classes
            .iter()
            .filter(|c| !c.class.is_positive())
            .fold((0, 0), |(h, n), c| (h + c.hits, n + c.cases));
        if cases == 0 {
            return 0.0;
        }
        #[allow(clippy::cast_precision_loss)]
        let rate = f64::from(u32::try_from(hits).unwrap_or(u32::MAX))
            / f64::from(u32::try_from(cases).unwrap_or(u32::MAX));
        rate
    }

    /// The lowest recall over the positive classes.
    pub fn worst_recall(&self) -> f64 {
        self.classes
            .iter()
            .filter(|c| c.class.is_positive())
            .map(ClassResult::rate)
            .fold(1.0, f64::min)
    }
}

/// Runs a scorer over a labelled set.
pub fn evaluate(
    scorer: &dyn Scorer,
    queries: &[LabelledQuery],
    threshold: f64,
) -> EvaluationReport {
    let mut classes: Vec<ClassResult> = Vec::new();
    for query in queries {
        let matched = scorer.matches(query, threshold);
        let hit = match &query.expected {
            Some(expected) => matched.iter().any(|id| id == expected),
            None => !matched.is_empty(),
        };
        if let Some(result) = classes.iter_mut().find(|c| c.class == query.class) {
            result.cases += 1;
            result.hits += usize::from(hit);
        } else {
            classes.push(ClassResult {
                class: query.class,
                cases: 1,
                hits: usize::from(hit),
            });
        }
    }
    classes.sort_by_key(|c| (!c.class.is_positive(), c.class));
    EvaluationReport {
        scorer: scorer.name(),
        threshold,
        classes,
    }
}

/// The misses of a scorer (positives not matched, negatives matched), for tuning.
pub fn failures<'q>(
    scorer: &dyn Scorer,
    queries: &'q [LabelledQuery],
    threshold: f64,
) -> Vec<(&'q LabelledQuery, Vec<String>)> {
    queries
        .iter()
        .filter_map(|query| {
            let matched = scorer.matches(query, threshold);
            let ok = match &query.expected {
                Some(expected) => matched.iter().any(|id| id == expected),
                None => matched.is_empty(),
            };
            (!ok).then_some((query, matched))
        })
        .collect()
}

/// Two reports side by side, class by class, as a Markdown table.
pub fn comparison_table(ours: &EvaluationReport, baseline: &EvaluationReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| class | cases | {} @ {:.2} | {} @ {:.2} |",
        ours.scorer, ours.threshold, baseline.scorer, baseline.threshold
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: |");
    for class in &ours.classes {
        let other = baseline
            .classes
            .iter()
            .find(|c| c.class == class.class)
            .map_or(0.0, ClassResult::rate);
        let what = if class.class.is_positive() {
            "recall"
        } else {
            "FP"
        };
        let _ = writeln!(
            out,
            "| {} ({what}) | {} | {:.3} | {:.3} |",
            class.class,
            class.cases,
            class.rate(),
            other
        );
    }
    let _ = writeln!(
        out,
        "| **false-positive rate** | | {:.3} | {:.3} |",
        ours.false_positive_rate(),
        baseline.false_positive_rate()
    );
    let _ = writeln!(
        out,
        "| **worst class recall** | | {:.3} | {:.3} |",
        ours.worst_recall(),
        baseline.worst_recall()
    );
    out
}

/// The labelled set as JSON lines: `{"class", "query", "birth_date", "country", "kind",
/// "expected"}`, one query a line.
pub fn queries_to_json_lines(queries: &[LabelledQuery]) -> String {
    let mut out = String::new();
    for query in queries {
        let line = json!({
            "class": query.class.as_str(),
            "query": query.name,
            "birth_date": query.birth_date.map(|d| d.to_string()),
            "country": query.country,
            "kind": match query.kind { SubjectKind::Person => "Person", SubjectKind::Organization => "Organization" },
            "expected": query.expected,
        });
        let _ = writeln!(out, "{line}");
    }
    out
}

/// The list as FollowTheMoney entities, one JSON object a line, so other matchers (`OpenSanctions`'
/// nomenklatura) can load the same list.
pub fn list_to_ftm_lines(entries: &[ListEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        let names = |strength: NameStrength| -> Vec<&str> {
            entry
                .names
                .iter()
                .filter(|n| n.strength == strength)
                .map(|n| n.full.as_str())
                .collect()
        };
        let person = entry.kind == EntityKind::Person;
        let numbers: Vec<&str> = entry
            .identifiers
            .iter()
            .map(|i| i.number.as_str())
            .collect();
        let mut properties = serde_json::Map::new();
        properties.insert("name".into(), json!(names(NameStrength::Primary)));
        properties.insert("alias".into(), json!(names(NameStrength::Strong)));
        properties.insert("weakAlias".into(), json!(names(NameStrength::Weak)));
        properties.insert("topics".into(), json!(["sanction"]));
        if person {
            let dates: Vec<String> = entry.birth_dates.iter().map(ToString::to_string).collect();
            properties.insert("birthDate".into(), json!(dates));
            properties.insert("nationality".into(), json!(lower(&entry.countries)));
            properties.insert("passportNumber".into(), json!(numbers));
        } else {
            properties.insert("country".into(), json!(lower(&entry.countries)));
            properties.insert("registrationNumber".into(), json!(numbers));
        }
        let line = json!({
            "id": entry.entry_id,
            "schema": if person { "Person" } else { "Organization" },
            "properties": properties,
        });
        let _ = writeln!(out, "{line}");
    }
    out
}

/// FollowTheMoney writes country codes in lower case.
fn lower(codes: &[String]) -> Vec<String> {
    codes.iter().map(|c| c.to_lowercase()).collect()
}

/// Builds an index over a synthetic list (one list, version 1).
pub fn index_of(list: &SyntheticList) -> ScreeningIndex {
    ScreeningIndex::build([(
        ListRef {
            name: "synthetic".to_owned(),
            version: 1,
        },
        list.entries.as_slice(),
    )])
}
