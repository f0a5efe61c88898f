//! `TestEnv`: a running bank with the perp program, the exchange's three authorities, and
//! helpers that every scenario uses. Tracks every margin account it creates so the
//! conservation check can sum them (program-test cannot list program accounts).

use super::ix::{self, CollateralAccounts, MarketCreateAccounts, OracleMetas};
use super::oracles::OracleKeys;
use super::tokens::{MintExtension, TestMint, create_mint_ixs, create_token_account_ixs};
use anchor_lang::solana_program::system_instruction;
use anchor_lang::{AccountDeserialize, AnchorDeserialize};
use anchor_spl::token::spl_token;
use anchor_spl::token_2022::spl_token_2022::{
    extension::StateWithExtensions, state::Account as TokenState,
};
use perp::error::ErrorCode;
use perp::state::{
    Change, EventQueueAccount, Exchange, MarginAccount, Market, MarketParams, OracleConfig,
    OrderBookAccount, ParamChange,
};
use perp::{ActionPrice, PriceAction};
use perp_sdk::pda;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_program_test::{BanksClientError, ProgramTestContext};
use solana_sdk::clock::Clock;
use solana_sdk::instruction::{Instruction, InstructionError};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use solana_sdk::transaction::{Transaction, TransactionError};
use std::collections::HashMap;

/// Why a transaction failed, reduced to what tests assert on.
pub type TxResult = Result<(), BanksClientError>;

pub use perp_sdk::events::events_of;

/// Asserts that `result` failed with exactly the program's `expected` error.
#[track_caller]
pub fn assert_error<T: std::fmt::Debug>(result: Result<T, BanksClientError>, expected: ErrorCode) {
    assert_custom_error(result, u32::from(expected), &format!("{expected:?}"));
}

/// Asserts that `result` failed with exactly Anchor's built-in `expected` error.
#[track_caller]
pub fn assert_anchor_error(result: TxResult, expected: anchor_lang::error::ErrorCode) {
    assert_custom_error(result, u32::from(expected), &format!("{expected:?}"));
}

/// Asserts that `result` failed with custom error `code` of any program (e.g. SPL Token's).
#[track_caller]
pub fn assert_program_error(result: TxResult, code: u32, name: &str) {
    assert_custom_error(result, code, name);
}

#[track_caller]
fn assert_custom_error<T: std::fmt::Debug>(
    result: Result<T, BanksClientError>,
    code: u32,
    name: &str,
) {
    match result {
        Err(BanksClientError::TransactionError(TransactionError::InstructionError(
            _,
            InstructionError::Custom(c),
        ))) if c == code => {}
        Err(BanksClientError::SimulationError {
            err: TransactionError::InstructionError(_, InstructionError::Custom(c)),
            ..
        }) if c == code => {}
        other => panic!("expected {name} ({code}), got {other:?}"),
    }
}

/// Default parameters of a test market (the SDK's preset).
pub fn default_params() -> MarketParams {
    perp_sdk::presets::market_params()
}

/// A listed market's addresses.
#[derive(Clone, Copy, Debug)]
pub struct MarketKeys {
    pub market: Pubkey,
    pub index: u16,
    pub quote_mint: Pubkey,
    pub token_program: Pubkey,
    pub collateral_vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub oracles: OracleKeys,
    pub book: Pubkey,
    pub event_queue: Pubkey,
}

impl MarketKeys {
    /// Both oracle accounts, as every price-reading instruction passes them.
    pub fn oracle_metas(&self) -> OracleMetas {
        OracleMetas {
            pyth: Some(self.oracles.pyth),
            switchboard: Some(self.oracles.switchboard),
        }
    }
}

/// The test markets' opening price: 150.00 quote per base, × 10^8.
pub const OPENING_PRICE_E8: i64 = 15_000_000_000;

/// A trader with a wallet, a funded quote token account and a margin account in one market.
pub struct Trader {
    pub wallet: Keypair,
    pub token_account: Pubkey,
    pub margin_account: Pubkey,
    pub market: MarketKeys,
}

impl Trader {
    /// Order accounts for this trader, signed by `signer` (the owner or a delegate).
    pub fn orders_signed_by(&self, signer: Pubkey) -> ix::OrderAccounts {
        ix::OrderAccounts {
            signer,
            market: self.market.market,
            margin_account: self.margin_account,
            book: self.market.book,
            event_queue: self.market.event_queue,
            oracles: self.market.oracle_metas(),
        }
    }

    /// Order accounts for this trader signing with their own wallet.
    pub fn orders(&self) -> ix::OrderAccounts {
        self.orders_signed_by(self.wallet.pubkey())
    }

    /// Deposit/withdraw accounts for this trader signing with their own wallet.
    pub fn collateral_accounts(&self) -> CollateralAccounts {
        CollateralAccounts {
            signer: self.wallet.pubkey(),
            market: self.market.market,
            margin_account: self.margin_account,
            collateral_vault: self.market.collateral_vault,
            quote_mint: self.market.quote_mint,
            user_token: self.token_account,
            token_program: self.market.token_program,
            oracles: self.market.oracle_metas(),
        }
    }

    /// `trigger_execute` accounts with this trader as the executor, firing `account`'s trigger.
    pub fn executing(&self, account: Pubkey) -> ix::TriggerExecuteAccounts {
        ix::TriggerExecuteAccounts {
            executor: self.wallet.pubkey(),
            market: self.market.market,
            margin_account: account,
            executor_account: self.margin_account,
            book: self.market.book,
            event_queue: self.market.event_queue,
            oracles: self.market.oracle_metas(),
        }
    }

    /// `liquidate` accounts with this trader as the keeper, liquidating `account`.
    pub fn liquidating(&self, account: Pubkey) -> ix::LiquidateAccounts {
        ix::LiquidateAccounts {
            keeper: self.wallet.pubkey(),
            market: self.market.market,
            margin_account: account,
            keeper_account: self.margin_account,
            book: Some(self.market.book),
            event_queue: Some(self.market.event_queue),
            collateral_vault: self.market.collateral_vault,
            insurance_vault: self.market.insurance_vault,
            quote_mint: self.market.quote_mint,
            token_program: self.market.token_program,
            oracles: self.market.oracle_metas(),
            trigger_orders: None,
        }
    }
}

/// Who tries an instruction in the role matrices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Governance,
    RiskCouncil,
    Guardian,
    Stranger,
    MarketUser,
}

/// Every actor, in matrix order.
pub const ACTORS: [Actor; 5] = [
    Actor::Governance,
    Actor::RiskCouncil,
    Actor::Guardian,
    Actor::Stranger,
    Actor::MarketUser,
];

pub struct TestEnv {
    pub ctx: ProgramTestContext,
    pub governance: Keypair,
    pub risk_council: Keypair,
    pub guardian: Keypair,
    nonce: u64,
    mints: HashMap<Pubkey, TestMint>,
    margin_accounts: HashMap<Pubkey, Vec<Pubkey>>,
}

impl TestEnv {
    /// A bank with the program and an initialized exchange.
    pub async fn new() -> Self {
        let mut env = Self::uninitialized().await;
        let ix = ix::exchange_initialize(
            env.payer(),
            env.governance.pubkey(),
            env.risk_council.pubkey(),
            env.guardian.pubkey(),
        );
        env.send(&[ix], &[]).await.expect("exchange_initialize");
        env
    }

    /// A bank with the program but no exchange yet.
    pub async fn uninitialized() -> Self {
        let mut pt = perp_sdk::cluster::bank::program_test();
        // program-test turns on debug logging of every instruction; keep test output readable
        // unless RUST_LOG asks for more.
        agave_logger::setup_with_default("error");
        pt.add_program(
            "forger",
            super::forger::FORGER_ID,
            solana_program_test::processor!(super::forger::process),
        );
        let ctx = pt.start_with_context().await;
        perp_sdk::cluster::stubs::route_events_to_logs();
        Self {
            ctx,
            governance: Keypair::new(),
            risk_council: Keypair::new(),
            guardian: Keypair::new(),
            nonce: 0,
            mints: HashMap::new(),
            margin_accounts: HashMap::new(),
        }
    }

    /// `actor`'s keypair (with SOL): an authority, a fresh stranger, or `user`'s wallet.
    pub async fn actor(&mut self, actor: Actor, user: &Trader) -> Keypair {
        let key = match actor {
            Actor::Governance => self.governance.insecure_clone(),
            Actor::RiskCouncil => self.risk_council.insecure_clone(),
            Actor::Guardian => self.guardian.insecure_clone(),
            Actor::Stranger => Keypair::new(),
            Actor::MarketUser => return user.wallet.insecure_clone(),
        };
        self.airdrop(&key.pubkey(), 1_000_000_000).await;
        key
    }

    /// The fee payer's key.
    pub fn payer(&self) -> Pubkey {
        self.ctx.payer.pubkey()
    }

    /// A transaction of `ixs` paid by `fee_payer` (default: the harness's payer) and signed by
    /// it and `signers`. A unique compute-unit price makes every transaction distinct, since the
    /// bank silently de-duplicates identical ones. The blockhash is refreshed every 64
    /// transactions: program-test produces new ones in the background, and a transaction with
    /// an expired one is dropped without an answer (the client then times out), which long
    /// scenarios would otherwise hit.
    async fn transaction(
        &mut self,
        ixs: &[Instruction],
        fee_payer: Option<&Keypair>,
        signers: &[&Keypair],
    ) -> Transaction {
        self.nonce += 1;
        if self.nonce.is_multiple_of(64) {
            self.ctx.last_blockhash = self
                .ctx
                .banks_client
                .get_latest_blockhash()
                .await
                .expect("blockhash");
        }
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_price(self.nonce)];
        all.extend_from_slice(ixs);
        let fee_payer = fee_payer.unwrap_or(&self.ctx.payer);
        let mut keys: Vec<&Keypair> = vec![fee_payer];
        keys.extend_from_slice(signers);
        Transaction::new_signed_with_payer(
            &all,
            Some(&fee_payer.pubkey()),
            &keys,
            self.ctx.last_blockhash,
        )
    }

    /// Sends `ixs` signed by the payer and `signers`.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxResult {
        let tx = self.transaction(ixs, None, signers).await;
        self.process(tx).await
    }

    /// Executes `tx` on the bank directly. Not `process_transaction`: that path hands the
    /// transaction to the banks server's background sender and returns once its status is
    /// recorded, which is before its account locks are released, so the next transaction
    /// could fail `AccountInUse` (seen in CI on `stress_b`).
    async fn process(&mut self, tx: Transaction) -> TxResult {
        let out = self
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await?;
        out.result.map_err(BanksClientError::TransactionError)
    }

    /// Sends `ixs` with `fee_payer` paying (and signing) instead of the harness's payer, for
    /// showing that a permissionless instruction needs nobody in particular.
    pub async fn send_paid_by(&mut self, fee_payer: &Keypair, ixs: &[Instruction]) -> TxResult {
        let tx = self.transaction(ixs, Some(fee_payer), &[]).await;
        self.process(tx).await
    }

    /// Like `send`, but returns the events of type `E` the transaction emitted.
    pub async fn send_for_events<E: anchor_lang::Event + AnchorDeserialize>(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<E>, BanksClientError> {
        Ok(events_of(&self.send_for_logs(ixs, signers).await?))
    }

    /// Runs `ixs` without committing anything: what `send` would return.
    pub async fn simulate(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxResult {
        let tx = self.transaction(ixs, None, signers).await;
        let sim = self.ctx.banks_client.simulate_transaction(tx).await?;
        match sim.result {
            Some(Err(err)) => Err(BanksClientError::TransactionError(err)),
            _ => Ok(()),
        }
    }

    /// Like `send`, but returns the transaction's log lines.
    pub async fn send_for_log_lines(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<String>, BanksClientError> {
        let tx = self.transaction(ixs, None, signers).await;
        let out = self
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await?;
        out.result.map_err(BanksClientError::TransactionError)?;
        Ok(perp_sdk::cluster::stubs::to_cluster_form(
            out.metadata.map(|m| m.log_messages).unwrap_or_default(),
        ))
    }

    /// Like `send`, but returns every event the transaction emitted, undecoded.
    pub async fn send_for_logs(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<Vec<u8>>, BanksClientError> {
        let logs = self.send_for_log_lines(ixs, signers).await?;
        Ok(perp_sdk::events::raw_events(&logs))
    }

    /// Moves the bank clock forward by `seconds`.
    pub async fn warp_seconds(&mut self, seconds: i64) {
        self.warp(seconds, 0).await;
    }

    /// Moves the bank clock forward by `seconds` and its slot by `slots`.
    pub async fn warp(&mut self, seconds: i64, slots: u64) {
        let mut clock: Clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp += seconds;
        clock.slot += slots;
        self.ctx.set_sysvar(&clock);
    }

    /// Sends `lamports` from the payer to `to`.
    pub async fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        let ix = system_instruction::transfer(&self.payer(), to, lamports);
        self.send(&[ix], &[]).await.expect("airdrop");
    }

    /// What a griefer sends to an address to try to block its creation: the smallest transfer
    /// the runtime accepts to a new address (rent exemption of an empty account).
    pub async fn prefund(&mut self, key: &Pubkey) {
        let lamports = self
            .ctx
            .banks_client
            .get_rent()
            .await
            .expect("rent")
            .minimum_balance(0);
        self.airdrop(key, lamports).await;
    }

    /// Lamports held by `key` (0 when the account does not exist).
    pub async fn lamports(&mut self, key: &Pubkey) -> u64 {
        self.ctx
            .banks_client
            .get_balance(*key)
            .await
            .expect("balance")
    }

    /// Creates a mint; `extensions` non-empty (or `token_2022`) makes it a Token-2022 mint.
    pub async fn create_mint(
        &mut self,
        decimals: u8,
        token_2022: bool,
        extensions: &[MintExtension],
    ) -> Pubkey {
        let mint = Keypair::new();
        let authority = Keypair::new();
        let token_program = if token_2022 || !extensions.is_empty() {
            anchor_spl::token_2022::ID
        } else {
            spl_token::ID
        };
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let ixs = create_mint_ixs(
            &self.payer(),
            &mint.pubkey(),
            &authority.pubkey(),
            decimals,
            &token_program,
            extensions,
            &rent,
        );
        self.send(&ixs, &[&mint]).await.expect("create mint");
        let key = mint.pubkey();
        self.mints.insert(
            key,
            TestMint {
                key,
                authority,
                token_program,
                extensions: extensions.to_vec(),
            },
        );
        key
    }

    /// Creates a token account of `mint` owned by `owner`, holding `amount` freshly minted.
    pub async fn create_token_account(
        &mut self,
        mint: &Pubkey,
        owner: &Pubkey,
        amount: u64,
    ) -> Pubkey {
        let account = Keypair::new();
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let m = &self.mints[mint];
        let mut ixs = create_token_account_ixs(
            &self.ctx.payer.pubkey(),
            &account.pubkey(),
            mint,
            owner,
            &m.token_program,
            &m.extensions,
            &rent,
        );
        let authority = m.authority.insecure_clone();
        let mut signers = vec![&account];
        if amount > 0 {
            ixs.push(m.mint_to_ix(&account.pubkey(), amount));
            signers.push(&authority);
        }
        self.send(&ixs, &signers)
            .await
            .expect("create token account");
        account.pubkey()
    }

    /// Mints `amount` of `mint` into any token account of it (e.g. a market's insurance vault).
    pub async fn mint_to(&mut self, mint: &Pubkey, account: &Pubkey, amount: u64) {
        let m = &self.mints[mint];
        let ix = m.mint_to_ix(account, amount);
        let authority = m.authority.insecure_clone();
        self.send(&[ix], &[&authority]).await.expect("mint_to");
    }

    /// The account at `key`, which the test expects to exist (`what` names it if not).
    async fn existing_account(&mut self, key: Pubkey, what: &str) -> solana_sdk::account::Account {
        let account = self.ctx.banks_client.get_account(key).await.expect("get");
        account.unwrap_or_else(|| panic!("{what}: no account at {key}"))
    }

    /// Whether an account exists at `key`.
    pub async fn exists(&mut self, key: &Pubkey) -> bool {
        self.ctx
            .banks_client
            .get_account(*key)
            .await
            .expect("get")
            .is_some()
    }

    /// The data of the account at `key`, which must exist.
    pub async fn account_data(&mut self, key: &Pubkey) -> Vec<u8> {
        self.existing_account(*key, "account exists").await.data
    }

    /// Token balance of a token account (classic or Token-2022).
    pub async fn token_balance(&mut self, account: &Pubkey) -> u64 {
        self.token_account(account).await.amount
    }

    /// Raw token account state (owner, mint, amount…).
    pub async fn token_account(&mut self, account: &Pubkey) -> TokenState {
        let acc = self
            .existing_account(*account, "token account exists")
            .await;
        StateWithExtensions::<TokenState>::unpack(&acc.data)
            .expect("token account")
            .base
    }

    /// Queues `change` signed by governance (the fee payer pays its rent); returns its address.
    pub async fn queue(
        &mut self,
        change: Change,
        market: Option<Pubkey>,
    ) -> Result<Pubkey, BanksClientError> {
        let governance = self.governance.insecure_clone();
        let ix = ix::params_queue(governance.pubkey(), self.payer(), change, market);
        self.send(&[ix], &[&governance]).await?;
        Ok(pda::param_change_pda(&change))
    }

    /// Moves the clock forward by exactly the exchange's timelock.
    pub async fn warp_past_timelock(&mut self) {
        let delay = self.exchange().await.timelock_secs;
        self.warp_seconds(i64::from(delay)).await;
    }

    /// Runs the permissionless `params_execute` on `change`'s pending account.
    pub async fn execute(&mut self, change: &Change, market: Option<Pubkey>) -> TxResult {
        let ix = ix::params_execute(pda::param_change_pda(change), self.payer(), market);
        self.send(&[ix], &[]).await
    }

    /// The whole governance path: queue, wait out the timelock, execute.
    pub async fn govern(&mut self, change: Change, market: Option<Pubkey>) -> TxResult {
        self.queue(change, market).await?;
        self.warp_past_timelock().await;
        self.execute(&change, market).await
    }

    /// The listing of `quote_mint` at the exchange's next market index.
    pub async fn listing(
        &mut self,
        quote_mint: &Pubkey,
        params: MarketParams,
        oracle: OracleConfig,
    ) -> Change {
        Change::ListMarket {
            market_index: self.exchange().await.market_count,
            quote_mint: *quote_mint,
            params,
            oracle,
        }
    }

    /// `market_create` accounts executing the queued `listing` (a `Change::ListMarket`).
    /// Allocates a zeroed account of `space` bytes owned by the program, as a client does for a
    /// market's order book and event queue (too large for the program to create by CPI).
    pub async fn allocate_program_account(&mut self, space: usize) -> Pubkey {
        let account = Keypair::new();
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let ix = system_instruction::create_account(
            &self.payer(),
            &account.pubkey(),
            rent.minimum_balance(space),
            space as u64,
            &perp::ID,
        );
        self.send(&[ix], &[&account]).await.expect("allocate");
        account.pubkey()
    }

    /// `market_create`'s accounts for `listing`, with a freshly allocated book and event queue.
    pub async fn market_create_accounts(&mut self, listing: &Change) -> MarketCreateAccounts {
        let Change::ListMarket {
            market_index,
            quote_mint,
            ..
        } = *listing
        else {
            panic!("not a listing: {listing:?}");
        };
        MarketCreateAccounts {
            param_change: pda::param_change_pda(listing),
            rent_payer: self.payer(),
            payer: self.payer(),
            market: pda::market_pda(market_index),
            quote_mint,
            token_program: self.mints[&quote_mint].token_program,
            book: self.allocate_program_account(OrderBookAccount::SPACE).await,
            event_queue: self
                .allocate_program_account(EventQueueAccount::SPACE)
                .await,
        }
    }

    /// Lists a market for `quote_mint` with `params` and fresh oracle accounts (both quoting
    /// `OPENING_PRICE_E8`) through governance's timelocked path.
    pub async fn try_create_market(
        &mut self,
        quote_mint: &Pubkey,
        params: MarketParams,
    ) -> Result<MarketKeys, BanksClientError> {
        let oracles = OracleKeys::new_unique();
        self.try_create_market_with(quote_mint, params, oracles, oracles.config())
            .await
    }

    /// Lists a market with an explicit oracle configuration: queues the listing, waits out the
    /// timelock, writes `oracles`' accounts with `OPENING_PRICE_E8`, and executes it.
    pub async fn try_create_market_with(
        &mut self,
        quote_mint: &Pubkey,
        params: MarketParams,
        oracles: OracleKeys,
        oracle: OracleConfig,
    ) -> Result<MarketKeys, BanksClientError> {
        let listing = self.listing(quote_mint, params, oracle).await;
        self.queue(listing, None).await?;
        self.warp_past_timelock().await;
        let q = self.pyth_quote(&oracles, OPENING_PRICE_E8).await;
        self.set_pyth(&oracles.pyth, q).await;
        let q = self.switchboard_quote(OPENING_PRICE_E8).await;
        self.set_switchboard(&oracles.switchboard, q).await;
        let a = self.market_create_accounts(&listing).await;
        self.send(&[ix::market_create(&a)], &[]).await?;
        let Change::ListMarket { market_index, .. } = listing else {
            unreachable!()
        };
        Ok(MarketKeys {
            market: a.market,
            index: market_index,
            quote_mint: *quote_mint,
            token_program: a.token_program,
            collateral_vault: pda::collateral_vault_pda(&a.market),
            insurance_vault: pda::insurance_vault_pda(&a.market),
            oracles,
            book: a.book,
            event_queue: a.event_queue,
        })
    }

    /// A new classic-SPL quote mint (6 decimals) and a market for it with default parameters.
    pub async fn create_market(&mut self) -> MarketKeys {
        let mint = self.create_mint(6, false, &[]).await;
        self.try_create_market(&mint, default_params())
            .await
            .expect("market_create")
    }

    /// Runs the permissionless `market_update_price` crank with `market`'s oracle accounts.
    pub async fn update_price(&mut self, market: &MarketKeys) -> TxResult {
        let ix = ix::market_update_price(market.market, market.oracle_metas());
        self.send(&[ix], &[]).await
    }

    /// Simulates `market_preview_price` with `oracles` and decodes its return data.
    pub async fn preview_price_with(
        &mut self,
        market: &MarketKeys,
        oracles: OracleMetas,
        action: PriceAction,
    ) -> Result<Option<ActionPrice>, BanksClientError> {
        let ix = ix::market_preview_price(market.market, oracles, action);
        let tx = self.transaction(&[ix], None, &[]).await;
        let sim = self.ctx.banks_client.simulate_transaction(tx).await?;
        if let Some(Err(err)) = sim.result {
            return Err(BanksClientError::TransactionError(err));
        }
        let data = sim
            .simulation_details
            .and_then(|d| d.return_data)
            .expect("market_preview_price sets return data")
            .data;
        Ok(anchor_lang::AnchorDeserialize::deserialize(&mut data.as_slice()).expect("decode"))
    }

    /// `market_preview_price` with `market`'s own oracle accounts.
    pub async fn preview_price(
        &mut self,
        market: &MarketKeys,
        action: PriceAction,
    ) -> Result<Option<ActionPrice>, BanksClientError> {
        self.preview_price_with(market, market.oracle_metas(), action)
            .await
    }

    /// Opens margin account `sub_account_id` of `owner` in `market`.
    pub async fn try_create_margin_account(
        &mut self,
        owner: &Keypair,
        market: &Pubkey,
        sub_account_id: u16,
    ) -> Result<Pubkey, BanksClientError> {
        let ix = ix::margin_account_create(owner.pubkey(), self.payer(), *market, sub_account_id);
        self.send(&[ix], &[owner]).await?;
        let key = pda::margin_account_pda(market, &owner.pubkey(), sub_account_id);
        let accounts = self.margin_accounts.entry(*market).or_default();
        if !accounts.contains(&key) {
            accounts.push(key);
        }
        Ok(key)
    }

    /// A new wallet with SOL, `tokens` of the market's quote mint and a margin account.
    pub async fn trader(&mut self, market: &MarketKeys, tokens: u64) -> Trader {
        let wallet = Keypair::new();
        self.airdrop(&wallet.pubkey(), 1_000_000_000).await;
        let token_account = self
            .create_token_account(&market.quote_mint, &wallet.pubkey(), tokens)
            .await;
        let margin_account = self
            .try_create_margin_account(&wallet, &market.market, 0)
            .await
            .expect("margin_account_create");
        Trader {
            wallet,
            token_account,
            margin_account,
            market: *market,
        }
    }

    /// A new trader whose margin account's rent `sponsor` pays (and gets back on close).
    pub async fn sponsored_trader(
        &mut self,
        market: &MarketKeys,
        tokens: u64,
        sponsor: &Keypair,
    ) -> Trader {
        let wallet = Keypair::new();
        self.airdrop(&wallet.pubkey(), 1_000_000_000).await;
        let create = ix::margin_account_create(wallet.pubkey(), sponsor.pubkey(), market.market, 0);
        self.send(&[create], &[&wallet, sponsor])
            .await
            .expect("margin_account_create");
        let margin_account = pda::margin_account_pda(&market.market, &wallet.pubkey(), 0);
        self.margin_accounts
            .entry(market.market)
            .or_default()
            .push(margin_account);
        Trader {
            token_account: self
                .create_token_account(&market.quote_mint, &wallet.pubkey(), tokens)
                .await,
            wallet,
            margin_account,
            market: *market,
        }
    }

    /// A new trader with `collateral` deposited in their margin account.
    pub async fn funded_trader(&mut self, market: &MarketKeys, collateral: u64) -> Trader {
        let t = self.trader(market, collateral).await;
        self.deposit(&t, collateral).await.expect("deposit");
        t
    }

    /// The trader (as owner) names `delegate` on their margin account.
    pub async fn set_delegate(&mut self, trader: &Trader, delegate: &Pubkey) {
        let ix = ix::margin_account_set_delegate(
            trader.wallet.pubkey(),
            trader.margin_account,
            *delegate,
        );
        self.send(&[ix], &[&trader.wallet])
            .await
            .expect("margin_account_set_delegate");
    }

    /// Deposits `amount` from the trader's token account into their margin account.
    pub async fn deposit(&mut self, trader: &Trader, amount: u64) -> TxResult {
        let ix = ix::collateral_deposit(&trader.collateral_accounts(), amount);
        self.send(&[ix], &[&trader.wallet]).await
    }

    /// Withdraws `amount` from the trader's margin account to their token account.
    pub async fn withdraw(&mut self, trader: &Trader, amount: u64) -> TxResult {
        let ix = ix::collateral_withdraw(&trader.collateral_accounts(), amount);
        self.send(&[ix], &[&trader.wallet]).await
    }

    /// The exchange account.
    pub async fn exchange(&mut self) -> Exchange {
        let acc = self.existing_account(pda::exchange_pda(), "exchange").await;
        Exchange::try_deserialize(&mut &acc.data[..]).expect("exchange")
    }

    /// A pending governance change.
    pub async fn param_change(&mut self, key: &Pubkey) -> ParamChange {
        let acc = self.existing_account(*key, "change is pending").await;
        ParamChange::try_deserialize(&mut &acc.data[..]).expect("param change")
    }

    /// A zero-copy account's body (after the 8-byte discriminator).
    async fn zero_copy<T: bytemuck::Pod>(&mut self, key: &Pubkey) -> T {
        let acc = self.existing_account(*key, "account exists").await;
        assert_eq!(acc.owner, perp::ID, "owned by the program");
        bytemuck::pod_read_unaligned(&acc.data[8..8 + std::mem::size_of::<T>()])
    }

    /// The market account.
    pub async fn market(&mut self, key: &Pubkey) -> Market {
        self.zero_copy(key).await
    }

    /// A margin account.
    pub async fn margin_account(&mut self, key: &Pubkey) -> MarginAccount {
        self.zero_copy(key).await
    }

    /// The fees the market's book has kept, in quote lots (the book header's second field).
    pub async fn book_fees(&mut self, market: &MarketKeys) -> i64 {
        let acc = self.existing_account(market.book, "book exists").await;
        let at = 8 + 32 + 8;
        i64::from_le_bytes(acc.data[at..at + 8].try_into().unwrap())
    }

    /// Events waiting in the market's queue (the ring header's second field).
    pub async fn queue_len(&mut self, market: &MarketKeys) -> u32 {
        let acc = self
            .existing_account(market.event_queue, "queue exists")
            .await;
        let at = 8 + 32 + 4;
        u32::from_le_bytes(acc.data[at..at + 4].try_into().unwrap())
    }

    /// Trading is zero-sum once the queue is drained: positions sum to zero, and the traders'
    /// net cash flows plus the fees the market kept sum to zero.
    pub async fn assert_zero_sum(&mut self, market: &MarketKeys) {
        assert_eq!(self.queue_len(market).await, 0, "drain the queue first");
        let (mut base, mut cash) = (0i64, 0i64);
        for key in self
            .margin_accounts
            .get(&market.market)
            .cloned()
            .unwrap_or_default()
        {
            let t = self.margin_account(&key).await.trader;
            base += t.base_position.get();
            cash += t.cash_flow().unwrap().get();
        }
        assert_eq!(base, 0, "positions are zero-sum");
        assert_eq!(
            cash + self.book_fees(market).await,
            0,
            "cash and fees are zero-sum"
        );
    }

    /// Token conservation for one market (drain the queue first: a queued fill is half
    /// applied). The market's running total equals its accounts' collateral, and the collateral
    /// vault holds every account's claim — collateral plus net trading cash flow (realised PnL,
    /// fees, liquidation fees) less funding and socialised losses not yet settled — plus the
    /// fees the book kept, plus rounding dust that only ever favours the vault. Returns the dust
    /// (native units); it is exactly zero until a funding index moves.
    pub async fn assert_conservation(&mut self, market: &MarketKeys) -> u64 {
        assert_eq!(self.queue_len(market).await, 0, "drain the queue first");
        let m = self.market(&market.market).await;
        let mut accounts = Vec::new();
        for key in self
            .margin_accounts
            .get(&market.market)
            .cloned()
            .unwrap_or_default()
        {
            let exists = self
                .ctx
                .banks_client
                .get_account(key)
                .await
                .unwrap()
                .is_some_and(|a| a.owner == perp::ID);
            if exists {
                accounts.push(self.margin_account(&key).await);
            }
        }
        let vault = self.token_balance(&market.collateral_vault).await;
        let fees = self.book_fees(market).await;
        let c = perp_sdk::risk::Conservation::of(&m, &accounts, vault, fees).unwrap();
        assert_eq!(
            c.collateral_total, c.collateral_sum,
            "market total equals the sum of its accounts"
        );
        let dust = c.dust();
        if m.funding.long_index == 0 && m.funding.short_index == 0 {
            assert_eq!(
                dust, 0,
                "the collateral vault holds exactly the accounts' claims and fees"
            );
        }
        assert!(dust >= 0, "the vault is short by {} native units", -dust);
        u64::try_from(dust).unwrap()
    }
}
