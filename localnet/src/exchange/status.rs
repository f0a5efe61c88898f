//! The one-line status the local exchange prints: slot, and per market the price, the open
//! interest and the liquidations seen so far.

use super::venue::Venue;
use crate::ledger::Change;
use perp_sdk::Cluster;
use perp_sdk::accounts;
use perp_sdk::events::in_logs;
use perp_sdk::perp::events::Liquidated;
use solana_sdk::pubkey::Pubkey;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::broadcast::error::RecvError;

/// Liquidations per market, counted from every processed transaction's events.
pub struct Liquidations {
    markets: Vec<Pubkey>,
    counts: Vec<AtomicU64>,
}

impl Liquidations {
    pub fn new(venue: &Venue) -> Arc<Self> {
        Arc::new(Liquidations {
            markets: venue.markets.iter().map(|m| m.market).collect(),
            counts: venue.markets.iter().map(|_| AtomicU64::new(0)).collect(),
        })
    }

    pub fn count(&self, market: usize) -> u64 {
        self.counts
            .get(market)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Counts until the ledger closes.
    pub async fn run(self: Arc<Self>, venue: Arc<Venue>) {
        let mut changes = venue.ledger.subscribe();
        loop {
            match changes.recv().await {
                Ok((
                    _,
                    Change::Signature {
                        signature,
                        err: None,
                        ..
                    },
                )) => {
                    let Some(record) = venue.ledger.transaction(&signature) else {
                        continue;
                    };
                    for event in in_logs::<Liquidated>(&record.logs) {
                        if let Some(i) = self.markets.iter().position(|m| *m == event.market) {
                            self.counts[i].fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    }
}

/// `slot 1234 | SOL-PERP 151.23 OI 12.30 liq 0 | BTC-PERP …`
pub async fn line(venue: &Venue, liquidations: &Liquidations) -> String {
    let mut out = format!("slot {}", venue.ledger.slot());
    for (i, m) in venue.markets.iter().enumerate() {
        let oi = match venue.ledger.account(&m.market).await {
            Ok(Some(a)) => accounts::market(&a).ok().map(|market| {
                let lots = market.open_interest.long_lots;
                lots as f64 * m.params.base_lot_size as f64
                    / 10f64.powi(m.params.base_decimals as i32)
            }),
            _ => None,
        };
        out.push_str(&format!(
            " | {} {:.2} OI {} liq {}",
            m.symbol,
            m.feeder.price(),
            oi.map_or("?".into(), |v| format!("{v:.4}")),
            liquidations.count(i),
        ));
    }
    out
}
