//! Oracle account writers: real Pyth `PriceUpdateV2` bytes (the receiver SDK's own type,
//! serialized with its discriminator) and byte-exact Switchboard `PullFeedAccountData`, owned by
//! the real program ids, rewritten mid-test to move price, confidence and timestamps.

use super::env::{MarketKeys, TestEnv};
use anchor_lang::AccountSerialize;
use bytemuck::{Pod, Zeroable};
use perp::oracle::{pyth, switchboard};
use perp::state::OracleConfig;
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::pubkey::Pubkey;

/// Test prices are whole quote units per whole base unit × 10^8 (Pyth's usual exponent).
pub const PYTH_EXPO: i32 = -8;
/// Switchboard's 18 decimals over the test's 8.
const SB_PER_E8: i128 = 10_000_000_000;

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
        OracleConfig {
            pyth_price_update: self.pyth,
            pyth_feed_id: self.feed_id,
            switchboard_feed: self.switchboard,
            max_age_secs: 30,
            max_age_slots: 75,
            max_confidence_bps: 100,
            max_deviation_bps: 150,
            stable_window_secs: 600,
            stable_growth_bps_per_sec: 5,
            breaker_band_bps: 1_000,
            breaker_cooldown_secs: 300,
        }
    }
}

/// What a Pyth update says.
#[derive(Clone, Copy, Debug)]
pub struct PythQuote {
    pub price: i64,
    pub conf: u64,
    pub publish_time: i64,
    pub feed_id: [u8; 32],
    pub verification: VerificationLevel,
}

/// What a Switchboard feed's current result says (18-decimal values).
#[derive(Clone, Copy, Debug)]
pub struct SwitchboardQuote {
    pub value: i128,
    pub std_dev: i128,
    pub slot: u64,
}

/// Switchboard On-Demand 0.13 `CurrentResult` as laid out on-chain; i128 fields as LE bytes so
/// the host's 16-byte i128 alignment cannot shift anything.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct SbCurrentResult {
    value: [u8; 16],
    std_dev: [u8; 16],
    mean: [u8; 16],
    range: [u8; 16],
    min_value: [u8; 16],
    max_value: [u8; 16],
    num_samples: u8,
    submission_idx: u8,
    padding1: [u8; 6],
    slot: u64,
    min_slot: u64,
    max_slot: u64,
}

/// Switchboard On-Demand 0.13 `PullFeedAccountData`, field for field (submissions and
/// historical results kept opaque).
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct SbPullFeed {
    submissions: [[u8; 64]; 32],
    authority: [u8; 32],
    queue: [u8; 32],
    feed_hash: [u8; 32],
    initialized_at: i64,
    permissions: u64,
    max_variance: u64,
    min_responses: u32,
    name: [u8; 32],
    padding1: u8,
    permit_write_by_authority: u8,
    historical_result_idx: u8,
    min_sample_size: u8,
    last_update_timestamp: i64,
    lut_slot: u64,
    reserved1: [u8; 32],
    result: SbCurrentResult,
    max_staleness: u32,
    padding2: [u8; 12],
    historical_results: [[u8; 16]; 32],
    ebuf4: [u8; 8],
    ebuf3: [u8; 24],
    submission_timestamps: [i64; 32],
}
// The SDK's layout: 3,200 bytes, result at 2,256 (checked against the SDK's `offset_of!`).
static_assertions::const_assert_eq!(core::mem::size_of::<SbPullFeed>(), 3_200);
static_assertions::const_assert_eq!(core::mem::offset_of!(SbPullFeed, result), 2_256);
static_assertions::const_assert_eq!(
    core::mem::offset_of!(SbPullFeed, submission_timestamps),
    2_944
);

/// Anchor's account discriminator: the first 8 bytes of sha256("account:<Name>").
pub fn anchor_discriminator(name: &str) -> [u8; 8] {
    let hash = solana_sdk::hash::hash(format!("account:{name}").as_bytes());
    hash.to_bytes()[..8].try_into().expect("8 bytes")
}

fn pyth_bytes(q: &PythQuote) -> Vec<u8> {
    let update = PriceUpdateV2 {
        write_authority: Pubkey::new_unique(),
        verification_level: q.verification,
        price_message: PriceFeedMessage {
            feed_id: q.feed_id,
            price: q.price,
            conf: q.conf,
            exponent: PYTH_EXPO,
            publish_time: q.publish_time,
            prev_publish_time: q.publish_time - 1,
            ema_price: q.price,
            ema_conf: q.conf,
        },
        posted_slot: 0,
    };
    let mut data = Vec::with_capacity(PriceUpdateV2::LEN);
    update.try_serialize(&mut data).expect("serialize");
    data
}

fn switchboard_bytes(q: &SwitchboardQuote, now: i64) -> Vec<u8> {
    let mut feed = SbPullFeed::zeroed();
    feed.min_responses = 1;
    feed.min_sample_size = 1;
    feed.max_staleness = 250;
    feed.last_update_timestamp = now;
    feed.result.value = q.value.to_le_bytes();
    feed.result.std_dev = q.std_dev.to_le_bytes();
    feed.result.mean = q.value.to_le_bytes();
    feed.result.min_value = q.value.to_le_bytes();
    feed.result.max_value = q.value.to_le_bytes();
    feed.result.num_samples = 1;
    feed.result.slot = q.slot;
    feed.result.min_slot = q.slot;
    feed.result.max_slot = q.slot;
    let mut data = anchor_discriminator("PullFeedAccountData").to_vec();
    data.extend_from_slice(bytemuck::bytes_of(&feed));
    data
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
        PythQuote {
            price: price_e8,
            conf: price_e8.unsigned_abs() / 1_000,
            publish_time: self.clock().await.unix_timestamp,
            feed_id: keys.feed_id,
            verification: VerificationLevel::Full,
        }
    }

    /// A fresh Switchboard result of `price_e8` (scaled to 18 decimals), std-dev 0.1%.
    pub async fn switchboard_quote(&mut self, price_e8: i64) -> SwitchboardQuote {
        let value = i128::from(price_e8) * SB_PER_E8;
        SwitchboardQuote {
            value,
            std_dev: value / 1_000,
            slot: self.clock().await.slot,
        }
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
