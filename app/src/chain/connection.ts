// RPC and PubSub through @solana/kit, and account watching: subscribe first, then fetch, and
// keep whichever state is newest by slot, so no update between the two is lost.

import {
  createSolanaRpc,
  createSolanaRpcSubscriptions,
  parseBase64RpcAccount,
  type Address,
  type EncodedAccount,
  type Rpc,
  type RpcSubscriptions,
  type SolanaRpcApi,
  type SolanaRpcSubscriptionsApi,
} from "@solana/kit";

export interface Connection {
  rpc: Rpc<SolanaRpcApi>;
  subscriptions: RpcSubscriptions<SolanaRpcSubscriptionsApi>;
}

export function connect(rpcUrl: string, wsUrl: string): Connection {
  return { rpc: createSolanaRpc(rpcUrl), subscriptions: createSolanaRpcSubscriptions(wsUrl) };
}

/** The newest state of `address` (null: no account) with the slot it was seen at. */
export interface AccountState {
  account: EncodedAccount | null;
  slot: bigint;
  /** `performance.now()` when this state arrived. */
  receivedAt: number;
}

/**
 * Calls `onChange` with each newer state of `address` until `signal` aborts. Reconnects with a
 * backoff when the subscription drops (one RPC node restarting must not freeze the page).
 */
export async function watchAccount(
  conn: Connection,
  address: Address,
  onChange: (state: AccountState) => void,
  signal: AbortSignal,
): Promise<void> {
  let newest = -1n;
  const offer = (account: EncodedAccount | null, slot: bigint) => {
    if (slot < newest || signal.aborted) return;
    newest = slot;
    onChange({ account, slot, receivedAt: performance.now() });
  };
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      const notifications = await conn.subscriptions
        .accountNotifications(address, { encoding: "base64", commitment: "confirmed" })
        .subscribe({ abortSignal: signal });
      const first = await conn.rpc.getAccountInfo(address, { encoding: "base64", commitment: "confirmed" }).send({ abortSignal: signal });
      offer(first.value ? parseBase64RpcAccount(address, first.value) : null, first.context.slot);
      attempt = 0;
      for await (const n of notifications) {
        offer(parseBase64RpcAccount(address, n.value), n.context.slot);
      }
    } catch (e) {
      if (signal.aborted) return;
      console.warn(`watching ${address}:`, e);
    }
    await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 8000)));
  }
}
