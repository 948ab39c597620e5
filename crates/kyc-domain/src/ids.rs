//! Identifiers: 32-character lowercase hex GUIDs (Cybrid's format) and client-supplied ids.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::values::{
    non_empty_within, string_conversions, FieldError, Measure, ValidationCode, ValidationErrors,
};

macro_rules! guid_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// Wraps an id the caller generated (UUID v7 in production, so ids sort by time).
            pub fn from_uuid(uuid: uuid::Uuid) -> Self {
                Self(uuid)
            }

            /// Parses exactly 32 lowercase hex characters.
            pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
                parse_guid(raw).map(Self)
            }

            /// The underlying UUID.
            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationErrors;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.to_string()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0.simple())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.simple())
            }
        }
    };
}

fn parse_guid(raw: &str) -> Result<uuid::Uuid, ValidationErrors> {
    let well_formed = raw.len() == 32
        && raw
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !well_formed {
        return Err(FieldError::new(
            "",
            ValidationCode::InvalidFormat,
            "must be 32 lowercase hexadecimal characters",
        )
        .into());
    }
    uuid::Uuid::try_parse(raw).map_err(|_| {
        FieldError::new("", ValidationCode::InvalidFormat, "must be a valid guid").into()
    })
}

guid_type!(
    /// Identifies a customer.
    CustomerGuid
);
guid_type!(
    /// Identifies a tenant (the platform's bank); taken from credentials, never from a body.
    BankGuid
);
guid_type!(
    /// Identifies a submitted document.
    DocumentGuid
);
guid_type!(
    /// Identifies an associate (owner, director, control person) of a business.
    AssociateGuid
);

/// A client-supplied id for a customer, unique per tenant: 1–128 characters of letters,
/// digits and `_ - . :`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExternalId(String);

impl ExternalId {
    /// Longest id accepted.
    pub const MAX_LENGTH: usize = 128;

    /// Parses an external id.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':');
        // Not trimmed: surrounding spaces are refused as a format error, not dropped.
        let raw = non_empty_within(raw, Self::MAX_LENGTH, Measure::Bytes)?;
        if !raw.bytes().all(allowed) {
            return Err(FieldError::new(
                "",
                ValidationCode::InvalidFormat,
                "must contain only letters, digits and _ - . :",
            )
            .into());
        }
        Ok(Self(raw.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_conversions!(ExternalId);

impl fmt::Debug for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExternalId({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_32_lowercase_hex() {
        let raw = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7d";
        assert_eq!(CustomerGuid::parse(raw).unwrap().to_string(), raw);
        for bad in [
            "0190F5A3C2B47C3E8A1D2E3F4A5B6C7D",
            "0190f5a3-c2b4-7c3e-8a1d-2e3f4a5b6c7d",
            "0190f5a3c2b47c3e8a1d2e3f4a5b6c7",
            "",
        ] {
            assert!(CustomerGuid::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn guids_serialise_as_plain_hex() {
        let guid = BankGuid::parse("0190f5a3c2b47c3e8a1d2e3f4a5b6c7d").unwrap();
        let json = serde_json::to_string(&guid).unwrap();
        assert_eq!(json, "\"0190f5a3c2b47c3e8a1d2e3f4a5b6c7d\"");
        assert_eq!(serde_json::from_str::<BankGuid>(&json).unwrap(), guid);
    }

    #[test]
    fn external_ids_are_restricted() {
        assert!(ExternalId::parse("crm:42_a-b.c").is_ok());
        for bad in ["", "a b", "ä", &"x".repeat(129)] {
            assert!(ExternalId::parse(bad).is_err(), "{bad}");
        }
    }
}
