//! The whole exchange on a local cluster: the cluster, the oracle feeders, the bootstrap of
//! the markets through JSON-RPC (the same tool as for devnet), a faucet, market makers and
//! leveraged traders. `up` adds the real keeper binary and the status lines.

pub mod actors;
pub mod controls;
pub mod faucet;
mod faucet_limits;
pub mod feeder;
pub mod governance;
pub mod keeper;
pub mod seed;
pub mod status;
pub mod venue;

use crate::ledger::wall_clock;
use crate::server::Tasks;
use crate::{Localnet, ServerConfig};
use feeder::{Feeder, Walk};
use perp_migrations::spec::{Holder, Spec};
use perp_migrations::{Bootstrap, Deployment, Status};
use perp_sdk::cluster::rpc::RpcCluster;
use perp_sdk::perp::state::timelock_bounds;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use solana_sdk::native_token::LAMPORTS_PER_SOL;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use venue::{MarketInfo, Venue};

/// The binary `name` beside this executable (where cargo builds a workspace's binaries).
pub fn sibling_binary(name: &str) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    let name = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    [dir.join(&name), dir.parent()?.join(&name)]
        .into_iter()
        .find(|p| p.is_file())
}

/// The local exchange's bootstrap spec.
pub const SPEC: &str = include_str!("../../exchange.toml");

/// How each listed market's price moves: (symbol, walk).
pub fn walk(symbol: &str) -> Walk {
    match symbol {
        "BTC-PERP" => Walk {
            opening: 60_000.0,
            hourly_vol: 0.02,
            jump_per_sec: 1.0 / 240.0,
            max_jump: 0.08,
        },
        _ => Walk {
            opening: 150.0,
            hourly_vol: 0.03,
            jump_per_sec: 1.0 / 180.0,
            max_jump: 0.10,
        },
    }
}

/// What runs besides the cluster.
#[derive(Debug, Clone)]
pub struct Options {
    pub server: ServerConfig,
    pub seed: u64,
    /// Prices move (random walk and jumps); otherwise they hold (still published every
    /// second) until a test moves them.
    pub moving_prices: bool,
    pub makers: bool,
    /// Leveraged traders per market.
    pub traders: usize,
    /// Mount the test controls (`controls`): prices moved on demand.
    pub test_controls: bool,
    /// Accounts with positions seeded into the first market at start (`seed`).
    pub seed_accounts: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            server: ServerConfig::default(),
            seed: 7,
            moving_prices: true,
            makers: true,
            traders: 4,
            test_controls: false,
            seed_accounts: 0,
        }
    }
}

/// A running local exchange. Dropping it stops everything.
pub struct Exchange {
    pub net: Localnet,
    /// Hold the exchange's risk council and guardian roles (the deployer is governance).
    pub risk_council: Keypair,
    pub guardian: Keypair,
    pub venue: Arc<Venue>,
    /// Each market's maker margin account (when makers run), for orders' inline settlement.
    pub makers: Vec<Pubkey>,
    pub deployment: Deployment,
    /// The accounts seeded at start (`Options::seed_accounts`).
    pub seeded: seed::Seeded,
    _tasks: Tasks,
}

/// Runs the bootstrap over JSON-RPC until every market is listed. A local cluster owns its
/// clock: when listings wait for the timelock, it moves the clock past it (the cluster starts
/// that far in the past, so afterwards it runs on wall time).
async fn bootstrap(net: &Localnet, deployer: &Keypair, spec: &Spec) -> anyhow::Result<Deployment> {
    let rpc = RpcCluster::new(net.rpc_url(), Duration::from_secs(30));
    let run = Bootstrap {
        cluster: &rpc,
        payer: deployer,
        spec,
    };
    for _ in 0..4 {
        match run.run().await? {
            Status::Ready(deployment) => return Ok(deployment),
            Status::Waiting { until } => {
                net.ledger
                    .set_clock_offset((until - wall_clock() + 1).max(0));
                let next = net.ledger.slot() + 2;
                while net.ledger.slot() < next {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            Status::NeedsProposal { .. } => {
                anyhow::bail!("the local spec must make the deployer governance")
            }
        }
    }
    anyhow::bail!("the bootstrap did not finish")
}

impl Exchange {
    pub async fn start(options: &Options) -> anyhow::Result<Self> {
        let mut spec = Spec::parse(SPEC)?;
        let risk_council = Keypair::new();
        let guardian = Keypair::new();
        spec.risk_council = Holder::Key(risk_council.pubkey());
        spec.guardian = Holder::Key(guardian.pubkey());
        let cell: faucet::VenueCell = Default::default();
        let server = ServerConfig {
            // Start in the past by the listing timelock (see `bootstrap`).
            clock_offset: -(i64::from(timelock_bounds::DEFAULT_DELAY_SECS) + 120),
            ..options.server.clone()
        };
        let mut routes = faucet::router(cell.clone());
        if options.test_controls {
            routes = routes.merge(controls::router(cell.clone()));
        }
        let net = Localnet::start(&server, Some(routes)).await?;
        let deployer = Keypair::new();
        net.ledger
            .airdrop(&deployer.pubkey(), 1_000 * LAMPORTS_PER_SOL)
            .await?;
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        let mut tasks = Vec::new();
        let mut feeders = Vec::new();
        for m in &spec.markets {
            let mut w = walk(&m.symbol);
            if !options.moving_prices {
                // Still published every second (prices must stay fresh), but flat.
                w.hourly_vol = 0.0;
                w.jump_per_sec = 0.0;
            }
            let f = Feeder::new(m.oracle, w);
            f.publish(&net.ledger, f.price(), &mut rng).await;
            let seed = rng.random();
            tasks.push(tokio::spawn(f.clone().run(
                net.ledger.clone(),
                seed,
                Duration::from_secs(1),
            )));
            feeders.push(f);
        }
        let deployment = bootstrap(&net, &deployer, &spec).await?;
        let markets = deployment
            .markets
            .iter()
            .zip(&spec.markets)
            .zip(feeders)
            .map(|((d, s), feeder)| {
                Ok(MarketInfo {
                    symbol: d.symbol.clone(),
                    market: Pubkey::from_str(&d.market)?,
                    book: Pubkey::from_str(&d.book)?,
                    event_queue: Pubkey::from_str(&d.event_queue)?,
                    params: s.params,
                    oracle: s.oracle,
                    feeder,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let quote_mint = Pubkey::from_str(&deployment.quote_mint)?;
        let venue = Arc::new(Venue::new(
            net.ledger.clone(),
            deployer,
            quote_mint,
            markets,
        ));
        // The first aggregate price (and stable price) before anyone trades, from prices
        // published at the clock the bootstrap moved.
        for m in &venue.markets {
            m.feeder.set(&venue.ledger, m.feeder.price()).await;
            let update = perp_sdk::ix::market_update_price(m.market, m.oracles());
            venue.must("market_update_price", &[update], &[]).await?;
        }
        let _ = cell.set(venue.clone());
        // Seeded before the makers and traders start, so nothing trades against the seeding.
        let seeded = if options.seed_accounts > 0 {
            let started = std::time::Instant::now();
            let seeded = seed::seed(&venue, 0, options.seed_accounts, |pairs| {
                tracing::info!(pairs, "seeding accounts");
            })
            .await?;
            tracing::info!(
                accounts = seeded.calm.len() + seeded.stressed.len(),
                secs = started.elapsed().as_secs_f64(),
                "accounts seeded"
            );
            seeded
        } else {
            seed::Seeded::default()
        };
        let mut makers = Vec::new();
        for i in 0..venue.markets.len() {
            let maker = Keypair::new();
            if options.makers {
                venue
                    .open(&maker, &venue.markets[i], actors::MAKER_COLLATERAL)
                    .await?;
            }
            let mut traders = Vec::new();
            for _ in 0..options.traders {
                let t = Keypair::new();
                venue
                    .open(&t, &venue.markets[i], actors::TRADER_COLLATERAL)
                    .await?;
                traders.push(t);
            }
            let maker_key = maker.pubkey();
            makers.push(perp_sdk::pda::margin_account_pda(
                &venue.markets[i].market,
                &maker_key,
                0,
            ));
            if options.makers {
                tasks.push(tokio::spawn(actors::make(
                    venue.clone(),
                    i,
                    maker,
                    Duration::from_secs(2),
                )));
            }
            if !traders.is_empty() {
                tasks.push(tokio::spawn(actors::trade(
                    venue.clone(),
                    i,
                    traders,
                    maker_key,
                    rng.random(),
                    Duration::from_millis(1_500),
                )));
            }
        }
        Ok(Exchange {
            net,
            risk_council,
            guardian,
            venue,
            makers,
            deployment,
            seeded,
            _tasks: Tasks(tasks),
        })
    }
}
