//! `kyc-bench`: see the library crate for what it measures and how.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = kyc_bench::Cli::parse();
    match kyc_bench::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kyc-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}
