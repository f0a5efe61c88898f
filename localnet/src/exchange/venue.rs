//! The deployed exchange as the local cluster's own participants see it: the markets, the test
//! quote mint (the deployer mints it), and helpers to fund wallets and open margin accounts.

use super::feeder::Feeder;
use crate::ledger::Ledger;
use anchor_spl::associated_token::{get_associated_token_address, spl_associated_token_account};
use anchor_spl::token::spl_token;
use perp_sdk::ix::{self, CollateralAccounts, OracleMetas, OrderAccounts};
use perp_sdk::pda::{collateral_vault_pda, margin_account_pda};
use perp_sdk::perp::state::{MarketParams, OracleConfig};
use perp_sdk::{Cluster, TxOutcome};
use solana_sdk::instruction::Instruction;
use solana_sdk::native_token::LAMPORTS_PER_SOL;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use solana_sdk::transaction::Transaction;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Decimals of the local quote token.
pub const QUOTE_DECIMALS: u8 = perp_migrations::spec::TEST_MINT_DECIMALS;
const QUOTE_UNIT: u64 = 10u64.pow(QUOTE_DECIMALS as u32);

pub struct MarketInfo {
    pub symbol: String,
    pub market: Pubkey,
    pub book: Pubkey,
    pub event_queue: Pubkey,
    pub params: MarketParams,
    pub oracle: OracleConfig,
    pub feeder: Arc<Feeder>,
}

impl MarketInfo {
    /// Native quote units one base lot is worth at `price` (whole quote per whole base).
    pub fn lot_value(&self, price: f64) -> f64 {
        perp_sdk::quote::lot_value(&self.params, QUOTE_DECIMALS, price)
    }

    /// `price` in ticks.
    pub fn ticks(&self, price: f64) -> f64 {
        perp_sdk::quote::ticks(&self.params, QUOTE_DECIMALS, price)
    }

    pub fn oracles(&self) -> OracleMetas {
        OracleMetas {
            pyth: Some(self.oracle.pyth_price_update),
            switchboard: Some(self.oracle.switchboard_feed),
        }
    }

    pub fn orders(&self, signer: &Pubkey) -> OrderAccounts {
        OrderAccounts {
            signer: *signer,
            market: self.market,
            margin_account: margin_account_pda(&self.market, signer, 0),
            book: self.book,
            event_queue: self.event_queue,
            oracles: self.oracles(),
        }
    }

    pub fn collateral(&self, signer: &Pubkey, quote_mint: &Pubkey) -> CollateralAccounts {
        CollateralAccounts {
            signer: *signer,
            market: self.market,
            margin_account: margin_account_pda(&self.market, signer, 0),
            collateral_vault: collateral_vault_pda(&self.market),
            quote_mint: *quote_mint,
            user_token: get_associated_token_address(signer, quote_mint),
            token_program: spl_token::ID,
            oracles: self.oracles(),
        }
    }
}

pub struct Venue {
    pub ledger: Arc<Ledger>,
    /// Pays the participants' transactions and holds the quote mint's authority.
    pub deployer: Keypair,
    pub quote_mint: Pubkey,
    pub markets: Vec<MarketInfo>,
    nonce: AtomicU64,
}

/// Whole quote units in native units.
pub fn native(whole: u64) -> u64 {
    whole.saturating_mul(QUOTE_UNIT)
}

impl Venue {
    pub fn new(
        ledger: Arc<Ledger>,
        deployer: Keypair,
        quote_mint: Pubkey,
        markets: Vec<MarketInfo>,
    ) -> Self {
        Venue {
            ledger,
            deployer,
            quote_mint,
            markets,
            nonce: AtomicU64::new(1),
        }
    }

    pub fn market(&self, symbol: &str) -> Option<&MarketInfo> {
        self.markets.iter().find(|m| m.symbol == symbol)
    }

    /// Sends `ixs` paid by the deployer and signed by `signers` too. A distinct compute-unit
    /// price keeps otherwise identical transactions (a maker's requote) distinct.
    pub async fn send(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> anyhow::Result<TxOutcome> {
        let nonce = self.nonce.fetch_add(1, Ordering::Relaxed);
        let mut all = vec![
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(
                nonce,
            ),
        ];
        all.extend_from_slice(ixs);
        let mut keys = vec![&self.deployer];
        keys.extend_from_slice(signers);
        let blockhash = self.ledger.latest_blockhash().await?;
        let tx = Transaction::new_signed_with_payer(
            &all,
            Some(&self.deployer.pubkey()),
            &keys,
            blockhash,
        );
        Ok(self.ledger.send(&tx).await?)
    }

    /// Sends `ixs`, which must succeed.
    pub async fn must(
        &self,
        what: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> anyhow::Result<TxOutcome> {
        let out = self.send(ixs, signers).await?;
        if let Some(err) = &out.err {
            let log = out.logs.iter().rev().find(|l| l.contains("Error"));
            anyhow::bail!("{what} failed: {err} {}", log.map_or("", |l| l.as_str()));
        }
        Ok(out)
    }

    /// Gives `owner` `whole` quote units (into its associated token account, created if
    /// needed) and `sol` SOL.
    pub async fn fund(&self, owner: &Pubkey, whole: u64, sol: u64) -> anyhow::Result<Pubkey> {
        let deployer = self.deployer.pubkey();
        let ata = get_associated_token_address(owner, &self.quote_mint);
        let mut ixs = vec![
            spl_associated_token_account::instruction::create_associated_token_account_idempotent(
                &deployer,
                owner,
                &self.quote_mint,
                &spl_token::ID,
            ),
            spl_token::instruction::mint_to(
                &spl_token::ID,
                &self.quote_mint,
                &ata,
                &deployer,
                &[],
                native(whole),
            )?,
        ];
        if sol > 0 {
            ixs.push(anchor_lang::solana_program::system_instruction::transfer(
                &deployer,
                owner,
                sol.saturating_mul(LAMPORTS_PER_SOL),
            ));
        }
        self.must("fund", &ixs, &[]).await?;
        Ok(ata)
    }

    /// Opens `wallet`'s margin account in `market` and deposits `whole` quote units, minted
    /// for it first.
    pub async fn open(
        &self,
        wallet: &Keypair,
        market: &MarketInfo,
        whole: u64,
    ) -> anyhow::Result<Pubkey> {
        let owner = wallet.pubkey();
        self.fund(&owner, whole, 0).await?;
        let create = ix::margin_account_create(owner, self.deployer.pubkey(), market.market, 0);
        let deposit =
            ix::collateral_deposit(&market.collateral(&owner, &self.quote_mint), native(whole));
        self.must("open a margin account", &[create, deposit], &[wallet])
            .await?;
        Ok(margin_account_pda(&market.market, &owner, 0))
    }

    /// Mints and deposits `whole` more quote units for `wallet` in `market`.
    pub async fn top_up(
        &self,
        wallet: &Keypair,
        market: &MarketInfo,
        whole: u64,
    ) -> anyhow::Result<()> {
        let owner = wallet.pubkey();
        self.fund(&owner, whole, 0).await?;
        let deposit =
            ix::collateral_deposit(&market.collateral(&owner, &self.quote_mint), native(whole));
        self.must("deposit", &[deposit], &[wallet]).await?;
        Ok(())
    }
}
