//! The customer APIs of the vendors kyc replaces (Layer2, SpherePay, Connect Financial), spoken on top of kyc's own: each module
//! translates one vendor's bodies into kyc's request bodies ([`kyc_app::dto::CustomerBody`]),
//! kyc's customers into the vendor's answers, and kyc's field paths into the vendor's names,
//! so that a platform moving to kyc changes only its base URL and credentials. The HTTP
//! adapter serves them under `/compat/<vendor>` through the same command and query services
//! as the native API: same validation, idempotency, scopes, tenants and audit.

pub mod connect;
pub mod connect_relations;
mod connect_schema;
pub mod layer2;
pub mod layer2_applications;
pub mod layer2_individuals;
mod layer2_schema;
pub mod spherepay;
mod spherepay_schema;

use kyc_app::FieldErrorDto;

/// (our field path prefix, the vendor's), tried in order: the first whose prefix matches a
/// whole path segment wins.
pub type Renames = Vec<(String, String)>;

/// A field error as every surface reports it.
pub fn field_error(field: &str, code: &str, message: &str) -> FieldErrorDto {
    FieldErrorDto {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

/// `native` with its first matching prefix replaced by the vendor's name.
pub fn renamed(native: &str, renames: &Renames) -> String {
    for (ours, theirs) in renames {
        if let Some(rest) = native.strip_prefix(ours.as_str()) {
            if rest.is_empty() || rest.starts_with('.') || rest.starts_with('[') {
                return format!("{theirs}{rest}");
            }
        }
    }
    native.to_owned()
}

/// Our spelling of a vendor's closed value from `table` (theirs, ours), or an error at `field`
/// naming the vendor's accepted values.
pub fn closed(
    errors: &mut Vec<FieldErrorDto>,
    field: &str,
    raw: &str,
    table: &[(&str, &str)],
) -> Option<String> {
    if let Some((_, ours)) = table.iter().find(|(theirs, _)| *theirs == raw.trim()) {
        return Some((*ours).to_owned());
    }
    let accepted: Vec<&str> = table.iter().map(|(theirs, _)| *theirs).collect();
    errors.push(field_error(
        field,
        "unknown_value",
        &format!("must be one of: {}", accepted.join(", ")),
    ));
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_matches_whole_segments_only() {
        let renames: Renames = vec![
            ("address.street2".into(), "a.line2".into()),
            ("address.street".into(), "a.line1".into()),
            ("address".into(), "a".into()),
        ];
        assert_eq!(renamed("address.street", &renames), "a.line1");
        assert_eq!(renamed("address.street2", &renames), "a.line2");
        assert_eq!(renamed("address.city", &renames), "a.city");
        assert_eq!(renamed("addresses", &renames), "addresses");
    }
}
