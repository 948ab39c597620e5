//! Country names and codes as the lists write them, to ISO 3166-1 alpha-2.

use std::collections::HashMap;
use std::sync::OnceLock;

use isocountry::CountryCode;

/// Names the lists use that ISO's English short names (and their forms without the
/// parenthesised or comma-separated qualifier) do not give. OFAC writes `Korea, North` and
/// `Burma`, the UN writes `Democratic People's Republic of Korea` and `United Republic of
/// Tanzania`; both name places ISO codes only in user-assigned space (`Kosovo`, `XK`, the code
/// the EU and OpenSanctions use).
const ALIASES: &[(&str, &str)] = &[
    ("korea, north", "KP"),
    ("north korea", "KP"),
    ("democratic people's republic of korea", "KP"),
    ("korea, dem. people's rep.", "KP"),
    ("korea, south", "KR"),
    ("south korea", "KR"),
    ("republic of korea", "KR"),
    ("burma", "MM"),
    ("russia", "RU"),
    ("syria", "SY"),
    ("iran", "IR"),
    ("vietnam", "VN"),
    ("laos", "LA"),
    ("lao people's democratic republic", "LA"),
    ("congo, democratic republic of the", "CD"),
    ("democratic republic of the congo", "CD"),
    ("congo, republic of the", "CG"),
    ("republic of the congo", "CG"),
    ("cote d'ivoire", "CI"),
    ("côte d'ivoire", "CI"),
    ("ivory coast", "CI"),
    ("palestinian", "PS"),
    ("palestine", "PS"),
    ("west bank", "PS"),
    ("gaza", "PS"),
    ("state of palestine", "PS"),
    ("kosovo", "XK"),
    ("united kingdom", "GB"),
    ("united states", "US"),
    ("united republic of tanzania", "TZ"),
    ("tanzania", "TZ"),
    ("republic of moldova", "MD"),
    ("moldova", "MD"),
    ("bolivia", "BO"),
    ("venezuela", "VE"),
    ("turkiye", "TR"),
    ("türkiye", "TR"),
    ("czech republic", "CZ"),
    ("north macedonia", "MK"),
    ("macedonia", "MK"),
    ("the former yugoslav republic of macedonia", "MK"),
    ("eswatini", "SZ"),
    ("cape verde", "CV"),
    ("bahamas, the", "BS"),
    ("gambia, the", "GM"),
    ("brunei", "BN"),
    ("taiwan", "TW"),
    ("china, hong kong special administrative region", "HK"),
    ("china, macao special administrative region", "MO"),
    ("macau", "MO"),
    ("curacao", "CW"),
    ("british virgin islands", "VG"),
    ("virgin islands, british", "VG"),
    ("micronesia, federated states of", "FM"),
    ("micronesia", "FM"),
    ("vatican city", "VA"),
    ("st. kitts and nevis", "KN"),
    ("st. lucia", "LC"),
    ("st. vincent and the grenadines", "VC"),
    ("sao tome and principe", "ST"),
    ("timor-leste", "TL"),
    ("east timor", "TL"),
    ("netherlands antilles", "CW"),
    ("serbia and montenegro", "RS"),
    ("yugoslavia", "RS"),
];

/// The code for a country name as OFAC or the UN writes it; `None` for names that are not
/// countries (`undetermined`, regions) or that this table does not know.
pub(crate) fn code_for_name(name: &str) -> Option<&'static str> {
    names().get(normalize(name).as_str()).copied()
}

/// The code itself, upper case, when `code` is an ISO 3166-1 alpha-2 code (or `XK`).
pub(crate) fn valid_code(code: &str) -> Option<String> {
    let upper = code.trim().to_ascii_uppercase();
    if upper == "XK" || CountryCode::for_alpha2(&upper).is_ok() {
        Some(upper)
    } else {
        None
    }
}

fn normalize(name: &str) -> String {
    let lower = name
        .trim()
        .trim_end_matches('.')
        .to_lowercase()
        .replace(['’', '‘'], "'");
    let collapsed: Vec<&str> = lower.split_whitespace().collect();
    let joined = collapsed.join(" ");
    joined
        .strip_prefix("the ")
        .map_or(joined.clone(), str::to_owned)
}

fn names() -> &'static HashMap<String, &'static str> {
    static NAMES: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: HashMap<String, &'static str> = HashMap::new();
        // Short forms (`Iran` from `Iran (Islamic Republic of)`) are only kept when one
        // country yields them: `Korea` and `Congo` are ambiguous.
        let mut short: HashMap<String, Option<&'static str>> = HashMap::new();
        for country in CountryCode::iter() {
            let code = country.alpha2();
            let full = normalize(country.name());
            for cut in [" (", ", "] {
                if let Some(index) = full.find(cut) {
                    short
                        .entry(full[..index].to_owned())
                        .and_modify(|existing| *existing = None)
                        .or_insert(Some(code));
                }
            }
            names.insert(full, code);
        }
        for (name, code) in short {
            if let Some(code) = code {
                names.entry(name).or_insert(code);
            }
        }
        for (name, code) in ALIASES {
            names.insert(normalize(name), code);
        }
        names
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_names_map_to_codes() {
        for (name, code) in [
            ("Iran", "IR"),
            ("Iran (Islamic Republic of)", "IR"),
            ("Korea, North", "KP"),
            ("Democratic People's Republic of Korea", "KP"),
            ("Russia", "RU"),
            ("Russian Federation", "RU"),
            ("Syrian Arab Republic", "SY"),
            ("Venezuela", "VE"),
            ("Bolivia", "BO"),
            ("Burma", "MM"),
            ("Congo, Democratic Republic of the", "CD"),
            ("Congo", "CG"),
            ("Côte d’Ivoire", "CI"),
            ("Palestinian", "PS"),
            ("Kosovo", "XK"),
            ("United Kingdom of Great Britain and Northern Ireland", "GB"),
            ("United Republic of Tanzania", "TZ"),
            ("Germany", "DE"),
            ("  germany ", "DE"),
        ] {
            assert_eq!(code_for_name(name), Some(code), "{name}");
        }
        assert_eq!(code_for_name("Undetermined"), None);
        assert_eq!(code_for_name("Atlantis"), None);
    }

    #[test]
    fn every_code_survives_its_english_name() {
        for country in CountryCode::iter() {
            let code = country.alpha2();
            assert_eq!(
                code_for_name(crate::synthetic::country_name(code)),
                Some(code),
                "{}",
                country.name()
            );
        }
        assert_eq!(
            code_for_name(crate::synthetic::country_name("XK")),
            Some("XK")
        );
    }

    #[test]
    fn codes_are_checked_and_upper_cased() {
        assert_eq!(valid_code("ru"), Some("RU".to_owned()));
        assert_eq!(valid_code("xk"), Some("XK".to_owned()));
        assert_eq!(valid_code("suhh"), None);
        assert_eq!(valid_code("00"), None);
        assert_eq!(valid_code("ZZ"), None);
    }
}
