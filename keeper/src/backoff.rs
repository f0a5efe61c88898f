//! Per-key exponential backoff after unexpected failures, in cluster seconds (so it behaves the
//! same on a live cluster and in a simulated one). A key is an account (the liquidator), or an
//! account's trigger (the trigger executor: one trigger that always fails must not hold back the
//! account's others).

use solana_sdk::pubkey::Pubkey;
use std::collections::HashMap;
use std::hash::Hash;

#[derive(Debug, Default)]
pub struct Backoff<K = Pubkey> {
    base: i64,
    max: i64,
    /// Key → (consecutive failures, not before).
    waits: HashMap<K, (u32, i64)>,
}

impl<K: Eq + Hash> Backoff<K> {
    pub fn new(base_secs: i64, max_secs: i64) -> Self {
        Backoff {
            base: base_secs.max(1),
            max: max_secs.max(1),
            waits: HashMap::new(),
        }
    }

    /// Whether `key` may be tried at `now`.
    pub fn ready(&self, key: &K, now: i64) -> bool {
        self.waits.get(key).is_none_or(|&(_, until)| now >= until)
    }

    /// Records a failure at `now`: the wait doubles each time, up to the maximum.
    pub fn failed(&mut self, key: K, now: i64) {
        let entry = self.waits.entry(key).or_insert((0, now));
        entry.0 = entry.0.saturating_add(1);
        let wait = self
            .base
            .saturating_mul(1i64 << (entry.0 - 1).min(30))
            .min(self.max);
        entry.1 = now.saturating_add(wait);
    }

    /// Forgets `key`'s failures (it succeeded, or no longer needs action).
    pub fn clear(&mut self, key: &K) {
        self.waits.remove(key);
    }

    /// Forgets every key `keep` refuses (gone, so the map does not grow without bound).
    pub fn retain(&mut self, keep: impl Fn(&K) -> bool) {
        self.waits.retain(|k, _| keep(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_clears() {
        let k = Pubkey::new_unique();
        let mut b: Backoff = Backoff::new(2, 5);
        assert!(b.ready(&k, 0));
        b.failed(k, 100);
        assert!(!b.ready(&k, 101));
        assert!(b.ready(&k, 102));
        b.failed(k, 102); // second failure: 4 s
        assert!(!b.ready(&k, 105));
        assert!(b.ready(&k, 106));
        b.failed(k, 106); // third: 8 s capped at 5
        assert!(b.ready(&k, 111));
        b.clear(&k);
        assert!(b.ready(&k, 0));
    }
}
