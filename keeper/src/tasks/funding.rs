//! Funding cranker: samples mark against index into the funding TWAPs, and settles each interval
//! when it ends (`funding_update` is permissionless and skips a sample the oracle rules refuse).

use super::Keeper;
use crate::error::KeeperError;
use crate::sender::Sent;
use crate::snapshot::MarketSnapshot;
use perp_sdk::ix;
use solana_sdk::pubkey::Pubkey;

pub struct FundingCranker {
    market: Pubkey,
}

impl FundingCranker {
    pub fn new(market: Pubkey) -> Self {
        FundingCranker { market }
    }

    pub async fn tick(&mut self, k: &Keeper) -> Result<Sent, KeeperError> {
        let snap = MarketSnapshot::fetch(k.sender.cluster.as_ref(), self.market).await?;
        let update = ix::funding_update(self.market, snap.market.book, snap.oracle_metas());
        let sent = k.sender.simulate_and_send(&[update]).await?;
        k.count_crank("funding", &sent);
        Ok(sent)
    }
}
