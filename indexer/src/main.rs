//! `perp-indexer`: follows the program's fills and serves trades and candles.

use clap::Parser;
use perp_cli::{exit_code, init_logs};
use perp_indexer::{follow, http, store::Store};
use solana_sdk::pubkey::Pubkey;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "perp-indexer",
    about = "Trades and candles of the perp exchange, over HTTP."
)]
struct Args {
    /// The cluster's PubSub endpoint.
    #[arg(long, default_value = "ws://127.0.0.1:8900")]
    ws: String,
    /// The cluster's JSON-RPC endpoint (history after every (re)connection).
    #[arg(long, default_value = "http://127.0.0.1:8899")]
    rpc: String,
    /// The SQLite database (created if missing).
    #[arg(long, default_value = "target/indexer.sqlite")]
    db: PathBuf,
    #[arg(long, default_value = "127.0.0.1:8902")]
    listen: SocketAddr,
    /// The program to follow.
    #[arg(long, default_value_t = perp_sdk::perp::ID)]
    program: Pubkey,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_logs("info", false);
    exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    if let Some(dir) = args.db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let store = Arc::new(Store::open(&args.db)?);
    tokio::spawn(follow::follow(
        args.ws.clone(),
        args.rpc.clone(),
        args.program,
        store.clone(),
    ));
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    tracing::info!(addr = %listener.local_addr()?, db = %args.db.display(), "serving trades and candles");
    axum::serve(listener, http::router(store)).await?;
    Ok(())
}
