//! What identifies a person: name, gender, occupation, employment, political exposure.

use serde::{Deserialize, Serialize};

use super::address::{optional, required};
use super::closed_enum::closed_enum;
use super::error::{FieldError, ValidationCode, ValidationErrors};
use super::text::{LongText, NameText};

/// A name as a caller sends it: parts for a person, `full` for a business.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NameDraft {
    /// Given name.
    pub first: Option<String>,
    /// Middle name(s).
    pub middle: Option<String>,
    /// Family name.
    pub last: Option<String>,
    /// The full name; for a business, its legal name.
    pub full: Option<String>,
}

/// A person's validated name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    /// Given name.
    pub first: NameText,
    /// Middle name(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle: Option<NameText>,
    /// Family name.
    pub last: NameText,
}

impl PersonName {
    /// Validates a person's name: first and last are required; `full` is derived, so a caller
    /// that sends one is told so rather than having it silently ignored.
    pub fn parse(draft: &NameDraft) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let first = required(
            &mut errors,
            "first",
            draft.first.as_deref(),
            NameText::parse,
        );
        let middle = optional(
            &mut errors,
            "middle",
            draft.middle.as_deref(),
            NameText::parse,
        );
        let last = required(&mut errors, "last", draft.last.as_deref(), NameText::parse);
        if draft.full.is_some() {
            errors.push(FieldError::new(
                "full",
                ValidationCode::NotAllowed,
                "is derived from first, middle and last for individuals",
            ));
        }
        match (first, last) {
            (Some(first), Some(last)) if errors.is_empty() => Ok(Self {
                first,
                middle,
                last,
            }),
            _ => Err(errors),
        }
    }

    /// First, middle and last joined by spaces.
    pub fn full(&self) -> String {
        let mut full = self.first.as_str().to_owned();
        if let Some(middle) = &self.middle {
            full.push(' ');
            full.push_str(middle.as_str());
        }
        full.push(' ');
        full.push_str(self.last.as_str());
        full
    }
}

/// Parses a business name: only `full` (the legal name) applies.
pub fn parse_business_name(draft: &NameDraft) -> Result<NameText, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    for (field, given) in [
        ("first", draft.first.is_some()),
        ("middle", draft.middle.is_some()),
        ("last", draft.last.is_some()),
    ] {
        if given {
            errors.push(FieldError::new(
                field,
                ValidationCode::NotAllowed,
                "does not apply to a business; use full",
            ));
        }
    }
    let full = required(&mut errors, "full", draft.full.as_deref(), NameText::parse);
    match full {
        Some(full) if errors.is_empty() => Ok(full),
        _ => Err(errors),
    }
}

closed_enum! {
    /// Gender as recorded for regulatory reporting; `O` when not given.
    pub enum Gender {
        /// Male.
        Male => "M",
        /// Female.
        Female => "F",
        /// Other or not disclosed.
        Other => "O",
    }
}

// `closed_enum!` derives a fixed set of traits; the default is stated here, beside its rule.
#[allow(clippy::derivable_impls)]
impl Default for Gender {
    fn default() -> Self {
        Self::Other
    }
}

closed_enum! {
    /// Occupation: the SOC 2018 major group, or a status for people outside the workforce.
    pub enum Occupation {
        /// Management.
        Management => "11",
        /// Business and financial operations.
        BusinessAndFinancial => "13",
        /// Computer and mathematical.
        ComputerAndMathematical => "15",
        /// Architecture and engineering.
        ArchitectureAndEngineering => "17",
        /// Life, physical and social science.
        Science => "19",
        /// Community and social service.
        CommunityAndSocialService => "21",
        /// Legal.
        Legal => "23",
        /// Educational instruction and library.
        Education => "25",
        /// Arts, design, entertainment, sports and media.
        ArtsAndMedia => "27",
        /// Healthcare practitioners and technical.
        HealthcarePractitioners => "29",
        /// Healthcare support.
        HealthcareSupport => "31",
        /// Protective service.
        ProtectiveService => "33",
        /// Food preparation and serving.
        FoodService => "35",
        /// Building and grounds cleaning and maintenance.
        BuildingAndGrounds => "37",
        /// Personal care and service.
        PersonalCare => "39",
        /// Sales and related.
        Sales => "41",
        /// Office and administrative support.
        OfficeAndAdministrative => "43",
        /// Farming, fishing and forestry.
        FarmingFishingForestry => "45",
        /// Construction and extraction.
        ConstructionAndExtraction => "47",
        /// Installation, maintenance and repair.
        InstallationMaintenanceRepair => "49",
        /// Production.
        Production => "51",
        /// Transportation and material moving.
        Transportation => "53",
        /// Military specific.
        Military => "55",
        /// Self-employed.
        SelfEmployed => "SELFEMP",
        /// Another occupation.
        OtherOccupation => "OTHERXX",
        /// Student.
        Student => "STUDENT",
        /// Retired.
        Retired => "RETIRED",
        /// Unemployed.
        Unemployed => "UNEMPLO",
    }
}

closed_enum! {
    /// Employment status.
    pub enum EmploymentStatus {
        /// Employed by someone else.
        Employed => "employed",
        /// Self-employed.
        SelfEmployed => "self_employed",
        /// Not employed.
        Unemployed => "unemployed",
        /// Student.
        Student => "student",
        /// Retired.
        Retired => "retired",
        /// Another status.
        Other => "other",
    }
}

/// Political exposure as a caller sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PepDraft {
    /// Whether the person is a politically exposed person.
    pub is_pep: Option<bool>,
    /// Why, required when `is_pep` is true.
    pub explanation: Option<String>,
}

/// Validated political exposure: a PEP always carries an explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PepWire", into = "PepWire")]
pub enum PepStatus {
    /// Not politically exposed.
    NotExposed,
    /// Politically exposed, with the explanation screening staff need.
    Exposed {
        /// Position held, relationship or other reason.
        explanation: LongText,
    },
}

/// The stored form of [`PepStatus`]: the same shape callers send.
#[derive(Serialize, Deserialize)]
struct PepWire {
    is_pep: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    explanation: Option<LongText>,
}

impl TryFrom<PepWire> for PepStatus {
    type Error = &'static str;
    fn try_from(wire: PepWire) -> Result<Self, Self::Error> {
        match (wire.is_pep, wire.explanation) {
            (false, _) => Ok(Self::NotExposed),
            (true, Some(explanation)) => Ok(Self::Exposed { explanation }),
            (true, None) => Err("a politically exposed person needs an explanation"),
        }
    }
}

impl From<PepStatus> for PepWire {
    fn from(status: PepStatus) -> Self {
        match status {
            PepStatus::NotExposed => Self {
                is_pep: false,
                explanation: None,
            },
            PepStatus::Exposed { explanation } => Self {
                is_pep: true,
                explanation: Some(explanation),
            },
        }
    }
}

impl PepStatus {
    /// Validates: `is_pep` is required; `true` needs a non-empty explanation.
    pub fn parse(draft: &PepDraft) -> Result<Self, ValidationErrors> {
        match (draft.is_pep, draft.explanation.as_deref()) {
            (None, _) => {
                Err(FieldError::new("is_pep", ValidationCode::Required, "is required").into())
            }
            (Some(false), _) => Ok(Self::NotExposed),
            (Some(true), None) => Err(FieldError::new(
                "explanation",
                ValidationCode::Required,
                "is required when is_pep is true",
            )
            .into()),
            (Some(true), Some(raw)) => LongText::parse(raw)
                .map(|explanation| Self::Exposed { explanation })
                .map_err(|e| {
                    let mut errors = ValidationErrors::new();
                    errors.extend_under("explanation", e);
                    errors
                }),
        }
    }

    /// True for a politically exposed person.
    pub fn is_exposed(&self) -> bool {
        matches!(self, Self::Exposed { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(first: Option<&str>, last: Option<&str>, full: Option<&str>) -> NameDraft {
        NameDraft {
            first: first.map(Into::into),
            middle: None,
            last: last.map(Into::into),
            full: full.map(Into::into),
        }
    }

    #[test]
    fn person_names_need_first_and_last() {
        let parsed = PersonName::parse(&name(Some("Ada"), Some("Lovelace"), None)).unwrap();
        assert_eq!(parsed.full(), "Ada Lovelace");
        let errors = PersonName::parse(&name(Some("Ada"), None, Some("Ada L"))).unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["last", "full"]);
    }

    #[test]
    fn business_names_take_only_full() {
        assert_eq!(
            parse_business_name(&name(None, None, Some(" Acme Ltd ")))
                .unwrap()
                .as_str(),
            "Acme Ltd"
        );
        let errors = parse_business_name(&name(Some("Acme"), None, None)).unwrap_err();
        let codes = errors.fields_and_codes();
        assert_eq!(
            codes,
            [
                ("first", ValidationCode::NotAllowed),
                ("full", ValidationCode::Required)
            ]
        );
    }

    #[test]
    fn gender_defaults_to_other_and_parses_exactly() {
        assert_eq!(Gender::default(), Gender::Other);
        assert_eq!(Gender::parse("F").unwrap(), Gender::Female);
        let errors = Gender::parse("female").unwrap_err();
        assert_eq!(errors.errors()[0].message, "must be one of: M, F, O");
    }

    #[test]
    fn occupation_codes_are_the_closed_list() {
        let codes: Vec<_> = Occupation::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(codes.len(), 28);
        for code in [
            "11", "13", "55", "SELFEMP", "OTHERXX", "STUDENT", "RETIRED", "UNEMPLO",
        ] {
            assert!(Occupation::parse(code).is_ok(), "{code}");
        }
        for code in ["12", "57", "selfemp", "OTHER"] {
            assert!(Occupation::parse(code).is_err(), "{code}");
        }
    }

    #[test]
    fn employment_status_is_a_closed_list() {
        assert_eq!(
            EmploymentStatus::parse("self_employed").unwrap(),
            EmploymentStatus::SelfEmployed
        );
        assert!(EmploymentStatus::parse("freelance").is_err());
    }

    #[test]
    fn a_pep_needs_an_explanation() {
        let pep = |is_pep, explanation: Option<&str>| PepDraft {
            is_pep,
            explanation: explanation.map(Into::into),
        };
        assert_eq!(
            PepStatus::parse(&pep(Some(false), None)).unwrap(),
            PepStatus::NotExposed
        );
        assert!(
            PepStatus::parse(&pep(Some(true), Some("Member of parliament")))
                .unwrap()
                .is_exposed()
        );
        for (draft, field, code) in [
            (
                pep(Some(true), None),
                "explanation",
                ValidationCode::Required,
            ),
            (
                pep(Some(true), Some("  ")),
                "explanation",
                ValidationCode::Empty,
            ),
            (pep(None, Some("x")), "is_pep", ValidationCode::Required),
        ] {
            let errors = PepStatus::parse(&draft).unwrap_err();
            assert_eq!(
                (errors.errors()[0].field.as_str(), errors.errors()[0].code),
                (field, code)
            );
        }
    }

    #[test]
    fn pep_status_serialises_in_the_shape_callers_send() {
        let json = serde_json::to_value(PepStatus::NotExposed).unwrap();
        assert_eq!(json, serde_json::json!({"is_pep": false}));
        let exposed: PepStatus =
            serde_json::from_value(serde_json::json!({"is_pep": true, "explanation": "Mayor"}))
                .unwrap();
        assert!(exposed.is_exposed());
        assert!(serde_json::from_value::<PepStatus>(serde_json::json!({"is_pep": true})).is_err());
    }
}
