//! The HTTP API over an in-memory store, for trying clients without a database.
//!
//! ```text
//! cargo run -p kyc-http --example memory_server -- [PORT] [HS256_SECRET]
//! ```
//!
//! `PORT` (default 8080, or `KYC_PORT`; 0 picks a free one) and `HS256_SECRET` (default
//! `memory-server-secret`, or `KYC_JWT_SECRET`). It binds 127.0.0.1 only, prints the address,
//! then a token for the bank [`BANK_GUID`] with every customer scope (valid 24 hours). Nothing
//! survives a restart.

use std::error::Error;
use std::sync::Arc;

use kyc_http::{mint_hs256, router, Claims, HttpState, JwtVerifier};
use kyc_testkit::memory::MemoryStore;

/// The tenant of the printed token.
const BANK_GUID: &str = "0190f5a3c2b47c3e8a1d2e3f4a5b6c7d";
/// Every scope of the customer API.
const ALL_SCOPES: &str = "customers:read customers:write customers:execute customers:pii:read \
                          customers:review customers:freeze";
/// How long the printed token lives.
const TOKEN_LIFETIME_SECS: u64 = 24 * 3600;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = match args.next().or_else(|| std::env::var("KYC_PORT").ok()) {
        Some(raw) => raw.parse().map_err(|e| format!("bad port {raw:?}: {e}"))?,
        None => 8080,
    };
    let secret = args
        .next()
        .or_else(|| std::env::var("KYC_JWT_SECRET").ok())
        .unwrap_or_else(|| "memory-server-secret".to_owned());

    let state = HttpState::for_store(
        Arc::new(MemoryStore::new()),
        JwtVerifier::hs256(secret.as_bytes()),
    )?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let exp = u64::try_from(chrono::Utc::now().timestamp())? + TOKEN_LIFETIME_SECS;
    let token = mint_hs256(
        secret.as_bytes(),
        &Claims {
            sub: "memory-server".to_owned(),
            bank_guid: BANK_GUID.to_owned(),
            scope: ALL_SCOPES.to_owned(),
            exp,
        },
    )?;
    println!("listening on http://{}", listener.local_addr()?);
    println!("token for bank {BANK_GUID} with every customer scope (24 h):");
    println!("{token}");
    axum::serve(listener, router(state)).await?;
    Ok(())
}
