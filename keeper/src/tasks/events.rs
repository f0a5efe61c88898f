//! Event consumer: settles queued fills into maker accounts (`events_consume`), oldest first.

use super::Keeper;
use crate::error::KeeperError;
use crate::sender::Sent;
use perp_sdk::accounts;
use perp_sdk::ix;
use perp_sdk::perp::state::{EventQueueAccount, Market};
use perp_sdk::perp::util::makers::MAX_MAKER_ACCOUNTS;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;

/// Transactions per pass at most, so one busy market cannot starve the keeper's other work.
const MAX_TXS_PER_PASS: usize = 8;

/// An `events_consume` of the first `limit` waiting events with their makers (distinct, in
/// queue order, at most `MAX_MAKER_ACCOUNTS`; events already settled in place are skipped), or
/// `None` when none waits.
pub fn consume_ix(
    market_key: Pubkey,
    market: &Market,
    queue: &EventQueueAccount,
    limit: u16,
) -> Option<Instruction> {
    let mut makers: Vec<Pubkey> = Vec::new();
    let waiting = (0..queue.queue.len())
        .filter_map(|i| queue.queue.get(i))
        .filter(|e| !e.is_settled())
        .take(usize::from(limit));
    for event in waiting {
        let maker = Pubkey::new_from_array(event.maker);
        if !makers.contains(&maker) {
            // The program takes at most this many; events of later makers wait for the next.
            if makers.len() == MAX_MAKER_ACCOUNTS {
                break;
            }
            makers.push(maker);
        }
    }
    (!makers.is_empty()).then(|| ix::events_consume(market_key, market.event_queue, limit, &makers))
}

/// The market's event queue.
pub async fn fetch_queue(
    k: &Keeper,
    market: &Market,
) -> Result<Box<EventQueueAccount>, KeeperError> {
    let key = market.event_queue;
    let account = k
        .sender
        .cluster
        .account(&key)
        .await?
        .ok_or(KeeperError::Missing(key))?;
    Ok(accounts::program_zero_copy(&account)?)
}

pub struct EventConsumer {
    market: Pubkey,
}

impl EventConsumer {
    pub fn new(market: Pubkey) -> Self {
        EventConsumer { market }
    }

    /// Consumes until the queue is empty (or the pass's budget is spent); returns the
    /// transactions' outcomes.
    pub async fn tick(&mut self, k: &Keeper) -> Result<Vec<Sent>, KeeperError> {
        let cluster = k.sender.cluster.as_ref();
        let account = cluster
            .account(&self.market)
            .await?
            .ok_or(KeeperError::Missing(self.market))?;
        let market = accounts::market(&account)?;
        let mut out = Vec::new();
        while out.len() < MAX_TXS_PER_PASS {
            let queue = fetch_queue(k, &market).await?;
            let Some(ix) = consume_ix(self.market, &market, &queue, k.tuning.events_per_tx) else {
                break;
            };
            let sent = k.sender.simulate_and_send(&[ix]).await?;
            k.count_crank("events", &sent);
            let landed = matches!(sent, Sent::Landed(_));
            out.push(sent);
            if !landed {
                break;
            }
        }
        Ok(out)
    }
}
