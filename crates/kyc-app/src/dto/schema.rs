//! JSON Schema pieces that state the domain's value rules exactly, built from the domain's own
//! constants and closed lists, for the OpenAPI description of the request bodies.
//!
//! Exact matters both ways: a schema looser than the parser lets a client (and the contract
//! fuzzer) send "valid" values the server refuses, and a stricter one calls values invalid that
//! the server takes. Most values are trimmed before they are judged, so a bound on the raw
//! string (`maxLength`) would be wrong in both directions; the patterns below bound the trimmed
//! text instead.

use chrono::{Datelike, Months, NaiveDate};
use kyc_domain::customer::{ContentType, SignatureByte};
use kyc_domain::values::dates::MINIMUM_CUSTOMER_AGE;
use kyc_domain::values::CountryCode;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ArrayItems, ObjectBuilder, OneOfBuilder, Schema,
    SchemaType, Type,
};
use utoipa::openapi::RefOr;

/// What Rust's `str::trim` removes (the Unicode `White_Space` property), as a regex class body.
const WHITESPACE: &str =
    r"\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// What `char::is_control` refuses (Unicode `Cc`), as a regex class body.
const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";

/// `^`, optional surrounding whitespace (which the parser trims) around `core`, `$`.
pub fn trimmed(core: &str) -> String {
    format!("^[{WHITESPACE}]*(?:{core})[{WHITESPACE}]*$")
}

/// The rule of the domain's `BoundedText<max>`: after trimming, 1 to `max` characters, none of
/// them a control character.
pub fn bounded_text_pattern(max: usize) -> String {
    let edge = format!("[^{WHITESPACE}{CONTROL}]");
    let core = if max <= 1 {
        edge
    } else {
        format!("{edge}(?:[^{CONTROL}]{{0,{}}}{edge})?", max - 2)
    };
    trimmed(&core)
}

fn string(nullable: bool) -> ObjectBuilder {
    if nullable {
        ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null]))
    } else {
        ObjectBuilder::new().schema_type(Type::String)
    }
}

/// A `BoundedText<max>` value.
pub fn text(max: usize, nullable: bool) -> ObjectBuilder {
    string(nullable).pattern(Some(bounded_text_pattern(max)))
}

/// A string with a pattern.
pub fn patterned(pattern: impl Into<String>, nullable: bool) -> ObjectBuilder {
    string(nullable).pattern(Some(pattern.into()))
}

/// One of a closed list's wire spellings (the parser trims, the list states the spellings).
pub fn one_of_values(
    values: impl IntoIterator<Item = &'static str>,
    nullable: bool,
) -> ObjectBuilder {
    let values: Vec<Option<&str>> = values
        .into_iter()
        .map(Some)
        .chain(nullable.then_some(None))
        .collect();
    string(nullable).enum_values(Some(values))
}

/// Every assigned ISO 3166-1 alpha-2 code, in either case, as a regex alternation.
pub fn country_codes_alternation() -> String {
    let codes: Vec<String> = CountryCode::all_alpha2()
        .map(|code| {
            code.chars().fold(String::new(), |mut class, c| {
                class.extend(['[', c, c.to_ascii_lowercase(), ']']);
                class
            })
        })
        .collect();
    codes.join("|")
}

/// Any run of what `str::trim` removes, as a regex.
pub fn whitespace() -> String {
    format!("[{WHITESPACE}]*")
}

/// An ISO 3166-1 alpha-2 code as `CountryCode::parse` takes it: an assigned code, either case,
/// trimmed.
pub fn country_code(nullable: bool) -> ObjectBuilder {
    patterned(trimmed(&country_codes_alternation()), nullable)
        .description(Some("ISO 3166-1 alpha-2 country code, either case"))
}

/// A `YYYY-MM-DD` date from `earliest` to `latest`, both included (and trimmed, as
/// `parse_iso_date` trims).
///
/// Exact without `format: date`: whole years are spelled per month (with 29 February in leap
/// years only), and the days of a partial first or last year are listed one by one.
pub fn date_between(earliest: NaiveDate, latest: NaiveDate, nullable: bool) -> ObjectBuilder {
    let mut branches = Vec::new();
    let mut first_whole = earliest.year();
    if earliest.ordinal() != 1 {
        branches.extend(days(earliest, latest.min(end_of_year(earliest.year()))));
        first_whole += 1;
    }
    let mut last_whole = latest.year();
    if latest != end_of_year(latest.year()) {
        let start = NaiveDate::from_ymd_opt(latest.year(), 1, 1).unwrap_or(latest);
        if latest.year() >= first_whole {
            branches.extend(days(start.max(earliest), latest));
        }
        last_whole -= 1;
    }
    if first_whole <= last_whole {
        let years = |leap: bool| {
            (first_whole..=last_whole)
                .filter(|y| !leap || NaiveDate::from_ymd_opt(*y, 2, 29).is_some())
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join("|")
        };
        branches.push(format!(
            "(?:{})-(?:(?:01|03|05|07|08|10|12)-(?:0[1-9]|[12][0-9]|3[01])|(?:04|06|09|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))",
            years(false)
        ));
        let leap = years(true);
        if !leap.is_empty() {
            branches.push(format!("(?:{leap})-02-29"));
        }
    }
    patterned(trimmed(&branches.join("|")), nullable)
}

fn end_of_year(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Every day from `from` to `to`, spelled out.
fn days(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    from.iter_days()
        .take_while(|d| *d <= to)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .collect()
}

/// The first date the domain accepts for any past date.
pub(crate) fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Today (UTC), as the domain's date rules see it.
pub(crate) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A customer's date of birth: an adult today (`parse_adult_date_of_birth`).
pub fn adult_date_of_birth(nullable: bool) -> ObjectBuilder {
    let latest = today()
        .checked_sub_months(Months::new(12 * MINIMUM_CUSTOMER_AGE))
        .unwrap_or(NaiveDate::MIN);
    // Born on a 29 February: an adult from 1 March of the common year.
    date_between(earliest_date(), latest, nullable).description(Some(format!(
        "`YYYY-MM-DD`, on or after 1900-01-01, at least {MINIMUM_CUSTOMER_AGE} years ago"
    )))
}

/// A date bounding a period of a role (`parse_period_date`).
pub fn period_date(nullable: bool) -> ObjectBuilder {
    date_between(
        earliest_date(),
        kyc_domain::values::dates::latest_period_date(),
        nullable,
    )
    .description(Some("`YYYY-MM-DD`, 1900-01-01 to 2199-12-31"))
}

/// A date in the past (`parse_past_date`).
pub fn past_date(nullable: bool) -> ObjectBuilder {
    let latest = today().pred_opt().unwrap_or(NaiveDate::MIN);
    date_between(earliest_date(), latest, nullable)
        .description(Some("`YYYY-MM-DD`, on or after 1900-01-01, before today"))
}

/// The standard base64 alphabet, by 6-bit value.
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// Any base64 character, as a regex class.
const B64: &str = "[A-Za-z0-9+/]";

/// One bit of a base64 group: fixed, free, or padding (zero).
#[derive(Clone, Copy)]
enum Bit {
    Fixed(bool),
    Free,
}

/// The regex class of the base64 characters whose 6 bits fit `bits`.
fn char_class(bits: &[Bit]) -> String {
    let chars: String = (0u8..64)
        .filter(|value| {
            bits.iter().enumerate().all(|(i, bit)| match bit {
                Bit::Fixed(b) => ((value >> (5 - i)) & 1 == 1) == *b,
                Bit::Free => true,
            })
        })
        .map(|value| char::from(BASE64[usize::from(value)]))
        .collect();
    if chars.len() == 64 {
        B64.to_owned()
    } else if chars == "+" {
        "\\+".to_owned()
    } else if chars.len() == 1 {
        chars
    } else {
        format!("[{chars}]")
    }
}

/// The base64 text of one group of `bytes` (1 to 3; `None` is any byte), padded when short.
fn group(bytes: &[SignatureByte]) -> String {
    let mut bits: Vec<Bit> = bytes
        .iter()
        .flat_map(|byte| {
            (0..8).rev().map(move |i| match byte {
                Some(b) => Bit::Fixed((b >> i) & 1 == 1),
                None => Bit::Free,
            })
        })
        .collect();
    // n bytes fill n + 1 characters; the rest of the group is padding.
    let chars = bytes.len() + 1;
    bits.resize(chars * 6, Bit::Fixed(false));
    let mut out: String = bits.chunks(6).map(char_class).collect();
    out.push_str(&"=".repeat(4 - chars));
    out
}

/// Any canonical standard base64 text (what the server's decoder takes).
fn any_base64() -> String {
    format!(
        "(?:{B64}{{4}})*(?:{}|{})?",
        group(&[None]),
        group(&[None, None])
    )
}

/// Base64 text whose decoded bytes start with `signature`.
fn base64_starting_with(signature: &[SignatureByte]) -> String {
    let whole = signature.len() / 3 * 3;
    let mut out: String = signature[..whole].chunks(3).map(group).collect();
    let rest = &signature[whole..];
    if rest.is_empty() {
        out.push_str(&any_base64());
        return out;
    }
    // The last, partial group: the content ends in it (padded), or fills it and goes on.
    let mut endings = Vec::new();
    for extra in 0..=(3 - rest.len()) {
        let mut bytes = rest.to_vec();
        bytes.extend(std::iter::repeat_n(None, extra));
        if bytes.len() == 3 {
            endings.push(format!("{}{}", group(&bytes), any_base64()));
        } else {
            endings.push(group(&bytes));
        }
    }
    out + "(?:" + &endings.join("|") + ")"
}

/// `content_base64`: standard base64 (trimmed) of a file the server recognises by its leading
/// bytes, from the domain's table of signatures.
pub fn document_base64() -> ObjectBuilder {
    let formats: Vec<String> = ContentType::SIGNATURES
        .iter()
        .map(|(_, signature)| base64_starting_with(signature))
        .collect();
    string(false)
        .pattern(Some(trimmed(&formats.join("|"))))
        .description(Some(
            "The bytes, standard base64 with padding: a PDF, JPEG, PNG, HEIC or TIFF file \
             (recognised by its leading bytes) of at most 15 MiB",
        ))
}

/// A multipart `file` part as text: a form field carries UTF-8 text, so only the signatures made
/// of ASCII bytes (PDF, TIFF, HEIC) can be spelt in a pattern; JPEG and PNG files are accepted
/// too, as the description says.
pub fn document_file() -> ObjectBuilder {
    let ascii: Vec<String> = ContentType::SIGNATURES
        .iter()
        .filter(|(_, signature)| signature.iter().all(|b| b.is_none_or(|b| b.is_ascii())))
        .map(|(_, signature)| {
            signature
                .iter()
                .map(|byte| match byte {
                    None => r"[\u0000-\u007f]".to_owned(),
                    Some(b) if b.is_ascii_alphanumeric() => char::from(*b).to_string(),
                    Some(b) => format!(r"\u{b:04x}"),
                })
                .collect()
        })
        .collect();
    string(false)
        .pattern(Some(format!("^(?:{})", ascii.join("|"))))
        .description(Some(
            "A PDF, JPEG, PNG, HEIC or TIFF file, recognised by its leading bytes (else 422), of \
             at most 15 MiB (else 413)",
        ))
}

/// `null` only: a field Cybrid's clients send empty, which is refused when set.
pub fn null_only() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Null)
}

/// A closed JSON object: these properties, these required, nothing else.
pub fn object(properties: Vec<(&str, RefOr<Schema>)>, required: &[&str]) -> ObjectBuilder {
    let mut builder = ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::FreeForm(false)));
    for (name, schema) in properties {
        builder = builder.property(name, schema);
    }
    for name in required {
        builder = builder.required(*name);
    }
    builder
}

/// Makes an object schema nullable too (an optional member sent as `null` is "not given").
pub fn or_null(schema: impl Into<RefOr<Schema>>) -> RefOr<Schema> {
    OneOfBuilder::new().item(schema).item(null_only()).into()
}

/// An array of `items`, optionally nullable.
pub fn array(items: impl Into<RefOr<Schema>>, nullable: bool) -> ArrayBuilder {
    let builder = ArrayBuilder::new().items(ArrayItems::RefOrSchema(Box::new(items.into())));
    if nullable {
        builder.schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
    } else {
        builder
    }
}

/// An object schema with its builder done, as a schema.
pub fn done(builder: ObjectBuilder) -> RefOr<Schema> {
    RefOr::T(Schema::Object(builder.build()))
}

#[cfg(test)]
mod tests {
    use kyc_domain::values::{dates, BoundedText, CountryCode, PhoneNumber};

    use super::*;

    fn matches(schema: ObjectBuilder, raw: &str) -> bool {
        let pattern = schema.build().pattern.unwrap();
        regex::Regex::new(&pattern).unwrap().is_match(raw)
    }

    #[test]
    fn base64_groups_are_canonical() {
        assert_eq!(group(&[Some(b'%'), Some(b'P'), Some(b'D')]), "JVBE");
        // "F-" ends the content: "Ri0=".
        assert_eq!(group(&[Some(b'F'), Some(b'-')]), "Ri0=");
        assert_eq!(group(&[None]), format!("{B64}[AQgw]=="));
    }

    #[test]
    fn text_patterns_agree_with_bounded_text() {
        let samples = [
            "a",
            " a ",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "a b c",
            "\ta\n",
            "",
            " ",
            "\u{a0}",
            "a\u{0}",
            "a\nb",
            "\u{85}ab\u{3000}",
            "a\u{9f}",
            "äöü",
            "äöüß",
            "  äöüß",
            "\u{1c}ab",
        ];
        for raw in samples {
            assert_eq!(
                matches(text(4, false), raw),
                BoundedText::<4>::parse(raw).is_ok(),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn country_and_phone_patterns_agree_with_the_parsers() {
        for raw in ["US", "us", " De ", "XX", "UK", "USA", "", "1A"] {
            assert_eq!(
                matches(country_code(false), raw),
                CountryCode::parse(raw).is_ok(),
                "{raw:?}"
            );
        }
        for raw in [
            "+14155550123",
            " +1234567 ",
            "+0123456",
            "+123456",
            "+1234567890123456",
        ] {
            assert_eq!(
                matches(phone_number_for_test(), raw),
                PhoneNumber::parse(raw).is_ok(),
                "{raw:?}"
            );
        }
    }

    fn phone_number_for_test() -> ObjectBuilder {
        patterned(trimmed(r"\+[1-9][0-9]{6,14}"), false)
    }

    #[test]
    fn date_patterns_agree_with_the_date_rules() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let latest = today.checked_sub_months(Months::new(12 * 18)).unwrap();
        let schema = || date_between(earliest_date(), latest, false);
        for raw in [
            "1900-01-01",
            "1899-12-31",
            "2008-03-01",
            "2008-03-02",
            "2008-02-29",
            "2007-02-29",
            "2004-02-29",
            "1990-04-31",
            "1990-04-30",
            " 1990-12-31 ",
            "2026-01-01",
            "1900-02-29",
        ] {
            assert_eq!(
                matches(schema(), raw),
                dates::parse_adult_date_of_birth(raw, today).is_ok(),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn the_content_pattern_accepts_what_the_server_sniffs() {
        use base64::Engine as _;
        let pattern = regex::Regex::new(&document_base64().build().pattern.unwrap()).unwrap();
        let samples: [&[u8]; 9] = [
            b"%PDF-",
            b"%PDF-1.7\n",
            b"\xff\xd8\xff\xe0",
            b"\x89PNG\r\n\x1a\n",
            b"II*\0\x08",
            b"MM\0*",
            b"\0\0\0\x18ftypmif1\0",
            b"GIF89a",
            b"%PDF",
        ];
        for bytes in samples {
            let text = base64::engine::general_purpose::STANDARD.encode(bytes);
            assert_eq!(
                pattern.is_match(&text),
                ContentType::sniff(bytes).is_some(),
                "{bytes:?}"
            );
        }
        // Not canonical base64 (non-zero trailing bits), which the decoder refuses.
        assert!(!pattern.is_match("JVBERi1="));
    }
}
