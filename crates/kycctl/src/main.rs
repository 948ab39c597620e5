//! The kycctl binary.

use clap::Parser;

/// mimalloc, as in kycd (see the workspace's Cargo.toml for why).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match kycctl::run(kycctl::Cli::parse()).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("kycctl: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
