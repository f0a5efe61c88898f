//! `perp-localnet`: the whole exchange on a local cluster, in one command.

use clap::Parser;
use perp_cli::{exit_code, init_logs};
use perp_localnet::exchange::{self, Exchange, Options, keeper, status};
use perp_localnet::origin::Origins;
use perp_localnet::{ServerConfig, app, server};
use solana_sdk::signature::write_keypair_file;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The validator's allocator (see the workspace's `tikv-jemallocator`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "perp-localnet",
    about = "A local Solana cluster with the perp exchange: two markets, live oracles, market makers, a faucet and the keeper."
)]
struct Args {
    /// JSON-RPC port (loopback).
    #[arg(long, default_value_t = 8899)]
    rpc_port: u16,
    /// PubSub WebSocket port (loopback).
    #[arg(long, default_value_t = 8900)]
    ws_port: u16,
    /// The keeper's metrics and health port (loopback).
    #[arg(long, default_value_t = 9464)]
    keeper_port: u16,
    /// Where the deployment, the keeper's keypair and configuration are written.
    #[arg(long, default_value = "target/localnet")]
    state_dir: PathBuf,
    /// The keeper binary (default: perp-keeper beside this one).
    #[arg(long)]
    keeper_bin: Option<PathBuf>,
    /// Run without the keeper.
    #[arg(long)]
    no_keeper: bool,
    /// The indexer's HTTP port (loopback): trades and candles.
    #[arg(long, default_value_t = 8902)]
    indexer_port: u16,
    /// The indexer binary (default: perp-indexer beside this one).
    #[arg(long)]
    indexer_bin: Option<PathBuf>,
    /// Run without the indexer.
    #[arg(long)]
    no_indexer: bool,
    /// The built web app to serve (`npm --prefix app run build`); skipped when it is missing.
    #[arg(long, default_value = "app/dist")]
    app_dir: PathBuf,
    /// The web app's port (loopback). Pages served from it (as http://127.0.0.1:<port> or
    /// http://localhost:<port>) may call JSON-RPC, PubSub and the faucet; other pages may not.
    #[arg(long, default_value_t = 8080)]
    app_port: u16,
    /// Another origin whose pages may call JSON-RPC, PubSub and the faucet, e.g. the Vite dev
    /// server (`--allow-origin http://localhost:5173`); may be repeated.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origins: Vec<String>,
    /// Leveraged traders per market.
    #[arg(long, default_value_t = 4)]
    traders: usize,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Seconds between status lines.
    #[arg(long, default_value_t = 5)]
    status_secs: u64,
    /// Seed this many margin accounts with positions into the first market at start (pairs of a
    /// long and a short; one long in ten leveraged 8.5x, the rest 3x), e.g. to load the keeper.
    #[arg(long, default_value_t = 0)]
    accounts: usize,
    /// Mount the test controls: `POST <rpc>/test/price {"symbol", "price", "hold"}` moves a
    /// market's oracle price on demand (for end-to-end tests; never on a shared machine).
    #[arg(long)]
    test_controls: bool,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    duration_secs: Option<u64>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_logs("warn,tarpc=error,perp_localnet=info", false);
    exit_code(run(Args::parse()).await)
}

/// The binary to run as `name`: the one given, none when turned off, else the one beside this.
fn binary(name: &str, given: &Option<PathBuf>, off: bool) -> anyhow::Result<Option<PathBuf>> {
    match (given, off) {
        (_, true) => Ok(None),
        (Some(bin), false) => Ok(Some(bin.clone())),
        (None, false) => exchange::sibling_binary(name).map(Some).ok_or_else(|| {
            anyhow::anyhow!(
                "{name} is not built beside perp-localnet: run `cargo build -p {name}` (or pass --{0}-bin / --no-{0})",
                name.trim_start_matches("perp-")
            )
        }),
    }
}

/// "up", "off", or how a child process ended.
fn process_state(child: &mut Option<tokio::process::Child>) -> String {
    match child.as_mut().map(|c| c.try_wait()) {
        None => "off".to_string(),
        Some(Ok(None)) => "up".to_string(),
        Some(Ok(Some(status))) => format!("exited ({status})"),
        Some(Err(e)) => format!("unknown ({e})"),
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
}

/// The app's listener when the app is built (bound first: its port is the allowed origin's).
async fn app_listener(args: &Args) -> anyhow::Result<Option<tokio::net::TcpListener>> {
    if !args.app_dir.join("index.html").is_file() {
        return Ok(None);
    }
    Ok(Some(
        tokio::net::TcpListener::bind(loopback(args.app_port)).await?,
    ))
}

/// Serves the web app when it is built; the URL to open is printed last, under the endpoints.
async fn serve_app(
    args: &Args,
    listener: Option<tokio::net::TcpListener>,
    ex: &Exchange,
    indexer: bool,
) -> anyhow::Result<Option<server::Tasks>> {
    let Some(listener) = listener else {
        println!(
            "app        not built ({} has no index.html): npm --prefix app install && npm --prefix app run build",
            args.app_dir.display()
        );
        return Ok(None);
    };
    let config = app::AppConfig {
        rpc_url: ex.net.rpc_url(),
        ws_url: ex.net.pubsub_url(),
        faucet_url: format!("{}/faucet", ex.net.rpc_url()),
        indexer_url: indexer.then(|| format!("http://{}", loopback(args.indexer_port))),
        deployment: ex.deployment.clone(),
    };
    let url = format!("http://{}", listener.local_addr()?);
    let task = tokio::spawn(server::serve(listener, app::router(&args.app_dir, config)));
    println!("app        {url}  <- open this in a browser with a Solana wallet");
    Ok(Some(server::Tasks(vec![task])))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let keeper_bin = binary("perp-keeper", &args.keeper_bin, args.no_keeper)?;
    let indexer_bin = binary("perp-indexer", &args.indexer_bin, args.no_indexer)?;
    std::fs::create_dir_all(&args.state_dir)?;
    let app = app_listener(&args).await?;
    let app_port = match &app {
        Some(listener) => listener.local_addr()?.port(),
        None => args.app_port,
    };
    let origins = Origins::app(app_port).with(&args.allow_origins)?;
    let options = Options {
        server: ServerConfig {
            rpc: loopback(args.rpc_port),
            pubsub: loopback(args.ws_port),
            origins,
            ..Default::default()
        },
        seed: args.seed,
        traders: args.traders,
        test_controls: args.test_controls,
        seed_accounts: args.accounts,
        ..Default::default()
    };
    eprintln!("starting the local exchange…");
    let ex = Exchange::start(&options).await?;
    let (symbol, old, new) = exchange::governance::queue_fee_rise(&ex.venue).await?;
    let deployment = args.state_dir.join("deployment.json");
    std::fs::write(&deployment, serde_json::to_string_pretty(&ex.deployment)?)?;
    println!("JSON-RPC   {}", ex.net.rpc_url());
    println!("PubSub     {}", ex.net.pubsub_url());
    println!(
        "faucet     POST {}/faucet {{\"owner\": \"<address>\", \"amount\": 10000}} (at most {} per owner and {} in all per minute)",
        ex.net.rpc_url(),
        exchange::faucet::OWNER_PER_MINUTE,
        exchange::faucet::TOTAL_PER_MINUTE,
    );
    if args.test_controls {
        println!(
            "controls   POST {}/test/price {{\"symbol\": \"SOL-PERP\", \"price\": 139.5, \"hold\": true}}",
            ex.net.rpc_url()
        );
    }
    println!("program    {}", ex.deployment.program);
    println!("governance queued: {symbol} taker fee {old} -> {new} bps (waits out the timelock)");
    println!("quote mint {}", ex.deployment.quote_mint);
    for m in &ex.deployment.markets {
        println!(
            "{:<10} {} (book {}, events {})",
            m.symbol, m.market, m.book, m.event_queue
        );
    }
    for (role, key) in [
        ("risk-council", &ex.risk_council),
        ("guardian", &ex.guardian),
    ] {
        let path = args.state_dir.join(format!("{role}.json"));
        write_keypair_file(key, &path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    println!(
        "deployment {} (role keypairs beside it)",
        deployment.display()
    );
    let mut child = match &keeper_bin {
        Some(bin) => {
            let listen = loopback(args.keeper_port);
            let config = keeper::prepare(
                &ex.venue,
                &args.state_dir,
                &[ex.net.rpc_url()],
                &[ex.net.pubsub_url()],
                listen,
                keeper::KEEPER_COLLATERAL
                    .max(args.accounts as u64 * keeper::KEEPER_COLLATERAL_PER_ACCOUNT),
                "",
            )
            .await?;
            println!(
                "keeper     {} --config {} (metrics http://{listen}/metrics)",
                bin.display(),
                config.display()
            );
            Some(keeper::spawn(bin, &config)?)
        }
        None => None,
    };
    let mut indexer = match &indexer_bin {
        Some(bin) => {
            let listen = loopback(args.indexer_port);
            // A new chain every run: an index of an earlier one would show its trades under
            // the same (derived) market addresses.
            let db = args.state_dir.join("indexer.sqlite");
            for suffix in ["", "-wal", "-shm"] {
                let file = PathBuf::from(format!("{}{suffix}", db.display()));
                if let Err(e) = std::fs::remove_file(&file)
                    && e.kind() != std::io::ErrorKind::NotFound
                {
                    anyhow::bail!("{}: {e}", file.display());
                }
            }
            let child = tokio::process::Command::new(bin)
                .args(["--ws", &ex.net.pubsub_url(), "--rpc", &ex.net.rpc_url()])
                .args(["--listen", &listen.to_string()])
                .arg("--db")
                .arg(&db)
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| anyhow::anyhow!("cannot start the indexer {}: {e}", bin.display()))?;
            println!(
                "indexer    http://{listen}/trades?market=<address>, /candles?market=<address>&interval=60"
            );
            Some(child)
        }
        None => None,
    };
    let _app = serve_app(&args, app, &ex, indexer.is_some()).await?;
    let liquidations = status::Liquidations::new(&ex.venue);
    tokio::spawn(liquidations.clone().run(ex.venue.clone()));
    let mut interval = tokio::time::interval(Duration::from_secs(args.status_secs.max(1)));
    let stop = async {
        match args.duration_secs {
            Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = interval.tick() => {
                println!(
                    "{} | keeper {} | indexer {}",
                    status::line(&ex.venue, &liquidations).await,
                    process_state(&mut child),
                    process_state(&mut indexer),
                );
            }
        }
    }
    for c in [child, indexer].iter_mut().flatten() {
        let _ = c.kill().await;
    }
    Ok(())
}
