//! Creates the exchange and lists the spec's markets through any [`Cluster`] — a local cluster,
//! devnet or mainnet. Every step first looks at what is already on chain, so running it again
//! resumes: a listing queued behind the timelock is executed by a later run once it is due.

use crate::spec::{Holder, MarketSpec, QuoteMint, Spec, TEST_MINT_DECIMALS};
use anchor_spl::associated_token::{get_associated_token_address, spl_associated_token_account};
use anchor_spl::token::spl_token;
use perp_sdk::ix::{self, CollateralAccounts, MarketCreateAccounts, OracleMetas};
use perp_sdk::pda::{exchange_pda, insurance_vault_pda, market_pda, param_change_pda};
use perp_sdk::perp::state::{Change, EventQueueAccount, OrderBookAccount, ParamChange};
use perp_sdk::{Cluster, ClusterError, accounts};
use serde::Serialize;
use solana_sdk::instruction::Instruction;
use solana_sdk::program_pack::Pack;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use solana_sdk::transaction::Transaction;

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("{what} was refused: {err}{}", last_log(.logs))]
    Refused {
        what: String,
        err: String,
        logs: Vec<String>,
    },
    #[error("{0}")]
    Inconsistent(String),
}

fn last_log(logs: &[String]) -> String {
    logs.iter()
        .rev()
        .find(|l| l.contains("Error") || l.contains("failed"))
        .map(|l| format!(" ({l})"))
        .unwrap_or_default()
}

/// A listed market's addresses, for clients' configuration.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeployedMarket {
    pub symbol: String,
    pub index: u16,
    pub market: String,
    pub book: String,
    pub event_queue: String,
    pub pyth: String,
    pub switchboard: String,
}

/// What the exchange looks like after a run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Deployment {
    pub program: String,
    pub exchange: String,
    pub quote_mint: String,
    pub markets: Vec<DeployedMarket>,
}

/// Where a run stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Every market is listed.
    Ready(Deployment),
    /// Listings are queued; the next is due at this unix time (run again then).
    Waiting { until: i64 },
    /// Governance is a DAO: these listings need a proposal (base64 instructions, see
    /// [`crate::proposal`]) before a later run can execute them.
    NeedsProposal { symbols: Vec<String> },
}

pub struct Bootstrap<'a> {
    pub cluster: &'a dyn Cluster,
    pub payer: &'a Keypair,
    pub spec: &'a Spec,
}

impl Bootstrap<'_> {
    async fn send(
        &self,
        what: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(), BootstrapError> {
        let mut keys = vec![self.payer];
        keys.extend_from_slice(signers);
        let blockhash = self.cluster.latest_blockhash().await?;
        let tx =
            Transaction::new_signed_with_payer(ixs, Some(&self.payer.pubkey()), &keys, blockhash);
        let out = self.cluster.send(&tx).await?;
        match out.err {
            None => {
                tracing::info!(what, signature = %out.signature, "done");
                Ok(())
            }
            Some(err) => Err(BootstrapError::Refused {
                what: what.into(),
                err: err.to_string(),
                logs: out.logs,
            }),
        }
    }

    fn holder(&self, h: Holder) -> Pubkey {
        h.resolve(&self.payer.pubkey())
    }

    async fn exists(&self, key: &Pubkey) -> Result<bool, BootstrapError> {
        Ok(self.cluster.account(key).await?.is_some())
    }

    async fn ensure_exchange(&self) -> Result<(), BootstrapError> {
        if self.exists(&exchange_pda()).await? {
            return Ok(());
        }
        let init = ix::exchange_initialize(
            self.payer.pubkey(),
            self.holder(self.spec.governance),
            self.holder(self.spec.risk_council),
            self.holder(self.spec.guardian),
        );
        self.send("exchange_initialize", &[init], &[]).await
    }

    /// A rent-exempt account of `space` zeroed bytes owned by `owner`, signed by `key`.
    async fn create_account_ix(
        &self,
        key: &Pubkey,
        space: usize,
        owner: &Pubkey,
    ) -> Result<Instruction, BootstrapError> {
        let rent = self
            .cluster
            .account(&solana_sdk::sysvar::rent::ID)
            .await?
            .and_then(|a| solana_sdk::account::from_account::<solana_sdk::rent::Rent, _>(&a))
            .unwrap_or_default();
        Ok(
            anchor_lang::solana_program::system_instruction::create_account(
                &self.payer.pubkey(),
                key,
                rent.minimum_balance(space),
                space as u64,
                owner,
            ),
        )
    }

    /// The quote mint: the spec's, or the test mint an earlier run created (named by the first
    /// market or its queued listing), or a new one.
    async fn quote_mint(&self) -> Result<Pubkey, BootstrapError> {
        if let QuoteMint::Existing(mint) = self.spec.quote_mint {
            return Ok(mint);
        }
        if let Some(a) = self.cluster.account(&market_pda(0)).await?
            && let Ok(market) = accounts::market(&a)
        {
            return Ok(market.quote_mint);
        }
        if let Some(first) = self.spec.markets.first()
            && let Some(change) = self.queued(first).await?
            && let Change::ListMarket { quote_mint, .. } = change.change
        {
            return Ok(quote_mint);
        }
        let mint = Keypair::new();
        let ixs = [
            self.create_account_ix(&mint.pubkey(), spl_token::state::Mint::LEN, &spl_token::ID)
                .await?,
            spl_token::instruction::initialize_mint2(
                &spl_token::ID,
                &mint.pubkey(),
                &self.payer.pubkey(),
                None,
                TEST_MINT_DECIMALS,
            )
            .map_err(|e| BootstrapError::Inconsistent(e.to_string()))?,
        ];
        self.send("create the test quote mint", &ixs, &[&mint])
            .await?;
        Ok(mint.pubkey())
    }

    fn listing(&self, m: &MarketSpec, quote_mint: Pubkey) -> Change {
        Change::ListMarket {
            market_index: m.index,
            quote_mint,
            params: m.params,
            oracle: m.oracle,
        }
    }

    /// The change queued in `m`'s listing slot, if any.
    async fn queued(&self, m: &MarketSpec) -> Result<Option<ParamChange>, BootstrapError> {
        let slot = param_change_pda(&self.listing(m, Pubkey::default()));
        match self.cluster.account(&slot).await? {
            None => Ok(None),
            Some(a) => accounts::borsh::<ParamChange>(&a)
                .map(Some)
                .map_err(|e| BootstrapError::Inconsistent(format!("{}: {e}", m.symbol))),
        }
    }

    async fn deployed(&self, m: &MarketSpec) -> Result<Option<DeployedMarket>, BootstrapError> {
        let key = market_pda(m.index);
        let Some(account) = self.cluster.account(&key).await? else {
            return Ok(None);
        };
        let market = accounts::market(&account)
            .map_err(|e| BootstrapError::Inconsistent(format!("{}: {e}", m.symbol)))?;
        Ok(Some(DeployedMarket {
            symbol: m.symbol.clone(),
            index: m.index,
            market: key.to_string(),
            book: market.book.to_string(),
            event_queue: market.event_queue.to_string(),
            pyth: market.oracle.pyth_price_update.to_string(),
            switchboard: market.oracle.switchboard_feed.to_string(),
        }))
    }

    /// Creates the listed market (its book and queue first) and seeds its insurance fund.
    async fn create_market(
        &self,
        m: &MarketSpec,
        quote_mint: Pubkey,
        change: &Change,
    ) -> Result<(), BootstrapError> {
        let book = Keypair::new();
        let queue = Keypair::new();
        let ixs = [
            self.create_account_ix(&book.pubkey(), OrderBookAccount::SPACE, &perp_sdk::perp::ID)
                .await?,
            self.create_account_ix(
                &queue.pubkey(),
                EventQueueAccount::SPACE,
                &perp_sdk::perp::ID,
            )
            .await?,
        ];
        self.send(
            &format!("{}: allocate book and event queue", m.symbol),
            &ixs,
            &[&book, &queue],
        )
        .await?;
        let payer = self.payer.pubkey();
        let create = ix::market_create(&MarketCreateAccounts {
            param_change: param_change_pda(change),
            rent_payer: payer,
            payer,
            market: market_pda(m.index),
            quote_mint,
            token_program: spl_token::ID,
            book: book.pubkey(),
            event_queue: queue.pubkey(),
        });
        self.send(&format!("{}: market_create", m.symbol), &[create], &[])
            .await?;
        if m.insurance > 0 {
            self.seed_insurance(m, quote_mint).await?;
        }
        Ok(())
    }

    async fn seed_insurance(
        &self,
        m: &MarketSpec,
        quote_mint: Pubkey,
    ) -> Result<(), BootstrapError> {
        let payer = self.payer.pubkey();
        let source = get_associated_token_address(&payer, &quote_mint);
        let decimals = self
            .cluster
            .account(&quote_mint)
            .await?
            .and_then(|a| spl_token::state::Mint::unpack(&a.data).ok())
            .map_or(TEST_MINT_DECIMALS, |mint| mint.decimals);
        let amount = m.insurance.saturating_mul(10u64.pow(u32::from(decimals)));
        let mut ixs = vec![
            spl_associated_token_account::instruction::create_associated_token_account_idempotent(
                &payer,
                &payer,
                &quote_mint,
                &spl_token::ID,
            ),
        ];
        if self.spec.quote_mint == QuoteMint::Create {
            ixs.push(
                spl_token::instruction::mint_to(
                    &spl_token::ID,
                    &quote_mint,
                    &source,
                    &payer,
                    &[],
                    amount,
                )
                .map_err(|e| BootstrapError::Inconsistent(e.to_string()))?,
            );
        }
        let market = market_pda(m.index);
        let a = CollateralAccounts {
            signer: payer,
            market,
            margin_account: Pubkey::default(),
            collateral_vault: perp_sdk::pda::collateral_vault_pda(&market),
            quote_mint,
            user_token: source,
            token_program: spl_token::ID,
            oracles: OracleMetas {
                pyth: None,
                switchboard: None,
            },
        };
        ixs.push(ix::insurance_deposit(
            &a,
            insurance_vault_pda(&market),
            amount,
        ));
        self.send(&format!("{}: seed the insurance fund", m.symbol), &ixs, &[])
            .await
    }

    /// One pass over the spec: creates what is missing and executes what is due.
    pub async fn run(&self) -> Result<Status, BootstrapError> {
        self.ensure_exchange().await?;
        let quote_mint = self.quote_mint().await?;
        let governance = self.holder(self.spec.governance);
        let mut deployed = Vec::new();
        let mut waiting: Option<i64> = None;
        let mut proposals = Vec::new();
        for m in &self.spec.markets {
            if let Some(d) = self.deployed(m).await? {
                deployed.push(d);
                continue;
            }
            let change = self.listing(m, quote_mint);
            let queued = match self.queued(m).await? {
                Some(q) => q,
                None if governance == self.payer.pubkey() => {
                    let queue = ix::params_queue(governance, self.payer.pubkey(), change, None);
                    self.send(&format!("{}: queue the listing", m.symbol), &[queue], &[])
                        .await?;
                    self.queued(m).await?.ok_or_else(|| {
                        BootstrapError::Inconsistent(format!(
                            "{}: queued listing not found",
                            m.symbol
                        ))
                    })?
                }
                None => {
                    proposals.push(m.symbol.clone());
                    continue;
                }
            };
            if queued.change != change {
                return Err(BootstrapError::Inconsistent(format!(
                    "{}: the queued listing differs from the spec; cancel it or change the spec",
                    m.symbol
                )));
            }
            let now = self.cluster.clock().await?.unix_timestamp;
            // Markets list in index order: nothing after a listing that is not due yet.
            if now < queued.eta || waiting.is_some() {
                waiting = Some(waiting.map_or(queued.eta, |w| w.max(queued.eta)));
                continue;
            }
            self.create_market(m, quote_mint, &change).await?;
            deployed.extend(self.deployed(m).await?);
        }
        Ok(if !proposals.is_empty() {
            Status::NeedsProposal { symbols: proposals }
        } else if let Some(until) = waiting {
            Status::Waiting { until }
        } else {
            Status::Ready(Deployment {
                program: perp_sdk::perp::ID.to_string(),
                exchange: exchange_pda().to_string(),
                quote_mint: quote_mint.to_string(),
                markets: deployed,
            })
        })
    }
}
