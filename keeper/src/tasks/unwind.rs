//! Unwind: the keeper's own inventory. Every liquidation leaves the keeper holding the position
//! it took over; held through a one-way move, its margin runs out and every later liquidation
//! fails with `KeeperUnhealthy` (measured before this task: a keeper with 1,000 of collateral in
//! a 25% grind landed 10 liquidations and failed 190). Each pass closes the position with a
//! reduce-only market order whose worst price is the agreed index moved by
//! `unwind_slippage_bps` against the keeper (the engine's `worst_price_ticks`; the program takes
//! the tighter of it and its band edge), taking what the book holds now and no more (sent only
//! when its simulation fills something); it waits
//! while the sources do not agree on an index rather than sell into a price nobody trusts. It
//! also publishes the keeper account's inventory and maintenance surplus.

use super::Keeper;
use crate::error::KeeperError;
use crate::sender::Sent;
use crate::snapshot::MarketSnapshot;
use perp_sdk::accounts;
use perp_sdk::events::in_logs;
use perp_sdk::ix::{self, OrderAccounts};
use perp_sdk::perp::events::OrderPlaced;
use perp_sdk::perp::{OrderArgs, OrderSide, OrderType};
use perp_sdk::perp_engine::book::MAX_ORDERS_TOUCHED;
use perp_sdk::perp_engine::oracle::Action;
use perp_sdk::perp_engine::order::worst_price_ticks;
use perp_sdk::perp_engine::side::Side;
use perp_sdk::risk::{AccountRisk, RiskError};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;

/// What one pass saw and did.
#[derive(Debug, Default)]
pub struct UnwindPass {
    /// The keeper's position before the pass, base lots.
    pub position: i64,
    /// Its maintenance surplus (native) at the agreed index, when there is one.
    pub surplus: Option<i128>,
    /// The closing order, when one was sent.
    pub sent: Option<Sent>,
}

pub struct Unwinder {
    market: Pubkey,
    keeper_account: Pubkey,
}

impl Unwinder {
    /// Unwinds `keeper_account`, the keeper's own margin account in `market`.
    pub fn new(market: Pubkey, keeper_account: Pubkey) -> Self {
        Unwinder {
            market,
            keeper_account,
        }
    }

    pub async fn tick(&mut self, k: &Keeper) -> Result<UnwindPass, KeeperError> {
        let cluster = k.sender.cluster.as_ref();
        let snap = MarketSnapshot::fetch(cluster, self.market).await?;
        let Some(account) = cluster.account(&self.keeper_account).await? else {
            // No account yet: nothing held.
            return Ok(UnwindPass::default());
        };
        let account = accounts::margin_account(&account)?;
        let m = &snap.market;
        let position = account.trader.base_position.get();
        let index = snap.band(Action::Funding).map(|b| b.low);
        let surplus = match index {
            Some(price) => Some(AccountRisk::at(m, &account, price)?.maintenance_surplus),
            None => None,
        };
        let market = self.market.to_string();
        k.metrics
            .keeper_inventory_lots
            .with_label_values(&[&market])
            .set(position);
        if let Some(s) = surplus {
            k.metrics
                .keeper_maintenance_surplus
                .with_label_values(&[&market])
                .set(i64::try_from(s).unwrap_or(if s < 0 { i64::MIN } else { i64::MAX }));
        }
        let mut pass = UnwindPass {
            position,
            surplus,
            sent: None,
        };
        let (Some(index), true) = (index, position != 0 && k.tuning.unwind_slippage_bps > 0) else {
            return Ok(pass);
        };
        let (side, order_side) = if position > 0 {
            (Side::Ask, OrderSide::Ask)
        } else {
            (Side::Bid, OrderSide::Bid)
        };
        let worst = worst_price_ticks(
            index,
            side,
            k.tuning.unwind_slippage_bps,
            m.tick_size(),
            m.quote_lot_size(),
        )
        .map_err(RiskError::from)?;
        let args = OrderArgs {
            reduce_only: true,
            // As many resting orders as one order may touch: a book of small orders unwinds
            // as fast as a deep one.
            fill_limit: MAX_ORDERS_TOUCHED,
            ..ix::order_args(
                order_side,
                OrderType::Market,
                worst.get(),
                position.unsigned_abs(),
            )
        };
        let accounts = OrderAccounts {
            signer: k.sender.signer.pubkey(),
            market: self.market,
            margin_account: self.keeper_account,
            book: m.book,
            event_queue: m.event_queue,
            oracles: snap.oracle_metas(),
        };
        // Sent only when it would fill something: an empty book costs no transaction.
        let fills = |sim: &perp_sdk::TxOutcome| {
            in_logs::<OrderPlaced>(&sim.logs)
                .iter()
                .any(|p| p.filled_base_lots > 0)
        };
        let sent = k
            .sender
            .simulate_and_send_if(&[ix::order_place(&accounts, args, &[])], fills)
            .await?;
        k.count_crank("unwind", &sent);
        pass.sent = Some(sent);
        Ok(pass)
    }
}
