//! One market as a keeper sees it at one moment: the market account, its oracle accounts and
//! the cluster clock, fetched together.

use crate::error::KeeperError;
use perp_sdk::Cluster;
use perp_sdk::accounts;
use perp_sdk::ix::OracleMetas;
use perp_sdk::oracle::OracleSnapshot;
use perp_sdk::perp::state::Market;
use perp_sdk::perp_engine::oracle::{Action, Now, PriceBand};
use solana_sdk::clock::Clock;
use solana_sdk::pubkey::Pubkey;

pub struct MarketSnapshot {
    pub key: Pubkey,
    pub market: Box<Market>,
    pub oracles: OracleSnapshot,
    pub clock: Clock,
}

impl MarketSnapshot {
    pub async fn fetch(cluster: &dyn Cluster, key: Pubkey) -> Result<Self, KeeperError> {
        let account = cluster
            .account(&key)
            .await?
            .ok_or(KeeperError::Missing(key))?;
        let market = accounts::market(&account)?;
        let [pyth, switchboard] = OracleSnapshot::keys(&market);
        let wanted: Vec<Pubkey> = [pyth, switchboard].into_iter().flatten().collect();
        let mut fetched = cluster.accounts(&wanted).await?.into_iter();
        let mut next =
            |configured: Option<Pubkey>| configured.and_then(|_| fetched.next().flatten());
        let oracles = OracleSnapshot {
            pyth: next(pyth),
            switchboard: next(switchboard),
        };
        let clock = cluster.clock().await?;
        Ok(MarketSnapshot {
            key,
            market,
            oracles,
            clock,
        })
    }

    pub fn now(&self) -> Now {
        Now {
            unix_time: self.clock.unix_timestamp,
            slot: self.clock.slot,
        }
    }

    /// The prices `action` may use now, or `None` when the oracle rules refuse one.
    pub fn band(&self, action: Action) -> Option<PriceBand> {
        self.oracles
            .band(&self.market, self.now(), action)
            .ok()
            .flatten()
    }

    /// The oracle accounts to pass to price-reading instructions.
    pub fn oracle_metas(&self) -> OracleMetas {
        let [pyth, switchboard] = OracleSnapshot::keys(&self.market);
        OracleMetas { pyth, switchboard }
    }
}
