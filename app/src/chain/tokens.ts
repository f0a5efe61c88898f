// The trader's quote-token account: its address (the associated token account) and balance.

import { useEffect, useState } from "react";
import { getAddressEncoder, getProgramDerivedAddress, type Address } from "@solana/kit";
import { watchAccount, type Connection } from "./connection";

export const ASSOCIATED_TOKEN_PROGRAM = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL" as Address;

export async function associatedTokenAddress(owner: Address, mint: Address, tokenProgram: Address): Promise<Address> {
  const enc = getAddressEncoder();
  const [ata] = await getProgramDerivedAddress({
    programAddress: ASSOCIATED_TOKEN_PROGRAM,
    seeds: [enc.encode(owner), enc.encode(tokenProgram), enc.encode(mint)],
  });
  return ata;
}

/** Native units in `ata` (0 when it does not exist yet), refreshed on every change. The token
 * program's own RPC method reads the balance, so no token layout is written here. */
export function useTokenBalance(conn: Connection, ata: Address | null): bigint | undefined {
  const [balance, setBalance] = useState<bigint | undefined>(undefined);
  useEffect(() => {
    setBalance(undefined);
    if (!ata) return;
    const abort = new AbortController();
    void watchAccount(
      conn,
      ata,
      async ({ account }) => {
        if (!account) return setBalance(0n);
        const { value } = await conn.rpc.getTokenAccountBalance(ata, { commitment: "confirmed" }).send({ abortSignal: abort.signal });
        if (!abort.signal.aborted) setBalance(BigInt(value.amount));
      },
      abort.signal,
    );
    return () => abort.abort();
  }, [conn, ata]);
  return balance;
}

/** Lamports of `owner`, refreshed on every change. */
export function useLamports(conn: Connection, owner: Address | null): bigint | undefined {
  const [lamports, setLamports] = useState<bigint | undefined>(undefined);
  useEffect(() => {
    setLamports(undefined);
    if (!owner) return;
    const abort = new AbortController();
    void watchAccount(conn, owner, ({ account }) => setLamports(account ? BigInt(account.lamports) : 0n), abort.signal);
    return () => abort.abort();
  }, [conn, owner]);
  return lamports;
}
