//! Oracles from the client side: pricing exactly as the program does (its own decoders and
//! grading over fetched accounts, the engine's aggregation), and writers of real Pyth
//! `PriceUpdateV2` / Switchboard `PullFeedAccountData` bytes for in-process banks and local
//! clusters, where the SDK plays the oracle networks.

use anchor_lang::AccountSerialize;
use bytemuck::{Pod, Zeroable};
use perp::oracle::{GradedSources, Reading, pyth, switchboard};
use perp::state::Market;
use perp_engine::oracle::{Action, Now, OracleError, PriceBand, SourceFault};
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::rent::Rent;

/// Prices in this SDK's oracle writers: whole quote units per whole base unit × 10^8 (Pyth's
/// usual exponent).
pub const PYTH_EXPO: i32 = -8;
/// Switchboard's 18 decimals over 8.
pub const SB_PER_E8: i128 = 10_000_000_000;

/// A market's oracle accounts as fetched (`None`: not configured, or the account is missing).
#[derive(Clone, Debug, Default)]
pub struct OracleSnapshot {
    pub pyth: Option<Account>,
    pub switchboard: Option<Account>,
}

impl OracleSnapshot {
    /// The addresses `market` configures, in configuration order (Pyth, then Switchboard).
    pub fn keys(market: &Market) -> [Option<Pubkey>; 2] {
        let configured = |k: Pubkey| (k != Pubkey::default()).then_some(k);
        [
            configured(market.oracle.pyth_price_update),
            configured(market.oracle.switchboard_feed),
        ]
    }

    /// The engine's verdict for `action` at `now`, as the program would reach it with these
    /// accounts: each configured source decoded and graded by the program's own code, then
    /// aggregated against the market's stable price. A configured account that is missing
    /// grades as the wrong account type, as it would on-chain.
    pub fn band(
        &self,
        market: &Market,
        now: Now,
        action: Action,
    ) -> Result<Option<PriceBand>, OracleError> {
        let [pyth_key, sb_key] = Self::keys(market);
        let missing = || Err(SourceFault::WrongAccountType);
        let pyth: Option<(&str, Reading)> = pyth_key.map(|_| {
            let r = self.pyth.as_ref().map_or_else(missing, |a| {
                pyth::decode(&a.owner, &a.data, &market.oracle.pyth_feed_id)
            });
            ("pyth", r)
        });
        let switchboard: Option<(&str, Reading)> = sb_key.map(|_| {
            let r = self
                .switchboard
                .as_ref()
                .map_or_else(missing, |a| switchboard::decode(&a.owner, &a.data));
            ("switchboard", r)
        });
        let sources = [pyth, switchboard].into_iter().flatten();
        // Only a market whose lot sizes cannot be scaled fails here; it prices nothing.
        let graded = GradedSources::grade(market, sources, now, |_, _| {})
            .map_err(|_| OracleError::NoValidSource)?;
        graded.band(market, action)
    }
}

/// A rent-exempt account holding `data`, owned by `owner`.
pub fn account_with(owner: Pubkey, data: Vec<u8>) -> Account {
    Account {
        lamports: Rent::default().minimum_balance(data.len()),
        data,
        owner,
        executable: false,
        rent_epoch: 0,
    }
}

/// A Pyth update account saying `q`, owned by the Pyth receiver program.
pub fn pyth_account(q: &PythQuote) -> Account {
    account_with(pyth::RECEIVER_PROGRAM_ID, pyth_bytes(q))
}

/// A Switchboard feed account saying `q` at `now`, owned by the On-Demand program.
pub fn switchboard_account(q: &SwitchboardQuote, now: i64) -> Account {
    account_with(switchboard::ON_DEMAND_PROGRAM_ID, switchboard_bytes(q, now))
}

/// A fully verified Pyth quote of `price_e8` for `feed_id` published at `now`, with
/// confidence `conf_bps` of the price.
pub fn pyth_quote(feed_id: [u8; 32], price_e8: i64, conf_bps: u64, now: i64) -> PythQuote {
    PythQuote {
        price: price_e8,
        expo: PYTH_EXPO,
        conf: price_e8.unsigned_abs() * conf_bps / 10_000,
        publish_time: now,
        feed_id,
        verification: VerificationLevel::Full,
    }
}

/// A Switchboard result of `price_e8` (scaled to 18 decimals) at `slot`, std-dev `conf_bps`.
pub fn switchboard_quote(price_e8: i64, conf_bps: u64, slot: u64) -> SwitchboardQuote {
    let value = i128::from(price_e8) * SB_PER_E8;
    SwitchboardQuote {
        value,
        std_dev: value * i128::from(conf_bps) / 10_000,
        slot,
    }
}

/// What a Pyth update says.
#[derive(Clone, Copy, Debug)]
pub struct PythQuote {
    pub price: i64,
    pub expo: i32,
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

/// A Pyth `PriceUpdateV2` account's bytes saying `q` (the receiver SDK's own type, serialized
/// with its discriminator).
pub fn pyth_bytes(q: &PythQuote) -> Vec<u8> {
    let update = PriceUpdateV2 {
        write_authority: Pubkey::new_unique(),
        verification_level: q.verification,
        price_message: PriceFeedMessage {
            feed_id: q.feed_id,
            price: q.price,
            conf: q.conf,
            exponent: q.expo,
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

/// A Switchboard `PullFeedAccountData` account's bytes saying `q`, last updated at `now`.
pub fn switchboard_bytes(q: &SwitchboardQuote, now: i64) -> Vec<u8> {
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
