//! Value types: each is built only through a checked `parse`, so holding one proves it valid.
//!
//! Parsers report every failure they find, each with the path of the field and a stable
//! [`ValidationCode`]; they never echo the refused value, because it may be personal data.

mod address;
mod business;
pub(crate) mod closed_enum;
mod contact;
mod country;
pub mod dates;
mod error;
mod financial;
mod identification;
mod person;
mod tags;
mod text;

pub(crate) use address::{optional, required};
pub use address::{Address, AddressDraft};
pub use business::{AssociateDetails, AssociateDraft, AssociateRole, OwnershipPercentage, Website};
pub use contact::{EmailAddress, PhoneNumber};
pub use country::CountryCode;
pub use error::{FieldError, ValidationCode, ValidationErrors};
pub use financial::{
    parse_activities, parse_jurisdictions, Activity, EntityType, FundsSource, InvestmentBand,
    InvestmentMeasure, InvestmentProfile, InvestmentProfileDraft, NaicsCode, SocCode,
    SourceOfFunds, SourceOfFundsDraft, UsResidencyStatus, MAX_JURISDICTIONS,
};
pub use identification::{
    IdentificationNumber, IdentificationNumberDraft, IdentificationType, IdentifierText, TaxIdType,
    TaxIdentification, TaxIdentificationDraft,
};
pub use person::{
    parse_business_name, EmploymentStatus, Gender, NameDraft, Occupation, PepDraft, PepStatus,
    PersonName,
};
pub use tags::{parse_labels, parse_metadata, MetadataValue, MAX_LABELS, MAX_METADATA_ENTRIES};
pub(crate) use text::{non_empty_within, string_conversions, Measure};
pub use text::{AddressLine, BoundedText, LongText, NameText, ShortText};
