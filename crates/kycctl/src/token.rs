//! `kycctl token`: a development JWT signed with the configured HS256 secret.

use anyhow::Context;
use kyc_app::Scope;
use kyc_domain::ids::BankGuid;
use kyc_http::{mint_hs256, Claims};

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
    let now = u64::try_from(chrono::Utc::now().timestamp()).context("the clock is before 1970")?;
    let claims = Claims {
        sub: subject.to_owned(),
        bank_guid: bank_guid.to_string(),
        scope,
        exp: now + ttl.as_secs(),
    };
    mint_hs256(secret.as_bytes(), &claims).context("signing the token")
}
