//! Loads a market with many accounts holding positions (`perp-localnet --accounts N`, and the
//! keeper benchmark): N margin accounts in pairs, one long and one short of the same size at the
//! price, made by ordinary transactions (the short's post-only ask and the long's fill-or-kill
//! take of it in one transaction, the short named for inline settlement), so every invariant of
//! the program holds as in real trading. Leverage is drawn per pair (seeded by its index, so a
//! run is repeatable): one long in `STRESSED_EVERY` within `STRESSED_LEVERAGE`, the rest within
//! `CALM_LEVERAGE`. With 5% maintenance a long above about 6.9× falls below it in a 10% drop, so
//! the drop puts about 5% of the accounts below maintenance and no other.

use super::venue::{MarketInfo, Venue, native};
use crate::ledger::MAX_AIRDROP_LAMPORTS;
use perp_sdk::ix;
use perp_sdk::perp::{OrderSide, OrderType};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use std::sync::Arc;

/// Collateral of each seeded account, whole quote units.
pub const COLLATERAL: u64 = 20;
/// One pair in this many has its long leveraged `STRESSED_LEVERAGE`×.
pub const STRESSED_EVERY: usize = 10;
pub const STRESSED_LEVERAGE: std::ops::Range<f64> = 7.8..8.8;
pub const CALM_LEVERAGE: std::ops::Range<f64> = 1.0..6.0;
/// Pairs seeded at once.
const CONCURRENCY: usize = 16;
/// The deployer is topped up every this many pairs.
const PAIRS_PER_TOP_UP: usize = 5_000;

/// The seeded accounts: the longs that a 10% drop puts below maintenance, and the others.
#[derive(Debug, Default, Clone)]
pub struct Seeded {
    pub stressed: Vec<Pubkey>,
    pub calm: Vec<Pubkey>,
}

/// Opens one pair (index `i`) at the feeder's price: returns the long's margin account and
/// whether it is stressed.
async fn pair(
    venue: Arc<Venue>,
    market: usize,
    i: usize,
) -> anyhow::Result<(Pubkey, Pubkey, bool)> {
    let m: &MarketInfo = &venue.markets[market];
    let (long, short) = (Keypair::new(), Keypair::new());
    let long_account = venue.open(&long, m, COLLATERAL).await?;
    let short_account = venue.open(&short, m, COLLATERAL).await?;
    let price = m.feeder.price();
    let stressed = i.is_multiple_of(STRESSED_EVERY);
    let mut rng = ChaCha8Rng::seed_from_u64(i as u64);
    let leverage = rng.random_range(if stressed {
        STRESSED_LEVERAGE
    } else {
        CALM_LEVERAGE
    });
    let lots = ((leverage * native(COLLATERAL) as f64 / m.lot_value(price)) as u64).max(1);
    let ticks = m.ticks(price).round().max(1.0) as u64;
    // One transaction: the short's ask and the long's fill-or-kill take of exactly it. Pairs
    // are seeded concurrently; a take sent apart could lift another pair's ask (sizes differ),
    // leaving a stressed long with less than its planned size and an ask resting for the next.
    let ask = ix::order_place(
        &m.orders(&short.pubkey()),
        ix::order_args(OrderSide::Ask, OrderType::PostOnly, ticks, lots),
        &[],
    );
    let take = ix::order_place(
        &m.orders(&long.pubkey()),
        ix::order_args(OrderSide::Bid, OrderType::FillOrKill, ticks, lots),
        &[short_account],
    );
    venue
        .must("seed a pair", &[ask, take], &[&short, &long])
        .await?;
    Ok((long_account, short_account, stressed))
}

/// Seeds `accounts` accounts (rounded down to pairs) in market `market`; tells `progress` the
/// pairs done so far now and then.
pub async fn seed(
    venue: &Arc<Venue>,
    market: usize,
    accounts: usize,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<Seeded> {
    let pairs = accounts / 2;
    let mut out = Seeded::default();
    let mut running = tokio::task::JoinSet::new();
    let mut next = 0;
    while next < pairs || !running.is_empty() {
        while next < pairs && running.len() < CONCURRENCY {
            // The deployer pays every account's rent: about 500 SOL per 10,000 accounts, more
            // than its start-up airdrop covers for large runs (one airdrop is capped).
            if next % PAIRS_PER_TOP_UP == 0 && next > 0 {
                venue
                    .ledger
                    .airdrop(&venue.deployer.pubkey(), MAX_AIRDROP_LAMPORTS)
                    .await?;
            }
            running.spawn(pair(venue.clone(), market, next));
            next += 1;
        }
        if let Some(done) = running.join_next().await {
            let (long, short, stressed) = done??;
            if stressed {
                out.stressed.push(long);
            } else {
                out.calm.push(long);
            }
            out.calm.push(short);
            let done = out.stressed.len() + out.calm.len();
            if done.is_multiple_of(1_000) {
                progress(done / 2);
            }
        }
    }
    Ok(out)
}
