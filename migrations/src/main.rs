//! `perp-migrations`: bootstrap the exchange from a spec over any RPC URL, or print a
//! governance proposal's instruction.

use clap::{Parser, Subcommand, ValueEnum};
use perp_cli::{exit_code, init_logs};
use perp_migrations::proposal;
use perp_migrations::spec::Spec;
use perp_migrations::{Bootstrap, Status};
use perp_sdk::cluster::rpc::RpcCluster;
use perp_sdk::perp::state::Change;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::read_keypair_file;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "perp-migrations",
    about = "Deploys the perp exchange and its markets."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates the exchange and lists the spec's markets (run again to resume).
    Bootstrap {
        /// JSON-RPC endpoint (e.g. http://127.0.0.1:8899 or https://api.devnet.solana.com).
        #[arg(long)]
        url: String,
        /// The paying key (Solana CLI JSON keypair).
        #[arg(long)]
        keypair: PathBuf,
        #[arg(long)]
        spec: PathBuf,
        /// Wait for queued listings' timelock instead of stopping.
        #[arg(long)]
        wait: bool,
        /// Where to write the deployment (JSON) once every market is listed.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Prints a market's `params_queue` instruction for a DAO proposal.
    Propose {
        #[arg(long)]
        spec: PathBuf,
        #[arg(long)]
        market: String,
        #[arg(long, value_enum, default_value = "listing")]
        change: ChangeKind,
        /// The governance account that signs when the proposal executes.
        #[arg(long)]
        governance: Pubkey,
        /// Pays the queued change's rent (default: the governance account).
        #[arg(long)]
        payer: Option<Pubkey>,
        /// The quote mint, for a listing of a spec whose quote_mint is "create".
        #[arg(long)]
        quote_mint: Option<Pubkey>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ChangeKind {
    /// List the market.
    Listing,
    /// Replace the market's parameters with the spec's.
    Params,
    /// Replace the market's oracle configuration with the spec's.
    Oracle,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_logs("info", false);
    exit_code(run(Cli::parse().command).await)
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Bootstrap {
            url,
            keypair,
            spec,
            wait,
            out,
        } => {
            let spec = Spec::load(&spec)?;
            let payer = read_keypair_file(&keypair)
                .map_err(|e| anyhow::anyhow!("{}: {e}", keypair.display()))?;
            let cluster = RpcCluster::new(&url, Duration::from_secs(30));
            let bootstrap = Bootstrap {
                cluster: &cluster,
                payer: &payer,
                spec: &spec,
            };
            loop {
                match bootstrap.run().await? {
                    Status::Ready(deployment) => {
                        let json = serde_json::to_string_pretty(&deployment)?;
                        if let Some(out) = &out {
                            std::fs::write(out, &json)?;
                        }
                        println!("{json}");
                        return Ok(());
                    }
                    Status::Waiting { until } if wait => {
                        tracing::info!(until, "listings queued; waiting for the timelock");
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                    Status::Waiting { until } => {
                        println!("listings queued; run again after unix time {until}");
                        return Ok(());
                    }
                    Status::NeedsProposal { symbols } => {
                        println!(
                            "governance is not the payer: propose the listings of {} (perp-migrations propose), then run again",
                            symbols.join(", ")
                        );
                        return Ok(());
                    }
                }
            }
        }
        Command::Propose {
            spec,
            market,
            change,
            governance,
            payer,
            quote_mint,
        } => {
            let spec = Spec::load(&spec)?;
            let m = spec
                .market(&market)
                .ok_or_else(|| anyhow::anyhow!("the spec lists no market {market}"))?;
            let change = match change {
                ChangeKind::Listing => {
                    let quote_mint = match (spec.quote_mint, quote_mint) {
                        (_, Some(mint)) => mint,
                        (perp_migrations::spec::QuoteMint::Existing(mint), None) => mint,
                        (perp_migrations::spec::QuoteMint::Create, None) => {
                            anyhow::bail!("the spec creates its mint: pass --quote-mint")
                        }
                    };
                    Change::ListMarket {
                        market_index: m.index,
                        quote_mint,
                        params: m.params,
                        oracle: m.oracle,
                    }
                }
                ChangeKind::Params => Change::MarketParams {
                    market_index: m.index,
                    params: m.params,
                },
                ChangeKind::Oracle => Change::MarketOracle {
                    market_index: m.index,
                    oracle: m.oracle,
                },
            };
            let p = proposal::params_queue(governance, payer.unwrap_or(governance), change);
            println!("{}", serde_json::to_string_pretty(&p)?);
            Ok(())
        }
    }
}
