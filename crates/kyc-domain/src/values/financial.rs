//! What a customer declares about money and standing: US residency, employer, where funds come
//! from, how much they expect to hold and move, where to and for what, and a business's legal
//! form. Payment platforms ask for these (Layer2's investment and KYC profiles, SpherePay's
//! source of funds and entity type); a risk rule or a reviewer reads them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::closed_enum::closed_enum;
use super::country::CountryCode;
use super::error::{FieldError, ValidationCode, ValidationErrors};
use super::text::LongText;

closed_enum! {
    /// A person's standing under US tax law.
    pub enum UsResidencyStatus {
        /// A US citizen.
        UsCitizen => "us_citizen",
        /// A resident alien (green card or substantial presence).
        ResidentAlien => "resident_alien",
        /// A non-resident alien.
        NonResidentAlien => "non_resident_alien",
    }
}

closed_enum! {
    /// Where a customer's money primarily comes from.
    pub enum FundsSource {
        /// Salary or wages.
        Employment => "employment",
        /// Savings.
        Savings => "savings",
        /// Winnings (lottery, gambling, prizes).
        Winnings => "winnings",
        /// Marriage or divorce settlement.
        Marital => "marital",
        /// Sale or rent of real estate.
        RealEstate => "real_estate",
        /// A trust.
        Trust => "trust",
        /// Investment returns.
        Investment => "investment",
        /// Revenue of a company the customer owns.
        Company => "company",
        /// A company's own capital.
        CompanyCapital => "company_capital",
        /// A loan.
        Loan => "loan",
        /// Private capital.
        PrivateCapital => "private_capital",
        /// A grant.
        Grant => "grant",
        /// Inheritance.
        Inheritance => "inheritance",
        /// Another source, described in `description`.
        Other => "other",
    }
}

/// Source of funds as a caller sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceOfFundsDraft {
    /// The kind of source.
    pub kind: Option<String>,
    /// The caller's words.
    pub description: Option<String>,
}

/// A validated source of funds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceOfFunds {
    /// The kind of source.
    pub kind: FundsSource,
    /// The caller's words, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<LongText>,
}

impl SourceOfFunds {
    /// Validates a source of funds: `kind` is required.
    pub fn parse(draft: &SourceOfFundsDraft) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = if let Some(raw) = draft.kind.as_deref() {
            errors.collect("kind", FundsSource::parse(raw))
        } else {
            errors.push(FieldError::new(
                "kind",
                ValidationCode::Required,
                "is required",
            ));
            None
        };
        let description = draft
            .description
            .as_deref()
            .and_then(|raw| errors.collect("description", LongText::parse(raw)));
        match kind {
            Some(kind) if errors.is_empty() => Ok(Self { kind, description }),
            _ => Err(errors),
        }
    }
}

closed_enum! {
    /// What an investment profile measures: holdings, and expected monthly movements.
    pub enum InvestmentMeasure {
        /// Total assets, in US dollars.
        TotalAssets => "total_assets",
        /// Fiat holdings, in US dollars.
        UsdValueOfFiat => "usd_value_of_fiat",
        /// Crypto holdings, in US dollars.
        UsdValueOfCrypto => "usd_value_of_crypto",
        /// Fiat deposits a month (count).
        MonthlyDeposits => "monthly_deposits",
        /// Fiat withdrawals a month (count).
        MonthlyWithdrawals => "monthly_withdrawals",
        /// Crypto deposits a month (count).
        MonthlyCryptoDeposits => "monthly_crypto_deposits",
        /// Crypto withdrawals a month (count).
        MonthlyCryptoWithdrawals => "monthly_crypto_withdrawals",
        /// Fiat invested a month (US dollars).
        MonthlyInvestmentDeposit => "monthly_investment_deposit",
        /// Fiat divested a month (US dollars).
        MonthlyInvestmentWithdrawal => "monthly_investment_withdrawal",
        /// Crypto invested a month (US dollars).
        MonthlyCryptoInvestmentDeposit => "monthly_crypto_investment_deposit",
        /// Crypto divested a month (US dollars).
        MonthlyCryptoInvestmentWithdrawal => "monthly_crypto_investment_withdrawal",
    }
}

closed_enum! {
    /// A band of an investment measure. Each measure takes the bands of its scale
    /// ([`InvestmentMeasure::bands`]): holdings, counts or monthly amounts.
    pub enum InvestmentBand {
        /// Holdings up to 10,000.
        UpTo10k => "upto_10k",
        /// Holdings of 10,000 to 100,000.
        TenTo100k => "ten_to_100k",
        /// 100,000 to 1 million (holdings or monthly amounts).
        HundredKTo1m => "onehundredk_to_1m",
        /// Holdings of 1 to 10 million.
        OneTo10m => "one_to_10m",
        /// Holdings of 10 to 50 million.
        TenTo50m => "ten_to_50m",
        /// Holdings of 50 to 250 million.
        FiftyTo250m => "fifty_to_250m",
        /// Holdings over 250 million.
        MoreThan250m => "more_than_250m",
        /// Up to 5 a month.
        UpTo5 => "upto_5",
        /// 5 to 10 a month.
        FiveTo10 => "five_to_10",
        /// 10 to 25 a month.
        TenTo25 => "ten_to_25",
        /// More than 25 a month.
        MoreThan25 => "more_than_25",
        /// Up to 1,000 a month.
        UpTo1k => "upto_1k",
        /// 1,000 to 100,000 a month.
        OneTo100k => "one_to_100k",
        /// 1 to 5 million a month.
        MillionTo5m => "million_to_5m",
        /// More than 5 million a month.
        MoreThan5m => "more_than_5m",
    }
}

/// The bands of holdings.
const HOLDING_BANDS: &[InvestmentBand] = &[
    InvestmentBand::UpTo10k,
    InvestmentBand::TenTo100k,
    InvestmentBand::HundredKTo1m,
    InvestmentBand::OneTo10m,
    InvestmentBand::TenTo50m,
    InvestmentBand::FiftyTo250m,
    InvestmentBand::MoreThan250m,
];
/// The bands of monthly counts.
const COUNT_BANDS: &[InvestmentBand] = &[
    InvestmentBand::UpTo5,
    InvestmentBand::FiveTo10,
    InvestmentBand::TenTo25,
    InvestmentBand::MoreThan25,
];
/// The bands of monthly amounts.
const AMOUNT_BANDS: &[InvestmentBand] = &[
    InvestmentBand::UpTo1k,
    InvestmentBand::OneTo100k,
    InvestmentBand::HundredKTo1m,
    InvestmentBand::MillionTo5m,
    InvestmentBand::MoreThan5m,
];

impl InvestmentMeasure {
    /// The bands this measure takes, smallest first.
    pub fn bands(self) -> &'static [InvestmentBand] {
        match self {
            Self::TotalAssets | Self::UsdValueOfFiat | Self::UsdValueOfCrypto => HOLDING_BANDS,
            Self::MonthlyDeposits
            | Self::MonthlyWithdrawals
            | Self::MonthlyCryptoDeposits
            | Self::MonthlyCryptoWithdrawals => COUNT_BANDS,
            Self::MonthlyInvestmentDeposit
            | Self::MonthlyInvestmentWithdrawal
            | Self::MonthlyCryptoInvestmentDeposit
            | Self::MonthlyCryptoInvestmentWithdrawal => AMOUNT_BANDS,
        }
    }
}

/// An investment profile as a caller sends it: measure name to band, each optional.
pub type InvestmentProfileDraft = BTreeMap<String, String>;

/// A validated investment profile: the measures given, each with a band of its scale. The
/// whole profile replaces the previous one on a change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InvestmentProfile(pub BTreeMap<InvestmentMeasure, InvestmentBand>);

impl InvestmentProfile {
    /// Validates every member; an unknown measure or a band of another scale is refused under
    /// the member's name.
    pub fn parse(draft: &InvestmentProfileDraft) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut profile = BTreeMap::new();
        for (name, raw) in draft {
            let Ok(measure) = InvestmentMeasure::parse(name) else {
                let accepted: Vec<&str> =
                    InvestmentMeasure::ALL.iter().map(|m| m.as_str()).collect();
                errors.push(FieldError::new(
                    name.as_str(),
                    ValidationCode::NotAllowed,
                    format!("is not a measure; accepted: {}", accepted.join(", ")),
                ));
                continue;
            };
            if let Some(band) = measure
                .bands()
                .iter()
                .find(|band| band.as_str() == raw.trim())
            {
                profile.insert(measure, *band);
            } else {
                let accepted: Vec<&str> = measure.bands().iter().map(|b| b.as_str()).collect();
                errors.push(FieldError::new(
                    name.as_str(),
                    ValidationCode::UnknownValue,
                    format!("must be one of: {}", accepted.join(", ")),
                ));
            }
        }
        errors.finish(|| Self(profile))
    }
}

closed_enum! {
    /// Activities a customer says they engage in, which payment platforms restrict.
    pub enum Activity {
        /// None of the others (cannot be combined with them).
        None => "none",
        /// Adult entertainment.
        AdultEntertainment => "adult_entertainment",
        /// Drugs.
        Drugs => "drugs",
        /// Firearms.
        Firearms => "firearms",
        /// Gambling.
        Gambling => "gambling",
        /// Marijuana.
        Marijuana => "marijuana",
        /// Crypto tumbling or mixing.
        Tumbling => "tumbling",
    }
}

/// Most countries a customer may list as sending or receiving funds.
pub const MAX_JURISDICTIONS: usize = 250;

/// Validates the countries a customer sends funds to or receives them from: ISO 3166-1
/// alpha-2, at most [`MAX_JURISDICTIONS`]; a country given twice (`us`, `US`) is one.
pub fn parse_jurisdictions(raw: &[String]) -> Result<BTreeSet<CountryCode>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if raw.len() > MAX_JURISDICTIONS {
        errors.push(FieldError::new(
            "",
            ValidationCode::TooLong,
            format!("at most {MAX_JURISDICTIONS} countries"),
        ));
        return Err(errors);
    }
    let mut countries = BTreeSet::new();
    for (index, code) in raw.iter().enumerate() {
        if let Some(country) = errors.collect(&format!("[{index}]"), CountryCode::parse(code)) {
            countries.insert(country);
        }
    }
    errors.finish(|| countries)
}

/// Validates the activities a customer declares: a set, in which `none` stands alone.
pub fn parse_activities(raw: &[String]) -> Result<BTreeSet<Activity>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut activities = BTreeSet::new();
    for (index, activity) in raw.iter().enumerate() {
        if let Some(activity) = errors.collect(&format!("[{index}]"), Activity::parse(activity)) {
            activities.insert(activity);
        }
    }
    if activities.contains(&Activity::None) && activities.len() > 1 {
        errors.push(FieldError::new(
            "",
            ValidationCode::NotAllowed,
            "none cannot be combined with other activities",
        ));
    }
    errors.finish(|| activities)
}

closed_enum! {
    /// A business's legal form.
    pub enum EntityType {
        /// A privately held corporation (a US C corporation).
        Corporation => "corporation",
        /// A publicly traded corporation.
        PublicCorporation => "public_corporation",
        /// A US S corporation.
        SCorporation => "s_corporation",
        /// A limited liability company.
        LimitedLiabilityCompany => "llc",
        /// A limited liability partnership.
        LimitedLiabilityPartnership => "llp",
        /// A limited partnership.
        LimitedPartnership => "limited_partnership",
        /// A general partnership.
        Partnership => "partnership",
        /// A personal investment company of a high-net-worth individual.
        PersonalInvestmentCompany => "personal_investment_company",
        /// A sole proprietorship.
        SoleProprietorship => "sole_proprietorship",
        /// A trust.
        Trust => "trust",
        /// A non-profit organisation or foundation.
        NonProfit => "non_profit",
        /// A cooperative.
        Cooperative => "cooperative",
        /// A government body.
        Government => "government",
        /// Another form, described in `entity_type_description`.
        Other => "other",
    }
}

/// A NAICS industry code: 2 to 6 digits (a sector down to a national industry).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NaicsCode(String);

impl NaicsCode {
    /// Parses a code, trimmed.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let trimmed = raw.trim();
        if (2..=6).contains(&trimmed.len()) && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(FieldError::new(
                "",
                ValidationCode::InvalidFormat,
                "must be a NAICS code of 2 to 6 digits",
            )
            .into())
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for NaicsCode {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw).map_err(|_| "not a NAICS code".to_owned())
    }
}

impl From<NaicsCode> for String {
    fn from(code: NaicsCode) -> Self {
        code.0
    }
}

impl std::fmt::Debug for NaicsCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NaicsCode({})", self.0)
    }
}

/// A detailed SOC 2018 occupation code, `NN-NNNN`, in one of the major groups of
/// [`super::Occupation`].
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SocCode(String);

impl SocCode {
    /// Parses a code, trimmed.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let trimmed = raw.trim();
        let bytes = trimmed.as_bytes();
        let well_formed = bytes.len() == 7
            && bytes[2] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 2 || b.is_ascii_digit());
        let major = trimmed.get(..2).unwrap_or_default();
        if well_formed && super::Occupation::parse(major).is_ok() {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(FieldError::new(
                "",
                ValidationCode::InvalidFormat,
                "must be a SOC 2018 code NN-NNNN in a major group from 11 to 55",
            )
            .into())
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its major group, as an occupation.
    pub fn major_group(&self) -> Option<super::Occupation> {
        self.0
            .get(..2)
            .and_then(|major| super::Occupation::parse(major).ok())
    }
}

impl TryFrom<String> for SocCode {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw).map_err(|_| "not a SOC code".to_owned())
    }
}

impl From<SocCode> for String {
    fn from(code: SocCode) -> Self {
        code.0
    }
}

impl std::fmt::Debug for SocCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SocCode({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_of_funds_needs_its_kind() {
        let parsed = SourceOfFunds::parse(&SourceOfFundsDraft {
            kind: Some("savings".into()),
            description: Some(" twenty years of them ".into()),
        })
        .unwrap();
        assert_eq!(parsed.kind, FundsSource::Savings);
        assert_eq!(parsed.description.unwrap().as_str(), "twenty years of them");
        let errors = SourceOfFunds::parse(&SourceOfFundsDraft::default()).unwrap_err();
        assert_eq!(
            errors.fields_and_codes(),
            [("kind", ValidationCode::Required)]
        );
        let errors = SourceOfFunds::parse(&SourceOfFundsDraft {
            kind: Some("salary".into()),
            description: None,
        })
        .unwrap_err();
        assert_eq!(
            errors.fields_and_codes(),
            [("kind", ValidationCode::UnknownValue)]
        );
    }

    #[test]
    fn each_measure_takes_only_the_bands_of_its_scale() {
        let draft: InvestmentProfileDraft = [
            ("total_assets", "onehundredk_to_1m"),
            ("monthly_deposits", "upto_5"),
            ("monthly_investment_deposit", "onehundredk_to_1m"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let profile = InvestmentProfile::parse(&draft).unwrap();
        assert_eq!(profile.0.len(), 3);
        assert_eq!(
            serde_json::to_value(&profile).unwrap()["monthly_deposits"],
            "upto_5"
        );
        let wrong: InvestmentProfileDraft = [
            ("monthly_deposits", "upto_10k"),
            ("yearly_deposits", "upto_5"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let errors = InvestmentProfile::parse(&wrong).unwrap_err();
        assert_eq!(
            errors.fields_and_codes(),
            [
                ("monthly_deposits", ValidationCode::UnknownValue),
                ("yearly_deposits", ValidationCode::NotAllowed),
            ]
        );
        let round_trip: InvestmentProfile =
            serde_json::from_value(serde_json::to_value(&profile).unwrap()).unwrap();
        assert_eq!(round_trip, profile);
    }

    #[test]
    fn jurisdictions_are_a_set_of_countries() {
        let raw = vec!["US".to_owned(), "DE".to_owned(), "us".to_owned()];
        assert_eq!(parse_jurisdictions(&raw).unwrap().len(), 2);
        let raw = vec!["US".to_owned(), "XX".to_owned()];
        let errors = parse_jurisdictions(&raw).unwrap_err();
        assert_eq!(
            errors.fields_and_codes(),
            [("[1]", ValidationCode::UnknownValue)]
        );
        let too_many = vec!["US".to_owned(); MAX_JURISDICTIONS + 1];
        assert!(parse_jurisdictions(&too_many).is_err());
    }

    #[test]
    fn naics_codes_are_two_to_six_digits() {
        assert_eq!(NaicsCode::parse(" 522320 ").unwrap().as_str(), "522320");
        assert!(NaicsCode::parse("52").is_ok());
        for raw in ["5", "5223201", "52-32", "abc"] {
            assert!(NaicsCode::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn soc_codes_are_detailed_codes_of_a_major_group() {
        let code = SocCode::parse("15-1132").unwrap();
        assert_eq!(
            code.major_group(),
            Some(super::super::Occupation::ComputerAndMathematical)
        );
        for raw in ["15", "151132", "16-1132", "15-113", "ab-1234"] {
            assert!(SocCode::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn none_is_an_activity_only_alone() {
        assert!(parse_activities(&["none".to_owned()]).is_ok());
        assert!(parse_activities(&["gambling".to_owned(), "firearms".to_owned()]).is_ok());
        let errors = parse_activities(&["none".to_owned(), "gambling".to_owned()]).unwrap_err();
        assert_eq!(
            errors.fields_and_codes(),
            [("", ValidationCode::NotAllowed)]
        );
    }
}
