//! Insurance deposits: anyone tops up one market's fund, in any market status, and only into
//! that market's own insurance vault; collateral accounting is untouched.

use crate::program_test::*;
use perp::error::ErrorCode;
use perp::events::InsuranceDeposited;
use perp::state::MarketStatus;
use solana_sdk::signer::Signer;

#[tokio::test]
async fn anyone_tops_up_one_markets_insurance_fund() {
    let mut env = TestEnv::new().await;
    let market = env.create_market().await;
    let other = env.create_market().await;
    let donor = env.trader(&market, 5_000).await;
    let a = donor.collateral_accounts();

    // Refused: nothing, or into any vault but this market's insurance vault.
    let insurance = market.insurance_vault;
    for (vault, amount, expected) in [
        (insurance, 0, ErrorCode::ZeroAmount),
        (market.collateral_vault, 100, ErrorCode::WrongVault),
        (other.insurance_vault, 100, ErrorCode::WrongVault),
    ] {
        let ix = ix::insurance_deposit(&a, vault, amount);
        assert_error(env.send(&[ix], &[&donor.wallet]).await, expected);
    }
    assert_eq!(env.token_balance(&donor.token_account).await, 5_000);

    // Accepted in a paused market too: a backstop may be topped up exactly then.
    let guardian = env.guardian.insecure_clone();
    let pause = ix::market_set_status(guardian.pubkey(), market.market, MarketStatus::Paused);
    env.send(&[pause], &[&guardian]).await.expect("pause");
    let events = env
        .send_for_events::<InsuranceDeposited>(
            &[ix::insurance_deposit(&a, insurance, 1_200)],
            &[&donor.wallet],
        )
        .await
        .expect("insurance_deposit");
    assert_eq!(
        (
            events[0].market,
            events[0].depositor,
            events[0].amount,
            events[0].insurance_after
        ),
        (market.market, donor.wallet.pubkey(), 1_200, 1_200)
    );
    assert_eq!(env.token_balance(&insurance).await, 1_200);
    assert_eq!(env.token_balance(&donor.token_account).await, 3_800);
    assert_eq!(env.token_balance(&other.insurance_vault).await, 0);
    assert_eq!(env.market(&market.market).await.collateral_total, 0);
    env.assert_conservation(&market).await;
}
