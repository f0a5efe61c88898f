//! Who may do what: every governance instruction, tried by governance, the risk council, the
//! guardian, a stranger and one of the market's own users. Each cell asserts success or the
//! exact error, and that the instruction took effect exactly when it succeeded.

use crate::program_test::*;
use perp::error::ErrorCode;
use perp::state::{Change, Gate, MarketStatus, Role as Authority};
use perp_sdk::pda;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

#[derive(Clone, Copy, Debug)]
enum Action {
    Queue,
    Execute,
    ExecuteListing,
    ExecuteInsuranceWithdraw,
    Cancel,
    Tighten,
    RestrictMarket,
    ResumeMarket,
    CloseGate,
    ReopenGate,
    AcceptAuthority,
}

const ACTIONS: [Action; 11] = [
    Action::Queue,
    Action::Execute,
    Action::ExecuteListing,
    Action::ExecuteInsuranceWithdraw,
    Action::Cancel,
    Action::Tighten,
    Action::RestrictMarket,
    Action::ResumeMarket,
    Action::CloseGate,
    Action::ReopenGate,
    Action::AcceptAuthority,
];

/// The rule under test: `None` = allowed.
fn expected(action: Action, role: Actor) -> Option<ErrorCode> {
    use Actor::*;
    let only = |allowed: &[Actor], error: ErrorCode| (!allowed.contains(&role)).then_some(error);
    match action {
        Action::Queue => only(&[Governance], ErrorCode::NotGovernance),
        Action::Execute | Action::ExecuteListing | Action::ExecuteInsuranceWithdraw => None,
        Action::Cancel => only(&[Governance, Guardian], ErrorCode::NotCanceller),
        Action::Tighten => only(&[RiskCouncil], ErrorCode::NotRiskCouncil),
        Action::RestrictMarket | Action::CloseGate => {
            only(&[Governance, Guardian], ErrorCode::NotGuardian)
        }
        Action::ResumeMarket | Action::ReopenGate => only(&[Governance], ErrorCode::NotGovernance),
        // Only the key an executed transfer named may accept; none of the five is that key.
        Action::AcceptAuthority => Some(ErrorCode::NotPendingAuthority),
    }
}

/// A market, a user, and one change of each executable kind queued and past its eta.
struct Stage {
    market: MarketKeys,
    user: Trader,
    oracle_change: Change,
    listing: Change,
    withdrawal: Change,
    destination: Pubkey,
    to_cancel: Change,
    new_council: Keypair,
}

const INSURANCE: u64 = 5_000;

async fn stage(env: &mut TestEnv) -> Stage {
    let market = env.create_market().await;
    let user = env.trader(&market, 1_000).await;
    env.mint_to(&market.quote_mint, &market.insurance_vault, INSURANCE)
        .await;
    let destination = env
        .create_token_account(&market.quote_mint, &Pubkey::new_unique(), 0)
        .await;

    let mut oracle = env.market(&market.market).await.oracle;
    oracle.max_age_secs = 20;
    let oracle_change = Change::MarketOracle {
        market_index: market.index,
        oracle,
    };
    let mint = env.create_mint(6, false, &[]).await;
    let listing = env
        .listing(&mint, default_params(), OracleKeys::new_unique().config())
        .await;
    let withdrawal = Change::InsuranceWithdraw {
        market_index: market.index,
        destination,
        amount: INSURANCE,
    };
    let to_cancel = Change::Timelock {
        delay_secs: 7 * 86_400,
        window_secs: 7 * 86_400,
    };
    let new_council = Keypair::new();
    let transfer = Change::Authority {
        role: Authority::RiskCouncil,
        new: new_council.pubkey(),
    };
    env.queue(oracle_change, Some(market.market)).await.unwrap();
    env.queue(listing, None).await.unwrap();
    env.queue(withdrawal, Some(market.market)).await.unwrap();
    env.queue(to_cancel, None).await.unwrap();
    env.queue(transfer, None).await.unwrap();
    env.warp_past_timelock().await;
    env.execute(&transfer, None)
        .await
        .expect("transfer executes");
    Stage {
        market,
        user,
        oracle_change,
        listing,
        withdrawal,
        destination,
        to_cancel,
        new_council,
    }
}

/// The params change the Queue cell proposes: initial margin 10% → 15%.
fn raised_margin(market: &MarketKeys) -> Change {
    let mut params = default_params();
    params.initial_margin_bps = 1_500;
    Change::MarketParams {
        market_index: market.index,
        params,
    }
}

async fn attempt(env: &mut TestEnv, s: &Stage, action: Action, signer: &Keypair) -> TxResult {
    let me = signer.pubkey();
    let payer = env.payer();
    let m = Some(s.market.market);
    match action {
        Action::Queue => {
            let ix = ix::params_queue(me, payer, raised_margin(&s.market), m);
            env.send(&[ix], &[signer]).await
        }
        Action::Execute => {
            let ix = ix::params_execute(pda::param_change_pda(&s.oracle_change), payer, m);
            env.send_paid_by(signer, &[ix]).await
        }
        Action::ExecuteListing => {
            let ix = ix::market_create(&MarketCreateAccounts {
                payer: me,
                ..env.market_create_accounts(&s.listing).await
            });
            env.send_paid_by(signer, &[ix]).await
        }
        Action::ExecuteInsuranceWithdraw => {
            let ix = ix::insurance_withdraw(&InsuranceWithdrawAccounts {
                param_change: pda::param_change_pda(&s.withdrawal),
                rent_payer: payer,
                market: s.market.market,
                insurance_vault: s.market.insurance_vault,
                quote_mint: s.market.quote_mint,
                destination: s.destination,
                token_program: s.market.token_program,
            });
            env.send_paid_by(signer, &[ix]).await
        }
        Action::Cancel => {
            let ix = ix::params_cancel(me, pda::param_change_pda(&s.to_cancel), payer, None);
            env.send(&[ix], &[signer]).await
        }
        Action::Tighten => {
            let current = env.market(&s.market.market).await;
            let mut params = current.params;
            params.deposit_cap /= 2;
            let ix = ix::params_tighten(me, s.market.market, params, current.oracle);
            env.send(&[ix], &[signer]).await
        }
        Action::RestrictMarket => {
            let ix = ix::market_set_status(me, s.market.market, MarketStatus::Paused);
            env.send(&[ix], &[signer]).await
        }
        Action::ResumeMarket => {
            let governance = env.governance.insecure_clone();
            let pause =
                ix::market_set_status(governance.pubkey(), s.market.market, MarketStatus::Paused);
            env.send(&[pause], &[&governance]).await.expect("set up");
            let ix = ix::market_set_status(me, s.market.market, MarketStatus::Active);
            env.send(&[ix], &[signer]).await
        }
        Action::CloseGate => {
            let ix = ix::exchange_set_gate(me, Gate::Deposit, false);
            env.send(&[ix], &[signer]).await
        }
        Action::ReopenGate => {
            let governance = env.governance.insecure_clone();
            let close = ix::exchange_set_gate(governance.pubkey(), Gate::Deposit, false);
            env.send(&[close], &[&governance]).await.expect("set up");
            let ix = ix::exchange_set_gate(me, Gate::Deposit, true);
            env.send(&[ix], &[signer]).await
        }
        Action::AcceptAuthority => {
            let ix = ix::authority_accept(me, Authority::RiskCouncil);
            env.send(&[ix], &[signer]).await
        }
    }
}

/// Whether `action`'s effect is visible in the accounts.
async fn took_effect(env: &mut TestEnv, s: &Stage, action: Action) -> bool {
    let market = env.market(&s.market.market).await;
    let exchange = env.exchange().await;
    match action {
        Action::Queue => {
            env.lamports(&pda::param_change_pda(&raised_margin(&s.market)))
                .await
                > 0
        }
        Action::Execute => market.oracle.max_age_secs == 20,
        Action::ExecuteListing => exchange.market_count == 2,
        Action::ExecuteInsuranceWithdraw => env.token_balance(&s.destination).await == INSURANCE,
        Action::Cancel => env.lamports(&pda::param_change_pda(&s.to_cancel)).await == 0,
        Action::Tighten => market.params.deposit_cap == default_params().deposit_cap / 2,
        Action::RestrictMarket => market.status == MarketStatus::Paused as u8,
        Action::ResumeMarket => market.status == MarketStatus::Active as u8,
        Action::CloseGate => !exchange.is_open(Gate::Deposit),
        Action::ReopenGate => exchange.is_open(Gate::Deposit),
        Action::AcceptAuthority => {
            exchange.pending[Authority::RiskCouncil as usize] != s.new_council.pubkey()
        }
    }
}

#[tokio::test]
async fn role_by_governance_instruction_matrix() {
    for role in ACTORS {
        let mut env = TestEnv::new().await;
        let s = stage(&mut env).await;
        let signer = env.actor(role, &s.user).await;
        for action in ACTIONS {
            let result = attempt(&mut env, &s, action, &signer).await;
            let effect = took_effect(&mut env, &s, action).await;
            match expected(action, role) {
                None => {
                    result.unwrap_or_else(|e| panic!("{role:?} {action:?}: {e:?}"));
                    assert!(effect, "{role:?} {action:?} took effect");
                }
                Some(error) => {
                    assert_error(result, error);
                    assert!(!effect, "{role:?} {action:?} changed nothing");
                }
            }
        }
        // The named key, and only it, completes the transfer.
        let ix = ix::authority_accept(s.new_council.pubkey(), Authority::RiskCouncil);
        env.send(&[ix], &[&s.new_council]).await.expect("accept");
        assert_eq!(env.exchange().await.risk_council, s.new_council.pubkey());
        env.assert_conservation(&s.market).await;
    }
}
