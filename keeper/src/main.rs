//! `perp-keeper`: see the crate docs and `perp-keeper --help`.

use clap::Parser;
use perp_cli::{exit_code, init_logs};
use perp_keeper::config::{Args, Config};

/// The validator's allocator (see the workspace's `tikv-jemallocator`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let config = Config::load(args)?;
    init_logs("info", config.json_logs);
    perp_keeper::daemon::run(config).await
}
