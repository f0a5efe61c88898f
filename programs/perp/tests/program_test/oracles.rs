//! Oracle accounts of test markets, rewritten mid-test (with the SDK's writers of real Pyth and
//! Switchboard bytes) to move price, confidence, owners and timestamps.

use super::env::{MarketKeys, TestEnv};
use perp::oracle::{pyth, switchboard};
use perp::state::OracleConfig;
pub use perp_sdk::oracle::{PythQuote, SwitchboardQuote};
use perp_sdk::oracle::{pyth_bytes, switchboard_bytes};
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::pubkey::Pubkey;

/// The oracle accounts of a test market.
#[derive(Clone, Copy, Debug)]
pub struct OracleKeys {
    pub pyth: Pubkey,
    pub feed_id: [u8; 32],
    pub switchboard: Pubkey,
}

impl OracleKeys {
    /// Fresh addresses and a random feed id.
    pub fn new_unique() -> Self {
        OracleKeys {
            pyth: Pubkey::new_unique(),
            feed_id: Pubkey::new_unique().to_bytes(),
            switchboard: Pubkey::new_unique(),
        }
    }

    /// A valid configuration for these accounts: 30 s / 75 slots fresh, ≤ 1% confidence, ≤ 1.5%
    /// disagreement, 10-minute stable window moving ≤ 5 bps/s, breaker at 10% for 5 minutes.
    pub fn config(&self) -> OracleConfig {
        perp_sdk::presets::oracle_config(self.pyth, self.feed_id, self.switchboard)
    }
}

impl TestEnv {
    /// The bank's clock.
    pub async fn clock(&mut self) -> Clock {
        self.ctx.banks_client.get_sysvar().await.expect("clock")
    }

    /// Writes `data` at `key`, owned by `owner`, rent-exempt.
    pub async fn set_raw_account(&mut self, key: &Pubkey, owner: &Pubkey, data: Vec<u8>) {
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let account = Account {
            lamports: rent.minimum_balance(data.len()),
            data,
            owner: *owner,
            executable: false,
            rent_epoch: 0,
        };
        self.ctx.set_account(key, &account.into());
    }

    /// Writes a Pyth `PriceUpdateV2` at `key` owned by `owner` (normally the receiver program).
    pub async fn set_pyth_owned(&mut self, key: &Pubkey, q: PythQuote, owner: &Pubkey) {
        self.set_raw_account(key, owner, pyth_bytes(&q)).await;
    }

    /// Writes a Pyth `PriceUpdateV2` at `key`, owned by the Pyth receiver program.
    pub async fn set_pyth(&mut self, key: &Pubkey, q: PythQuote) {
        self.set_pyth_owned(key, q, &pyth::RECEIVER_PROGRAM_ID)
            .await;
    }

    /// Writes a Switchboard pull feed at `key` owned by `owner` (normally the On-Demand program).
    pub async fn set_switchboard_owned(
        &mut self,
        key: &Pubkey,
        q: SwitchboardQuote,
        owner: &Pubkey,
    ) {
        let now = self.clock().await.unix_timestamp;
        self.set_raw_account(key, owner, switchboard_bytes(&q, now))
            .await;
    }

    /// Writes a Switchboard pull feed at `key`, owned by the On-Demand program.
    pub async fn set_switchboard(&mut self, key: &Pubkey, q: SwitchboardQuote) {
        self.set_switchboard_owned(key, q, &switchboard::ON_DEMAND_PROGRAM_ID)
            .await;
    }

    /// A fresh, fully verified Pyth quote of `price_e8` for `keys`, confidence 0.1%.
    pub async fn pyth_quote(&mut self, keys: &OracleKeys, price_e8: i64) -> PythQuote {
        let now = self.clock().await.unix_timestamp;
        perp_sdk::oracle::pyth_quote(keys.feed_id, price_e8, 10, now)
    }

    /// A fresh Switchboard result of `price_e8` (scaled to 18 decimals), std-dev 0.1%.
    pub async fn switchboard_quote(&mut self, price_e8: i64) -> SwitchboardQuote {
        let slot = self.clock().await.slot;
        perp_sdk::oracle::switchboard_quote(price_e8, 10, slot)
    }

    /// Publishes fresh prices on both of `market`'s oracles.
    pub async fn set_prices(&mut self, market: &MarketKeys, pyth_e8: i64, switchboard_e8: i64) {
        let keys = market.oracles;
        let q = self.pyth_quote(&keys, pyth_e8).await;
        self.set_pyth(&keys.pyth, q).await;
        let q = self.switchboard_quote(switchboard_e8).await;
        self.set_switchboard(&keys.switchboard, q).await;
    }
}
