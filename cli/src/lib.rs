//! What the project's binaries (keeper, local exchange, indexer, migrations, simulator) share at
//! their edges: logging, and turning a failure into one clear line and exit status 1. Its own
//! small crate, so that no binary links the keeper to get it.

use std::process::ExitCode;

/// Logs through `tracing` to stderr, filtered by `RUST_LOG` or else `default_filter`; JSON
/// lines when `json`.
pub fn init_logs(default_filter: &str, json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        logs.json().init();
    } else {
        logs.init();
    }
}

/// Success, or the error and its causes on one line (no backtrace dump) and exit status 1.
pub fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
