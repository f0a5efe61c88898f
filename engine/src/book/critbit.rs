//! A crit-bit tree over a fixed pool of nodes: the ordered index of one side of the order book.
//!
//! Keys are `u128` (price and sequence number packed so that the best order has the smallest key);
//! each leaf carries a `u32` value (the order's slot). Every operation walks at most one path
//! from the root, and a path is at most 128 inner nodes deep (one per key bit), so every loop is
//! bounded whatever keys an attacker chooses. Nodes live in an array inside the zero-copy account;
//! freed nodes go on a free list, and never-used nodes are handed out by a bump index, so a zeroed
//! account is an empty tree without any initialisation pass.
//!
//! Three things keep the hot paths short (they are the book's cost, measured by the `book` bench):
//! - nodes link to their parent, so a leaf whose handle is known (the best order, or an order
//!   its owner's slot points at) is removed in O(1) without a walk from the root;
//! - `insert` descends once (one bit test per level) and then climbs from the closest leaf to
//!   the branch point, instead of walking down a second time;
//! - the smallest leaf (the best order) is cached, so `min` is O(1), and removing the minimum
//!   finds the next one under the removed leaf's sibling, usually a step or two away.

use bytemuck::{Pod, Zeroable};

/// "No node" in child, root and free-list links.
pub const NIL: u32 = u32::MAX;
/// Node tags.
const FREE: u8 = 0;
const INNER: u8 = 1;
const LEAF: u8 = 2;
/// Bits in a key, and so the deepest any path can be.
pub const KEY_BITS: u32 = 128;

/// One node: an inner node (`crit_bit`, two children) or a leaf (`key`, `value`). 32 bytes, and
/// only 8-byte aligned fields, so the layout is the same on x86-64 and SBF.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct Node {
    /// Leaf: the key's high and low 64-bit halves. Inner: `[mask, half]`, the crit bit as a
    /// one-bit mask of the key half that holds it and which half that is (0 = high, 1 = low),
    /// precomputed so that a descent step is one load and one test (`branch`).
    words: [u64; 2],
    /// Inner: children for bit 0 and bit 1. Leaf: `[value, _]`. Free: `[next free, _]`.
    links: [u32; 2],
    /// The inner node above (`NIL` at the root), so a leaf whose index is known is removed
    /// without a walk.
    parent: u32,
    /// Inner: the bit (0 = most significant) where the two subtrees first differ.
    crit_bit: u8,
    /// `FREE`, `INNER` or `LEAF`.
    tag: u8,
    /// Explicit padding.
    padding: [u8; 2],
}
static_assertions::const_assert_eq!(core::mem::size_of::<Node>(), 32);

impl Node {
    /// A leaf's key.
    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.words[0]) << 64) | u128::from(self.words[1])
    }

    /// An inner node for crit bit `bit` (0 = most significant) over `links` (its parent is set
    /// when it is linked in).
    fn inner(bit: u8, links: [u32; 2]) -> Node {
        Node {
            words: [1 << (!bit & 63), u64::from(bit >> 6)],
            links,
            parent: NIL,
            crit_bit: bit,
            tag: INNER,
            padding: [0; 2],
        }
    }

    /// An inner node's child on the side of `key` (given as its halves, `halves(key)`).
    #[inline(always)]
    fn branch(&self, key: &[u64; 2]) -> u32 {
        let [mask, half] = self.words;
        self.links[usize::from(key[(half & 1) as usize] & mask != 0)]
    }
}

/// `key` as its high and low 64-bit halves.
#[inline(always)]
fn halves(key: u128) -> [u64; 2] {
    [(key >> 64) as u64, key as u64]
}

/// Bit `bit` of `key`, counting from the most significant (0) to the least (127).
#[inline(always)]
fn bit_at(key: u128, bit: u8) -> usize {
    ((key >> (127 - u32::from(bit & 127))) & 1) as usize
}

/// Why the tree refused an insert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TreeError {
    /// The key is already present.
    DuplicateKey,
    /// Every leaf slot is in use.
    Full,
}

/// A crit-bit tree of at most `LEAVES` leaves, in a pool of `2 × LEAVES` nodes (a tree with n
/// leaves has n − 1 inner nodes). `NODES` must equal `2 * LEAVES` and be a power of two, so a
/// node index is reduced with a mask instead of a bounds check (compile-time asserted).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CritbitTree<const LEAVES: usize, const NODES: usize> {
    root: u32,
    leaf_count: u32,
    /// Head of the free list (nodes released by `remove`); meaningful once `bump > 0` (in a
    /// zeroed account it reads 0, and the first insert resets it).
    free_head: u32,
    /// Nodes `bump..NODES` have never been used.
    bump: u32,
    /// The leaf holding the smallest key (meaningful while `leaf_count > 0`).
    min_leaf: u32,
    /// Explicit padding.
    padding: u32,
    nodes: [Node; NODES],
}

// SAFETY: `repr(C)`, six `u32` headers (24 bytes, so `nodes` starts 8-aligned with no padding)
// followed by an array of a padding-free `Pod` type; every bit pattern is a valid value (links
// are masked into range on use, never trusted).
unsafe impl<const L: usize, const N: usize> Zeroable for CritbitTree<L, N> {}
unsafe impl<const L: usize, const N: usize> Pod for CritbitTree<L, N> {}

impl<const LEAVES: usize, const NODES: usize> CritbitTree<LEAVES, NODES> {
    const VALID: () =
        assert!(NODES == 2 * LEAVES && NODES.is_power_of_two() && NODES < NIL as usize);

    /// The node at index `i`. The mask keeps any index in range (valid links are already), so
    /// the hot loops carry no bounds check and never panic.
    #[inline(always)]
    fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize & (NODES - 1)]
    }

    #[inline(always)]
    fn node_mut(&mut self, i: u32) -> &mut Node {
        &mut self.nodes[i as usize & (NODES - 1)]
    }

    /// Resets to the empty tree (a zeroed tree reads as empty too, see `root`).
    pub fn clear(&mut self) {
        self.root = NIL;
        self.leaf_count = 0;
        self.free_head = NIL;
        self.bump = 0;
        self.min_leaf = NIL;
    }

    /// Number of keys held.
    #[inline]
    pub fn len(&self) -> u32 {
        self.leaf_count
    }

    /// True when no key is held.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.leaf_count == 0
    }

    /// True when another key would not fit.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.leaf_count as usize >= LEAVES
    }

    /// The root, treating a zeroed (never cleared) tree as empty.
    #[inline(always)]
    fn root(&self) -> u32 {
        if self.leaf_count == 0 { NIL } else { self.root }
    }

    fn alloc(&mut self) -> u32 {
        if self.free_head != NIL {
            let i = self.free_head;
            self.free_head = self.node(i).links[0];
            return i;
        }
        let i = self.bump;
        self.bump += 1;
        i
    }

    fn release(&mut self, i: u32) {
        let head = self.free_head;
        *self.node_mut(i) = Node {
            links: [head, NIL],
            tag: FREE,
            ..Node::zeroed()
        };
        self.free_head = i;
    }

    /// Points whatever pointed at `old` (inner node `parent`'s child slot, or the root) at `new`.
    #[inline(always)]
    fn replace_child(&mut self, parent: u32, old: u32, new: u32) {
        if parent == NIL {
            self.root = new;
        } else {
            let p = self.node_mut(parent);
            let side = usize::from(p.links[0] != old);
            p.links[side] = new;
        }
        self.node_mut(new).parent = parent;
    }

    /// The leaf a search for `key` ends at (the closest key), or `NIL` when empty.
    #[inline(always)]
    fn descend(&self, key: u128) -> u32 {
        let mut i = self.root();
        if i == NIL {
            return NIL;
        }
        let key = halves(key);
        // Crit bits strictly increase down a path, so a path has at most KEY_BITS inner nodes.
        // Two levels per iteration: the bound is checked half as often on this hottest loop.
        for _ in 0..KEY_BITS / 2 + 1 {
            let n = self.node(i);
            if n.tag != INNER {
                return i;
            }
            i = n.branch(&key);
            let n = self.node(i);
            if n.tag != INNER {
                return i;
            }
            i = n.branch(&key);
        }
        NIL
    }

    /// The leftmost (smallest) leaf under node `i`.
    #[inline(always)]
    fn leftmost(&self, mut i: u32) -> u32 {
        for _ in 0..KEY_BITS + 1 {
            let n = self.node(i);
            if n.tag != INNER {
                break;
            }
            i = n.links[0];
        }
        i
    }

    /// Inserts `key → value` and returns the leaf's handle (for `remove_leaf`). The tree is
    /// unchanged on error.
    pub fn insert(&mut self, key: u128, value: u32) -> Result<u32, TreeError> {
        let () = Self::VALID;
        let leaf_node = Node {
            words: halves(key),
            links: [value, NIL],
            parent: NIL,
            crit_bit: 0,
            tag: LEAF,
            padding: [0; 2],
        };
        if self.leaf_count == 0 {
            // No leaves means no nodes in use: start from a clean pool (also a zeroed account).
            self.clear();
            let leaf = self.alloc();
            *self.node_mut(leaf) = leaf_node;
            self.root = leaf;
            self.min_leaf = leaf;
            self.leaf_count = 1;
            return Ok(leaf);
        }
        // Descend to the closest leaf (cheap steps: one bit test each), find where `key` first
        // differs from it, then climb from that leaf to the highest node that splits below that
        // bit: the new key branches off right above it. Crit bits strictly increase downward, so
        // the climb stops at the first parent splitting above `crit` (usually a step or two).
        let closest = self.descend(key);
        let diff = self.node(closest).key() ^ key;
        if diff == 0 {
            return Err(TreeError::DuplicateKey);
        }
        let crit = diff.leading_zeros() as u8;
        let mut i = closest;
        for _ in 0..KEY_BITS + 1 {
            let p = self.node(i).parent;
            if p == NIL || self.node(p).crit_bit < crit {
                break;
            }
            i = p;
        }
        if self.is_full() {
            return Err(TreeError::Full);
        }
        let above = self.node(i).parent;
        let leaf = self.alloc();
        let inner = self.alloc();
        *self.node_mut(leaf) = Node {
            parent: inner,
            ..leaf_node
        };
        let mut links = [i, i];
        links[bit_at(key, crit)] = leaf;
        *self.node_mut(inner) = Node::inner(crit, links);
        self.replace_child(above, i, inner);
        self.node_mut(i).parent = inner;
        self.leaf_count += 1;
        if key < self.node(self.min_leaf).key() {
            self.min_leaf = leaf;
        }
        Ok(leaf)
    }

    /// Removes `key`, returning its value, or `None` if absent (tree unchanged).
    pub fn remove(&mut self, key: u128) -> Option<u32> {
        let leaf = self.descend(key);
        if leaf == NIL {
            return None;
        }
        self.remove_leaf(leaf, key)
    }

    /// Removes the leaf `leaf` (a handle from `insert`, `min_leaf` or `max_leaf`) if it holds
    /// `key`, returning its value; otherwise `None` and the tree is unchanged. No walk: O(1),
    /// plus finding the next minimum when the minimum goes.
    pub fn remove_leaf(&mut self, leaf: u32, key: u128) -> Option<u32> {
        if self.leaf_count == 0 {
            return None;
        }
        let n = *self.node(leaf);
        if n.tag != LEAF || n.key() != key {
            return None;
        }
        Some(self.unlink(leaf, &n, leaf == self.min_leaf))
    }

    /// Removes the smallest key (the best order) and returns its value, or `None` when empty.
    /// The matching loop's removal: it has just read the minimum, so there is no key to check
    /// and the next minimum is always needed.
    #[inline]
    pub fn remove_min(&mut self) -> Option<u32> {
        if self.leaf_count == 0 {
            return None;
        }
        let leaf = self.min_leaf;
        let n = *self.node(leaf);
        Some(self.unlink(leaf, &n, true))
    }

    /// Takes leaf `leaf` (known to be a leaf in use, holding `n`; the minimum when `is_min`) out
    /// of the tree and returns its value.
    #[inline(always)]
    fn unlink(&mut self, leaf: u32, n: &Node, is_min: bool) -> u32 {
        let Node { links, parent, .. } = *n;
        if parent == NIL {
            self.root = NIL;
        } else {
            let p = *self.node(parent);
            let sibling = p.links[usize::from(p.links[0] == leaf)];
            self.replace_child(p.parent, parent, sibling);
            self.release(parent);
            if is_min {
                // The minimum was a leftmost child: the next one is the smallest key of the
                // sibling subtree that took its parent's place.
                self.min_leaf = self.leftmost(sibling);
            }
        }
        self.release(leaf);
        self.leaf_count -= 1;
        links[0]
    }

    /// The value stored under `key`.
    pub fn get(&self, key: u128) -> Option<u32> {
        let i = self.descend(key);
        if i == NIL {
            return None;
        }
        let n = self.node(i);
        (n.tag == LEAF && n.key() == key).then_some(n.links[0])
    }

    /// The key and value of leaf `leaf`.
    #[inline]
    pub fn leaf(&self, leaf: u32) -> (u128, u32) {
        let n = self.node(leaf);
        (n.key(), n.links[0])
    }

    /// The handle of the leaf with the smallest key (the best order). O(1).
    #[inline]
    pub fn min_leaf(&self) -> Option<u32> {
        (self.leaf_count != 0).then_some(self.min_leaf)
    }

    /// The handle of the leaf with the largest key (the worst order).
    pub fn max_leaf(&self) -> Option<u32> {
        let mut i = self.root();
        if i == NIL {
            return None;
        }
        for _ in 0..KEY_BITS + 1 {
            let n = self.node(i);
            if n.tag != INNER {
                break;
            }
            i = n.links[1];
        }
        Some(i)
    }

    /// The smallest key (the best order) and its value. O(1).
    #[inline]
    pub fn min(&self) -> Option<(u128, u32)> {
        self.min_leaf().map(|l| self.leaf(l))
    }

    /// The largest key (the worst order) and its value.
    pub fn max(&self) -> Option<(u128, u32)> {
        self.max_leaf().map(|l| self.leaf(l))
    }

    /// Visits keys in increasing order until `f` returns false. Uses an explicit stack of at most
    /// `KEY_BITS` entries (the deepest path), so it is bounded and allocation-free.
    pub fn for_each_in_order(&self, mut f: impl FnMut(u128, u32) -> bool) {
        let mut stack = [NIL; KEY_BITS as usize + 1];
        let mut top = 0;
        let root = self.root();
        if root == NIL {
            return;
        }
        stack[0] = root;
        top += 1;
        while top > 0 {
            top -= 1;
            let n = self.node(stack[top]);
            if n.tag == INNER {
                stack[top] = n.links[1];
                stack[top + 1] = n.links[0];
                top += 2;
            } else if !f(n.key(), n.links[0]) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;
    use std::boxed::Box;
    use std::collections::BTreeMap;
    use std::vec::Vec;

    type Small = CritbitTree<16, 32>;
    type Full = CritbitTree<4096, 8192>;

    fn new<T: Pod>() -> Box<T> {
        bytemuck::allocation::zeroed_box()
    }

    fn assert_same<const L: usize, const N: usize>(
        t: &CritbitTree<L, N>,
        model: &BTreeMap<u128, u32>,
    ) {
        assert_eq!(t.len() as usize, model.len());
        assert_eq!(t.min(), model.iter().next().map(|(k, v)| (*k, *v)));
        assert_eq!(t.max(), model.iter().next_back().map(|(k, v)| (*k, *v)));
        let mut seen = Vec::new();
        t.for_each_in_order(|k, v| {
            seen.push((k, v));
            true
        });
        let expected: Vec<(u128, u32)> = model.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(seen, expected);
        // Nodes in use: n leaves and n − 1 inner nodes; the rest are free or never used.
        if t.bump == 0 {
            return; // never used: a zeroed account, whose free-list head means nothing yet
        }
        let mut free = 0;
        let mut f = t.free_head;
        while f != NIL {
            free += 1;
            f = t.nodes[f as usize].links[0];
        }
        let used = t.bump as usize - free;
        assert_eq!(used, (2 * model.len()).saturating_sub(1), "no node leaks");
        // Parent links mirror child links.
        if let Some(root) = (!model.is_empty()).then_some(t.root) {
            assert_eq!(t.nodes[root as usize].parent, NIL);
            let mut stack = std::vec![root];
            while let Some(i) = stack.pop() {
                let n = t.nodes[i as usize];
                if n.tag == INNER {
                    for c in n.links {
                        assert_eq!(t.nodes[c as usize].parent, i, "parent link");
                        stack.push(c);
                    }
                }
            }
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u128, u32),
        Remove(u128),
        RemoveMin,
        PopMin,
        RemoveMax,
    }

    /// Keys from a small space so that inserts collide and removes hit, with price-like high
    /// bits and sequence-like low bits.
    fn key() -> impl Strategy<Value = u128> {
        (0u64..24, 0u64..4).prop_map(|(price, seq)| (u128::from(price) << 64) | u128::from(seq))
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (key(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            2 => key().prop_map(Op::Remove),
            1 => Just(Op::RemoveMin),
            1 => Just(Op::PopMin),
            1 => Just(Op::RemoveMax),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]
        #[test]
        fn agrees_with_a_btreemap(ops in proptest::collection::vec(op(), 1..200)) {
            let mut t: Box<Small> = new();
            let mut model = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        let expected = if model.contains_key(&k) {
                            Err(TreeError::DuplicateKey)
                        } else if model.len() == 16 {
                            Err(TreeError::Full)
                        } else {
                            model.insert(k, v);
                            Ok(())
                        };
                        prop_assert_eq!(t.insert(k, v).map(|_| ()), expected);
                    }
                    Op::Remove(k) => prop_assert_eq!(t.remove(k), model.remove(&k)),
                    Op::RemoveMin => {
                        let best = model.iter().next().map(|(k, v)| (*k, *v));
                        if let Some((k, v)) = best {
                            model.remove(&k);
                            let leaf = t.min_leaf().unwrap();
                            prop_assert_eq!(t.remove_leaf(leaf, k ^ 1), None);
                            prop_assert_eq!(t.remove_leaf(leaf, k), Some(v));
                        } else {
                            prop_assert_eq!(t.min(), None);
                        }
                    }
                    Op::PopMin => {
                        let best = model.iter().next().map(|(k, v)| (*k, *v));
                        if let Some((k, _)) = best {
                            model.remove(&k);
                        }
                        prop_assert_eq!(t.remove_min(), best.map(|(_, v)| v));
                    }
                    Op::RemoveMax => {
                        let worst = model.iter().next_back().map(|(k, v)| (*k, *v));
                        if let Some((k, v)) = worst {
                            model.remove(&k);
                            prop_assert_eq!(t.remove(t.max().unwrap().0), Some(v));
                        } else {
                            prop_assert_eq!(t.max(), None);
                        }
                    }
                }
                assert_same(&t, &model);
                for (k, v) in &model {
                    prop_assert_eq!(t.get(*k), Some(*v));
                }
            }
        }
    }

    #[test]
    fn zeroed_memory_is_an_empty_tree() {
        let mut t: Box<Small> = new();
        assert!(t.is_empty());
        assert_eq!(
            (t.min(), t.max(), t.get(0), t.remove(0)),
            (None, None, None, None)
        );
        assert_eq!(t.remove_min(), None);
        t.insert(0, 7).unwrap();
        assert_eq!(t.get(0), Some(7));
    }

    #[test]
    fn full_capacity_and_adversarial_depth() {
        let mut t: Box<Full> = new();
        let mut model = BTreeMap::new();
        // Keys that differ in one bit each build the deepest possible path.
        for bit in 0..128u32 {
            let k = 1u128 << bit;
            t.insert(k, bit).unwrap();
            model.insert(k, bit);
        }
        assert_same(&t, &model);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        while model.len() < 4096 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let k = u128::from(x) << 20 | u128::from(x & 0xfffff);
            if model.insert(k, x as u32).is_none() {
                t.insert(k, x as u32).unwrap();
            }
        }
        assert!(t.is_full());
        assert_eq!(t.insert(12_345, 0), Err(TreeError::Full));
        assert_same(&t, &model);
        let keys: Vec<u128> = model.keys().copied().step_by(3).collect();
        for k in keys {
            assert_eq!(t.remove(k), model.remove(&k));
        }
        assert_same(&t, &model);
    }
}
