//! Keeper throughput: how many margin accounts per second the liquidator can value, i.e. the
//! per-account work of a pass (settle funding on a copy, health at the liquidation price,
//! maintenance fraction, liquidation price, shortfall) through the SDK, the program's `Market`
//! and the engine. 100,000 accounts with random positions and collateral, 11 runs, median and
//! spread printed. Run: `cargo bench -p perp-keeper --bench health`.

use perp_sdk::perp::state::{MarginAccount, Market};
use perp_sdk::perp_engine::oracle::PriceBand;
use perp_sdk::perp_engine::{Price, SignedBaseLots, SignedQuoteLots};
use perp_sdk::presets;
use perp_sdk::risk::AccountRisk;
use std::hint::black_box;
use std::time::Instant;

const ACCOUNTS: usize = 100_000;
const RUNS: usize = 11;

/// A small deterministic generator (xorshift64*), so every run values the same book.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn market() -> Box<Market> {
    let mut m: Box<Market> = bytemuck::zeroed_box();
    m.params = presets::market_params();
    m.quote_decimals = 6;
    // Funding has moved, so every valuation settles a non-zero amount.
    m.funding.long_index = 1_234;
    m.funding.short_index = -1_234;
    m
}

fn accounts() -> Vec<MarginAccount> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..ACCOUNTS)
        .map(|_| {
            let mut a: MarginAccount = bytemuck::Zeroable::zeroed();
            let lots = 1 + rng.below(20_000) as i64;
            let position = if rng.below(2) == 0 { lots } else { -lots };
            // Entered around 150.00 (1,500 ticks of 100 quote lots per lot).
            let entry = 140_000 + rng.below(20_000) as i64;
            a.trader.base_position = SignedBaseLots::new(position);
            a.trader.quote_entry = SignedQuoteLots::new(position * entry);
            a.collateral = 100_000_000 + rng.below(2_000_000_000);
            a
        })
        .collect()
}

fn main() {
    let market = market();
    let accounts = accounts();
    // 150.00 ± 0.05%: the liquidation band.
    let band = PriceBand {
        low: Price::from_raw(149_925_000_000),
        high: Price::from_raw(150_075_000_000),
    };
    let mut rates = Vec::with_capacity(RUNS);
    let mut below = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        below = 0;
        for account in &accounts {
            let verdict = AccountRisk::liquidatable(&market, black_box(account), band)
                .expect("valid accounts value");
            below += usize::from(verdict.is_some());
        }
        let secs = start.elapsed().as_secs_f64();
        rates.push(ACCOUNTS as f64 / secs);
    }
    rates.sort_by(f64::total_cmp);
    let median = rates[RUNS / 2];
    println!("health evaluation over {ACCOUNTS} margin accounts ({RUNS} runs)");
    println!("{:<28} {:>14}", "", "accounts/s");
    println!("{:<28} {:>14.0}", "median", median);
    println!("{:<28} {:>14.0}", "slowest run", rates[0]);
    println!("{:<28} {:>14.0}", "fastest run", rates[RUNS - 1]);
    println!(
        "{:<28} {:>14.3}",
        "median pass over 100k (ms)",
        ACCOUNTS as f64 / median * 1e3
    );
    println!("{:<28} {:>14}", "below maintenance", below);
}
