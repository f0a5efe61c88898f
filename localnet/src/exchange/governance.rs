//! A governance proposal in flight, so that the app's governance page shows what traders must
//! be able to see: the deployer (governance on the local exchange) queues a one-bps taker fee
//! rise on the first market. It waits out the whole timelock (days), so it never executes
//! during a session; traders watch its countdown.

use super::venue::Venue;
use perp_sdk::ix;
use perp_sdk::perp::state::Change;
use solana_sdk::signer::Signer;

/// Queues the change and returns (market symbol, old, new) taker fee for the banner.
pub async fn queue_fee_rise(venue: &Venue) -> anyhow::Result<(String, i32, i32)> {
    let m = venue
        .markets
        .first()
        .ok_or_else(|| anyhow::anyhow!("no market listed"))?;
    let mut params = m.params;
    let old = params.taker_fee_bps;
    params.taker_fee_bps += 1;
    let change = Change::MarketParams {
        market_index: 0,
        params,
    };
    let governance = venue.deployer.pubkey();
    let queue = ix::params_queue(governance, governance, change, Some(m.market));
    venue.must("params_queue", &[queue], &[]).await?;
    Ok((m.symbol.clone(), old, params.taker_fee_bps))
}
