//! The date forms the lists write, as partial dates.

use chrono::NaiveDate;
use kyc_screening::PartialDate;

/// The widest range of years a date of birth may span before it is taken for a typing error.
const MAX_RANGE_YEARS: i32 = 100;

/// A year, month or day as the model has them.
pub(crate) fn partial(year: i32, month: Option<u32>, day: Option<u32>) -> Option<PartialDate> {
    match (month, day) {
        (None, None) => Some(PartialDate {
            year,
            month: None,
            day: None,
        }),
        (Some(m), None) if (1..=12).contains(&m) => Some(PartialDate {
            year,
            month: Some(m),
            day: None,
        }),
        (Some(m), Some(d)) => NaiveDate::from_ymd_opt(year, m, d).map(PartialDate::from_date),
        _ => None,
    }
}

/// A four-digit year.
pub(crate) fn year(text: &str) -> Option<i32> {
    let text = text.trim();
    if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// Every year from `from` to `to`, the way a range of possible birth years is screened.
pub(crate) fn year_range(from: i32, to: i32) -> Option<Vec<PartialDate>> {
    if to < from || to - from > MAX_RANGE_YEARS {
        return None;
    }
    (from..=to).map(|y| partial(y, None, None)).collect()
}

/// OFAC's forms: `12 Jan 1960`, `Jan 1960`, `1960`, each optionally after `circa`, and ranges
/// `<date> to <date>`. A range becomes the coarsest precision that covers it: the month or the
/// year when both ends share it, otherwise every year from the first to the last.
pub(crate) fn ofac(text: &str) -> Option<Vec<PartialDate>> {
    let text = text.trim().trim_end_matches('.');
    let text = strip_prefix_ignore_case(text, "circa ")
        .unwrap_or(text)
        .trim();
    // `circa 1979-1982`: a range of years written with a hyphen.
    if let Some((from, to)) = text.split_once('-') {
        if let (Some(from), Some(to)) = (year(from), year(to)) {
            return year_range(from, to);
        }
    }
    match text.split_once(" to ") {
        None => ofac_single(text).map(|date| vec![date]),
        Some((from, to)) => {
            let from =
                ofac_single(strip_prefix_ignore_case(from.trim(), "circa ").unwrap_or(from))?;
            let to = ofac_single(strip_prefix_ignore_case(to.trim(), "circa ").unwrap_or(to))?;
            if from == to {
                Some(vec![from])
            } else if from.year == to.year && from.month.is_some() && from.month == to.month {
                Some(vec![partial(from.year, from.month, None)?])
            } else if from.year == to.year {
                Some(vec![partial(from.year, None, None)?])
            } else {
                year_range(from.year, to.year)
            }
        }
    }
}

fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn ofac_single(text: &str) -> Option<PartialDate> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    match parts.as_slice() {
        [y] => {
            if let Some(y) = year(y) {
                partial(y, None, None)
            } else {
                // Not OFAC's own form, but harmless to accept: ISO dates.
                y.parse().ok()
            }
        }
        [m, y] => partial(year(y)?, Some(month(m)?), None),
        [d, m, y] => {
            if d.len() > 2 {
                return None;
            }
            partial(year(y)?, Some(month(m)?), Some(d.parse().ok()?))
        }
        _ => None,
    }
}

fn month(text: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = text.trim_end_matches('.').to_ascii_lowercase();
    let prefix = lower.get(..3)?;
    let index = MONTHS.iter().position(|m| *m == prefix)?;
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ][index];
    // `Jan`, `January` and `Sept`; not any word that happens to start like a month.
    if lower.len() == 3 || lower == full || lower == "sept" {
        u32::try_from(index + 1).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(year: i32, month: Option<u32>, day: Option<u32>) -> PartialDate {
        PartialDate { year, month, day }
    }

    #[test]
    fn ofac_dates_of_every_precision() {
        assert_eq!(ofac("12 Jan 1960"), Some(vec![d(1960, Some(1), Some(12))]));
        assert_eq!(ofac("02 Sep 1971"), Some(vec![d(1971, Some(9), Some(2))]));
        assert_eq!(ofac("Jan 1960"), Some(vec![d(1960, Some(1), None)]));
        assert_eq!(ofac("1960"), Some(vec![d(1960, None, None)]));
        assert_eq!(ofac("circa 1960"), Some(vec![d(1960, None, None)]));
        assert_eq!(
            ofac("Circa 01 Feb 1960"),
            Some(vec![d(1960, Some(2), Some(1))])
        );
    }

    #[test]
    fn ofac_ranges_expand_to_what_covers_them() {
        assert_eq!(
            ofac("1960 to 1962"),
            Some(vec![
                d(1960, None, None),
                d(1961, None, None),
                d(1962, None, None)
            ])
        );
        assert_eq!(
            ofac("circa 1979-1980"),
            Some(vec![d(1979, None, None), d(1980, None, None)])
        );
        assert_eq!(ofac("1960."), Some(vec![d(1960, None, None)]));
        assert_eq!(
            ofac("circa 1979 to 1980"),
            Some(vec![d(1979, None, None), d(1980, None, None)])
        );
        assert_eq!(
            ofac("01 Jan 1960 to 31 Jan 1960"),
            Some(vec![d(1960, Some(1), None)])
        );
        assert_eq!(
            ofac("01 Jan 1960 to 31 Dec 1960"),
            Some(vec![d(1960, None, None)])
        );
    }

    #[test]
    fn anything_else_is_not_a_date() {
        for bad in [
            "",
            "31 Feb 1960",
            "Janvier 1960",
            "60",
            "1962 to 1960",
            "1900 to 2020",
            "soon",
        ] {
            assert_eq!(ofac(bad), None, "{bad}");
        }
    }
}
