//! The event queue: a ring buffer of fills and outs for makers whose margin accounts were not at
//! hand when their orders traded or left the book. Keepers drain it permissionlessly; until then
//! the maker's open-order slot keeps reserving margin for the pending quantity.

use crate::math::SafeMath;
use crate::order::{BookError, OrderId, TraderKey};
use crate::side::Side;
use crate::units::{BaseLots, Ticks};
use bytemuck::{Pod, Zeroable};

/// `Event::kind` of a fill.
pub const EVENT_FILL: u8 = 1;
/// `Event::kind` of an out (an order left the book without trading: expired or evicted).
pub const EVENT_OUT: u8 = 2;
/// `Event::kind` of an event already settled in place, behind an older one still waiting: its
/// slot is freed when everything older has settled too.
pub const EVENT_SETTLED: u8 = 3;

/// A fill or an out, addressed to the maker. 136 bytes, 8-aligned fields only.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct Event {
    /// `EVENT_FILL`, `EVENT_OUT`, or `EVENT_SETTLED` once settled in place.
    pub kind: u8,
    /// Side of the maker's order.
    pub maker_side: u8,
    /// Explicit padding.
    pub padding: [u8; 6],
    /// Unix time of the event.
    pub timestamp: i64,
    /// Position in the queue's history (monotonic per market).
    pub seq: u64,
    /// Owner of the resting order.
    pub maker: TraderKey,
    /// The taking trader (fills only).
    pub taker: TraderKey,
    /// The resting order's id.
    pub order_id: [u64; 2],
    /// The resting order's client id.
    pub client_order_id: u64,
    /// Fill price in ticks (outs: the order's price).
    pub price: u64,
    /// Fill size, or for an out the size that left the book.
    pub base_lots: u64,
    /// Maker fee in quote lots, negative for a rebate (fills only).
    pub maker_fee: i64,
}
static_assertions::const_assert_eq!(core::mem::size_of::<Event>(), 136);

impl Event {
    /// The maker's order id.
    #[inline]
    pub fn order_id(&self) -> OrderId {
        OrderId::from_parts(self.order_id)
    }
    /// The maker order's side.
    #[inline]
    pub fn maker_side(&self) -> Side {
        Side::from_byte(self.maker_side)
    }
    /// Fill or out size.
    #[inline]
    pub fn base_lots(&self) -> BaseLots {
        BaseLots::new(self.base_lots)
    }
    /// Price in ticks.
    #[inline]
    pub fn price(&self) -> Ticks {
        Ticks::new(self.price)
    }
    /// True once settled in place: nothing left to deliver.
    #[inline]
    pub fn is_settled(&self) -> bool {
        self.kind == EVENT_SETTLED
    }
}

/// A ring buffer of at most `N` events, oldest first. A zeroed account is an empty queue.
///
/// Events settle in any order across makers (a keeper passes whichever makers it has; a
/// liquidation settles its own account's events wherever they sit), so a settled event may sit
/// behind an older waiting one: it is marked `EVENT_SETTLED` and its slot counts as used until
/// the front reaches it. The front is never a settled event.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct EventQueue<const N: usize> {
    head: u32,
    len: u32,
    next_seq: u64,
    /// Lots of the fills waiting here, by the maker's side (`Side as usize`): what the makers'
    /// positions may still move by once settled. Open interest does not count a queued maker's
    /// side until it settles; this is what bounds it meanwhile (`OpenInterest::with_queued`).
    queued_fill_lots: [u64; 2],
    events: [Event; N],
}

// SAFETY: `repr(C)`, two u32 and three u64 (32 bytes, no padding) then an array of a
// padding-free Pod type; every bit pattern is valid (`head` is reduced modulo `N` on use).
unsafe impl<const N: usize> Zeroable for EventQueue<N> {}
unsafe impl<const N: usize> Pod for EventQueue<N> {}

impl<const N: usize> EventQueue<N> {
    const VALID: () = assert!(N > 0 && N < u32::MAX as usize);

    /// Slots in use: events waiting, and settled ones behind an older waiting event.
    #[inline]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Events still waiting to be settled.
    pub fn pending(&self) -> usize {
        (0..self.len())
            .filter(|&i| self.get(i).is_some_and(|e| !e.is_settled()))
            .count()
    }

    /// True when no event waits.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots left.
    #[inline]
    pub fn free(&self) -> usize {
        N - (self.len as usize).min(N)
    }

    /// True when at least `1 + reserve` slots are free: an action that must keep `reserve`
    /// slots for risk-reducing orders may push one more event.
    #[inline]
    pub fn has_room(&self, reserve: usize) -> bool {
        self.free() > reserve
    }

    /// Appends `event` (its `seq` is assigned here) or refuses when full.
    pub fn push(&mut self, mut event: Event) -> Result<(), BookError> {
        let () = Self::VALID;
        if self.free() == 0 {
            return Err(BookError::EventQueueFull);
        }
        if event.kind == EVENT_FILL {
            let side = Side::from_byte(event.maker_side) as usize;
            self.queued_fill_lots[side] = self.queued_fill_lots[side].safe_add(event.base_lots)?;
        }
        event.seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        let at = (self.head as usize % N + self.len as usize) % N;
        self.events[at] = event;
        self.len += 1;
        Ok(())
    }

    /// Lots of the fills waiting for makers on `maker_side` (a bid maker buys, an ask maker
    /// sells).
    #[inline]
    pub fn queued_fill_lots(&self, maker_side: Side) -> u64 {
        self.queued_fill_lots[maker_side as usize]
    }

    /// Takes a waiting fill's lots out of the queued totals as it leaves the queue.
    fn unqueue(&mut self, event: &Event) {
        if event.kind == EVENT_FILL {
            let side = Side::from_byte(event.maker_side) as usize;
            // Never below zero: every waiting fill was counted when pushed.
            self.queued_fill_lots[side] =
                self.queued_fill_lots[side].saturating_sub(event.base_lots);
        }
    }

    /// The `i`-th oldest waiting event.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&Event> {
        (i < self.len()).then(|| &self.events[(self.head as usize % N + i) % N])
    }

    /// The oldest waiting event.
    #[inline]
    pub fn front(&self) -> Option<&Event> {
        self.get(0)
    }

    /// Drops the oldest event, and any settled ones it uncovers.
    pub fn pop_front(&mut self) -> Option<Event> {
        let e = *self.front()?;
        self.unqueue(&e);
        self.drop_front();
        self.drop_settled_front();
        Some(e)
    }

    /// Marks the `i`-th oldest event settled and frees every slot at the front that no longer
    /// holds a waiting event. Out of range: nothing happens.
    pub fn settle(&mut self, i: usize) {
        if i < self.len() {
            let at = (self.head as usize % N + i) % N;
            let event = self.events[at];
            if !event.is_settled() {
                self.unqueue(&event);
            }
            self.events[at].kind = EVENT_SETTLED;
            self.drop_settled_front();
        }
    }

    fn drop_front(&mut self) {
        self.head = ((self.head as usize % N + 1) % N) as u32;
        self.len -= 1;
    }

    fn drop_settled_front(&mut self) {
        while self.front().is_some_and(Event::is_settled) {
            self.drop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(lots: u64) -> Event {
        Event {
            kind: EVENT_FILL,
            base_lots: lots,
            ..Event::zeroed()
        }
    }

    #[test]
    fn ring_wraps_keeps_order_and_numbers_events() {
        let mut q = EventQueue::<3>::zeroed();
        assert!(q.is_empty());
        for i in 0..3 {
            q.push(ev(i)).unwrap();
        }
        assert_eq!(q.push(ev(9)), Err(BookError::EventQueueFull));
        assert!(!q.has_room(0));
        assert_eq!(q.pop_front().unwrap().base_lots, 0);
        q.push(ev(3)).unwrap(); // wraps into slot 0
        let got: [u64; 3] = core::array::from_fn(|i| q.get(i).unwrap().base_lots);
        assert_eq!(got, [1, 2, 3]);
        let seqs: [u64; 3] = core::array::from_fn(|i| q.get(i).unwrap().seq);
        assert_eq!(seqs, [1, 2, 3]);
        assert!(q.get(3).is_none());
        while q.pop_front().is_some() {}
        assert!(q.is_empty() && q.has_room(2) && !q.has_room(3));
    }

    #[test]
    fn settling_behind_the_front_frees_slots_only_when_the_front_settles() {
        let mut q = EventQueue::<4>::zeroed();
        for i in 0..4 {
            q.push(ev(i)).unwrap();
        }
        q.settle(2);
        q.settle(1);
        // The front still waits: no slot is free yet, but only two events are pending.
        assert_eq!((q.len(), q.pending(), q.free()), (4, 2, 0));
        assert!(q.get(1).unwrap().is_settled() && !q.front().unwrap().is_settled());
        q.settle(0);
        // Settling the front frees it and the settled run behind it.
        assert_eq!((q.len(), q.pending()), (1, 1));
        assert_eq!(q.front().unwrap().base_lots, 3);
        q.settle(5); // out of range: ignored
        assert_eq!(q.pop_front().unwrap().base_lots, 3);
        assert!(q.is_empty());
    }

    #[test]
    fn queued_fill_lots_count_waiting_fills_by_maker_side() {
        let mut q = EventQueue::<4>::zeroed();
        let fill = |side: Side, lots: u64| Event {
            maker_side: side as u8,
            ..ev(lots)
        };
        q.push(fill(Side::Bid, 5)).unwrap();
        q.push(fill(Side::Ask, 7)).unwrap();
        q.push(Event {
            kind: EVENT_OUT,
            ..fill(Side::Ask, 100)
        })
        .unwrap();
        q.push(fill(Side::Bid, 3)).unwrap();
        // Outs move no position: only fills count.
        assert_eq!(
            (q.queued_fill_lots(Side::Bid), q.queued_fill_lots(Side::Ask)),
            (8, 7)
        );
        q.settle(3);
        q.settle(3); // already settled: counted out once
        assert_eq!(q.queued_fill_lots(Side::Bid), 5);
        q.settle(1);
        assert_eq!(q.queued_fill_lots(Side::Ask), 0);
        assert_eq!(q.pop_front().unwrap().base_lots, 5);
        assert_eq!(
            (q.queued_fill_lots(Side::Bid), q.queued_fill_lots(Side::Ask)),
            (0, 0)
        );
    }
}
