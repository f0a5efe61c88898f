//! Loads a market with many accounts holding positions (`perp-localnet --accounts N`, and the
//! keeper benchmark): N margin accounts in pairs, one long and one short of the same size at the
//! price, made by ordinary transactions (each short rests a post-only ask, its long takes it
//! with the short named for inline settlement), so every invariant of the program holds as in
//! real trading. One long in `STRESSED_EVERY` is leveraged `STRESSED_LEVERAGE`×, the rest
//! `CALM_LEVERAGE`×: a 10% drop puts about 5% of the accounts below maintenance.

use super::venue::{MarketInfo, Venue, native};
use perp_sdk::ix;
use perp_sdk::perp::{OrderSide, OrderType};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use std::sync::Arc;

/// Collateral of each seeded account, whole quote units.
pub const COLLATERAL: u64 = 20;
/// One pair in this many has its long leveraged `STRESSED_LEVERAGE`×.
pub const STRESSED_EVERY: usize = 10;
pub const STRESSED_LEVERAGE: f64 = 8.5;
pub const CALM_LEVERAGE: f64 = 3.0;
/// Pairs seeded at once.
const CONCURRENCY: usize = 16;

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
    let leverage = if stressed {
        STRESSED_LEVERAGE
    } else {
        CALM_LEVERAGE
    };
    let lots = ((leverage * native(COLLATERAL) as f64 / m.lot_value(price)) as u64).max(1);
    let ticks = m.ticks(price).round().max(1.0) as u64;
    let ask = ix::order_place(
        &m.orders(&short.pubkey()),
        ix::order_args(OrderSide::Ask, OrderType::PostOnly, ticks, lots),
        &[],
    );
    venue.must("seed ask", &[ask], &[&short]).await?;
    let take = ix::order_place(
        &m.orders(&long.pubkey()),
        ix::order_args(OrderSide::Bid, OrderType::ImmediateOrCancel, ticks, lots),
        &[short_account],
    );
    venue.must("seed take", &[take], &[&long]).await?;
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
