//! Trigger orders (stop-loss, take-profit, brackets): an order a margin account stores off the
//! book, sent through the ordinary order path by anyone once the index price crosses its trigger
//! price (docs/triggers.md). This module owns every rule about them: what a valid trigger is,
//! when one is due, when one can no longer execute, what its executor earns, and which ones a
//! new position makes meaningless. The program stores `TriggerSlots` and calls these.

use crate::error::MathError;
use crate::math::{SafeMath, safe_cast};
use crate::oracle::PriceBand;
use crate::order::TickBand;
use crate::price::Price;
use crate::side::Side;
use crate::trader::{FeeRates, Trader, notional};
use crate::units::{BaseLots, QuoteLots, QuoteLotsPerBaseLotPerTick, SignedQuoteLots, Ticks};
use bytemuck::{Pod, Zeroable};

/// Trigger slots per margin account.
pub const MAX_TRIGGERS: usize = 8;

/// Which way the index must cross the trigger price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Direction {
    /// Fires when the index is at or above the trigger price (a long's take-profit, a short's
    /// stop-loss).
    AtOrAbove = 0,
    /// Fires when the index is at or below the trigger price (a long's stop-loss, a short's
    /// take-profit).
    AtOrBelow = 1,
}

/// What a fired trigger sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum TriggerKind {
    /// An immediate-or-cancel order down to its worst price (what is not filled is dropped).
    Market = 0,
    /// A limit order at its price (what is not filled rests).
    Limit = 1,
}

/// One stored trigger. `id == 0` marks a free slot. 112 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct TriggerOrder {
    /// Unique within the account, never reused (0: free slot).
    pub id: u64,
    /// The owner's id for it, copied to the order it sends.
    pub client_order_id: u64,
    /// Index price, in ticks, at which it fires.
    pub trigger_price_ticks: u64,
    /// The order's limit: a market order's worst price or a limit order's price, in ticks.
    pub limit_price_ticks: u64,
    /// Size of the order it sends.
    pub base_lots: u64,
    /// Unix time after which it can no longer fire (0: never expires).
    pub expires_at: i64,
    /// The other leg of its bracket (0: none): when either executes, the other is removed.
    pub linked_id: u64,
    /// Lots its market orders have filled so far: a market order that fills part stays for
    /// the rest (whoever executes it chooses neither how much fills nor that the rest is lost).
    pub filled_lots: u64,
    /// The delegate that placed it (zeros: the owner did). A trigger outlives no change of
    /// delegate (`delegate_gone`).
    pub placed_by: [u8; 32],
    /// `Direction` as a byte.
    pub direction: u8,
    /// `Side` as a byte.
    pub side: u8,
    /// `TriggerKind` as a byte.
    pub kind: u8,
    /// 1: the order may only reduce the position.
    pub reduce_only: u8,
    /// 1: placed by the account's delegate (`placed_by`), so its order is held to the
    /// delegate's price rule and earns its executor nothing.
    pub by_delegate: u8,
    /// Explicit padding.
    pub padding: [u8; 3],
    /// A delegate's trigger: the account's count of delegate appointments when it was placed.
    pub delegation: u32,
    /// Explicit padding.
    pub padding2: [u8; 4],
}
static_assertions::const_assert_eq!(core::mem::size_of::<TriggerOrder>(), 112);

/// A margin account's trigger slots and the next id to hand out.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct TriggerSlots {
    /// The id the next trigger gets (starts at 1).
    pub next_id: u64,
    /// The slots; free ones have `id == 0`.
    pub slots: [TriggerOrder; MAX_TRIGGERS],
}
static_assertions::const_assert_eq!(core::mem::size_of::<TriggerSlots>(), 8 + 112 * MAX_TRIGGERS);

/// A trigger as an owner asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TriggerRequest {
    pub side: Side,
    pub kind: TriggerKind,
    pub direction: Direction,
    pub trigger_price_ticks: u64,
    pub limit_price_ticks: u64,
    pub base_lots: u64,
    pub reduce_only: bool,
    pub client_order_id: u64,
    pub expires_at: i64,
}

/// Why a trigger request or a slot operation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerError {
    /// Size, trigger price or limit price is zero.
    InvalidTrigger,
    /// Its expiry is not in the future.
    AlreadyExpired,
    /// All slots are in use (two for a bracket).
    NoFreeSlot,
    /// No trigger has that id.
    NotFound,
    /// Checked arithmetic failed.
    Math(MathError),
}

impl From<MathError> for TriggerError {
    fn from(e: MathError) -> Self {
        TriggerError::Math(e)
    }
}

/// Why a trigger left its slot without executing (or, `BracketFilled`, because its partner did).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Removal {
    /// Its owner or delegate cancelled it (or closed the trigger account).
    Cancelled = 0,
    /// The other leg of its bracket executed.
    BracketFilled = 1,
    /// It fired after its expiry.
    Expired = 2,
    /// Reduce-only, and the position has nothing left it could reduce.
    NothingToReduce = 3,
    /// Its order, filled in full at its limit, would fail the order's margin rule.
    MarginRefused = 4,
    /// A liquidation left a position it cannot reduce.
    Liquidated = 5,
    /// Placed by a delegate the account no longer has.
    DelegateChanged = 6,
}

impl TriggerOrder {
    /// Whether the slot holds a trigger.
    pub fn in_use(&self) -> bool {
        self.id != 0
    }

    /// The order's side.
    pub fn side(&self) -> Side {
        if self.side == Side::Ask as u8 {
            Side::Ask
        } else {
            Side::Bid
        }
    }

    /// Its direction.
    pub fn direction(&self) -> Direction {
        if self.direction == Direction::AtOrBelow as u8 {
            Direction::AtOrBelow
        } else {
            Direction::AtOrAbove
        }
    }

    /// What it sends.
    pub fn kind(&self) -> TriggerKind {
        if self.kind == TriggerKind::Limit as u8 {
            TriggerKind::Limit
        } else {
            TriggerKind::Market
        }
    }

    /// Whether its condition holds on `band`, the lowest to the highest valid oracle source:
    /// every valid source must be across the trigger price, so one manipulated or lagging feed
    /// can never fire a trigger (it can only hold one back while it is still valid).
    pub fn is_due(&self, band: &PriceBand, trigger_price: Price) -> bool {
        match self.direction() {
            Direction::AtOrAbove => band.low >= trigger_price,
            Direction::AtOrBelow => band.high <= trigger_price,
        }
    }

    /// Whether it was placed by a delegate the account no longer has: another key, none, or
    /// the same key appointed again since (`delegations`: the account's count of appointments).
    pub fn delegate_gone(&self, delegate: [u8; 32], delegations: u32) -> bool {
        self.by_delegate == 1 && (self.placed_by != delegate || self.delegation != delegations)
    }

    /// Whether it can no longer fire at `now`.
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at != 0 && now > self.expires_at
    }

    /// The worst price its order can trade at inside `band` (the order band, which the book
    /// never fills outside): its limit, or the band's edge when the limit lies beyond it.
    pub fn worst_price(&self, band: &TickBand) -> Ticks {
        let limit = Ticks::new(self.limit_price_ticks);
        match self.side() {
            Side::Bid => limit.min(band.high),
            Side::Ask => limit.max(band.low),
        }
    }

    /// `trader` as it would be had this trigger's order filled in full (what remains of it;
    /// reduce-only: as much as the position allows) at `worst` (`worst_price`), paying the taker
    /// fee: the worst its order can do, since every fill is at `worst` or better and what rests
    /// is margined as if filled at its limit. The program judges this by the order's own margin
    /// rule before it touches the book, and removes the trigger (`MarginRefused`) when it fails.
    pub fn filled_at(
        &self,
        trader: &Trader,
        worst: Ticks,
        fees: &FeeRates,
        tick_size: QuoteLotsPerBaseLotPerTick,
    ) -> Result<Trader, MathError> {
        let mut after = *trader;
        let mut lots = BaseLots::new(self.remaining_lots());
        if self.reduce_only == 1 {
            lots = lots.min(trader.reducible(self.side()));
        }
        let fee = fees.taker_fee(QuoteLots::new(notional(worst, lots, tick_size)?))?;
        after.apply_trade(self.side(), worst, lots, fee, tick_size)?;
        Ok(after)
    }

    /// Whether, reduce-only, it has nothing to reduce: the position is flat or on its own side.
    /// The account's resting orders do not count: a take-profit resting for the whole position
    /// must not cost it its stop (the book refuses the order meanwhile; the trigger stays).
    pub fn nothing_to_reduce(&self, trader: &Trader) -> bool {
        let position = trader.base_position.get();
        self.reduce_only == 1
            && match self.side() {
                Side::Ask => position <= 0,
                Side::Bid => position >= 0,
            }
    }

    /// Lots still to execute.
    pub fn remaining_lots(&self) -> u64 {
        self.base_lots.saturating_sub(self.filled_lots)
    }

    /// The share of the executor's `fee` that executing `lots` of it earns: the fee pro rata
    /// to its whole size, rounded down, so its executions together never earn more than `fee`
    /// however the fills are split.
    pub fn fee_share(&self, fee: QuoteLots, lots: u64) -> Result<QuoteLots, MathError> {
        let share = u128::from(fee.get())
            .safe_mul(u128::from(lots.min(self.base_lots)))?
            .safe_div(u128::from(self.base_lots.max(1)))?;
        Ok(QuoteLots::new(safe_cast(share)?))
    }
}

impl TriggerSlots {
    /// The slots in use.
    pub fn iter(&self) -> impl Iterator<Item = &TriggerOrder> {
        self.slots.iter().filter(|t| t.in_use())
    }

    /// How many slots are in use.
    pub fn count(&self) -> usize {
        self.iter().count()
    }

    /// The trigger with `id`.
    pub fn get(&self, id: u64) -> Result<&TriggerOrder, TriggerError> {
        self.iter()
            .find(|t| id != 0 && t.id == id)
            .ok_or(TriggerError::NotFound)
    }

    /// Stores `req` (and, for a bracket, `leg`, linked to it both ways), placed by the owner or
    /// (`delegate`: its key and the account's count of appointments) the delegate; returns their
    /// ids. Nothing changes on refusal.
    pub fn place(
        &mut self,
        req: &TriggerRequest,
        leg: Option<&TriggerRequest>,
        delegate: Option<([u8; 32], u32)>,
        now: i64,
    ) -> Result<(u64, Option<u64>), TriggerError> {
        for r in core::iter::once(req).chain(leg) {
            if r.base_lots == 0 || r.trigger_price_ticks == 0 || r.limit_price_ticks == 0 {
                return Err(TriggerError::InvalidTrigger);
            }
            if r.expires_at != 0 && r.expires_at <= now {
                return Err(TriggerError::AlreadyExpired);
            }
        }
        let needed = 1 + usize::from(leg.is_some());
        if MAX_TRIGGERS - self.count() < needed {
            return Err(TriggerError::NoFreeSlot);
        }
        let first = self.next_id.max(1);
        let second = first.safe_add(1)?;
        self.next_id = second.safe_add(1)?;
        let linked = |other: u64| if leg.is_some() { other } else { 0 };
        self.store(stored(req, first, linked(second), delegate));
        if let Some(leg) = leg {
            self.store(stored(leg, second, first, delegate));
            return Ok((first, Some(second)));
        }
        Ok((first, None))
    }

    fn store(&mut self, trigger: TriggerOrder) {
        if let Some(slot) = self.slots.iter_mut().find(|t| !t.in_use()) {
            *slot = trigger;
        }
    }

    /// Removes the trigger with `id` and returns it.
    pub fn remove(&mut self, id: u64) -> Result<TriggerOrder, TriggerError> {
        let slot = self
            .slots
            .iter_mut()
            .find(|t| id != 0 && t.id == id)
            .ok_or(TriggerError::NotFound)?;
        Ok(core::mem::replace(slot, TriggerOrder::zeroed()))
    }

    /// Records that trigger `id` executed `lots` more. Its first execution removes the other leg
    /// of its bracket (one fired: the other is cancelled), which it returns; it leaves its slot
    /// once all of it has executed (`done`: a limit order's rest rests on the book, so it is
    /// done at once). Returns (done, the other leg removed).
    pub fn fired(
        &mut self,
        id: u64,
        lots: u64,
        done: bool,
    ) -> Result<(bool, Option<TriggerOrder>), TriggerError> {
        let slot = self
            .slots
            .iter_mut()
            .find(|t| id != 0 && t.id == id)
            .ok_or(TriggerError::NotFound)?;
        let first = slot.filled_lots == 0;
        slot.filled_lots = slot.filled_lots.safe_add(lots)?.min(slot.base_lots);
        let done = done || slot.remaining_lots() == 0;
        let linked = slot.linked_id;
        if done {
            *slot = TriggerOrder::zeroed();
        }
        let other = if first {
            self.remove(linked).ok()
        } else {
            None
        };
        Ok((done, other))
    }

    /// Removes every reduce-only trigger that `trader`'s position leaves nothing to reduce
    /// (after a liquidation), calling `removed` for each.
    pub fn remove_meaningless(&mut self, trader: &Trader, mut removed: impl FnMut(&TriggerOrder)) {
        for slot in self.slots.iter_mut() {
            if slot.in_use() && slot.nothing_to_reduce(trader) {
                removed(slot);
                *slot = TriggerOrder::zeroed();
            }
        }
    }

    /// Removes every trigger, calling `removed` for each.
    pub fn clear(&mut self, mut removed: impl FnMut(&TriggerOrder)) {
        for slot in self.slots.iter_mut() {
            if slot.in_use() {
                removed(slot);
                *slot = TriggerOrder::zeroed();
            }
        }
    }
}

fn stored(
    r: &TriggerRequest,
    id: u64,
    linked_id: u64,
    delegate: Option<([u8; 32], u32)>,
) -> TriggerOrder {
    TriggerOrder {
        id,
        client_order_id: r.client_order_id,
        trigger_price_ticks: r.trigger_price_ticks,
        limit_price_ticks: r.limit_price_ticks,
        base_lots: r.base_lots,
        expires_at: r.expires_at,
        linked_id,
        filled_lots: 0,
        placed_by: delegate.map_or([0; 32], |d| d.0),
        direction: r.direction as u8,
        side: r.side as u8,
        kind: r.kind as u8,
        reduce_only: u8::from(r.reduce_only),
        by_delegate: u8::from(delegate.is_some()),
        padding: [0; 3],
        delegation: delegate.map_or(0, |d| d.1),
        padding2: [0; 4],
    }
}

/// Moves the executor's fee, `fee` quote lots, from the account whose trigger executed into the
/// executor's account, as realised PnL (settled into collateral like any other): exact, so the
/// two accounts' total is unchanged.
pub fn pay_executor(
    account: &mut Trader,
    executor: &mut Trader,
    fee: QuoteLots,
) -> Result<(), MathError> {
    let fee = SignedQuoteLots::new(safe_cast(fee.get())?);
    let debited = account.realised_pnl.checked_sub(fee)?;
    let credited = executor.realised_pnl.checked_add(fee)?;
    account.realised_pnl = debited;
    executor.realised_pnl = credited;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(side: Side, direction: Direction, trigger: u64) -> TriggerRequest {
        TriggerRequest {
            side,
            kind: TriggerKind::Market,
            direction,
            trigger_price_ticks: trigger,
            limit_price_ticks: 1,
            base_lots: 5,
            reduce_only: true,
            client_order_id: 9,
            expires_at: 0,
        }
    }

    /// A long of `lots` bought at `ticks` (tick size 1).
    fn long_at(ticks: u64, lots: u64) -> Trader {
        let mut t = Trader::zeroed();
        let tick = QuoteLotsPerBaseLotPerTick::new(1);
        t.apply_trade(
            Side::Bid,
            Ticks::new(ticks),
            BaseLots::new(lots),
            SignedQuoteLots::ZERO,
            tick,
        )
        .unwrap();
        t
    }

    fn band(low: u64, high: u64) -> PriceBand {
        PriceBand {
            low: Price::from_raw(low),
            high: Price::from_raw(high),
        }
    }

    #[test]
    fn a_trigger_is_due_only_when_every_valid_source_has_crossed() {
        let mut slots = TriggerSlots::zeroed();
        let (stop, _) = slots
            .place(&req(Side::Ask, Direction::AtOrBelow, 1), None, None, 0)
            .unwrap();
        let stop = *slots.get(stop).unwrap();
        let at = Price::from_raw(100);
        assert!(stop.is_due(&band(90, 100), at));
        // One source still above the stop holds it back.
        assert!(!stop.is_due(&band(90, 101), at));
        let (tp, _) = slots
            .place(&req(Side::Ask, Direction::AtOrAbove, 1), None, None, 0)
            .unwrap();
        let tp = *slots.get(tp).unwrap();
        assert!(tp.is_due(&band(100, 120), at));
        assert!(!tp.is_due(&band(99, 120), at));
    }

    #[test]
    fn a_bracket_links_both_legs_and_an_execution_removes_the_other() {
        let mut slots = TriggerSlots::zeroed();
        let (tp, sl) = slots
            .place(
                &req(Side::Ask, Direction::AtOrAbove, 120),
                Some(&req(Side::Ask, Direction::AtOrBelow, 80)),
                None,
                0,
            )
            .unwrap();
        let sl = sl.unwrap();
        assert_eq!(slots.get(tp).unwrap().linked_id, sl);
        assert_eq!(slots.get(sl).unwrap().linked_id, tp);
        let (done, other) = slots.fired(sl, 5, false).unwrap();
        assert!(done, "all of it");
        assert_eq!(other.unwrap().id, tp);
        assert_eq!(slots.count(), 0);
        // Ids are never reused.
        let (next, _) = slots
            .place(&req(Side::Bid, Direction::AtOrAbove, 1), None, None, 0)
            .unwrap();
        assert!(next > sl);
    }

    #[test]
    fn refusals_change_nothing() {
        let mut slots = TriggerSlots::zeroed();
        for _ in 0..MAX_TRIGGERS - 1 {
            slots
                .place(&req(Side::Ask, Direction::AtOrBelow, 1), None, None, 0)
                .unwrap();
        }
        let before = slots;
        let r = req(Side::Ask, Direction::AtOrBelow, 1);
        assert_eq!(
            slots.place(&r, Some(&r), None, 0),
            Err(TriggerError::NoFreeSlot)
        );
        let zero = TriggerRequest { base_lots: 0, ..r };
        assert_eq!(
            slots.place(&zero, None, None, 0),
            Err(TriggerError::InvalidTrigger)
        );
        let late = TriggerRequest { expires_at: 5, ..r };
        assert_eq!(
            slots.place(&late, None, None, 5),
            Err(TriggerError::AlreadyExpired)
        );
        assert_eq!(slots.remove(0), Err(TriggerError::NotFound));
        assert_eq!(slots, before);
        slots.place(&r, None, None, 0).unwrap();
        assert_eq!(
            slots.place(&r, None, None, 0),
            Err(TriggerError::NoFreeSlot)
        );
    }

    #[test]
    fn a_flat_account_leaves_reduce_only_triggers_meaningless() {
        let mut slots = TriggerSlots::zeroed();
        slots
            .place(&req(Side::Ask, Direction::AtOrBelow, 1), None, None, 0)
            .unwrap();
        let open = TriggerRequest {
            reduce_only: false,
            ..req(Side::Bid, Direction::AtOrAbove, 1)
        };
        slots.place(&open, None, None, 0).unwrap();
        let long = long_at(10, 3);
        let mut removed = 0;
        slots.remove_meaningless(&long, |_| removed += 1);
        assert_eq!(
            removed, 0,
            "a long still has something for a sell to reduce"
        );
        slots.remove_meaningless(&Trader::zeroed(), |t| {
            assert_eq!(t.reduce_only, 1);
            removed += 1
        });
        assert_eq!((removed, slots.count()), (1, 1));
    }

    #[test]
    fn filled_at_is_the_whole_order_at_its_worst_price_with_the_taker_fee() {
        let tick = QuoteLotsPerBaseLotPerTick::new(1);
        let long = long_at(100, 3);
        let stop = TriggerOrder {
            limit_price_ticks: 90,
            ..stored(&req(Side::Ask, Direction::AtOrBelow, 95), 1, 0, None)
        };
        let fees = FeeRates {
            maker_bps: 0,
            taker_bps: 100,
        };
        let band = TickBand {
            low: Ticks::new(80),
            high: Ticks::new(120),
        };
        assert_eq!(stop.worst_price(&band), Ticks::new(90));
        let narrow = TickBand {
            low: Ticks::new(92),
            ..band
        };
        assert_eq!(stop.worst_price(&narrow), Ticks::new(92), "the band's edge");
        let after = stop
            .filled_at(&long, stop.worst_price(&band), &fees, tick)
            .unwrap();
        // Reduce-only: 5 lots asked, the 3 held are sold at 90 (a loss of 30), a 1% taker fee
        // on 270 rounds up to 3.
        assert_eq!(after.base_position.get(), 0);
        assert_eq!(after.realised_pnl.get(), -30 - 3);
    }

    #[test]
    fn a_market_trigger_filled_in_parts_stays_and_earns_its_fee_once_in_all() {
        let mut slots = TriggerSlots::zeroed();
        let big = TriggerRequest {
            base_lots: 1_000,
            ..req(Side::Ask, Direction::AtOrBelow, 95)
        };
        let (id, leg) = slots
            .place(
                &big,
                Some(&req(Side::Ask, Direction::AtOrAbove, 120)),
                None,
                0,
            )
            .unwrap();
        let fee = QuoteLots::new(50_000);
        let mut earned = 0;
        // 32 lots, then one at a time: the first execution removes the other leg.
        let t = *slots.get(id).unwrap();
        earned += t.fee_share(fee, 32).unwrap().get();
        let (done, other) = slots.fired(id, 32, false).unwrap();
        assert!(!done);
        assert_eq!(other.unwrap().id, leg.unwrap());
        assert_eq!(slots.get(id).unwrap().remaining_lots(), 968);
        while let Ok(t) = slots.get(id) {
            let t = *t;
            earned += t.fee_share(fee, 1).unwrap().get();
            let (_, other) = slots.fired(id, 1, false).unwrap();
            assert!(other.is_none());
        }
        // 1,600 for the first 32 lots, 50 for each after: the fee, once, however it was split.
        assert_eq!(earned, fee.get());
    }

    #[test]
    fn nothing_to_reduce_is_the_position_not_the_resting_orders() {
        let mut long = long_at(10, 3);
        long.asks_base_lots = BaseLots::new(3);
        let stop = stored(&req(Side::Ask, Direction::AtOrBelow, 9), 1, 0, None);
        assert!(
            long.reducible(Side::Ask).is_zero(),
            "a take-profit rests for all of it"
        );
        assert!(!stop.nothing_to_reduce(&long), "the stop stays");
        let cover = stored(&req(Side::Bid, Direction::AtOrAbove, 11), 2, 0, None);
        assert!(
            cover.nothing_to_reduce(&long),
            "a long has no short to cover"
        );
        assert!(stop.nothing_to_reduce(&Trader::zeroed()));
    }

    #[test]
    fn a_delegates_trigger_outlives_no_change_of_appointment() {
        let mut slots = TriggerSlots::zeroed();
        let d = [7; 32];
        let (id, _) = slots
            .place(
                &req(Side::Ask, Direction::AtOrBelow, 9),
                None,
                Some((d, 3)),
                0,
            )
            .unwrap();
        let t = *slots.get(id).unwrap();
        assert!(!t.delegate_gone(d, 3));
        assert!(t.delegate_gone([8; 32], 4), "another key");
        assert!(t.delegate_gone([0; 32], 4), "none");
        assert!(t.delegate_gone(d, 5), "the same key, appointed again");
        let (owners, _) = slots
            .place(&req(Side::Ask, Direction::AtOrBelow, 9), None, None, 0)
            .unwrap();
        assert!(
            !slots.get(owners).unwrap().delegate_gone([0; 32], 9),
            "the owner's"
        );
    }

    #[test]
    fn the_executor_fee_moves_between_the_two_accounts_exactly() {
        let (mut a, mut b) = (Trader::zeroed(), Trader::zeroed());
        pay_executor(&mut a, &mut b, QuoteLots::new(7)).unwrap();
        assert_eq!(a.realised_pnl.get(), -7);
        assert_eq!(b.realised_pnl.get(), 7);
        assert!(pay_executor(&mut a, &mut b, QuoteLots::new(u64::MAX)).is_err());
        assert_eq!((a.realised_pnl.get(), b.realised_pnl.get()), (-7, 7));
    }
}
