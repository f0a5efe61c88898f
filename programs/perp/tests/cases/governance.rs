//! The timelocked path: execution only inside `[eta, expires_at]`, one pending change per
//! target, cancelled changes never execute, bounds checked at queue and again at execution,
//! two-step authority transfers, insurance withdrawals, and a governance-key takeover drill.

use crate::program_test::*;
use anchor_lang::error::ErrorCode as AnchorError;
use perp::error::ErrorCode;
use perp::events::{ChangeCancelled, ChangeQueued};
use perp::state::{Change, MarketParams, Role, timelock_bounds};
use perp_sdk::pda;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

/// Initial margin 10% → 8% (maintenance stays 5%, the breaker band's floor): a loosening only
/// governance can make.
fn looser_margin(market: &MarketKeys) -> Change {
    let mut params = default_params();
    params.initial_margin_bps = 800;
    Change::MarketParams {
        market_index: market.index,
        params,
    }
}

async fn initial_margin(env: &mut TestEnv, market: &MarketKeys) -> u32 {
    env.market(&market.market).await.params.initial_margin_bps
}

#[tokio::test]
async fn executes_only_inside_its_window() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let change = looser_margin(&market);
    let m = Some(market.market);
    let delay = i64::from(env.exchange().await.timelock_secs);
    let window = i64::from(env.exchange().await.execution_window_secs);
    assert_eq!(delay, i64::from(timelock_bounds::DEFAULT_DELAY_SECS));

    env.queue(change, m).await.expect("queue");
    let pending = env.param_change(&pda::param_change_pda(&change)).await;
    let now = env.clock().await.unix_timestamp;
    assert_eq!(
        (pending.eta, pending.expires_at),
        (now + delay, now + delay + window)
    );

    assert_error(env.execute(&change, m).await, ErrorCode::TimelockNotElapsed);
    env.warp_seconds(delay - 1).await;
    assert_error(env.execute(&change, m).await, ErrorCode::TimelockNotElapsed);
    assert_eq!(initial_margin(&mut env, &market).await, 1_000);
    env.warp_seconds(1).await;
    // The rent goes back to whoever paid it, not to the executor.
    let stranger = Pubkey::new_unique();
    let ix = ix::params_execute(pda::param_change_pda(&change), stranger, m);
    assert_error(env.send(&[ix], &[]).await, ErrorCode::WrongRentPayer);
    env.execute(&change, m).await.expect("at eta");
    assert_eq!(initial_margin(&mut env, &market).await, 800);
    // Executed once: the account is gone, so it cannot run again.
    assert_anchor_error(
        env.execute(&change, m).await,
        AnchorError::AccountNotInitialized,
    );

    // A change left past its window is dead; it can be replaced by queueing the target again.
    let tighter_again = Change::MarketParams {
        market_index: market.index,
        params: default_params(),
    };
    env.queue(tighter_again, m).await.expect("queue");
    env.warp_seconds(delay + window + 1).await;
    assert_error(
        env.execute(&tighter_again, m).await,
        ErrorCode::ChangeExpired,
    );
    assert_eq!(initial_margin(&mut env, &market).await, 800);
    env.queue(tighter_again, m)
        .await
        .expect("an expired change is replaced");
    env.warp_past_timelock().await;
    env.execute(&tighter_again, m)
        .await
        .expect("the replacement executes");
    assert_eq!(initial_margin(&mut env, &market).await, 1_000);
}

#[tokio::test]
async fn one_pending_change_per_target_and_cancelled_never_executes() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let m = Some(market.market);
    let first = looser_margin(&market);
    env.queue(first, m).await.expect("queue");
    // Same target (the market's params), other values: refused while the first is pending.
    let second = Change::MarketParams {
        market_index: market.index,
        params: MarketParams {
            taker_fee_bps: 7,
            ..default_params()
        },
    };
    assert_error(env.queue(second, m).await, ErrorCode::ChangePending);
    // Another target of the same market is independent.
    let mut oracle = env.market(&market.market).await.oracle;
    oracle.max_age_secs = 10;
    let oracle_change = Change::MarketOracle {
        market_index: market.index,
        oracle,
    };
    env.queue(oracle_change, m).await.expect("other target");

    let guardian = env.guardian.insecure_clone();
    let key = pda::param_change_pda(&first);
    let payer = env.payer();
    let cancelled: Vec<ChangeCancelled> = env
        .send_for_events(
            &[ix::params_cancel(guardian.pubkey(), key, payer, m)],
            &[&guardian],
        )
        .await
        .expect("guardian cancels");
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0].change, first);
    assert_eq!(
        cancelled[0].current,
        Some(Change::MarketParams {
            market_index: market.index,
            params: default_params()
        })
    );
    env.warp_past_timelock().await;
    assert_anchor_error(
        env.execute(&first, m).await,
        AnchorError::AccountNotInitialized,
    );
    assert_eq!(initial_margin(&mut env, &market).await, 1_000);
    env.execute(&oracle_change, m)
        .await
        .expect("the other target executes");
    assert_eq!(env.market(&market.market).await.oracle.max_age_secs, 10);
    // The target is free again once its change is gone.
    env.queue(second, m).await.expect("queue after cancel");
}

#[tokio::test]
async fn execution_checks_target_and_bounds_again() {
    let mut env = TestEnv::new().await;
    let a = env.create_market().await;
    let b = env.create_market().await;
    let change = looser_margin(&a);
    // The market passed must be the one the change names.
    assert_error(
        env.queue(change, Some(b.market)).await,
        ErrorCode::WrongChangeTarget,
    );
    assert_error(env.queue(change, None).await, ErrorCode::WrongChangeTarget);
    // Lots, ticks and decimals are fixed at listing.
    let mut params = default_params();
    params.tick_size *= 10;
    let relot = Change::MarketParams {
        market_index: a.index,
        params,
    };
    assert_error(
        env.queue(relot, Some(a.market)).await,
        ErrorCode::LotSizesImmutable,
    );
    env.queue(change, Some(a.market)).await.expect("queue");
    env.warp_past_timelock().await;
    assert_error(
        env.execute(&change, Some(b.market)).await,
        ErrorCode::WrongChangeTarget,
    );

    // Two transfers to one key pass at queue (neither is pending yet); the second fails its
    // re-check at execution, once the first has made the key pending for another role.
    let x = Pubkey::new_unique();
    let to_guardian = Change::Authority {
        role: Role::Guardian,
        new: x,
    };
    let to_council = Change::Authority {
        role: Role::RiskCouncil,
        new: x,
    };
    env.queue(to_guardian, None).await.expect("queue");
    env.queue(to_council, None).await.expect("queue");
    env.warp_past_timelock().await;
    env.execute(&to_guardian, None).await.expect("first");
    assert_error(
        env.execute(&to_council, None).await,
        ErrorCode::DuplicateAuthority,
    );

    // Listings execute in index order.
    let mint = env.create_mint(6, false, &[]).await;
    let oracle = OracleKeys::new_unique().config();
    let next = env.listing(&mint, default_params(), oracle).await;
    let Change::ListMarket { market_index, .. } = next else {
        unreachable!()
    };
    let after_next = Change::ListMarket {
        market_index: market_index + 1,
        quote_mint: mint,
        params: default_params(),
        oracle,
    };
    let taken = Change::ListMarket {
        market_index: 0,
        quote_mint: mint,
        params: default_params(),
        oracle,
    };
    assert_error(env.queue(taken, None).await, ErrorCode::ListingIndexTaken);
    env.queue(after_next, None).await.expect("queue");
    env.queue(next, None).await.expect("queue");
    env.warp_past_timelock().await;
    let early = MarketCreateAccounts {
        market: pda::market_pda(market_index),
        ..env.market_create_accounts(&after_next).await
    };
    assert_error(
        env.send(&[ix::market_create(&early)], &[]).await,
        ErrorCode::ListingOutOfOrder,
    );
    let a_next = env.market_create_accounts(&next).await;
    env.send(&[ix::market_create(&a_next)], &[])
        .await
        .expect("next");
    let a_after = env.market_create_accounts(&after_next).await;
    env.send(&[ix::market_create(&a_after)], &[])
        .await
        .expect("then the one after");
    assert_eq!(env.exchange().await.market_count, 4);
}

#[tokio::test]
async fn authority_transfer_is_timelocked_and_two_step() {
    let mut env = TestEnv::new().await;
    let old = env.governance.insecure_clone();
    let new = Keypair::new();
    let transfer = Change::Authority {
        role: Role::Governance,
        new: new.pubkey(),
    };
    for taken in [env.risk_council.pubkey(), env.guardian.pubkey()] {
        let dup = Change::Authority {
            role: Role::Governance,
            new: taken,
        };
        assert_error(env.queue(dup, None).await, ErrorCode::DuplicateAuthority);
    }
    let none = Change::Authority {
        role: Role::Governance,
        new: Pubkey::default(),
    };
    assert_error(env.queue(none, None).await, ErrorCode::InvalidAuthority);

    env.govern(transfer, None).await.expect("transfer executes");
    let ex = env.exchange().await;
    assert_eq!(
        ex.governance,
        old.pubkey(),
        "nothing moves before acceptance"
    );
    assert_eq!(ex.pending[Role::Governance as usize], new.pubkey());
    let stranger = Keypair::new();
    for (signer, role) in [(&stranger, Role::Governance), (&new, Role::Guardian)] {
        let ix = ix::authority_accept(signer.pubkey(), role);
        assert_error(
            env.send(&[ix], &[signer]).await,
            ErrorCode::NotPendingAuthority,
        );
    }
    let ix = ix::authority_accept(new.pubkey(), Role::Governance);
    env.send(&[ix], &[&new]).await.expect("accept");
    let ex = env.exchange().await;
    assert_eq!(ex.governance, new.pubkey());
    assert_eq!(ex.pending, [Pubkey::default(); 3]);

    // The old key is powerless, the new one governs.
    let change = Change::Timelock {
        delay_secs: 3 * 86_400,
        window_secs: 86_400,
    };
    let payer = env.payer();
    let ix = ix::params_queue(old.pubkey(), payer, change, None);
    assert_error(env.send(&[ix], &[&old]).await, ErrorCode::NotGovernance);
    let ix = ix::params_queue(new.pubkey(), payer, change, None);
    env.send(&[ix], &[&new])
        .await
        .expect("new governance queues");
}

#[tokio::test]
async fn timelock_changes_stay_inside_compiled_bounds() {
    let mut env = TestEnv::new().await;
    let min = *timelock_bounds::DELAY_SECS.start();
    let cases = [
        (min - 1, 86_400, ErrorCode::InvalidTimelock),
        (
            *timelock_bounds::DELAY_SECS.end() + 1,
            86_400,
            ErrorCode::InvalidTimelock,
        ),
        (
            min,
            *timelock_bounds::WINDOW_SECS.start() - 1,
            ErrorCode::InvalidExecutionWindow,
        ),
        (
            min,
            *timelock_bounds::WINDOW_SECS.end() + 1,
            ErrorCode::InvalidExecutionWindow,
        ),
        (0, 0, ErrorCode::InvalidTimelock),
    ];
    for (delay_secs, window_secs, error) in cases {
        let change = Change::Timelock {
            delay_secs,
            window_secs,
        };
        assert_error(env.queue(change, None).await, error);
    }
    let longer = Change::Timelock {
        delay_secs: 5 * 86_400,
        window_secs: 86_400,
    };
    env.govern(longer, None).await.expect("longer timelock");
    let ex = env.exchange().await;
    assert_eq!(
        (ex.timelock_secs, ex.execution_window_secs),
        (5 * 86_400, 86_400)
    );
    // The next change waits the new delay.
    let market_less = Change::Timelock {
        delay_secs: min,
        window_secs: 86_400,
    };
    env.queue(market_less, None).await.expect("queue");
    let pending = env.param_change(&pda::param_change_pda(&market_less)).await;
    assert_eq!(pending.eta - pending.queued_at, 5 * 86_400);
}

/// Accounts of an insurance withdrawal of `market` to `destination`.
fn withdrawal_accounts(
    env: &TestEnv,
    market: &MarketKeys,
    change: &Change,
    destination: Pubkey,
) -> InsuranceWithdrawAccounts {
    InsuranceWithdrawAccounts {
        param_change: pda::param_change_pda(change),
        rent_payer: env.payer(),
        market: market.market,
        insurance_vault: market.insurance_vault,
        quote_mint: market.quote_mint,
        destination,
        token_program: market.token_program,
    }
}

#[tokio::test]
async fn insurance_leaves_only_through_an_executed_change_to_its_named_destination() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let other = env.create_market().await;
    env.mint_to(&market.quote_mint, &market.insurance_vault, 10_000)
        .await;
    let dao_treasury = env
        .create_token_account(&market.quote_mint, &Pubkey::new_unique(), 0)
        .await;
    let thief = env
        .create_token_account(&market.quote_mint, &Pubkey::new_unique(), 0)
        .await;

    let zero = Change::InsuranceWithdraw {
        market_index: market.index,
        destination: dao_treasury,
        amount: 0,
    };
    assert_error(
        env.queue(zero, Some(market.market)).await,
        ErrorCode::ZeroAmount,
    );
    let too_much = Change::InsuranceWithdraw {
        market_index: market.index,
        destination: dao_treasury,
        amount: 10_001,
    };
    env.queue(too_much, Some(market.market))
        .await
        .expect("queue");
    env.warp_past_timelock().await;
    let a = withdrawal_accounts(&env, &market, &too_much, dao_treasury);
    assert_error(
        env.send(&[ix::insurance_withdraw(&a)], &[]).await,
        ErrorCode::InsufficientInsurance,
    );
    let guardian = env.guardian.insecure_clone();
    let payer = env.payer();
    let cancel = ix::params_cancel(
        guardian.pubkey(),
        a.param_change,
        payer,
        Some(market.market),
    );
    env.send(&[cancel], &[&guardian]).await.expect("cancel");

    let change = Change::InsuranceWithdraw {
        market_index: market.index,
        destination: dao_treasury,
        amount: 4_000,
    };
    env.queue(change, Some(market.market)).await.expect("queue");
    env.warp_past_timelock().await;
    let a = withdrawal_accounts(&env, &market, &change, thief);
    assert_error(
        env.send(&[ix::insurance_withdraw(&a)], &[]).await,
        ErrorCode::InvalidDestination,
    );
    let other_token = env
        .create_token_account(&other.quote_mint, &Pubkey::new_unique(), 0)
        .await;
    let a = withdrawal_accounts(&env, &other, &change, other_token);
    assert_error(
        env.send(&[ix::insurance_withdraw(&a)], &[]).await,
        ErrorCode::WrongChangeTarget,
    );
    // Not executable through params_execute either.
    assert_error(
        env.execute(&change, Some(market.market)).await,
        ErrorCode::WrongChangeKind,
    );

    let a = withdrawal_accounts(&env, &market, &change, dao_treasury);
    env.send(&[ix::insurance_withdraw(&a)], &[])
        .await
        .expect("withdraw");
    assert_eq!(env.token_balance(&market.insurance_vault).await, 6_000);
    assert_eq!(env.token_balance(&dao_treasury).await, 4_000);
    assert_eq!(env.token_balance(&thief).await, 0);
    assert_eq!(env.token_balance(&other.insurance_vault).await, 0);
    env.assert_conservation(&market).await;
}

#[tokio::test]
async fn takeover_drill_stolen_governance_key() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let trader = env.trader(&market, 1_000_000).await;
    env.deposit(&trader, 600_000).await.expect("deposit");
    env.mint_to(&market.quote_mint, &market.insurance_vault, 250_000)
        .await;
    let attacker = env.governance.insecure_clone();
    let attacker_token = env
        .create_token_account(&market.quote_mint, &attacker.pubkey(), 0)
        .await;
    let before = (
        env.token_balance(&market.collateral_vault).await,
        env.token_balance(&market.insurance_vault).await,
        env.margin_account(&trader.margin_account).await.collateral,
    );

    // 1. A zero-margin market on a fake oracle fails the compiled bounds.
    let fake_mint = env.create_mint(6, false, &[]).await;
    let mut zero_margin = default_params();
    zero_margin.initial_margin_bps = 0;
    zero_margin.maintenance_margin_bps = 0;
    let fake = OracleKeys::new_unique().config();
    let listing = env.listing(&fake_mint, zero_margin, fake).await;
    assert_error(
        env.queue(listing, None).await,
        ErrorCode::InvalidInitialMargin,
    );
    let mut no_oracle = fake;
    no_oracle.pyth_price_update = Pubkey::default();
    no_oracle.switchboard_feed = Pubkey::default();
    let listing = env.listing(&fake_mint, default_params(), no_oracle).await;
    assert_error(env.queue(listing, None).await, ErrorCode::NoOracleSource);
    let mut blind = fake;
    blind.max_age_secs = 86_400;
    let listing = env.listing(&fake_mint, default_params(), blind).await;
    assert_error(
        env.queue(listing, None).await,
        ErrorCode::InvalidOracleMaxAgeSecs,
    );
    let instant = Change::Timelock {
        delay_secs: 60,
        window_secs: 86_400,
    };
    assert_error(env.queue(instant, None).await, ErrorCode::InvalidTimelock);

    // 2. A bounds-respecting drain of the insurance fund is queued in plain sight…
    let drain = Change::InsuranceWithdraw {
        market_index: market.index,
        destination: attacker_token,
        amount: 250_000,
    };
    let payer = env.payer();
    let ix = ix::params_queue(attacker.pubkey(), payer, drain, Some(market.market));
    let queued: Vec<ChangeQueued> = env
        .send_for_events(&[ix], &[&attacker])
        .await
        .expect("queued");
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].change, drain);
    let now = env.clock().await.unix_timestamp;
    assert!(queued[0].eta >= now + i64::from(*timelock_bounds::DELAY_SECS.start()));
    // …as is a replacement of the guardian, which the guardian may not cancel itself.
    let oust = Change::Authority {
        role: Role::Guardian,
        new: Keypair::new().pubkey(),
    };
    env.queue(oust, None).await.expect("queued");

    // 3. The guardian cancels the drain before its eta; the risk council cancels the ouster.
    env.warp_seconds(3_600).await;
    let guardian = env.guardian.insecure_clone();
    let council = env.risk_council.insecure_clone();
    let cancel = ix::params_cancel(
        guardian.pubkey(),
        pda::param_change_pda(&drain),
        payer,
        Some(market.market),
    );
    env.send(&[cancel], &[&guardian])
        .await
        .expect("guardian cancels the drain");
    let cancel = ix::params_cancel(guardian.pubkey(), pda::param_change_pda(&oust), payer, None);
    assert_error(
        env.send(&[cancel], &[&guardian]).await,
        ErrorCode::GuardianCannotCancelOwnReplacement,
    );
    let cancel = ix::params_cancel(council.pubkey(), pda::param_change_pda(&oust), payer, None);
    env.send(&[cancel], &[&council])
        .await
        .expect("council cancels the ouster");

    // 4. After the eta nothing can execute, and not a token has moved.
    env.warp_past_timelock().await;
    let a = withdrawal_accounts(&env, &market, &drain, attacker_token);
    assert_anchor_error(
        env.send(&[ix::insurance_withdraw(&a)], &[]).await,
        AnchorError::AccountNotInitialized,
    );
    assert_anchor_error(
        env.execute(&oust, None).await,
        AnchorError::AccountNotInitialized,
    );
    let after = (
        env.token_balance(&market.collateral_vault).await,
        env.token_balance(&market.insurance_vault).await,
        env.margin_account(&trader.margin_account).await.collateral,
    );
    assert_eq!(after, before);
    assert_eq!(env.token_balance(&attacker_token).await, 0);
    assert_eq!(env.exchange().await.guardian, guardian.pubkey());
    env.withdraw(&trader, 100_000)
        .await
        .expect("users still withdraw");
    env.assert_conservation(&market).await;
}
