//! The oracle networks of a local cluster: each market's price follows a random walk with
//! occasional jumps, and both providers publish it (each with its own small noise) into real
//! Pyth `PriceUpdateV2` and Switchboard `PullFeedAccountData` accounts, owned by the real
//! program ids, once a second.

use crate::ledger::Ledger;
use perp_sdk::Cluster;
use perp_sdk::oracle::{pyth_account, pyth_quote, switchboard_account, switchboard_quote};
use perp_sdk::perp::state::OracleConfig;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// How a market's price moves.
#[derive(Debug, Clone, Copy)]
pub struct Walk {
    pub opening: f64,
    /// Standard deviation of the log price over one hour.
    pub hourly_vol: f64,
    /// Chance per second of a jump.
    pub jump_per_sec: f64,
    /// Largest jump (fraction of the price), either way.
    pub max_jump: f64,
}

/// Publishes one market's prices; `price()` is the latest (for status lines and traders).
pub struct Feeder {
    oracle: OracleConfig,
    walk: Walk,
    /// The latest price, f64 bits.
    price: AtomicU64,
    /// The walk is paused: the price stays where a test set it (still published every tick).
    held: AtomicBool,
}

/// Confidence the providers publish.
const CONF_BPS: u64 = 5;
/// Each provider's own deviation from the walk, at most.
const PROVIDER_NOISE: f64 = 0.000_5;

/// One standard normal draw (Box–Muller).
fn normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

impl Feeder {
    pub fn new(oracle: OracleConfig, walk: Walk) -> Arc<Self> {
        Arc::new(Feeder {
            oracle,
            walk,
            price: AtomicU64::new(walk.opening.to_bits()),
            held: AtomicBool::new(false),
        })
    }

    pub fn price(&self) -> f64 {
        f64::from_bits(self.price.load(Ordering::Relaxed))
    }

    /// Moves the price to `price` now (a test's crash); the walk goes on from there.
    pub async fn set(&self, ledger: &Ledger, price: f64) {
        self.price.store(price.to_bits(), Ordering::Relaxed);
        // A seeded generator, not the thread's: the future must stay `Send` (HTTP handlers).
        let mut rng = ChaCha8Rng::seed_from_u64(rand::random());
        self.publish(ledger, price, &mut rng).await;
    }

    /// Pauses the walk at the current price (`true`) or lets it go on from there (`false`).
    pub fn hold(&self, held: bool) {
        self.held.store(held, Ordering::Relaxed);
    }

    /// Writes both providers' accounts at `price`.
    pub async fn publish(&self, ledger: &Ledger, price: f64, rng: &mut impl Rng) {
        let Ok(clock) = ledger.clock().await else {
            return;
        };
        let e8 = |p: f64| (p * 1e8).round() as i64;
        let mut noisy = || price * (1.0 + rng.random_range(-PROVIDER_NOISE..PROVIDER_NOISE));
        let q = pyth_quote(
            self.oracle.pyth_feed_id,
            e8(noisy()),
            CONF_BPS,
            clock.unix_timestamp,
        );
        ledger
            .set_account(&self.oracle.pyth_price_update, pyth_account(&q))
            .await;
        let q = switchboard_quote(e8(noisy()), CONF_BPS, clock.slot);
        ledger
            .set_account(
                &self.oracle.switchboard_feed,
                switchboard_account(&q, clock.unix_timestamp),
            )
            .await;
    }

    /// The next price after `dt` seconds.
    fn step(&self, rng: &mut impl Rng, dt: f64) -> f64 {
        if self.held.load(Ordering::Relaxed) {
            return self.price();
        }
        let w = &self.walk;
        let sigma = w.hourly_vol * (dt / 3_600.0).sqrt();
        let mut log_return = sigma * normal(rng) - 0.5 * sigma * sigma;
        if rng.random_bool((w.jump_per_sec * dt).clamp(0.0, 1.0)) {
            let jump = rng.random_range(w.max_jump / 3.0..w.max_jump);
            log_return += if rng.random_bool(0.5) { jump } else { -jump };
            tracing::info!(pyth = %self.oracle.pyth_price_update, jump, "price jump");
        }
        self.price() * log_return.exp()
    }

    /// Publishes every `period` forever.
    pub async fn run(self: Arc<Self>, ledger: Arc<Ledger>, seed: u64, period: Duration) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut interval = tokio::time::interval(period);
        loop {
            interval.tick().await;
            let next = self.step(&mut rng, period.as_secs_f64());
            self.price.store(next.to_bits(), Ordering::Relaxed);
            self.publish(&ledger, next, &mut rng).await;
        }
    }
}
