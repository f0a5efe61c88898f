//! Participants that keep the local markets alive: a market maker quoting a ladder around the
//! oracle price, and leveraged traders taking liquidity (some of whom a jump will liquidate).

use super::venue::{MarketInfo, Venue, native};
use perp_sdk::Cluster;
use perp_sdk::accounts;
use perp_sdk::ix;
use perp_sdk::perp::{OrderSide, OrderType};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use std::sync::Arc;
use std::time::Duration;

/// Half-spreads of the maker's ladder, bps. The deep level is liquidity a crash finds: after a
/// move past the circuit breaker nobody may add risk, so only orders already resting inside the
/// new band can take a closing trader's other side.
const LADDER_BPS: [f64; 4] = [5.0, 15.0, 40.0, 300.0];
/// Notional per ladder level, whole quote units.
const LEVEL_NOTIONAL: u64 = 20_000;
/// Collateral each participant starts with, whole quote units.
pub const MAKER_COLLATERAL: u64 = 1_000_000;
pub const TRADER_COLLATERAL: u64 = 10_000;

/// Requotes `market` every `period` (`order_requote`): cancel everything, post the ladder both
/// sides.
pub async fn make(venue: Arc<Venue>, market: usize, wallet: Keypair, period: Duration) {
    let m = &venue.markets[market];
    let a = m.orders(&wallet.pubkey());
    let mut interval = tokio::time::interval(period);
    let mut id = 0u64;
    loop {
        interval.tick().await;
        let ticks = m.ticks(m.feeder.price());
        let lots = (native(LEVEL_NOTIONAL) as f64 / m.lot_value(m.feeder.price())).max(1.0) as u64;
        let mut orders = Vec::with_capacity(2 * LADDER_BPS.len());
        for bps in LADDER_BPS {
            let s = bps / 10_000.0;
            id += 1;
            let bid = (ticks * (1.0 - s)).floor().max(1.0) as u64;
            let ask = (ticks * (1.0 + s)).ceil() as u64;
            for (side, price) in [(OrderSide::Bid, bid), (OrderSide::Ask, ask)] {
                let args = perp_sdk::perp::OrderArgs {
                    client_order_id: id,
                    ..ix::order_args(side, OrderType::PostOnly, price, lots)
                };
                orders.push(args);
            }
        }
        // One instruction, all or nothing: the book never shows the ladder half replaced.
        let requote = ix::order_requote(&a, true, vec![], orders, &[]);
        match venue.send(&[requote], &[&wallet]).await {
            Ok(out) if out.err.is_some() => {
                tracing::debug!(market = %m.symbol, err = ?out.err, "requote refused")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(market = %m.symbol, error = %e, "requote failed"),
        }
    }
}

/// Leveraged traders of one market: every `period` one of them opens a position of 3–9×
/// its collateral against the maker, or closes the one it has. A trader left with too little
/// collateral (after a liquidation) is topped up.
pub async fn trade(
    venue: Arc<Venue>,
    market: usize,
    wallets: Vec<Keypair>,
    maker: Pubkey,
    seed: u64,
    period: Duration,
) {
    let m = &venue.markets[market];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut interval = tokio::time::interval(period);
    loop {
        interval.tick().await;
        if wallets.is_empty() {
            return;
        }
        let wallet = &wallets[rng.random_range(0..wallets.len())];
        if let Err(e) = act(&venue, m, wallet, maker, &mut rng).await {
            tracing::warn!(market = %m.symbol, error = %e, "trader failed");
        }
    }
}

async fn act(
    venue: &Venue,
    m: &MarketInfo,
    wallet: &Keypair,
    maker: Pubkey,
    rng: &mut impl Rng,
) -> anyhow::Result<()> {
    let a = m.orders(&wallet.pubkey());
    let Some(account) = venue.ledger.account(&a.margin_account).await? else {
        return Ok(());
    };
    let account = accounts::margin_account(&account)?;
    let position = account.trader.base_position.get();
    let price = m.feeder.price();
    let ticks = m.ticks(price);
    let makers = [perp_sdk::pda::margin_account_pda(&m.market, &maker, 0)];
    let args = if position == 0 {
        if account.collateral < native(TRADER_COLLATERAL / 2) {
            venue.top_up(wallet, m, TRADER_COLLATERAL).await?;
            return Ok(());
        }
        let leverage = rng.random_range(3.0..9.0);
        let lots = (leverage * account.collateral as f64 / m.lot_value(price)) as u64;
        let (side, limit) = if rng.random_bool(0.5) {
            (OrderSide::Bid, ticks * 1.01)
        } else {
            (OrderSide::Ask, ticks * 0.99)
        };
        ix::order_args(
            side,
            OrderType::ImmediateOrCancel,
            limit as u64,
            lots.max(1),
        )
    } else if rng.random_bool(0.3) {
        let (side, limit) = if position > 0 {
            (OrderSide::Ask, ticks * 0.99)
        } else {
            (OrderSide::Bid, ticks * 1.01)
        };
        perp_sdk::perp::OrderArgs {
            reduce_only: true,
            ..ix::order_args(
                side,
                OrderType::ImmediateOrCancel,
                limit as u64,
                position.unsigned_abs(),
            )
        }
    } else {
        return Ok(());
    };
    let out = venue
        .send(&[ix::order_place(&a, args, &makers)], &[wallet])
        .await?;
    if let Some(err) = out.err {
        tracing::debug!(market = %m.symbol, %err, "order refused");
    }
    Ok(())
}
