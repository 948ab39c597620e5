//! The kycd binary: parse the configuration, start logging, run until SIGINT/SIGTERM.

use clap::Parser;
use tokio_util::sync::CancellationToken;

/// mimalloc instead of glibc's malloc: allocation was a seventh of kycd's CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = kycd::Config::parse();
    if let Err(error) = kycd::init_logging(&config) {
        eprintln!("kycd: {error:#}");
        return std::process::ExitCode::FAILURE;
    }
    let shutdown = CancellationToken::new();
    tokio::spawn(kycd::cancel_on_signal(shutdown.clone()));
    match kycd::run(config, shutdown, None).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // Through the log, so that JSON log shippers see why the service stopped.
            tracing::error!("{error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
