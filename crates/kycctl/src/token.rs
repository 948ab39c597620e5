//! `kycctl token`: a development JWT signed with the configured HS256 secret.

use anyhow::Context;
use jsonwebtoken::{encode, EncodingKey, Header};
use kyc_app::Scope;
use kyc_domain::ids::BankGuid;
use serde::Serialize;

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    bank_guid: String,
    scope: String,
    iat: i64,
    exp: i64,
}

/// Signs a token for `subject` acting for `tenant` with `scopes` (space- or comma-separated;
/// `all` for every scope), valid for `ttl`.
pub fn mint(
    secret: &str,
    tenant: &str,
    scopes: &str,
    subject: &str,
    ttl: std::time::Duration,
) -> anyhow::Result<String> {
    let bank_guid = BankGuid::parse(tenant).map_err(|e| anyhow::anyhow!("--tenant: {e}"))?;
    let requested: Vec<&str> = scopes.split([' ', ',']).filter(|s| !s.is_empty()).collect();
    let scope = if requested == ["all"] {
        Scope::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        for name in &requested {
            if Scope::parse(name).is_none() {
                let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                anyhow::bail!(
                    "--scopes: unknown scope {name:?}; known: {}",
                    known.join(", ")
                );
            }
        }
        requested.join(" ")
    };
    let now = chrono::Utc::now().timestamp();
    let ttl = i64::try_from(ttl.as_secs()).context("--ttl is too long")?;
    let claims = Claims {
        sub: subject,
        bank_guid: bank_guid.to_string(),
        scope,
        iat: now,
        exp: now + ttl,
    };
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .context("signing the token")
}
