//! The cluster driven by the official clients (`solana-rpc-client`, `solana-pubsub-client`).

use crate::{Localnet, ServerConfig};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_sdk::native_token::LAMPORTS_PER_SOL;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use std::time::Duration;

async fn cluster() -> (Localnet, RpcClient) {
    let config = ServerConfig {
        slot: Duration::from_millis(100),
        ..ServerConfig::ephemeral()
    };
    let net = Localnet::start(&config, None).await.expect("localnet");
    let client = RpcClient::new_with_commitment(net.rpc_url(), CommitmentConfig::confirmed());
    (net, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn airdrop_then_transfer_is_confirmed_and_visible() {
    let (_net, client) = cluster().await;
    let alice = Keypair::new();
    let bob = Keypair::new();
    let sig = client
        .request_airdrop(&alice.pubkey(), 2 * LAMPORTS_PER_SOL)
        .await
        .expect("airdrop");
    client.confirm_transaction(&sig).await.expect("confirm");
    assert_eq!(
        client.get_balance(&alice.pubkey()).await.unwrap(),
        2 * LAMPORTS_PER_SOL
    );

    let blockhash = client.get_latest_blockhash().await.unwrap();
    let tx = solana_sdk::transaction::Transaction::new_signed_with_payer(
        &[anchor_lang::solana_program::system_instruction::transfer(
            &alice.pubkey(),
            &bob.pubkey(),
            LAMPORTS_PER_SOL,
        )],
        Some(&alice.pubkey()),
        &[&alice],
        blockhash,
    );
    let sig = client
        .send_and_confirm_transaction(&tx)
        .await
        .expect("send");
    assert_eq!(
        client.get_balance(&bob.pubkey()).await.unwrap(),
        LAMPORTS_PER_SOL
    );
    let fee = 5_000;
    assert_eq!(
        client.get_balance(&alice.pubkey()).await.unwrap(),
        LAMPORTS_PER_SOL - fee
    );
    let status = client.get_signature_statuses(&[sig]).await.unwrap().value;
    assert_eq!(status[0].as_ref().map(|s| s.err.clone()), Some(None));
}
