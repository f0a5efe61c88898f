//! Risk-update cranker: refreshes the market's stable price and circuit breaker
//! (`market_update_price`), then folds the index into its volatility estimate and maintenance
//! ramp (`market_update_risk`). Two transactions, so an oracle state that refuses one does not
//! hold back the other.

use super::Keeper;
use crate::error::KeeperError;
use crate::sender::Sent;
use crate::snapshot::MarketSnapshot;
use perp_sdk::ix;
use solana_sdk::pubkey::Pubkey;

pub struct RiskCranker {
    market: Pubkey,
}

impl RiskCranker {
    pub fn new(market: Pubkey) -> Self {
        RiskCranker { market }
    }

    /// The price update's and the risk update's outcomes.
    pub async fn tick(&mut self, k: &Keeper) -> Result<[Sent; 2], KeeperError> {
        let snap = MarketSnapshot::fetch(k.sender.cluster.as_ref(), self.market).await?;
        let price = ix::market_update_price(self.market, snap.oracle_metas());
        let price = k.sender.simulate_and_send(&[price]).await?;
        k.count_crank("price", &price);
        let risk = ix::market_update_risk(self.market, snap.oracle_metas());
        let risk = k.sender.simulate_and_send(&[risk]).await?;
        k.count_crank("risk", &risk);
        Ok([price, risk])
    }
}
