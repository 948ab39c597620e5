//! The kycctl binary.

use clap::Parser;

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
