//! How much the faucet may give: per request, per owner and in all, over the last minute. Test
//! quote tokens are free but the markets' deposit caps are shared (50M each): without a limit,
//! 50 requests of 1,000,000 filled a market's cap for everyone. Every grant also costs the
//! deployer up to 1 SOL of fees money. Pure bookkeeping with the time passed in; it never mints.

use solana_sdk::pubkey::Pubkey;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The most one request may ask for, whole quote units (ten of the app's 10,000 drips).
pub const MAX_FAUCET: u64 = 100_000;
/// The most one owner may be given in any minute.
pub const OWNER_PER_MINUTE: u64 = 100_000;
/// The most the faucet gives in any minute, to everyone: a market's 50M deposit cap takes at
/// least 50 minutes to fill from it.
pub const TOTAL_PER_MINUTE: u64 = 1_000_000;
/// Requests granted in any minute, to everyone (each may send 1 SOL of fees money too).
pub const REQUESTS_PER_MINUTE: usize = 60;
/// The window the limits count over.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Why the faucet refuses a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("amount must be between 1 and {MAX_FAUCET}")]
    Amount,
    #[error(
        "{owner} was given {given} in the last minute; the faucet gives at most {OWNER_PER_MINUTE} per owner per minute (try again in {retry_secs} s)"
    )]
    Owner {
        owner: Pubkey,
        given: u64,
        retry_secs: u64,
    },
    #[error(
        "the faucet gave {given} in the last minute; it gives at most {TOTAL_PER_MINUTE} per minute in all (try again in {retry_secs} s)"
    )]
    Total { given: u64, retry_secs: u64 },
    #[error(
        "the faucet answered {REQUESTS_PER_MINUTE} requests in the last minute, its limit (try again in {retry_secs} s)"
    )]
    Requests { retry_secs: u64 },
}

impl Refusal {
    /// Seconds until the same request would pass (`None`: it never will).
    pub fn retry_secs(&self) -> Option<u64> {
        match self {
            Refusal::Amount => None,
            Refusal::Owner { retry_secs, .. }
            | Refusal::Total { retry_secs, .. }
            | Refusal::Requests { retry_secs } => Some(*retry_secs),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Grant {
    ticket: u64,
    at: Instant,
    owner: Pubkey,
    amount: u64,
}

/// A grant recorded before minting; given back if minting fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

/// The grants of the last minute, oldest first.
#[derive(Debug, Default)]
pub struct Limits {
    grants: VecDeque<Grant>,
    next_ticket: u64,
}

/// Whole seconds from `now` until `at` has left the window (at least 1).
fn until_out(now: Instant, at: Instant) -> u64 {
    let out = at + WINDOW;
    let wait = out.saturating_duration_since(now);
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// Seconds until enough of `grants` (oldest first) leave the window to free `excess`.
fn retry<'a>(now: Instant, grants: impl Iterator<Item = &'a Grant>, excess: u64) -> u64 {
    let mut freed = 0;
    for g in grants {
        freed += g.amount;
        if freed >= excess {
            return until_out(now, g.at);
        }
    }
    until_out(now, now)
}

impl Limits {
    /// Records a grant of `amount` to `owner` at `now`, or says why not.
    pub fn take(&mut self, now: Instant, owner: Pubkey, amount: u64) -> Result<Ticket, Refusal> {
        if amount == 0 || amount > MAX_FAUCET {
            return Err(Refusal::Amount);
        }
        while self
            .grants
            .front()
            .is_some_and(|g| now.saturating_duration_since(g.at) >= WINDOW)
        {
            self.grants.pop_front();
        }
        if self.grants.len() >= REQUESTS_PER_MINUTE {
            let oldest = self.grants[self.grants.len() - REQUESTS_PER_MINUTE];
            return Err(Refusal::Requests {
                retry_secs: until_out(now, oldest.at),
            });
        }
        let given: u64 = self.grants.iter().map(|g| g.amount).sum();
        if given + amount > TOTAL_PER_MINUTE {
            let excess = given + amount - TOTAL_PER_MINUTE;
            return Err(Refusal::Total {
                given,
                retry_secs: retry(now, self.grants.iter(), excess),
            });
        }
        let owned = || self.grants.iter().filter(|g| g.owner == owner);
        let given_owner: u64 = owned().map(|g| g.amount).sum();
        if given_owner + amount > OWNER_PER_MINUTE {
            let excess = given_owner + amount - OWNER_PER_MINUTE;
            return Err(Refusal::Owner {
                owner,
                given: given_owner,
                retry_secs: retry(now, owned(), excess),
            });
        }
        self.next_ticket += 1;
        self.grants.push_back(Grant {
            ticket: self.next_ticket,
            at: now,
            owner,
            amount,
        });
        Ok(Ticket(self.next_ticket))
    }

    /// Forgets a grant that was not minted.
    pub fn give_back(&mut self, ticket: Ticket) {
        self.grants.retain(|g| g.ticket != ticket.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn an_owner_gets_at_most_its_share_a_minute() {
        let t0 = Instant::now();
        let (alice, bob) = (Pubkey::new_unique(), Pubkey::new_unique());
        let mut limits = Limits::default();
        assert_eq!(limits.take(t0, alice, 0), Err(Refusal::Amount));
        assert_eq!(limits.take(t0, alice, MAX_FAUCET + 1), Err(Refusal::Amount));
        limits.take(t0, alice, 60_000).unwrap();
        limits.take(t0 + secs(10), alice, 30_000).unwrap();
        // 90,000 given; 20,000 more is 10,000 over: the first grant must leave (at 60 s).
        assert_eq!(
            limits.take(t0 + secs(20), alice, 20_000),
            Err(Refusal::Owner {
                owner: alice,
                given: 90_000,
                retry_secs: 40
            })
        );
        limits.take(t0 + secs(20), alice, 10_000).unwrap();
        limits.take(t0 + secs(20), bob, OWNER_PER_MINUTE).unwrap();
        limits.take(t0 + secs(60), alice, 60_000).unwrap();
    }

    #[test]
    fn everyone_together_gets_at_most_the_total_a_minute() {
        let t0 = Instant::now();
        let mut limits = Limits::default();
        let n = TOTAL_PER_MINUTE / MAX_FAUCET;
        for i in 0..n {
            limits
                .take(t0 + secs(i), Pubkey::new_unique(), MAX_FAUCET)
                .unwrap();
        }
        assert_eq!(
            limits.take(t0 + secs(n), Pubkey::new_unique(), 1),
            Err(Refusal::Total {
                given: TOTAL_PER_MINUTE,
                retry_secs: 60 - n
            })
        );
        limits
            .take(t0 + secs(60), Pubkey::new_unique(), MAX_FAUCET)
            .unwrap();
    }

    #[test]
    fn requests_are_counted_too_and_a_failed_mint_is_given_back() {
        let t0 = Instant::now();
        let mut limits = Limits::default();
        let mut last = None;
        for _ in 0..REQUESTS_PER_MINUTE {
            last = Some(limits.take(t0, Pubkey::new_unique(), 1).unwrap());
        }
        let refused = limits.take(t0 + secs(1), Pubkey::new_unique(), 1);
        assert_eq!(refused, Err(Refusal::Requests { retry_secs: 59 }));
        assert_eq!(refused.unwrap_err().retry_secs(), Some(59));
        limits.give_back(last.unwrap());
        limits.take(t0 + secs(1), Pubkey::new_unique(), 1).unwrap();
    }
}
