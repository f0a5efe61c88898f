//! Stress scenarios on the program (DESIGN §8, issue 5): a market with 24 leveraged accounts
//! (12 long, 12 short, 4× to 9.5×), a liquidity provider, a keeper and a seeded insurance fund,
//! driven along a price path by the oracle accounts. Between price steps the cranks run
//! (`market_update_price`, `market_update_risk`, `funding_update`) and a keeper loop liquidates
//! every account below maintenance — and only those. After every step conservation is checked.
//! Each scenario prints its liquidations, bankruptcies, insurance used, socialised loss and
//! rounding dust.

use crate::program_test::env::{MarketKeys, TestEnv, Trader, assert_error, default_params};
use crate::program_test::ix;
use crate::program_test::risk::engine_price;
use crate::program_test::trading::{order, place};
use perp::error::ErrorCode;
use perp::{OrderSide, OrderType};
use perp_engine::risk::funding::shortfall;
use perp_engine::{BaseLots, Bps};

const OPEN: u64 = 1_500;
const PER_SIDE: usize = 12;
const COLLATERAL: u64 = 1_500_000;
/// Small enough that the crash exhausts it and the rest is socialised.
const INSURANCE: u64 = 250_000;

struct Stress {
    env: TestEnv,
    market: MarketKeys,
    keeper: Trader,
    accounts: Vec<Trader>,
    stats: Stats,
}

#[derive(Debug, Default)]
struct Stats {
    liquidations: u32,
    bankruptcies: u32,
    insurance_used: u64,
    socialised: u64,
    dust: u64,
    steps: u32,
}

/// Lots of the i-th account of a side: 40 to 95 (4× to 9.5× on 1.5M at 150,000 a lot).
fn lots(i: usize) -> u64 {
    40 + (i as u64 * 55) / (PER_SIDE as u64 - 1)
}

async fn stress_market() -> Stress {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    env.update_price(&market).await.expect("price");
    env.update_risk(&market).await.expect("risk");
    env.update_funding(&market).await.expect("funding");
    let lp = env.funded_trader(&market, 1_000_000_000).await;
    let keeper = env.funded_trader(&market, 2_000_000_000).await;
    let donor = env.trader(&market, INSURANCE).await;
    let ins = ix::insurance_deposit(
        &donor.collateral_accounts(),
        market.insurance_vault,
        INSURANCE,
    );
    env.send(&[ins], &[&donor.wallet]).await.expect("insurance");
    let mut accounts = Vec::new();
    for (side, lp_side) in [
        (OrderSide::Bid, OrderSide::Ask),
        (OrderSide::Ask, OrderSide::Bid),
    ] {
        for i in 0..PER_SIDE {
            let t = env.funded_trader(&market, COLLATERAL).await;
            place(
                &mut env,
                &lp,
                order(lp_side, OrderType::Limit, OPEN, lots(i)),
                &[],
            )
            .await;
            let fill = place(
                &mut env,
                &t,
                order(side, OrderType::ImmediateOrCancel, OPEN, lots(i)),
                &[&lp],
            )
            .await;
            assert_eq!(fill.filled_base_lots, lots(i));
            accounts.push(t);
        }
    }
    let m = env.market(&market.market).await;
    let oi: u64 = (0..PER_SIDE).map(lots).sum();
    assert_eq!(
        (m.open_interest.long_lots, m.open_interest.short_lots),
        (oi, oi)
    );
    env.assert_conservation(&market).await;
    Stress {
        env,
        market,
        keeper,
        accounts,
        stats: Stats::default(),
    }
}

impl Stress {
    /// One price step: oracles to `ticks` after `secs`, the cranks, the keeper loop, and the
    /// conservation check.
    async fn step(&mut self, secs: i64, ticks: u64) {
        let (env, market) = (&mut self.env, self.market);
        env.warp_seconds(secs).await;
        env.set_price_ticks(&market, ticks).await;
        env.update_price(&market).await.expect("price crank");
        env.update_risk(&market).await.expect("risk crank");
        env.update_funding(&market).await.expect("funding crank");
        self.keeper_pass(ticks).await;
        self.stats.dust = self.env.assert_conservation(&market).await;
        self.stats.steps += 1;
    }

    /// Liquidates every account below maintenance (worst first is the real keeper's order; here
    /// every one is visited) until none is; refuses nothing it should not.
    async fn keeper_pass(&mut self, ticks: u64) {
        let price = engine_price(ticks);
        let market = self.market;
        let mut tried_healthy = false;
        for t in &self.accounts {
            for _ in 0..8 {
                let before = self
                    .env
                    .account_health(&market, &t.margin_account, price)
                    .await;
                let a = self.env.margin_account(&t.margin_account).await;
                let qls = perp_engine::QuoteNativePerQuoteLot::new(default_params().quote_lot_size);
                let bankrupt =
                    a.trader.is_flat() && shortfall(&a.trader, a.collateral, qls).unwrap() > 0;
                if before.maintenance_e10 >= 0 && !bankrupt {
                    if !tried_healthy && a.trader.base_position.get() != 0 {
                        // A healthy account cannot be liquidated.
                        assert_error(
                            self.env.liquidate(&self.keeper, &t.margin_account).await,
                            ErrorCode::NotLiquidatable,
                        );
                        tried_healthy = true;
                    }
                    break;
                }
                let events = self
                    .env
                    .liquidate(&self.keeper, &t.margin_account)
                    .await
                    .expect("liquidate an unhealthy account");
                let after = self
                    .env
                    .account_health(&market, &t.margin_account, price)
                    .await;
                if let Some(l) = events.liquidated {
                    self.stats.liquidations += 1;
                    if l.position_after != 0 {
                        assert!(
                            after.maintenance_e10 > before.maintenance_e10,
                            "maintenance health strictly improves"
                        );
                    }
                }
                if let Some(b) = events.bankruptcy {
                    self.stats.bankruptcies += 1;
                    self.stats.insurance_used += b.insurance_paid;
                    self.stats.socialised += b.socialised;
                    assert_eq!(b.unresolved, 0);
                }
                let keeper = self
                    .env
                    .account_health(&market, &self.keeper.margin_account, price)
                    .await;
                assert!(keeper.initial_ok, "the keeper stays initial-healthy");
            }
        }
    }

    /// Checks the end state and prints the scenario's figures.
    async fn report(mut self, name: &str) -> Stats {
        // The liquidity provider ended the setup flat, so the rest hold every position.
        let mut base = 0i64;
        for t in self.accounts.iter().chain([&self.keeper]) {
            base += self
                .env
                .margin_account(&t.margin_account)
                .await
                .trader
                .base_position
                .get();
        }
        assert_eq!(base, 0, "positions are zero-sum");
        let m = self.env.market(&self.market.market).await;
        assert_eq!(
            m.open_interest.long_lots, m.open_interest.short_lots,
            "open interest balanced"
        );
        let insurance = self.env.token_balance(&self.market.insurance_vault).await;
        println!(
            "stress {name}: {} accounts, {} steps, {} liquidations, {} bankruptcies, insurance used \
             {} of {} (left {}), socialised {}, rounding dust {} native, conservation held after \
             every step",
            self.accounts.len(),
            self.stats.steps,
            self.stats.liquidations,
            self.stats.bankruptcies,
            self.stats.insurance_used,
            INSURANCE,
            insurance,
            self.stats.socialised,
            self.stats.dust,
        );
        self.stats
    }
}

#[tokio::test]
async fn stress_a_30_percent_crash_in_one_minute() {
    let mut s = stress_market().await;
    // −10% of the opening price every 20 seconds: 150 → 105, gaps the keeper cannot stay
    // ahead of.
    for k in 1..=3 {
        s.step(20, OPEN - 150 * k).await;
    }
    let stats = s.report("(a) -30% in 1 min").await;
    assert!(stats.liquidations >= PER_SIDE as u32 / 2, "{stats:?}");
    assert!(stats.bankruptcies > 0, "{stats:?}");
    assert!(
        stats.insurance_used >= INSURANCE && stats.socialised > 0,
        "{stats:?}"
    );
}

#[tokio::test]
async fn stress_b_60_percent_squeeze_over_an_hour() {
    let mut s = stress_market().await;
    // +60% in twelve 5-minute steps (×1.6^(1/12) ≈ +4% each).
    for k in 1..=12u32 {
        let ticks = (OPEN as f64 * 1.6f64.powf(f64::from(k) / 12.0)).round() as u64;
        s.step(300, ticks).await;
    }
    let stats = s.report("(b) +60% over 1 h").await;
    assert!(stats.liquidations >= PER_SIDE as u32 / 2, "{stats:?}");
}

#[tokio::test]
async fn stress_c_volatility_spike_with_a_flat_price() {
    let mut s = stress_market().await;
    // A quiet half hour, then ±2% swings every minute for ten minutes, ending where it began.
    for _ in 0..3 {
        s.step(600, OPEN).await;
    }
    for k in 0..10 {
        s.step(60, if k % 2 == 0 { 1_530 } else { 1_470 }).await;
    }
    s.step(60, OPEN).await;
    let m = s.env.market(&s.market.market).await;
    let target = perp::state::MarketParams::margin(&m.params)
        .maintenance_target_bps(m.risk.vol.vol_bps())
        .unwrap();
    // Initial margin moved at once; maintenance only at its ramp (100 bps/h over ~11 min).
    assert!(
        m.initial_margin_bps(BaseLots::ZERO).unwrap() >= Bps::new(2_000),
        "initial reacts"
    );
    assert!(
        target >= Bps::new(1_000),
        "volatility calls for maintenance {target}"
    );
    assert!(m.maintenance_margin_bps(BaseLots::ZERO).unwrap() <= Bps::new(520));
    // At the target fraction the most leveraged accounts would be liquidatable; at the ramped
    // one nobody was.
    let a = s
        .env
        .margin_account(&s.accounts[PER_SIDE - 1].margin_account)
        .await;
    let h = perp_engine::risk::health::Health::of(
        &a.trader,
        i64::try_from(a.collateral).unwrap(),
        m.quote_lot_size(),
        engine_price(OPEN),
    )
    .unwrap();
    assert!(!h.covers(target).unwrap());
    let stats = s.report("(c) volatility spike, flat price").await;
    assert_eq!(stats.liquidations, 0, "the spike alone liquidates nobody");
}
