//! Running the real `perp-keeper` binary against the local cluster: a funded keeper account
//! in every market, its keypair and TOML configuration on disk, and the child process.

use super::venue::Venue;
use solana_sdk::native_token::LAMPORTS_PER_SOL;
use solana_sdk::signature::{Keypair, write_keypair_file};
use solana_sdk::signer::Signer;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Collateral of the keeper's account in each market, whole quote units (the local exchange's
/// keeper; the benchmark gives more to a keeper that must take over thousands of positions).
pub const KEEPER_COLLATERAL: u64 = 50_000;
/// With seeded accounts (`--accounts`), the keeper's collateral per account: one in twenty is
/// leveraged about 8× on 20 units (`seed`), so a 10% drop hands the keeper about 8 units of
/// position per account, which needs about 1.2 of margin; three leave it room.
pub const KEEPER_COLLATERAL_PER_ACCOUNT: u64 = 3;

/// Creates a keeper with `collateral` (whole quote units) in every market; writes `keeper.json`
/// and `keeper.toml` into `dir` (which must exist) and returns the configuration's path.
/// `tuning` lines are added to the `[tuning]` table (e.g. `stream = false`).
pub async fn prepare(
    venue: &Venue,
    dir: &Path,
    rpc_urls: &[String],
    ws_urls: &[String],
    listen: SocketAddr,
    collateral: u64,
    tuning: &str,
) -> anyhow::Result<PathBuf> {
    let wallet = Keypair::new();
    let keypair = dir.join("keeper.json");
    write_keypair_file(&wallet, &keypair)
        .map_err(|e| anyhow::anyhow!("{}: {e}", keypair.display()))?;
    venue
        .ledger
        .airdrop(&wallet.pubkey(), 10 * LAMPORTS_PER_SOL)
        .await?;
    for m in &venue.markets {
        venue.open(&wallet, m, collateral).await?;
    }
    let quoted = |items: &mut dyn Iterator<Item = String>| {
        items
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let config = format!(
        "# Written by perp-localnet.\n\
         rpc_urls = [{}]\n\
         ws_urls = [{}]\n\
         keypair = {:?}\n\
         markets = [{}]\n\
         listen = \"{listen}\"\n\n\
         [tuning]\n\
         liquidator_interval_ms = 500\n\
         events_interval_ms = 1000\n\
         funding_interval_secs = 60\n\
         risk_interval_secs = 30\n\
         rescan_secs = 5\n\
         health_check_secs = 5\n\
         request_timeout_ms = 2000\n\
         {tuning}",
        quoted(&mut rpc_urls.iter().cloned()),
        quoted(&mut ws_urls.iter().cloned()),
        keypair.display().to_string(),
        quoted(&mut venue.markets.iter().map(|m| m.market.to_string())),
    );
    let path = dir.join("keeper.toml");
    std::fs::write(&path, config)?;
    Ok(path)
}

/// Starts `bin --config config`; the process is killed when the handle drops.
pub fn spawn(bin: &Path, config: &Path) -> anyhow::Result<tokio::process::Child> {
    tokio::process::Command::new(bin)
        .arg("--config")
        .arg(config)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start the keeper {}: {e}", bin.display()))
}
