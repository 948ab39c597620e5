//! A first run with nothing installed: kycd's embedded mode.
//!
//! When no database URL is configured, kycd keeps everything in one data directory
//! ([`DataDir`], `./kyc-data` by default): a private PostgreSQL cluster that it initialises on
//! first start and runs as a supervised child listening only on a unix socket in that
//! directory ([`EmbeddedPostgres`]), a NATS server with JetStream when one is installed
//! ([`EmbeddedNats`]), and the development secrets ([`ensure_secret_file`]).
//!
//! Each child is spawned by a supervisor thread of its own and told to die with that thread
//! (Linux's parent-death signal), so a `kill -9` of kycd takes its children with it; the
//! supervisor restarts a child that exits on its own. A `postmaster.pid` left by a crash is
//! recognised as stale and removed before the next start, and PostgreSQL's crash recovery
//! replays its write-ahead log, so nothing committed is lost.
//!
//! PostgreSQL refuses to run as root: started by root, the cluster belongs to and runs as the
//! `postgres` account, or kycd stops with a message saying what to do.
//!
//! This crate only starts and stops processes and files; kycd wires it.

mod child;
mod data_dir;
mod error;
mod nats;
mod postgres;
mod secrets;

pub use data_dir::{DataDir, DEFAULT_DATA_DIR};
pub use error::EmbeddedError;
pub use nats::{kept_port, locate_nats_server, EmbeddedNats};
pub use postgres::{EmbeddedPostgres, PostgresBinaries};
pub use secrets::ensure_secret_file;
