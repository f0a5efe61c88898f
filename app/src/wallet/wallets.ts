// Wallets through the Wallet Standard: any wallet that registers itself (Phantom, Solflare,
// Backpack, …) and can connect and sign Solana transactions is offered, with no per-wallet code.
// The app signs through the wallet and sends through its own RPC, so a refusal comes back with
// the program's error code.

import { useEffect, useState } from "react";
import { getWallets } from "@wallet-standard/app";
import type { IdentifierString, Wallet, WalletAccount } from "@wallet-standard/base";
import {
  StandardConnect,
  StandardDisconnect,
  StandardEvents,
  type StandardConnectFeature,
  type StandardDisconnectFeature,
  type StandardEventsFeature,
} from "@wallet-standard/features";
import { SolanaSignTransaction, type SolanaSignTransactionFeature } from "@solana/wallet-standard-features";
import {
  address,
  getTransactionDecoder,
  getTransactionEncoder,
  type Transaction,
  type TransactionModifyingSigner,
} from "@solana/kit";

/** A wallet this app can use. */
export function usable(w: Wallet): boolean {
  return StandardConnect in w.features && SolanaSignTransaction in w.features && w.chains.some((c) => c.startsWith("solana:"));
}

/** The usable wallets, updated as wallets register (extensions load after the page). */
export function useWallets(): readonly Wallet[] {
  const [wallets, setWallets] = useState<readonly Wallet[]>(() => getWallets().get().filter(usable));
  useEffect(() => {
    const api = getWallets();
    const refresh = () => setWallets(api.get().filter(usable));
    const offs = [api.on("register", refresh), api.on("unregister", refresh)];
    refresh();
    return () => offs.forEach((off) => off());
  }, []);
  return wallets;
}

/** The chain to ask the wallet to sign for: the local cluster when it knows it. */
export function chainFor(wallet: Wallet): IdentifierString {
  const preferred: IdentifierString[] = ["solana:localnet", "solana:devnet"];
  return preferred.find((c) => wallet.chains.includes(c)) ?? wallet.chains.find((c) => c.startsWith("solana:"))!;
}

/** Connects `wallet`; `silent`: only if it allows without asking the user (a reconnect after a
 * reload), throwing otherwise. */
export async function connectWallet(wallet: Wallet, silent = false): Promise<WalletAccount> {
  const { connect } = (wallet.features as StandardConnectFeature)[StandardConnect];
  const { accounts } = await connect(silent ? { silent: true } : undefined);
  const account = accounts[0] ?? wallet.accounts[0];
  if (!account) throw new Error(`${wallet.name} gave no account`);
  return account;
}

/** Where the last connected wallet's name is kept, so a reload reconnects it silently. */
export const LAST_WALLET_KEY = "perp.lastWallet";

export async function disconnectWallet(wallet: Wallet): Promise<void> {
  const feature = (wallet.features as Partial<StandardDisconnectFeature>)[StandardDisconnect];
  await feature?.disconnect();
}

/** Calls `onChange` when the wallet's accounts change (the user switched account). */
export function onAccountsChange(wallet: Wallet, onChange: (accounts: readonly WalletAccount[]) => void): () => void {
  const events = (wallet.features as Partial<StandardEventsFeature>)[StandardEvents];
  return events ? events.on("change", ({ accounts }) => accounts && onChange(accounts)) : () => {};
}

/** A @solana/kit signer that asks `wallet` to sign (the wallet may add its own instructions,
 * hence a modifying signer). */
export function walletSigner(wallet: Wallet, account: WalletAccount): TransactionModifyingSigner {
  const { signTransaction } = (wallet.features as SolanaSignTransactionFeature)[SolanaSignTransaction];
  const chain = chainFor(wallet);
  const encoder = getTransactionEncoder();
  const decoder = getTransactionDecoder();
  return {
    address: address(account.address),
    async modifyAndSignTransactions(transactions) {
      const outputs = await signTransaction(
        ...transactions.map((t) => ({ account, chain, transaction: new Uint8Array(encoder.encode(t)) })),
      );
      return outputs.map((o, i) => {
        const signed = decoder.decode(o.signedTransaction);
        return { ...transactions[i], ...signed } as (typeof transactions)[number] & Transaction;
      }) as never;
    },
  };
}
