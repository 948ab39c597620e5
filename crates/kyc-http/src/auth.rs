//! Bearer-token authentication: a JWT signed with an HS256 secret or an RS256 key pair.
//!
//! The token is the only source of the tenant (`bank_guid`): a request body can never name
//! another tenant. Every failure — no header, a bad signature, an expired token, a claim
//! missing or malformed — is the same 401, so the answer tells an attacker nothing.

use std::fmt;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use kyc_app::{AppError, Principal};
use kyc_domain::ids::BankGuid;
use serde::{Deserialize, Serialize};

/// The claims kyc reads from a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The actor, recorded on every event it causes.
    pub sub: String,
    /// The tenant, 32 lowercase hex characters.
    pub bank_guid: String,
    /// Space-separated scopes, e.g. `customers:read customers:write`.
    #[serde(default)]
    pub scope: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
}

/// The token configuration is unusable (e.g. a public key that is not PEM).
#[derive(Debug)]
pub struct AuthConfigError(String);

impl fmt::Display for AuthConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid token verification key: {}", self.0)
    }
}

impl std::error::Error for AuthConfigError {}

/// Verifies bearer tokens and turns them into principals.
#[derive(Clone)]
pub struct JwtVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("JwtVerifier")
            .field("algorithms", &self.validation.algorithms)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// Tokens signed with a shared HS256 secret (`KYC_JWT_SECRET`).
    pub fn hs256(secret: &[u8]) -> Self {
        Self::with(DecodingKey::from_secret(secret), Algorithm::HS256)
    }

    /// Tokens signed by the holder of an RSA private key; `public_key_pem` is the PEM public
    /// key (`KYC_JWT_PUBLIC_KEY`).
    pub fn rs256_pem(public_key_pem: &[u8]) -> Result<Self, AuthConfigError> {
        let key = DecodingKey::from_rsa_pem(public_key_pem)
            .map_err(|e| AuthConfigError(e.to_string()))?;
        Ok(Self::with(key, Algorithm::RS256))
    }

    fn with(key: DecodingKey, algorithm: Algorithm) -> Self {
        // One algorithm only: a token cannot choose a weaker one ("alg confusion").
        let mut validation = Validation::new(algorithm);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 30;
        validation.validate_aud = false;
        Self { key, validation }
    }

    /// The principal of a valid token; [`AppError::Unauthenticated`] otherwise.
    pub fn verify(&self, token: &str) -> Result<Principal, AppError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(
            |error| {
                tracing::debug!(kind = ?error.kind(), "token refused");
                AppError::Unauthenticated
            },
        )?;
        let claims = data.claims;
        let bank_guid =
            BankGuid::parse(&claims.bank_guid).map_err(|_| AppError::Unauthenticated)?;
        if claims.sub.trim().is_empty() {
            return Err(AppError::Unauthenticated);
        }
        Ok(Principal::new(claims.sub, bank_guid, &claims.scope))
    }

    /// The principal of an `Authorization` header value (`Bearer <token>`).
    pub fn verify_header(&self, value: Option<&str>) -> Result<Principal, AppError> {
        let token = value
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthenticated)?;
        self.verify(token)
    }
}

/// Signs `claims` with an HS256 secret: for development tokens (`kycctl token`) and tests.
pub fn mint_hs256(secret: &[u8], claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
}
