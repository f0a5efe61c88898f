//! Deposits and withdrawals: round trip with conservation, every substituted account refused
//! with nothing changed, the deposit cap, the rolling 24 h withdrawal limit, market isolation.

use crate::program_test::*;
use perp::error::ErrorCode;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

const HOUR: i64 = 3_600;

/// Everything a refused withdrawal or deposit must leave untouched.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    vault: u64,
    user_token: u64,
    collateral: u64,
    market_total: u64,
    window: perp::state::WithdrawWindow,
}

async fn snapshot(env: &mut TestEnv, trader: &Trader) -> Snapshot {
    let market = env.market(&trader.market.market).await;
    Snapshot {
        vault: env.token_balance(&trader.market.collateral_vault).await,
        user_token: env.token_balance(&trader.token_account).await,
        collateral: env.margin_account(&trader.margin_account).await.collateral,
        market_total: market.collateral_total,
        window: market.withdraw_window,
    }
}

#[tokio::test]
async fn deposit_withdraw_round_trip_conserves_tokens() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let alice = env.trader(&market, 10_000).await;
    let bob = env.trader(&market, 5_000).await;

    env.deposit(&alice, 10_000).await.unwrap();
    env.deposit(&bob, 4_000).await.unwrap();
    env.assert_conservation(&market).await;
    assert_eq!(
        env.margin_account(&alice.margin_account).await.collateral,
        10_000
    );
    assert_eq!(env.market(&market.market).await.collateral_total, 14_000);

    env.withdraw(&alice, 1_500).await.unwrap();
    env.withdraw(&bob, 600).await.unwrap();
    env.assert_conservation(&market).await;
    assert_eq!(env.token_balance(&alice.token_account).await, 1_500);
    assert_eq!(env.token_balance(&bob.token_account).await, 1_600);
    assert_eq!(
        env.token_balance(&market.collateral_vault).await,
        8_500 + 3_400
    );

    // Withdrawing to any token account of the quote mint, e.g. a fresh one of another wallet.
    let elsewhere = env
        .create_token_account(&market.quote_mint, &Keypair::new().pubkey(), 0)
        .await;
    let mut a = alice.collateral_accounts();
    a.user_token = elsewhere;
    env.send(&[ix::collateral_withdraw(&a, 500)], &[&alice.wallet])
        .await
        .unwrap();
    assert_eq!(env.token_balance(&elsewhere).await, 500);
    env.assert_conservation(&market).await;
}

#[tokio::test]
async fn refused_withdrawals_change_nothing() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let other = env.create_market().await;
    let trader = env.trader(&market, 1_000).await;
    let rich = env.trader(&other, 1_000).await;
    env.deposit(&trader, 1_000).await.unwrap();
    env.deposit(&rich, 1_000).await.unwrap();
    let delegate = Keypair::new();
    env.set_delegate(&trader, &delegate.pubkey()).await;

    let stranger = Keypair::new();
    let foreign_mint = env.create_mint(6, false, &[]).await;
    let foreign_token = env
        .create_token_account(&foreign_mint, &trader.wallet.pubkey(), 0)
        .await;
    let fake_vault = env
        .create_token_account(&market.quote_mint, &stranger.pubkey(), 0)
        .await;
    let base = trader.collateral_accounts();

    type Mutate = Box<dyn Fn(&mut ix::CollateralAccounts)>;
    let cases: Vec<(&str, Mutate, Option<Keypair>, u64, ErrorCode)> = vec![
        (
            "stranger signs as owner",
            Box::new({
                let k = stranger.pubkey();
                move |a| a.signer = k
            }),
            Some(stranger.insecure_clone()),
            100,
            ErrorCode::NotAccountOwner,
        ),
        (
            "delegate signs",
            Box::new({
                let k = delegate.pubkey();
                move |a| a.signer = k
            }),
            Some(delegate.insecure_clone()),
            100,
            ErrorCode::NotAccountOwner,
        ),
        (
            "destination of another mint",
            Box::new(move |a| a.user_token = foreign_token),
            None,
            100,
            ErrorCode::WrongMint,
        ),
        (
            "another market's vault",
            Box::new({
                let v = other.collateral_vault;
                move |a| a.collateral_vault = v
            }),
            None,
            100,
            ErrorCode::WrongVault,
        ),
        (
            "a fake vault",
            Box::new(move |a| a.collateral_vault = fake_vault),
            None,
            100,
            ErrorCode::WrongVault,
        ),
        (
            "the insurance vault as vault",
            Box::new({
                let v = market.insurance_vault;
                move |a| a.collateral_vault = v
            }),
            None,
            100,
            ErrorCode::WrongVault,
        ),
        (
            "another market with its vault",
            Box::new({
                let o = other;
                move |a| {
                    a.market = o.market;
                    a.collateral_vault = o.collateral_vault
                }
            }),
            None,
            100,
            ErrorCode::WrongMarket,
        ),
        (
            "the insurance vault as destination",
            Box::new({
                let v = market.insurance_vault;
                move |a| a.user_token = v
            }),
            None,
            100,
            ErrorCode::InvalidDestination,
        ),
        (
            "more than the balance",
            Box::new(|_| {}),
            None,
            1_001,
            ErrorCode::InsufficientCollateral,
        ),
        ("zero", Box::new(|_| {}), None, 0, ErrorCode::ZeroAmount),
    ];

    let before = snapshot(&mut env, &trader).await;
    let other_vault_before = env.token_balance(&other.collateral_vault).await;
    for (name, mutate, signer, amount, expected) in cases {
        let mut a = base;
        mutate(&mut a);
        let signer = signer.unwrap_or_else(|| trader.wallet.insecure_clone());
        let result = env
            .send(&[ix::collateral_withdraw(&a, amount)], &[&signer])
            .await;
        assert_error(result, expected);
        assert_eq!(
            snapshot(&mut env, &trader).await,
            before,
            "{name}: nothing changed"
        );
    }
    // The vault as its own destination is caught by Anchor's duplicate-mutable-account check.
    let mut a = base;
    a.user_token = market.collateral_vault;
    let result = env
        .send(&[ix::collateral_withdraw(&a, 100)], &[&trader.wallet])
        .await;
    assert_anchor_error(
        result,
        anchor_lang::error::ErrorCode::ConstraintDuplicateMutableAccount,
    );
    assert_eq!(
        snapshot(&mut env, &trader).await,
        before,
        "vault as destination: nothing changed"
    );

    assert_eq!(
        env.token_balance(&other.collateral_vault).await,
        other_vault_before
    );
    assert_eq!(env.token_balance(&fake_vault).await, 0);
    env.assert_conservation(&market).await;
    env.assert_conservation(&other).await;
}

#[tokio::test]
async fn margin_accounts_of_two_markets_cannot_touch_each_others_vaults() {
    let mut env = TestEnv::new().await;
    let (a, b) = (env.create_market().await, env.create_market().await);
    let ta = env.trader(&a, 1_000).await;
    let tb = env.trader(&b, 1_000).await;
    env.deposit(&ta, 500).await.unwrap();
    env.deposit(&tb, 500).await.unwrap();

    // A's account with B's market (and vault): the account is bound to market A.
    let mut x = ta.collateral_accounts();
    (x.market, x.collateral_vault, x.quote_mint) = (b.market, b.collateral_vault, b.quote_mint);
    let mut source_b = x;
    source_b.user_token = env
        .create_token_account(&b.quote_mint, &ta.wallet.pubkey(), 100)
        .await;
    assert_error(
        env.send(&[ix::collateral_withdraw(&x, 100)], &[&ta.wallet])
            .await,
        ErrorCode::WrongMarket,
    );
    assert_error(
        env.send(&[ix::collateral_deposit(&source_b, 100)], &[&ta.wallet])
            .await,
        ErrorCode::WrongMarket,
    );

    // A's account with market A but B's vault.
    let mut y = ta.collateral_accounts();
    y.collateral_vault = b.collateral_vault;
    assert_error(
        env.send(&[ix::collateral_withdraw(&y, 100)], &[&ta.wallet])
            .await,
        ErrorCode::WrongVault,
    );
    assert_error(
        env.send(&[ix::collateral_deposit(&y, 100)], &[&ta.wallet])
            .await,
        ErrorCode::WrongVault,
    );

    // Deposit with a source of another mint than the market's.
    let mut z = ta.collateral_accounts();
    z.user_token = source_b.user_token;
    assert_error(
        env.send(&[ix::collateral_deposit(&z, 100)], &[&ta.wallet])
            .await,
        ErrorCode::WrongMint,
    );

    assert_eq!(env.token_balance(&a.collateral_vault).await, 500);
    assert_eq!(env.token_balance(&b.collateral_vault).await, 500);
    env.assert_conservation(&a).await;
    env.assert_conservation(&b).await;
}

#[tokio::test]
async fn deposit_cap_is_enforced_on_the_market_total() {
    let mut env = TestEnv::new().await;
    let mint = env.create_mint(6, false, &[]).await;
    let mut params = default_params();
    params.deposit_cap = 1_000;
    let market = env.try_create_market(&mint, params).await.unwrap();
    let alice = env.trader(&market, 1_000).await;
    let bob = env.trader(&market, 1_000).await;
    env.deposit(&alice, 700).await.unwrap();
    let before = snapshot(&mut env, &bob).await;
    assert_error(env.deposit(&bob, 301).await, ErrorCode::DepositCapExceeded);
    assert_eq!(
        snapshot(&mut env, &bob).await,
        before,
        "refused deposit changed nothing"
    );
    env.deposit(&bob, 300).await.unwrap();
    assert_error(env.deposit(&alice, 1).await, ErrorCode::DepositCapExceeded);
    // Withdrawing frees room under the cap.
    env.withdraw(&alice, 100).await.unwrap();
    env.deposit(&bob, 100).await.unwrap();
    env.assert_conservation(&market).await;
}

#[tokio::test]
async fn daily_withdrawal_limit_is_enforced_and_rolls_off_after_24_hours() {
    let mut env = TestEnv::new().await;
    let mint = env.create_mint(6, false, &[]).await;
    let mut params = default_params();
    params.withdraw_limit_bps = 1_000; // 10% of the vault per rolling 24 h
    let market = env.try_create_market(&mint, params).await.unwrap();
    let whale = env.trader(&market, 9_000).await;
    let minnow = env.trader(&market, 1_000).await;
    env.deposit(&whale, 9_000).await.unwrap();
    env.deposit(&minnow, 1_000).await.unwrap();
    // Deposits count as inflow in the window; let them roll off so the vault's level is the reference.
    env.warp_seconds(24 * HOUR).await;

    // Vault 10,000 → 1,000 may leave in any 24 h, across all accounts.
    env.withdraw(&whale, 600).await.unwrap();
    env.warp_seconds(5 * HOUR).await;
    let before = snapshot(&mut env, &minnow).await;
    assert_error(
        env.withdraw(&minnow, 401).await,
        ErrorCode::WithdrawLimitExceeded,
    );
    assert_eq!(
        snapshot(&mut env, &minnow).await,
        before,
        "refused withdrawal changed nothing"
    );
    env.withdraw(&minnow, 400).await.unwrap();
    assert_error(
        env.withdraw(&whale, 1).await,
        ErrorCode::WithdrawLimitExceeded,
    );

    // 23 h after the first withdrawal it still counts.
    env.warp_seconds(18 * HOUR).await;
    assert_error(
        env.withdraw(&whale, 1).await,
        ErrorCode::WithdrawLimitExceeded,
    );
    // Past 24 h the first withdrawal (600) rolled off; the second (400, 5 h later) has not.
    env.warp_seconds(HOUR).await;
    env.withdraw(&whale, 500).await.unwrap();
    // Vault now 8,500; window outflow 900 against reference 9,400 → limit 940.
    assert_error(
        env.withdraw(&whale, 41).await,
        ErrorCode::WithdrawLimitExceeded,
    );
    env.withdraw(&whale, 40).await.unwrap();
    // A full day later everything has rolled off.
    env.warp_seconds(24 * HOUR).await;
    env.withdraw(&whale, 846).await.unwrap(); // 10% of 8,460
    assert_error(
        env.withdraw(&whale, 1).await,
        ErrorCode::WithdrawLimitExceeded,
    );
    env.assert_conservation(&market).await;
}

#[tokio::test]
async fn deposits_from_any_wallet_credit_only_the_named_account() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let owner = env.trader(&market, 0).await;
    let friend = env.trader(&market, 600).await;
    let mut a = friend.collateral_accounts();
    a.margin_account = owner.margin_account;
    env.send(&[ix::collateral_deposit(&a, 500)], &[&friend.wallet])
        .await
        .unwrap();
    assert_eq!(
        env.margin_account(&owner.margin_account).await.collateral,
        500
    );
    assert_eq!(
        env.margin_account(&friend.margin_account).await.collateral,
        0
    );
    // A depositor cannot spend someone else's tokens.
    let mut steal = owner.collateral_accounts();
    steal.user_token = friend.token_account;
    let result = env
        .send(&[ix::collateral_deposit(&steal, 1)], &[&owner.wallet])
        .await;
    // The SPL Token program refuses it: TokenError::OwnerMismatch.
    let owner_mismatch = anchor_spl::token::spl_token::error::TokenError::OwnerMismatch as u32;
    assert_program_error(result, owner_mismatch, "spl_token::OwnerMismatch");
    assert_eq!(
        env.token_balance(&friend.token_account).await,
        100,
        "friend keeps the rest"
    );
    env.assert_conservation(&market).await;
}
