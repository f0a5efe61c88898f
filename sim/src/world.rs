//! Building the world a scenario runs in: an in-process bank with an exchange, a quote mint,
//! one market listed through governance's timelocked path, its oracle accounts, and funded
//! users. Everything goes through the SDK's instruction builders and real transactions.

use anchor_spl::token::spl_token;
use perp_migrations::spec::{Holder, MarketSpec, QuoteMint, Spec};
use perp_migrations::{Bootstrap, Deployment, Status};
use perp_sdk::cluster::bank::BankCluster;
use perp_sdk::ix::{self, CollateralAccounts, OracleMetas, OrderAccounts};
use perp_sdk::oracle::{pyth_account, pyth_quote, switchboard_account, switchboard_quote};
use perp_sdk::pda::{collateral_vault_pda, margin_account_pda};
use perp_sdk::perp::state::MarketParams;
use perp_sdk::{Cluster, TxOutcome, presets};
use solana_sdk::instruction::Instruction;
use solana_sdk::program_pack::Pack;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::rent::Rent;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use solana_sdk::transaction::Transaction;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The quote token's decimals (a USDC-like stablecoin).
pub const QUOTE_DECIMALS: u8 = 6;
const QUOTE_UNIT: u64 = 10u64.pow(QUOTE_DECIMALS as u32);

/// A wallet with a quote token account and a margin account in the market.
pub struct User {
    pub wallet: Keypair,
    pub token_account: Pubkey,
    pub margin_account: Pubkey,
}

pub struct World {
    pub bank: Arc<BankCluster>,
    payer: Keypair,
    /// Minted by `payer` (the bootstrap's test mint).
    mint: Pubkey,
    pub market: Pubkey,
    pub params: MarketParams,
    pub book: Pubkey,
    pub event_queue: Pubkey,
    pub pyth: Pubkey,
    pub feed_id: [u8; 32],
    pub switchboard: Pubkey,
    nonce: AtomicU64,
}

/// A setup transaction that must succeed, or the scenario cannot run.
#[derive(Debug, thiserror::Error)]
#[error("{what} failed: {detail}")]
pub struct SetupError {
    pub what: String,
    pub detail: String,
}

fn refused(what: &str, outcome: &TxOutcome) -> SetupError {
    let log = outcome
        .logs
        .iter()
        .rev()
        .find(|l| l.contains("Error") || l.contains("failed"))
        .cloned()
        .unwrap_or_default();
    SetupError {
        what: what.into(),
        detail: format!("{:?} {log}", outcome.err),
    }
}

/// Runs the deployment bootstrap until the market is listed, moving the bank's clock past
/// the listing's timelock when it waits.
async fn bootstrap(
    bank: &BankCluster,
    payer: &Keypair,
    spec: &Spec,
) -> Result<Deployment, SetupError> {
    let failed = |e: &dyn std::fmt::Display| SetupError {
        what: "bootstrap".into(),
        detail: e.to_string(),
    };
    let run = Bootstrap {
        cluster: bank,
        payer,
        spec,
    };
    // Queue, wait, create: two passes (a third would mean the clock did not move).
    for _ in 0..3 {
        match run.run().await.map_err(|e| failed(&e))? {
            Status::Ready(deployment) => return Ok(deployment),
            Status::Waiting { until } => {
                let now = bank.clock().await.map_err(|e| failed(&e))?.unix_timestamp;
                bank.advance(until - now).await.map_err(|e| failed(&e))?;
            }
            Status::NeedsProposal { .. } => {
                return Err(failed(&"governance must be the bank's payer"));
            }
        }
    }
    Err(failed(&"the listing never became due"))
}

impl World {
    /// Whole quote units in native units.
    pub fn native(whole: u64) -> u64 {
        whole.saturating_mul(QUOTE_UNIT)
    }

    /// A signed transaction of `ixs` paid by the bank's payer. A unique compute-unit price
    /// keeps otherwise identical transactions distinct (the bank drops exact duplicates).
    async fn transaction(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Transaction, SetupError> {
        let n = self.nonce.fetch_add(1, Ordering::Relaxed);
        let mut all = vec![
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(n),
        ];
        all.extend_from_slice(ixs);
        let mut keys: Vec<&Keypair> = vec![&self.payer];
        keys.extend_from_slice(signers);
        let blockhash = self.bank.latest_blockhash().await.map_err(|e| SetupError {
            what: "blockhash".into(),
            detail: e.to_string(),
        })?;
        Ok(Transaction::new_signed_with_payer(
            &all,
            Some(&self.payer.pubkey()),
            &keys,
            blockhash,
        ))
    }

    /// Sends `ixs`; the outcome says whether the cluster accepted them.
    pub async fn send(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<TxOutcome, SetupError> {
        let tx = self.transaction(ixs, signers).await?;
        self.bank.send(&tx).await.map_err(|e| SetupError {
            what: "send".into(),
            detail: e.to_string(),
        })
    }

    /// Sends `ixs`, which must succeed.
    pub async fn must(
        &self,
        what: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<TxOutcome, SetupError> {
        let out = self.send(ixs, signers).await?;
        match out.err {
            None => Ok(out),
            Some(_) => Err(refused(what, &out)),
        }
    }

    /// Boots the bank, the exchange and a market with `params` whose oracles open at
    /// `opening_price`, funded with `insurance` (whole quote units) in its insurance fund: the
    /// deployment bootstrap (`perp-migrations`) run against the bank, waiting out the listing's
    /// timelock in simulated time.
    pub async fn create(
        params: MarketParams,
        opening_price: f64,
        insurance: u64,
        seed: u64,
    ) -> Result<Self, SetupError> {
        let bank = Arc::new(BankCluster::start().await);
        let payer = bank.payer().insecure_clone();
        let mut feed_id = [0u8; 32];
        feed_id[..8].copy_from_slice(&seed.to_le_bytes());
        let (pyth, switchboard) = (Pubkey::new_unique(), Pubkey::new_unique());
        let spec = Spec {
            quote_mint: QuoteMint::Create,
            governance: Holder::Payer,
            risk_council: Holder::Key(Keypair::new().pubkey()),
            guardian: Holder::Key(Keypair::new().pubkey()),
            markets: vec![MarketSpec {
                symbol: "SIM-PERP".into(),
                index: 0,
                params,
                oracle: presets::oracle_config(pyth, feed_id, switchboard),
                insurance,
            }],
        };
        let deployment = bootstrap(&bank, &payer, &spec).await?;
        let key = |s: &str| {
            Pubkey::from_str(s).map_err(|e| SetupError {
                what: "deployment".into(),
                detail: e.to_string(),
            })
        };
        let market = &deployment.markets[0];
        let world = World {
            mint: key(&deployment.quote_mint)?,
            market: key(&market.market)?,
            book: key(&market.book)?,
            event_queue: key(&market.event_queue)?,
            bank,
            payer,
            params,
            pyth,
            feed_id,
            switchboard,
            nonce: AtomicU64::new(1),
        };
        world
            .publish(Some(opening_price), Some(opening_price), 10)
            .await;
        world
            .must(
                "market_update_price",
                &[ix::market_update_price(world.market, world.oracle_metas())],
                &[],
            )
            .await?;
        Ok(world)
    }

    /// Writes fresh oracle updates (a `None` source publishes nothing) with `conf_bps`.
    pub async fn publish(&self, pyth: Option<f64>, switchboard: Option<f64>, conf_bps: u64) {
        let Ok(clock) = self.bank.clock().await else {
            return;
        };
        let e8 = |p: f64| (p * 1e8).round() as i64;
        if let Some(p) = pyth {
            let q = pyth_quote(self.feed_id, e8(p), conf_bps, clock.unix_timestamp);
            self.bank.set_account(&self.pyth, pyth_account(&q)).await;
        }
        if let Some(p) = switchboard {
            let q = switchboard_quote(e8(p), conf_bps, clock.slot);
            self.bank
                .set_account(
                    &self.switchboard,
                    switchboard_account(&q, clock.unix_timestamp),
                )
                .await;
        }
    }

    pub fn oracle_metas(&self) -> OracleMetas {
        OracleMetas {
            pyth: Some(self.pyth),
            switchboard: Some(self.switchboard),
        }
    }

    /// A token account of the quote mint owned by `owner`, holding `amount` freshly minted.
    async fn token_account(&self, owner: &Pubkey, amount: u64) -> Result<Pubkey, SetupError> {
        let account = Keypair::new();
        let len = spl_token::state::Account::LEN;
        let token_err = |e: solana_sdk::program_error::ProgramError| SetupError {
            what: "token account".into(),
            detail: e.to_string(),
        };
        let ixs = [
            self.create_account_ix(&account.pubkey(), len, &spl_token::ID),
            spl_token::instruction::initialize_account3(
                &spl_token::ID,
                &account.pubkey(),
                &self.mint,
                owner,
            )
            .map_err(token_err)?,
            spl_token::instruction::mint_to(
                &spl_token::ID,
                &self.mint,
                &account.pubkey(),
                &self.payer.pubkey(),
                &[],
                amount,
            )
            .map_err(token_err)?,
        ];
        self.must("create token account", &ixs, &[&account]).await?;
        Ok(account.pubkey())
    }

    /// Creates `key` (which must sign) with `space` zeroed bytes owned by `owner`, rent-exempt,
    /// paid by the bank's payer.
    fn create_account_ix(&self, key: &Pubkey, space: usize, owner: &Pubkey) -> Instruction {
        anchor_lang::solana_program::system_instruction::create_account(
            &self.payer.pubkey(),
            key,
            Rent::default().minimum_balance(space),
            space as u64,
            owner,
        )
    }

    pub fn collateral_accounts(
        &self,
        signer: &Pubkey,
        token: &Pubkey,
        margin_account: &Pubkey,
    ) -> CollateralAccounts {
        CollateralAccounts {
            signer: *signer,
            market: self.market,
            margin_account: *margin_account,
            collateral_vault: collateral_vault_pda(&self.market),
            quote_mint: self.mint,
            user_token: *token,
            token_program: spl_token::ID,
            oracles: self.oracle_metas(),
        }
    }

    /// A new user with `collateral` (whole quote units) deposited and `lamports` for fees.
    pub async fn user(&self, collateral: u64, lamports: u64) -> Result<User, SetupError> {
        let wallet = Keypair::new();
        let owner = wallet.pubkey();
        let amount = World::native(collateral);
        let token_account = self.token_account(&owner, amount).await?;
        let margin_account = margin_account_pda(&self.market, &owner, 0);
        let mut ixs = vec![ix::margin_account_create(
            owner,
            self.payer.pubkey(),
            self.market,
            0,
        )];
        let a = self.collateral_accounts(&owner, &token_account, &margin_account);
        ixs.push(ix::collateral_deposit(&a, amount));
        if lamports > 0 {
            ixs.push(anchor_lang::solana_program::system_instruction::transfer(
                &self.payer.pubkey(),
                &owner,
                lamports,
            ));
        }
        self.must("open and fund a margin account", &ixs, &[&wallet])
            .await?;
        Ok(User {
            wallet,
            token_account,
            margin_account,
        })
    }

    /// Order accounts for `user`.
    pub fn orders(&self, user: &User) -> OrderAccounts {
        OrderAccounts {
            signer: user.wallet.pubkey(),
            market: self.market,
            margin_account: user.margin_account,
            book: self.book,
            event_queue: self.event_queue,
            oracles: self.oracle_metas(),
        }
    }

    /// `price` (whole quote per whole base) in ticks.
    pub fn ticks(&self, price: f64) -> f64 {
        perp_sdk::quote::ticks(&self.params, QUOTE_DECIMALS, price)
    }

    /// Native quote units one base lot is worth at `price`.
    pub fn lot_value(&self, price: f64) -> f64 {
        perp_sdk::quote::lot_value(&self.params, QUOTE_DECIMALS, price)
    }
}
