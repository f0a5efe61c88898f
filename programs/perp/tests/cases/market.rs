//! `market_create`: only a queued listing, hard-bounded parameters, own vaults, mint allowlist,
//! and immune to address pre-funding.

use crate::program_test::tokens::MintExtension;
use crate::program_test::*;
use anchor_spl::token::spl_token;
use perp::error::ErrorCode;
use perp::state::{Change, MarketStatus};
use perp_sdk::pda;

#[tokio::test]
async fn market_gets_its_own_vaults_and_parameters() {
    let mut env = TestEnv::new().await;
    let a = env.create_market().await;
    let b = env.create_market().await;
    assert_eq!((a.index, b.index), (0, 1));
    assert_eq!(env.exchange().await.market_count, 2);

    for keys in [a, b] {
        let m = env.market(&keys.market).await;
        assert_eq!(m.params, default_params());
        assert_eq!(m.quote_mint, keys.quote_mint);
        assert_eq!(m.quote_token_program, spl_token::ID);
        assert_eq!(m.collateral_vault, keys.collateral_vault);
        assert_eq!(m.insurance_vault, keys.insurance_vault);
        assert_eq!(m.status, MarketStatus::Active as u8);
        assert_eq!(m.quote_decimals, 6);
        assert_eq!(m.collateral_total, 0);
        for vault in [keys.collateral_vault, keys.insurance_vault] {
            let t = env.token_account(&vault).await;
            assert_eq!(t.owner, keys.market, "vault authority is the market PDA");
            assert_eq!(t.mint, keys.quote_mint);
            assert_eq!(t.amount, 0);
        }
    }
    assert_ne!(a.collateral_vault, b.collateral_vault);
    assert_ne!(a.insurance_vault, b.insurance_vault);
}

#[tokio::test]
async fn a_market_is_listed_only_by_executing_a_queued_listing() {
    let mut env = TestEnv::new().await;
    let mint = env.create_mint(6, false, &[]).await;
    let oracle = OracleKeys::new_unique().config();
    let listing = env.listing(&mint, default_params(), oracle).await;
    let a = env.market_create_accounts(&listing).await;
    // Nothing queued: there is no listing to execute.
    assert_anchor_error(
        env.send(&[ix::market_create(&a)], &[]).await,
        anchor_lang::error::ErrorCode::AccountNotInitialized,
    );
    // A queued change of another kind cannot be executed as a listing.
    let timelock = Change::Timelock {
        delay_secs: 3 * 86_400,
        window_secs: 3 * 86_400,
    };
    env.queue(timelock, None).await.expect("queue timelock");
    env.queue(listing, None).await.expect("queue listing");
    env.warp_past_timelock().await;
    let wrong = MarketCreateAccounts {
        param_change: pda::param_change_pda(&timelock),
        ..env.market_create_accounts(&listing).await
    };
    assert_error(
        env.send(&[ix::market_create(&wrong)], &[]).await,
        ErrorCode::WrongChangeKind,
    );
    // Another mint than the listing names is refused.
    let other = env.create_mint(6, false, &[]).await;
    let swapped = MarketCreateAccounts {
        quote_mint: other,
        ..env.market_create_accounts(&listing).await
    };
    assert_error(
        env.send(&[ix::market_create(&swapped)], &[]).await,
        ErrorCode::WrongMint,
    );
    assert_eq!(env.exchange().await.market_count, 0);

    // Anyone may execute the real one; its account closes and the rent returns to its payer.
    let payer_before = env.lamports(&env.payer()).await;
    env.send(&[ix::market_create(&a)], &[])
        .await
        .expect("executed by anyone");
    assert_eq!(env.exchange().await.market_count, 1);
    assert_eq!(env.market(&a.market).await.params, default_params());
    assert_eq!(
        env.lamports(&a.param_change).await,
        0,
        "change account closed"
    );
    assert!(
        env.lamports(&env.payer()).await > payer_before - 20_000_000,
        "rent refunded"
    );
}

#[tokio::test]
async fn out_of_bounds_parameters_are_refused_by_name() {
    let mut env = TestEnv::new().await;
    let mint = env.create_mint(6, false, &[]).await;
    type Case = (fn(&mut perp::MarketParams), ErrorCode);
    let cases: &[Case] = &[
        (
            |p| p.initial_margin_bps = 0,
            ErrorCode::InvalidInitialMargin,
        ),
        (
            |p| p.maintenance_margin_bps = p.initial_margin_bps,
            ErrorCode::InvalidMaintenanceMargin,
        ),
        (|p| p.taker_fee_bps = 1_000, ErrorCode::InvalidTakerFee),
        (|p| p.maker_fee_bps = -100, ErrorCode::InvalidMakerFee),
        (|p| p.tick_size = 0, ErrorCode::InvalidTickSize),
        (|p| p.base_lot_size = 0, ErrorCode::InvalidBaseLotSize),
        (|p| p.quote_lot_size = 0, ErrorCode::InvalidQuoteLotSize),
        (|p| p.base_decimals = 19, ErrorCode::InvalidBaseDecimals),
        (|p| p.deposit_cap = 0, ErrorCode::InvalidDepositCap),
        (
            |p| p.withdraw_limit_bps = 0,
            ErrorCode::InvalidWithdrawLimit,
        ),
    ];
    for (mutate, expected) in cases {
        let mut params = default_params();
        mutate(&mut params);
        assert_error(
            env.try_create_market(&mint, params).await.map(|_| ()),
            *expected,
        );
    }
    assert_eq!(env.exchange().await.market_count, 0);
}

#[tokio::test]
async fn token_2022_mints_with_accounting_breaking_extensions_are_refused() {
    let mut env = TestEnv::new().await;
    for ext in [
        // Closable: re-created at the same address, it could come back with any extension.
        MintExtension::MintCloseAuthority,
        MintExtension::TransferFee,
        MintExtension::PermanentDelegate,
        MintExtension::NonTransferable,
        MintExtension::TransferHook,
    ] {
        let mint = env.create_mint(6, true, &[ext]).await;
        let result = env
            .try_create_market(&mint, default_params())
            .await
            .map(|_| ());
        assert_error(result, ErrorCode::UnsupportedMintExtension);
    }
    assert_eq!(env.exchange().await.market_count, 0);
}

#[tokio::test]
async fn token_2022_mints_without_harmful_extensions_work_end_to_end() {
    let mut env = TestEnv::new().await;
    for exts in [vec![], vec![MintExtension::MetadataPointer]] {
        let mint = env.create_mint(9, true, &exts).await;
        let market = env
            .try_create_market(&mint, default_params())
            .await
            .expect("allowed Token-2022 mint");
        assert_eq!(
            env.market(&market.market).await.quote_token_program,
            anchor_spl::token_2022::ID
        );
        let trader = env.trader(&market, 5_000).await;
        env.deposit(&trader, 5_000).await.expect("deposit");
        env.withdraw(&trader, 1_000).await.expect("withdraw");
        assert_eq!(env.token_balance(&trader.token_account).await, 1_000);
        env.assert_conservation(&market).await;
    }
}

#[tokio::test]
async fn mint_and_token_program_must_match() {
    let mut env = TestEnv::new().await;
    let mint = env.create_mint(6, false, &[]).await;
    let listing = env
        .listing(&mint, default_params(), OracleKeys::new_unique().config())
        .await;
    env.queue(listing, None).await.expect("queue");
    env.warp_past_timelock().await;
    let mut a = env.market_create_accounts(&listing).await;
    a.token_program = anchor_spl::token_2022::ID;
    let result = env.send(&[ix::market_create(&a)], &[]).await;
    assert_error(result, ErrorCode::WrongTokenProgram);
}

#[tokio::test]
async fn prefunded_market_and_vault_addresses_do_not_block_creation() {
    let mut env = TestEnv::new().await;
    let mint = env.create_mint(6, false, &[]).await;
    let market = pda::market_pda(0);
    // A griefer sends lamports to all three addresses the listing will use.
    for key in [
        market,
        pda::collateral_vault_pda(&market),
        pda::insurance_vault_pda(&market),
    ] {
        env.prefund(&key).await;
    }
    let keys = env
        .try_create_market(&mint, default_params())
        .await
        .expect("created despite prefunding");
    assert_eq!(env.market(&keys.market).await.index, 0);
    assert_eq!(
        env.token_account(&keys.collateral_vault).await.owner,
        keys.market
    );
    let trader = env.trader(&keys, 100).await;
    env.deposit(&trader, 100).await.expect("vault works");
    env.assert_conservation(&keys).await;
}
