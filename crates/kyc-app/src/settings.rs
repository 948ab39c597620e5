//! How durations are written in every setting: a whole number and a unit, `5y`, `90d`, `24h`,
//! `30m`, `1s`, `250ms`.
//!
//! One grammar for all of them, so an operator never has to remember which setting takes
//! which units. A year is 365 days and a day 24 hours: retention periods are legal minimums,
//! and rounding a leap day down would erase data one day early, so callers that compute a
//! deadline from a period add it to a date, never subtract.

use std::time::Duration;

use thiserror::Error;

/// Why a duration setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DurationSettingError {
    /// Nothing before the unit, or not a whole number.
    #[error("{0:?} is not a duration: write a whole number and a unit, like 5y, 90d, 24h, 30m, 1s or 250ms")]
    NotANumber(String),
    /// An unknown unit.
    #[error("{0:?}: the unit must be y, d, h, m, s or ms")]
    UnknownUnit(String),
    /// Larger than any clock can represent.
    #[error("{0:?} is too long")]
    TooLong(String),
}

/// Parses a duration setting (see the module docs). A number without a unit is seconds.
pub fn parse_duration(raw: &str) -> Result<Duration, DurationSettingError> {
    let trimmed = raw.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    if number.is_empty() {
        return Err(DurationSettingError::NotANumber(raw.to_owned()));
    }
    let value: u64 = number
        .parse()
        .map_err(|_| DurationSettingError::TooLong(raw.to_owned()))?;
    let seconds_per_unit: u64 = match unit {
        "ms" => return Ok(Duration::from_millis(value)),
        "" | "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "y" => 365 * 86_400,
        _ => return Err(DurationSettingError::UnknownUnit(raw.to_owned())),
    };
    value
        .checked_mul(seconds_per_unit)
        .map(Duration::from_secs)
        .ok_or_else(|| DurationSettingError::TooLong(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_reads() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1_800)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("90d"), Ok(Duration::from_secs(90 * 86_400)));
        assert_eq!(
            parse_duration("5y"),
            Ok(Duration::from_secs(5 * 365 * 86_400))
        );
    }

    #[test]
    fn bad_settings_say_what_is_wrong() {
        assert!(matches!(
            parse_duration("soon"),
            Err(DurationSettingError::NotANumber(_))
        ));
        assert!(matches!(
            parse_duration("5w"),
            Err(DurationSettingError::UnknownUnit(_))
        ));
        assert!(matches!(
            parse_duration("-1s"),
            Err(DurationSettingError::NotANumber(_))
        ));
        assert!(matches!(
            parse_duration("99999999999999999999y"),
            Err(DurationSettingError::TooLong(_))
        ));
        assert!(parse_duration("18446744073709551615y").is_err());
    }
}
