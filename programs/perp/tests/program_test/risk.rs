//! Risk helpers shared by the liquidation, funding and stress scenarios: setting both oracles to
//! a price in ticks, the permissionless cranks, a keeper's liquidation call with its events, and
//! an account's health as the program judges it.

use super::env::{MarketKeys, TestEnv, Trader, TxResult, events_of};
use super::ix;
use perp::events::{Bankruptcy, FundingUpdated, Liquidated};
use perp::state::{MarginAccount, Market};
use perp_engine::Price;
use solana_program_test::BanksClientError;
use solana_sdk::pubkey::Pubkey;

/// Oracle price (quote per base × 10⁸) of a book price in ticks: a tick is 0.1 quote per base.
pub const fn price_e8(ticks: u64) -> i64 {
    ticks as i64 * 10_000_000
}

/// The engine price (native per lot × 10⁶) of `ticks`: one tick is 100 native units per lot.
pub const fn engine_price(ticks: u64) -> Price {
    Price::from_raw(ticks * 100 * 1_000_000)
}

/// What one `liquidate` call emitted.
#[derive(Debug, Default)]
pub struct LiquidationEvents {
    pub liquidated: Option<Liquidated>,
    pub bankruptcy: Option<Bankruptcy>,
}

/// An account's margin at one price, as the program computes it (funding settled on a copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountHealth {
    /// Equity − maintenance margin, native × 10⁶ × 10⁴ (exact).
    pub maintenance_e10: i128,
    /// Whether equity covers the dynamic initial margin.
    pub initial_ok: bool,
}

impl TestEnv {
    /// Publishes `ticks` on both oracles of `market`.
    pub async fn set_price_ticks(&mut self, market: &MarketKeys, ticks: u64) {
        self.set_prices(market, price_e8(ticks), price_e8(ticks))
            .await;
    }

    /// Holds both oracles at `ticks` and cranks the price once a minute until the stable price
    /// is within the breaker band of it and the breaker has released (new risk allowed again).
    pub async fn follow_price(&mut self, market: &MarketKeys, ticks: u64) {
        for _ in 0..60 {
            self.warp_seconds(60).await;
            self.set_price_ticks(market, ticks).await;
            self.update_price(market).await.expect("price crank");
            let m = self.market(&market.market).await;
            let stable = m.price.stable_price;
            let target = engine_price(ticks).raw();
            let band = u128::from(m.oracle.breaker_band_bps);
            let inside = u128::from(stable.abs_diff(target)) * 10_000 <= band * u128::from(stable);
            if inside && m.price.breaker_engaged == 0 {
                return;
            }
        }
        panic!("the stable price did not follow to {ticks} ticks within an hour");
    }

    pub async fn update_risk(&mut self, market: &MarketKeys) -> TxResult {
        let ix = ix::market_update_risk(market.market, market.oracle_metas());
        self.send(&[ix], &[]).await
    }

    /// Runs the funding crank; returns what it did.
    pub async fn update_funding(
        &mut self,
        market: &MarketKeys,
    ) -> Result<FundingUpdated, BanksClientError> {
        let ix = ix::funding_update(market.market, market.book, market.oracle_metas());
        let mut events = self.send_for_events::<FundingUpdated>(&[ix], &[]).await?;
        Ok(events.pop().expect("FundingUpdated"))
    }

    /// `keeper` liquidates `account` into its own margin account.
    pub async fn liquidate(
        &mut self,
        keeper: &Trader,
        account: &Pubkey,
    ) -> Result<LiquidationEvents, BanksClientError> {
        let ix = ix::liquidate(&keeper.liquidating(*account));
        let events = self.send_for_logs(&[ix], &[&keeper.wallet]).await?;
        Ok(LiquidationEvents {
            liquidated: events_of::<Liquidated>(&events).pop(),
            bankruptcy: events_of::<Bankruptcy>(&events).pop(),
        })
    }

    /// `account`'s health at `price` under `market`'s current margin fractions.
    pub async fn account_health(
        &mut self,
        market: &MarketKeys,
        account: &Pubkey,
        price: Price,
    ) -> AccountHealth {
        let m: Market = self.market(&market.market).await;
        let mut a: MarginAccount = self.margin_account(account).await;
        m.settle_funding(&mut a).unwrap();
        health_of(&m, &a, price)
    }
}

/// `a`'s health at `price` in market `m` (funding already settled).
pub fn health_of(m: &Market, a: &MarginAccount, price: Price) -> AccountHealth {
    let h = m.health(a, price).unwrap();
    let mm = m.maintenance_margin_bps(h.exposure_lots).unwrap();
    let im = m.margin_scale(&a.trader).unwrap().initial_margin_bps;
    AccountHealth {
        maintenance_e10: h.surplus_e4(mm).unwrap(),
        initial_ok: h.covers(im).unwrap(),
    }
}
