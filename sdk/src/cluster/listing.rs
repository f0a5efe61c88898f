//! Listing a market's margin accounts when there are more than one answer may carry. A
//! `getProgramAccounts` answer is capped (the local exchange's at 32 MiB, about 190,000 accounts
//! listed by key; providers cap it too, or time out), so a large market is listed in parts:
//! by the first byte of the owner's key (256 listings, each a 256th of the accounts for honest,
//! random keys), and a part that still fails by its second byte too (an owner grinding keys to
//! crowd one part only splits it further). Parts cost the endpoint: each is a scan of the
//! program's accounts (memcmp filters are not indexed), so a market is listed whole while it can
//! be.

use super::{AccountFilter, Cluster, ClusterError};
use crate::accounts::{MARGIN_ACCOUNT_OWNER_OFFSET, margin_account_filters};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;

/// A market last listed with more accounts than this is listed in parts from the start (a whole
/// listing would likely be refused, after the endpoint spent its time on it).
pub const WHOLE_LISTING_UP_TO: usize = 150_000;
/// Parts listed at once.
const CONCURRENT: usize = 4;
/// Bytes of the owner's key a part may be narrowed to.
const MAX_PREFIX: usize = 2;

/// What a listing found.
#[derive(Debug, Default)]
pub struct Listing {
    pub accounts: Vec<(Pubkey, Account)>,
    /// Every part answered: an account not listed is gone. A part that no narrowing brings
    /// under the endpoint's limit (one owner's many sub-accounts share all its key bytes) is
    /// left out instead of failing the rest; its accounts are known only from other sources.
    pub complete: bool,
}

/// `market`'s margin accounts. `known`: how many the last listing found (0: none yet). An
/// error only when the endpoint answers no part at all.
pub async fn margin_accounts(
    cluster: &dyn Cluster,
    market: &Pubkey,
    known: usize,
) -> Result<Listing, ClusterError> {
    let mut prefixes: Vec<Vec<u8>> = if known > WHOLE_LISTING_UP_TO {
        narrower(&[])
    } else {
        vec![Vec::new()]
    };
    let mut listing = Listing {
        accounts: Vec::new(),
        complete: true,
    };
    while !prefixes.is_empty() {
        let split = !prefixes[0].is_empty();
        let (mut failed, mut answered) = (Vec::new(), 0);
        for chunk in prefixes.chunks(CONCURRENT) {
            let results =
                futures::future::join_all(chunk.iter().map(|p| part(cluster, market, p))).await;
            let mut error = None;
            for (prefix, result) in chunk.iter().zip(results) {
                match result {
                    Ok(mut accounts) => {
                        answered += 1;
                        listing.accounts.append(&mut accounts);
                    }
                    // Narrowed as far as it goes: left out.
                    Err(_) if prefix.len() >= MAX_PREFIX => listing.complete = false,
                    Err(e) => {
                        error = Some(e);
                        failed.push(prefix.clone());
                    }
                }
            }
            // A part that fails while others answer is too large, and is listed narrower (the
            // whole listing failing may be too). Parts that all fail from the first on mean the
            // endpoint fails, not the size.
            if let Some(e) = error
                && split
                && answered == 0
            {
                return Err(e);
            }
        }
        prefixes = failed.iter().flat_map(|p| narrower(p)).collect();
    }
    Ok(listing)
}

/// The 256 prefixes one byte longer than `prefix`.
fn narrower(prefix: &[u8]) -> Vec<Vec<u8>> {
    (0..=u8::MAX).map(|b| [prefix, &[b]].concat()).collect()
}

/// The margin accounts of `market` whose owner's key starts with `prefix`.
async fn part(
    cluster: &dyn Cluster,
    market: &Pubkey,
    prefix: &[u8],
) -> Result<Vec<(Pubkey, Account)>, ClusterError> {
    let mut filters = margin_account_filters(market).to_vec();
    if !prefix.is_empty() {
        filters.push(AccountFilter::Memcmp {
            offset: MARGIN_ACCOUNT_OWNER_OFFSET,
            bytes: prefix.to_vec(),
        });
    }
    cluster.program_accounts(&perp::ID, &filters).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use solana_sdk::clock::Clock;
    use solana_sdk::hash::Hash;
    use solana_sdk::transaction::Transaction;
    use std::sync::Mutex;

    /// A cluster holding `owners.len()` margin accounts of one market that refuses any listing
    /// that would answer more than `cap` of them (as an answer-size limit does), or every
    /// listing when `down`; it counts the listings asked for.
    struct Capped {
        market: Pubkey,
        accounts: Vec<(Pubkey, Account)>,
        cap: usize,
        down: bool,
        asked: Mutex<usize>,
    }

    impl Capped {
        fn new(owners: impl Iterator<Item = Pubkey>, cap: usize, down: bool) -> Self {
            let market = Pubkey::new_unique();
            let accounts = owners
                .map(|owner| {
                    let mut data = vec![0u8; crate::accounts::MARGIN_ACCOUNT_LEN];
                    data[MARGIN_ACCOUNT_OWNER_OFFSET..][..32].copy_from_slice(owner.as_ref());
                    data[crate::accounts::MARGIN_ACCOUNT_MARKET_OFFSET..][..32]
                        .copy_from_slice(market.as_ref());
                    let account = Account {
                        data,
                        owner: perp::ID,
                        ..Account::default()
                    };
                    (Pubkey::new_unique(), account)
                })
                .collect();
            Capped {
                market,
                accounts,
                cap,
                down,
                asked: Mutex::new(0),
            }
        }
    }

    #[async_trait]
    impl Cluster for Capped {
        fn endpoint(&self) -> &str {
            "capped"
        }
        async fn account(&self, _: &Pubkey) -> Result<Option<Account>, ClusterError> {
            Ok(None)
        }
        async fn accounts(&self, k: &[Pubkey]) -> Result<Vec<Option<Account>>, ClusterError> {
            Ok(vec![None; k.len()])
        }
        async fn program_accounts(
            &self,
            _: &Pubkey,
            filters: &[AccountFilter],
        ) -> Result<Vec<(Pubkey, Account)>, ClusterError> {
            *self.asked.lock().unwrap() += 1;
            let refused = |message: &str| ClusterError::Rpc {
                endpoint: "capped".into(),
                message: message.into(),
            };
            if self.down {
                return Err(refused("unhealthy"));
            }
            let out: Vec<_> = self
                .accounts
                .iter()
                .filter(|(_, a)| filters.iter().all(|f| f.matches(&a.data)))
                .cloned()
                .collect();
            if out.len() > self.cap {
                return Err(refused("the answer would be too large"));
            }
            Ok(out)
        }
        async fn latest_blockhash(&self) -> Result<Hash, ClusterError> {
            Ok(Hash::default())
        }
        async fn clock(&self) -> Result<Clock, ClusterError> {
            Ok(Clock::default())
        }
        async fn simulate(&self, _: &Transaction) -> Result<crate::TxOutcome, ClusterError> {
            unreachable!("listing only")
        }
        async fn send(&self, _: &Transaction) -> Result<crate::TxOutcome, ClusterError> {
            unreachable!("listing only")
        }
    }

    /// A random key, as a wallet's is (`Pubkey::new_unique` counts up from zero).
    fn random_key() -> Pubkey {
        use solana_sdk::signer::Signer;
        solana_sdk::signature::Keypair::new().pubkey()
    }

    fn asked(c: &Capped) -> usize {
        *c.asked.lock().unwrap()
    }

    #[tokio::test]
    async fn a_listing_too_large_for_one_answer_is_made_in_parts() {
        // 3,000 random owners, at most 100 accounts an answer: whole, then 256 parts.
        let c = Capped::new((0..3_000).map(|_| random_key()), 100, false);
        let listed = margin_accounts(&c, &c.market, 0).await.expect("listed");
        assert!(listed.complete);
        assert_eq!(listed.accounts.len(), 3_000);
        assert_eq!(asked(&c), 1 + 256);
        // Known to be large: parts from the start.
        let c = Capped::new((0..3_000).map(|_| random_key()), 100, false);
        let listed = margin_accounts(&c, &c.market, WHOLE_LISTING_UP_TO + 1)
            .await
            .expect("listed");
        assert_eq!((listed.accounts.len(), asked(&c)), (3_000, 256));
        // Small: one listing.
        let c = Capped::new((0..50).map(|_| random_key()), 100, false);
        let listed = margin_accounts(&c, &c.market, 0).await.expect("listed");
        assert_eq!((listed.accounts.len(), asked(&c)), (50, 1));
    }

    #[tokio::test]
    async fn owners_crowding_one_part_only_split_it_further() {
        // 500 owners whose keys share a first byte (ground, as an attacker would), beside 500
        // random ones: that part is listed by two bytes; the others by one.
        let ground = (0..500u32).map(|i| {
            let mut k = [7u8; 32];
            k[1..5].copy_from_slice(&i.to_le_bytes());
            Pubkey::new_from_array(k)
        });
        let c = Capped::new(ground.chain((0..500).map(|_| random_key())), 100, false);
        let listed = margin_accounts(&c, &c.market, 0).await.expect("listed");
        assert!(listed.complete);
        assert_eq!(listed.accounts.len(), 1_000);
        assert_eq!(asked(&c), 1 + 256 + 256);
    }

    /// One owner's sub-accounts share every byte of its key: no narrowing splits them. Their
    /// part is left out, the rest of the market is listed (the listing says it is not
    /// complete), and nothing fails (an independent review's finding: it used to fail the
    /// whole listing, and with it every liquidator pass).
    #[tokio::test]
    async fn one_owner_with_more_accounts_than_an_answer_holds_fails_only_its_part() {
        let whale = random_key();
        let c = Capped::new(
            std::iter::repeat_n(whale, 101).chain((0..500).map(|_| random_key())),
            100,
            false,
        );
        let listed = margin_accounts(&c, &c.market, 0).await.expect("listed");
        assert!(!listed.complete);
        let whale_bytes = whale.to_bytes();
        let others = listed
            .accounts
            .iter()
            .filter(|(_, a)| a.data[MARGIN_ACCOUNT_OWNER_OFFSET..][..2] != whale_bytes[..2])
            .count();
        let honest_outside = c
            .accounts
            .iter()
            .filter(|(_, a)| a.data[MARGIN_ACCOUNT_OWNER_OFFSET..][..2] != whale_bytes[..2])
            .count();
        assert_eq!(
            others, honest_outside,
            "every account outside the crowded part"
        );
    }

    #[tokio::test]
    async fn an_endpoint_that_answers_nothing_fails_the_listing_quickly() {
        let c = Capped::new((0..10).map(|_| random_key()), 100, true);
        assert!(margin_accounts(&c, &c.market, 0).await.is_err());
        // The whole listing, then one round of parts: not 65,536 requests.
        assert_eq!(asked(&c), 1 + CONCURRENT);
    }
}
