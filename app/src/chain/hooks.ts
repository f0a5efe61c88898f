// React hooks over account watching: the decoded newest state of an account.

import { useEffect, useRef, useState } from "react";
import type { Address, Decoder, EncodedAccount, ReadonlyUint8Array } from "@solana/kit";
import { watchAccount, type AccountState, type Connection } from "./connection";

/** A decoder for `useAccount` that refuses an account of another type (by its Anchor
 * discriminator). */
export function typed<T>(decoder: Pick<Decoder<T>, "decode">, discriminator: ReadonlyUint8Array) {
  return (a: EncodedAccount): T => {
    if (!discriminator.every((b, i) => a.data[i] === b)) throw new Error(`${a.address} is not the expected account type`);
    return decoder.decode(a.data);
  };
}

export interface Decoded<T> {
  /** undefined: not loaded yet; null: the account does not exist. */
  value: T | null | undefined;
  slot: bigint;
  receivedAt: number;
}

export function useAccount<T>(
  conn: Connection,
  address: Address | null | undefined,
  decode: (account: EncodedAccount) => T,
): Decoded<T> {
  const [state, setState] = useState<Decoded<T>>({ value: undefined, slot: -1n, receivedAt: 0 });
  useEffect(() => {
    setState({ value: undefined, slot: -1n, receivedAt: 0 });
    if (!address) return;
    const abort = new AbortController();
    void watchAccount(
      conn,
      address,
      (s: AccountState) => {
        let value: T | null = null;
        try {
          value = s.account ? decode(s.account) : null;
        } catch (e) {
          console.warn(`decoding ${address}:`, e);
        }
        setState({ value, slot: s.slot, receivedAt: s.receivedAt });
      },
      abort.signal,
    );
    return () => abort.abort();
    // `decode` must be pure (a new closure per render must not resubscribe).
  }, [conn, address]);
  return state;
}

/** Seconds of unix time, ticking every second. */
export function useNow(): bigint {
  const [now, setNow] = useState(() => BigInt(Math.floor(Date.now() / 1000)));
  useEffect(() => {
    const t = setInterval(() => setNow(BigInt(Math.floor(Date.now() / 1000))), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

/** Runs `load` now and every `everyMs` while `key` stays the same (null: not at all); its
 * signal aborts when the key changes or the component goes. */
export function usePoll(key: string | null, everyMs: number, load: (signal: AbortSignal) => Promise<unknown>): void {
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    if (key === null) return;
    const abort = new AbortController();
    const run = () => void latest.current(abort.signal).catch((e) => !abort.signal.aborted && console.warn(e));
    run();
    const t = setInterval(run, everyMs);
    return () => {
      clearInterval(t);
      abort.abort();
    };
  }, [key, everyMs]);
}
