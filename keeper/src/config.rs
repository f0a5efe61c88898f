//! Configuration: an optional TOML file, overridden by command-line flags.
//!
//! ```toml
//! rpc_urls = ["http://127.0.0.1:8899", "https://api.devnet.solana.com"]
//! keypair = "keeper.json"
//! markets = ["<market address>"]
//! listen = "127.0.0.1:9464"
//! ```

use clap::Parser;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug, Default)]
#[command(
    name = "perp-keeper",
    about = "Liquidates, cranks funding and risk, settles fills."
)]
pub struct Args {
    /// TOML configuration file (flags override it).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// RPC endpoint, in order of preference (repeat for failover).
    #[arg(long = "rpc")]
    pub rpc_urls: Vec<String>,
    /// PubSub endpoint, in order of preference (repeat; default: each RPC endpoint's, `ws`
    /// on the next port).
    #[arg(long = "ws")]
    pub ws_urls: Vec<String>,
    /// The keeper's keypair file (Solana CLI JSON format).
    #[arg(long)]
    pub keypair: Option<PathBuf>,
    /// Market address to keep (repeat for several).
    #[arg(long = "market")]
    pub markets: Vec<String>,
    /// Address of the metrics and health endpoint.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Log as JSON lines instead of text.
    #[arg(long)]
    pub json_logs: bool,
}

/// How often each task runs, and the limits it keeps to.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Tuning {
    pub liquidator_interval_ms: u64,
    pub events_interval_ms: u64,
    pub funding_interval_secs: u64,
    pub risk_interval_secs: u64,
    /// How often the liquidator re-lists the market's margin accounts (getProgramAccounts);
    /// between scans it refreshes the known ones (getMultipleAccounts).
    pub rescan_secs: i64,
    /// Liquidations in flight at once (each its own transaction; a new one starts as each
    /// lands, four times this per pass, and up to sixteen times within `pass_sending_ms`); a
    /// pass that finds more due runs the next one at once. 0 sends none.
    pub max_liquidations_per_tick: usize,
    /// How long a pass keeps starting liquidations from the list it judged, once it has started
    /// four times `max_liquidations_per_tick`, before it stops and judges the backlog afresh
    /// (at the newest prices, worst first): one slot. 0: no limit but the count, sixteen times
    /// (the scenario runner's, where a pass takes no simulated time; on a cluster a pass would
    /// then send on one judgement for as long as 512 confirmations take).
    pub pass_sending_ms: u64,
    /// Events settled per `events_consume` transaction.
    pub events_per_tx: u16,
    /// First wait after an account's liquidation fails unexpectedly; doubles per failure.
    pub backoff_base_secs: i64,
    pub backoff_max_secs: i64,
    pub health_check_secs: u64,
    /// An endpoint more than this many slots behind (or ahead of) the others' median counts
    /// as down.
    pub max_slot_lag: u64,
    /// An endpoint whose clock lags this machine's by more than this many seconds counts as
    /// down (a lone endpoint falling behind has no other to compare with).
    pub max_clock_lag_secs: i64,
    /// An account that stays liquidatable this long (seconds) makes `/health` fail.
    pub liquidatable_alarm_secs: i64,
    pub request_timeout_ms: u64,
    /// The priority fee, micro-lamports per compute unit: this percentile of what recent slots
    /// paid to write the same accounts, at least the floor and at most the ceiling.
    pub priority_fee_micro_lamports: u64,
    pub priority_fee_ceiling_micro_lamports: u64,
    pub priority_fee_percentile: u8,
    /// A pass still running after this many seconds is cancelled (counted as failed).
    pub pass_timeout_secs: u64,
    /// A task that panics this many times within `restart_window_secs` stops the keeper
    /// (exit code 1) instead of being restarted again.
    pub max_task_restarts: u32,
    pub restart_window_secs: u64,
    /// Keepers running side by side on the same markets split the accounts: this one is
    /// `keeper_index` of `keeper_count` (each prefers its share, and takes over an account
    /// another left liquidatable for `takeover_grace_secs`). 0 of 1: one keeper, every account.
    pub keeper_index: u32,
    pub keeper_count: u32,
    pub takeover_grace_secs: i64,
    /// ... and one left liquidatable this long, whatever touches it meanwhile (anyone may
    /// deposit into an account, which would otherwise keep it "in progress").
    pub takeover_max_secs: i64,
    /// The liquidator follows the accounts over PubSub (`programSubscribe`), polling only
    /// while the stream is down; false: it always polls.
    pub stream: bool,
    /// Seconds between full listings while the stream is up (the liquidator's of the margin
    /// accounts, the trigger task's of the trigger accounts).
    pub stream_rescan_secs: i64,
    /// How often the keeper closes the positions its liquidations left it, and the worst price
    /// it accepts, in bps from the index (0: it keeps its inventory).
    pub unwind_interval_ms: u64,
    pub unwind_slippage_bps: u32,
    /// How often the keeper looks for due trigger orders at the least (with the stream up, a
    /// change of a trigger account or an oracle wakes it sooner), and how many it
    /// executes per pass (farthest past their trigger price first; 0 executes none).
    pub triggers_interval_ms: u64,
    pub max_triggers_per_tick: usize,
    /// Simulate each liquidation before sending it. Off by default: the keeper has judged the
    /// account with the engine's own rule, a liquidation asks for the most compute whatever a
    /// simulation says (its cost grows with fills the account can queue meanwhile), and the
    /// simulation doubles what the node executes per liquidation; a race then lands as a failed
    /// transaction (its fee paid, counted as raced) instead of a refused simulation.
    pub simulate_liquidations: bool,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            liquidator_interval_ms: 1_000,
            events_interval_ms: 2_000,
            funding_interval_secs: 60,
            risk_interval_secs: 60,
            rescan_secs: 30,
            max_liquidations_per_tick: 32,
            pass_sending_ms: 400,
            events_per_tx: 16,
            backoff_base_secs: 2,
            backoff_max_secs: 120,
            health_check_secs: 10,
            // 25 slots ≈ 10 s at 400 ms.
            max_slot_lag: 25,
            max_clock_lag_secs: 60,
            liquidatable_alarm_secs: 30,
            request_timeout_ms: 5_000,
            priority_fee_micro_lamports: 1_000,
            priority_fee_ceiling_micro_lamports: 50_000,
            priority_fee_percentile: 75,
            pass_timeout_secs: 60,
            max_task_restarts: 5,
            restart_window_secs: 300,
            keeper_index: 0,
            keeper_count: 1,
            takeover_grace_secs: 2,
            takeover_max_secs: 30,
            stream: true,
            stream_rescan_secs: 300,
            unwind_interval_ms: 5_000,
            unwind_slippage_bps: 200,
            triggers_interval_ms: 1_000,
            max_triggers_per_tick: 16,
            simulate_liquidations: false,
        }
    }
}

impl Tuning {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// How the priority fee is chosen.
    pub fn fees(&self) -> crate::sender::FeePolicy {
        crate::sender::FeePolicy {
            floor: self.priority_fee_micro_lamports,
            ceiling: self.priority_fee_ceiling_micro_lamports,
            percentile: self.priority_fee_percentile,
        }
    }

    /// This keeper's share of the accounts.
    pub fn share(&self) -> crate::tasks::liquidator::Share {
        crate::tasks::liquidator::Share {
            index: self.keeper_index,
            count: self.keeper_count.max(1),
            grace_secs: self.takeover_grace_secs,
            max_secs: self.takeover_max_secs,
        }
    }

    /// How far behind an endpoint may fall.
    pub fn freshness(&self) -> crate::pool::Freshness {
        crate::pool::Freshness {
            max_slot_lag: self.max_slot_lag,
            max_clock_lag_secs: self.max_clock_lag_secs,
        }
    }
}

#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub rpc_urls: Vec<String>,
    /// PubSub endpoints (empty: each RPC endpoint's).
    #[serde(default)]
    pub ws_urls: Vec<String>,
    pub keypair: PathBuf,
    pub markets: Vec<String>,
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    #[serde(default)]
    pub json_logs: bool,
    #[serde(default)]
    pub tuning: Tuning,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 9464))
}

/// The file's keys, all optional so flags can supply any of them.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    rpc_urls: Vec<String>,
    #[serde(default)]
    ws_urls: Vec<String>,
    keypair: Option<PathBuf>,
    #[serde(default)]
    markets: Vec<String>,
    listen: Option<SocketAddr>,
    #[serde(default)]
    json_logs: bool,
    #[serde(default)]
    tuning: Tuning,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("no RPC endpoint: pass --rpc or set rpc_urls")]
    NoEndpoint,
    #[error("no keypair: pass --keypair or set keypair")]
    NoKeypair,
    #[error("no market: pass --market or set markets")]
    NoMarket,
    #[error("keeper_index {index} is not below keeper_count {count}")]
    BadShare { index: u32, count: u32 },
}

impl Config {
    /// The file named by `args` (if any) with the flags laid over it.
    pub fn load(args: Args) -> Result<Self, ConfigError> {
        let file = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                Self::parse_file(path, &text)?
            }
            None => FileConfig::default(),
        };
        Self::merge(file, args)
    }

    fn parse_file(path: &std::path::Path, text: &str) -> Result<FileConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    fn merge(file: FileConfig, args: Args) -> Result<Self, ConfigError> {
        let pick = |flag: Vec<String>, file: Vec<String>| if flag.is_empty() { file } else { flag };
        let rpc_urls = pick(args.rpc_urls, file.rpc_urls);
        let ws_urls = pick(args.ws_urls, file.ws_urls);
        let markets = pick(args.markets, file.markets);
        if rpc_urls.is_empty() {
            return Err(ConfigError::NoEndpoint);
        }
        if markets.is_empty() {
            return Err(ConfigError::NoMarket);
        }
        let t = &file.tuning;
        if t.keeper_index >= t.keeper_count.max(1) {
            return Err(ConfigError::BadShare {
                index: t.keeper_index,
                count: t.keeper_count,
            });
        }
        Ok(Config {
            rpc_urls,
            ws_urls,
            keypair: args
                .keypair
                .or(file.keypair)
                .ok_or(ConfigError::NoKeypair)?,
            markets,
            listen: args.listen.or(file.listen).unwrap_or_else(default_listen),
            json_logs: args.json_logs || file.json_logs,
            tuning: file.tuning,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Result<FileConfig, ConfigError> {
        Config::parse_file(std::path::Path::new("k.toml"), text)
    }

    #[test]
    fn flags_override_the_file_and_tuning_defaults_fill_in() {
        let f = file(
            r#"
            rpc_urls = ["http://a", "http://b"]
            keypair = "k.json"
            markets = ["M1"]
            [tuning]
            rescan_secs = 5
            "#,
        )
        .expect("parses");
        let args = Args {
            rpc_urls: vec!["http://flag".into()],
            ..Args::default()
        };
        let c = Config::merge(f, args).expect("complete");
        assert_eq!(c.rpc_urls, vec!["http://flag".to_string()]);
        assert_eq!(c.markets, vec!["M1".to_string()]);
        assert_eq!(c.keypair, PathBuf::from("k.json"));
        assert_eq!(c.tuning.rescan_secs, 5);
        assert_eq!(c.tuning.events_per_tx, Tuning::default().events_per_tx);
        assert_eq!(c.listen, default_listen());
    }

    #[test]
    fn missing_pieces_and_unknown_keys_are_named() {
        let base = || Args {
            rpc_urls: vec!["http://a".into()],
            keypair: Some("k".into()),
            markets: vec!["M".into()],
            ..Args::default()
        };
        let no_rpc = Args {
            rpc_urls: vec![],
            ..base()
        };
        assert_eq!(
            Config::merge(FileConfig::default(), no_rpc),
            Err(ConfigError::NoEndpoint)
        );
        let no_key = Args {
            keypair: None,
            ..base()
        };
        assert_eq!(
            Config::merge(FileConfig::default(), no_key),
            Err(ConfigError::NoKeypair)
        );
        let no_market = Args {
            markets: vec![],
            ..base()
        };
        assert_eq!(
            Config::merge(FileConfig::default(), no_market),
            Err(ConfigError::NoMarket)
        );
        let second_of_one = file("[tuning]\nkeeper_index = 1\nkeeper_count = 1").expect("parses");
        assert_eq!(
            Config::merge(second_of_one, base()),
            Err(ConfigError::BadShare { index: 1, count: 1 })
        );
        let err = file("rpc_url = \"http://typo\"").expect_err("refused");
        assert!(matches!(err, ConfigError::Parse { message, .. } if message.contains("rpc_url")));
    }
}
