//! Calendar dates in ISO 8601 form (`YYYY-MM-DD`) and the rules on dates of birth.

use chrono::NaiveDate;

use super::error::{invalid, ValidationCode, ValidationErrors};

/// Age an individual customer must have reached.
pub const MINIMUM_CUSTOMER_AGE: u32 = 18;

/// Parses `YYYY-MM-DD`.
pub fn parse_iso_date(raw: &str) -> Result<NaiveDate, ValidationErrors> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        invalid(
            ValidationCode::InvalidFormat,
            "must be an ISO 8601 date, e.g. 1990-04-21",
        )
    })
}

/// Latest date a period of a role may name.
pub fn latest_period_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2199, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Parses a date bounding a period of a role: from 1900-01-01 to 2199-12-31.
pub fn parse_period_date(raw: &str) -> Result<NaiveDate, ValidationErrors> {
    let date = parse_iso_date(raw)?;
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
    if date < earliest || date > latest_period_date() {
        return Err(invalid(
            ValidationCode::OutOfRange,
            "must be from 1900-01-01 to 2199-12-31",
        ));
    }
    Ok(date)
}

/// Parses a date that must lie strictly before `today` and after 1900-01-01.
pub fn parse_past_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, ValidationErrors> {
    let date = parse_iso_date(raw)?;
    if date >= today {
        return Err(invalid(ValidationCode::NotInPast, "must be in the past"));
    }
    if date < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN) {
        return Err(invalid(
            ValidationCode::OutOfRange,
            "must be on or after 1900-01-01",
        ));
    }
    Ok(date)
}

/// Parses the date of birth of someone who must be an adult on `today`.
pub fn parse_adult_date_of_birth(
    raw: &str,
    today: NaiveDate,
) -> Result<NaiveDate, ValidationErrors> {
    let date = parse_past_date(raw, today)?;
    match today.years_since(date) {
        Some(age) if age >= MINIMUM_CUSTOMER_AGE => Ok(date),
        _ => Err(invalid(
            ValidationCode::Underage,
            format!("the customer must be at least {MINIMUM_CUSTOMER_AGE} years old"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn parses_iso_dates_only() {
        assert_eq!(parse_iso_date("1990-04-21").unwrap(), day(1990, 4, 21));
        for raw in ["21/04/1990", "1990-13-01", "1990-02-30", "19900421", ""] {
            let errors = parse_iso_date(raw).unwrap_err();
            assert_eq!(
                errors.errors()[0].code,
                ValidationCode::InvalidFormat,
                "{raw}"
            );
        }
    }

    #[test]
    fn past_dates_must_be_before_today() {
        let today = day(2026, 11, 23);
        assert!(parse_past_date("2026-11-22", today).is_ok());
        let errors = parse_past_date("2026-11-23", today).unwrap_err();
        assert_eq!(errors.errors()[0].code, ValidationCode::NotInPast);
        let errors = parse_past_date("1899-12-31", today).unwrap_err();
        assert_eq!(errors.errors()[0].code, ValidationCode::OutOfRange);
    }

    #[test]
    fn adults_turn_eighteen_on_their_birthday() {
        let today = day(2026, 11, 23);
        assert!(parse_adult_date_of_birth("2008-11-23", today).is_ok());
        let errors = parse_adult_date_of_birth("2008-11-24", today).unwrap_err();
        assert_eq!(errors.errors()[0].code, ValidationCode::Underage);
    }

    #[test]
    fn leap_day_birthdays_count_from_march_first_in_common_years() {
        // Born 2008-02-29: not yet 18 on 2026-02-28, 18 on 2026-03-01.
        assert!(parse_adult_date_of_birth("2008-02-29", day(2026, 2, 28)).is_err());
        assert!(parse_adult_date_of_birth("2008-02-29", day(2026, 3, 1)).is_ok());
    }
}
