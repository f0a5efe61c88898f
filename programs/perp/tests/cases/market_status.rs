//! `market_set_status`: who may restrict or loosen a market, and what a paused market refuses.

use crate::program_test::*;
use perp::error::ErrorCode;
use perp::state::MarketStatus::{self, Active, Paused, ReduceOnly};
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Governance,
    RiskCouncil,
    Guardian,
    Stranger,
    MarketUser,
}

#[tokio::test]
async fn role_by_transition_matrix() {
    use Role::*;
    let ok: Option<ErrorCode> = None;
    let restrict = |role: Role| match role {
        Governance | Guardian => ok,
        _ => Some(ErrorCode::NotGuardian),
    };
    let loosen = |role: Role| match role {
        Governance => ok,
        _ => Some(ErrorCode::NotGovernance),
    };
    // (from, to, who may)
    type Rule<'a> = &'a dyn Fn(Role) -> Option<ErrorCode>;
    let transitions: [(MarketStatus, MarketStatus, Rule); 6] = [
        (Active, ReduceOnly, &restrict),
        (Active, Paused, &restrict),
        (ReduceOnly, Paused, &restrict),
        (Paused, Paused, &restrict),
        (Paused, Active, &loosen),
        (Paused, ReduceOnly, &loosen),
    ];
    for role in [Governance, RiskCouncil, Guardian, Stranger, MarketUser] {
        let mut env = TestEnv::new().await;
        let market = env.create_market().await;
        let user = env.trader(&market, 1_000).await;
        let signer = match role {
            Governance => env.governance.insecure_clone(),
            RiskCouncil => env.risk_council.insecure_clone(),
            Guardian => env.guardian.insecure_clone(),
            Stranger => Keypair::new(),
            MarketUser => user.wallet.insecure_clone(),
        };
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
