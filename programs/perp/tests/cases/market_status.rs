//! `market_set_status` and `exchange_set_gate`: who may restrict or loosen a market or close and
//! reopen an instruction, and what a paused market or a closed gate refuses.

use crate::program_test::*;
use perp::error::ErrorCode;
use perp::state::Gate;
use perp::state::MarketStatus::{self, Active, Paused, ReduceOnly};
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

#[tokio::test]
async fn role_by_transition_matrix() {
    use Actor::*;
    let ok: Option<ErrorCode> = None;
    let restrict = |role: Actor| match role {
        Governance | Guardian => ok,
        _ => Some(ErrorCode::NotGuardian),
    };
    let loosen = |role: Actor| match role {
        Governance => ok,
        _ => Some(ErrorCode::NotGovernance),
    };
    // (from, to, who may)
    type Rule<'a> = &'a dyn Fn(Actor) -> Option<ErrorCode>;
    let transitions: [(MarketStatus, MarketStatus, Rule); 6] = [
        (Active, ReduceOnly, &restrict),
        (Active, Paused, &restrict),
        (ReduceOnly, Paused, &restrict),
        (Paused, Paused, &restrict),
        (Paused, Active, &loosen),
        (Paused, ReduceOnly, &loosen),
    ];
    for role in ACTORS {
        let mut env = TestEnv::new().await;
        let market = env.create_market().await;
        let user = env.trader(&market, 1_000).await;
        let signer = env.actor(role, &user).await;
        let governance = env.governance.insecure_clone();
        for (from, to, rule) in &transitions {
            // Governance puts the market in `from` first.
            let ix = ix::market_set_status(governance.pubkey(), market.market, *from);
            env.send(&[ix], &[&governance]).await.expect("set up");
            let ix = ix::market_set_status(signer.pubkey(), market.market, *to);
            let result = env.send(&[ix], &[&signer]).await;
            let status = env.market(&market.market).await.status;
            match rule(role) {
                None => {
                    result.unwrap_or_else(|e| panic!("{role:?} {from:?}→{to:?}: {e:?}"));
                    assert_eq!(status, *to as u8);
                }
                Some(error) => {
                    assert_error(result, error);
                    assert_eq!(
                        status, *from as u8,
                        "{role:?} {from:?}→{to:?} changed nothing"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn paused_market_refuses_deposits_but_pays_out_free_collateral() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let trader = env.trader(&market, 1_000_000).await;
    env.deposit(&trader, 400_000).await.expect("deposit");
    let guardian = env.guardian.insecure_clone();

    let ix = ix::market_set_status(guardian.pubkey(), market.market, ReduceOnly);
    env.send(&[ix], &[&guardian]).await.expect("reduce-only");
    env.deposit(&trader, 100_000)
        .await
        .expect("deposits stay open in ReduceOnly");

    let ix = ix::market_set_status(guardian.pubkey(), market.market, Paused);
    env.send(&[ix], &[&guardian]).await.expect("pause");
    assert_error(env.deposit(&trader, 1).await, ErrorCode::MarketPaused);
    env.withdraw(&trader, 50_000)
        .await
        .expect("withdraw while paused");
    assert_eq!(
        env.margin_account(&trader.margin_account).await.collateral,
        450_000
    );
    env.assert_conservation(&market).await;
}

#[tokio::test]
async fn paused_market_opens_no_accounts_and_guardian_cannot_resume() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let guardian = env.guardian.insecure_clone();
    let ix = ix::market_set_status(guardian.pubkey(), market.market, Paused);
    env.send(&[ix], &[&guardian]).await.expect("pause");
    let newcomer = Keypair::new();
    assert_error(
        env.try_create_margin_account(&newcomer, &market.market, 0)
            .await,
        ErrorCode::MarketPaused,
    );
    for to in [Active, ReduceOnly] {
        let ix = ix::market_set_status(guardian.pubkey(), market.market, to);
        assert_error(
            env.send(&[ix], &[&guardian]).await,
            ErrorCode::NotGovernance,
        );
    }
    let governance = env.governance.insecure_clone();
    let ix = ix::market_set_status(governance.pubkey(), market.market, Active);
    env.send(&[ix], &[&governance]).await.expect("resume");
    env.try_create_margin_account(&newcomer, &market.market, 0)
        .await
        .expect("open again");
}

/// Closes (`open == false`) or reopens `gate` as `signer`.
async fn set_gate(env: &mut TestEnv, signer: &Keypair, gate: Gate, open: bool) -> TxResult {
    let ix = ix::exchange_set_gate(signer.pubkey(), gate, open);
    env.send(&[ix], &[signer]).await
}

#[tokio::test]
async fn guardian_closes_gates_only_governance_reopens() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let other = env.create_market().await;
    let trader = env.trader(&market, 1_000_000).await;
    let elsewhere = env.trader(&other, 1_000_000).await;
    env.deposit(&trader, 500_000).await.expect("deposit");
    let guardian = env.guardian.insecure_clone();
    let governance = env.governance.insecure_clone();
    let council = env.risk_council.insecure_clone();

    // Deposit gate: exchange-wide, every market.
    assert_error(
        set_gate(&mut env, &council, Gate::Deposit, false).await,
        ErrorCode::NotGuardian,
    );
    set_gate(&mut env, &guardian, Gate::Deposit, false)
        .await
        .expect("close");
    assert_error(env.deposit(&trader, 1).await, ErrorCode::GateClosed);
    assert_error(env.deposit(&elsewhere, 1).await, ErrorCode::GateClosed);
    env.withdraw(&trader, 1_000)
        .await
        .expect("withdrawals unaffected");
    for signer in [&guardian, &council] {
        assert_error(
            set_gate(&mut env, signer, Gate::Deposit, true).await,
            ErrorCode::NotGovernance,
        );
    }
    assert_error(env.deposit(&trader, 1).await, ErrorCode::GateClosed);
    set_gate(&mut env, &governance, Gate::Deposit, true)
        .await
        .expect("reopen");
    env.deposit(&trader, 1).await.expect("deposits again");

    // Withdraw gate.
    set_gate(&mut env, &guardian, Gate::Withdraw, false)
        .await
        .expect("close");
    let before = env.margin_account(&trader.margin_account).await.collateral;
    assert_error(env.withdraw(&trader, 1_000).await, ErrorCode::GateClosed);
    assert_eq!(
        env.margin_account(&trader.margin_account).await.collateral,
        before
    );
    env.deposit(&trader, 1).await.expect("deposits unaffected");
    set_gate(&mut env, &governance, Gate::Withdraw, true)
        .await
        .expect("reopen");
    env.withdraw(&trader, 1_000).await.expect("withdraws again");

    // Account-creation gate; closing twice is harmless.
    set_gate(&mut env, &guardian, Gate::MarginAccountCreate, false)
        .await
        .expect("close");
    set_gate(&mut env, &governance, Gate::MarginAccountCreate, false)
        .await
        .expect("again");
    let newcomer = Keypair::new();
    assert_error(
        env.try_create_margin_account(&newcomer, &market.market, 0)
            .await,
        ErrorCode::GateClosed,
    );
    assert_eq!(
        env.exchange().await.closed_gates,
        Gate::MarginAccountCreate.bit()
    );
    env.assert_conservation(&market).await;
}
