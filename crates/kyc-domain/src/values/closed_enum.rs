//! Closed lists of wire values (gender, occupation, document types, reason codes …).

/// Declares an enum whose variants each have one stable wire spelling, with `ALL`, `as_str`,
/// a `parse` that names the accepted values when it refuses, `Display` and serde.
///
/// One declaration keeps the spelling used by parsing, serialisation and error messages the
/// same; a hand-written `match` per direction drifts.
macro_rules! closed_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident => $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $wire)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The value's wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire),+
                }
            }

            /// Parses the wire spelling exactly (after trimming).
            pub fn parse(raw: &str) -> Result<Self, $crate::values::ValidationErrors> {
                let trimmed = raw.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == trimmed)
                    .ok_or_else(|| {
                        let accepted: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        $crate::values::FieldError::new(
                            "",
                            $crate::values::ValidationCode::UnknownValue,
                            format!("must be one of: {}", accepted.join(", ")),
                        )
                        .into()
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use closed_enum;
