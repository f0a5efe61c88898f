//! One side of the book: a crit-bit index from order id to a slot in a fixed pool of resting
//! orders. Best order = smallest id (see `OrderId`).

use super::critbit::{CritbitTree, NIL, TreeError};
use crate::order::{BookError, OrderId, RestingOrder};
use bytemuck::{Pod, Zeroable};

/// A side holding at most `CAP` orders; `NODES` must be `2 * CAP` (the tree's node pool).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BookSide<const CAP: usize, const NODES: usize> {
    tree: CritbitTree<CAP, NODES>,
    /// Head of the pool's free list (freed order slots); meaningful once `bump > 0`.
    free_head: u32,
    /// Pool slots `bump..CAP` have never been used.
    bump: u32,
    orders: [RestingOrder; CAP],
}

// SAFETY: `repr(C)`: a Pod tree (size a multiple of 8), two u32 (8 bytes), then an array of a
// padding-free Pod type; no padding anywhere and every bit pattern is valid (pool indices are
// bounds-checked on use).
unsafe impl<const C: usize, const N: usize> Zeroable for BookSide<C, N> {}
unsafe impl<const C: usize, const N: usize> Pod for BookSide<C, N> {}

impl<const CAP: usize, const NODES: usize> BookSide<CAP, NODES> {
    /// Orders resting.
    #[inline]
    pub fn len(&self) -> u32 {
        self.tree.len()
    }

    /// True when no order rests.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// True when another order would not fit.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.tree.is_full()
    }

    /// The best order: its id, pool slot and tree leaf (O(1)).
    #[inline]
    pub fn best(&self) -> Option<(OrderId, u32, u32)> {
        let leaf = self.tree.min_leaf()?;
        let (k, v) = self.tree.leaf(leaf);
        Some((OrderId(k), v, leaf))
    }

    /// The worst order: its id, pool slot and tree leaf.
    #[inline]
    pub fn worst(&self) -> Option<(OrderId, u32, u32)> {
        let leaf = self.tree.max_leaf()?;
        let (k, v) = self.tree.leaf(leaf);
        Some((OrderId(k), v, leaf))
    }

    /// The order in pool slot `slot`.
    #[inline]
    pub fn order(&self, slot: u32) -> &RestingOrder {
        &self.orders[slot as usize]
    }

    /// The order in pool slot `slot`, mutably.
    #[inline]
    pub fn order_mut(&mut self, slot: u32) -> &mut RestingOrder {
        &mut self.orders[slot as usize]
    }

    /// The order with id `id`.
    pub fn get(&self, id: OrderId) -> Option<&RestingOrder> {
        self.tree.get(id.0).map(|slot| self.order(slot))
    }

    /// Adds `order` under `id`; returns its tree leaf (for `remove_at`).
    pub fn insert(&mut self, id: OrderId, order: RestingOrder) -> Result<u32, BookError> {
        if self.is_full() {
            return Err(BookError::BookSideFull);
        }
        if self.tree.is_empty() {
            // No order in use: restart the pool (this also initialises a zeroed account).
            self.free_head = NIL;
            self.bump = 0;
        }
        let slot = if self.free_head != NIL {
            let s = self.free_head;
            self.free_head = self.orders[s as usize].base_lots as u32;
            s
        } else {
            let s = self.bump;
            self.bump += 1;
            s
        };
        let leaf = self.tree.insert(id.0, slot).map_err(|e| match e {
            TreeError::Full => BookError::BookSideFull,
            TreeError::DuplicateKey => BookError::StateMismatch,
        })?;
        self.orders[slot as usize] = order;
        Ok(leaf)
    }

    /// Removes the order `id` held at tree leaf `leaf` without a walk; `None` (nothing changed)
    /// if that leaf does not hold `id` (the order has left the book and the leaf was reused).
    pub fn remove_at(&mut self, leaf: u32, id: OrderId) -> Option<RestingOrder> {
        let slot = self.tree.remove_leaf(leaf, id.0)?;
        Some(self.release(slot))
    }

    /// Removes the best order (what `best` returns), discarding it; `false` when empty. The
    /// matching loop's removal of an order it has filled: no key to re-check, no copy out.
    #[inline]
    pub fn discard_best(&mut self) -> bool {
        let Some(slot) = self.tree.remove_min() else {
            return false;
        };
        self.free(slot);
        true
    }

    fn release(&mut self, slot: u32) -> RestingOrder {
        let order = self.orders[slot as usize];
        self.free(slot);
        order
    }

    /// Puts pool slot `slot` on the free list (zeroed but for the link).
    #[inline(always)]
    fn free(&mut self, slot: u32) {
        self.orders[slot as usize] = RestingOrder {
            base_lots: u64::from(self.free_head),
            ..RestingOrder::zeroed()
        };
        self.free_head = slot;
    }

    /// Visits orders best first until `f` returns false.
    pub fn for_each(&self, mut f: impl FnMut(OrderId, &RestingOrder) -> bool) {
        self.tree
            .for_each_in_order(|k, slot| f(OrderId(k), &self.orders[slot as usize]));
    }
}
