// What every view shares: the configuration, the connection, the connected wallet and the
// notices of sent transactions.

import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import type { Address, Instruction, Signature, TransactionSigner } from "@solana/kit";
import type { Wallet, WalletAccount } from "@wallet-standard/base";
import type { AppConfig } from "./config";
import { connect, type Connection } from "./chain/connection";
import { sendInstructions, TxError } from "./chain/send";

export interface Notice {
  id: number;
  kind: "pending" | "ok" | "error";
  text: string;
  /** The market it concerns, if any. */
  market?: string;
  signature?: string;
  /** `performance.now()` at confirmation. */
  confirmedAt?: number;
}

export interface Session {
  wallet: Wallet;
  account: WalletAccount;
  signer: TransactionSigner;
  owner: Address;
}

interface Exchange {
  config: AppConfig;
  conn: Connection;
  program: Address;
  session: Session | null;
  setSession: (s: Session | null) => void;
  notices: Notice[];
  dismiss: (id: number) => void;
  /** Signs and sends `instructions`, reporting progress as a notice tagged with `market` (with
   * what `outcome` reads of the landed transaction, if given); resolves to whether it landed. */
  run: (what: string, instructions: () => Promise<Instruction[]>, outcome?: (signature: Signature) => Promise<string | null>, market?: string) => Promise<boolean>;
  /** Tells the trader of something done for them by someone else (a keeper firing their stop),
   * as a notice of `kind` tagged with `market`. */
  announce: (kind: "ok" | "error", text: string, market?: string, signature?: string) => void;
}

/** How long a settled notice stays, ms: a confirmation briefly, a refusal long enough to read.
 * A pending one stays until it settles. */
export const NOTICE_TTL_MS: Record<Notice["kind"], number | null> = { pending: null, ok: 8_000, error: 30_000 };
/** Notices kept at once (the newest). */
export const MAX_NOTICES = 5;

const Context = createContext<Exchange | null>(null);

export function useExchange(): Exchange {
  const e = useContext(Context);
  if (!e) throw new Error("useExchange outside ExchangeProvider");
  return e;
}

/** One transaction at a time from a control: `pending` while one runs, and `once(send)` ignores
 * calls while it does — a double-click signs one order. The guard is a ref, so two clicks in
 * the same frame (before a re-render) are caught too. */
export function usePending(): [boolean, (send: () => Promise<unknown>) => Promise<void>] {
  const busy = useRef(false);
  const [pending, setPending] = useState(false);
  const once = useCallback(async (send: () => Promise<unknown>) => {
    if (busy.current) return;
    busy.current = true;
    setPending(true);
    try {
      await send();
    } finally {
      busy.current = false;
      setPending(false);
    }
  }, []);
  return [pending, once];
}

let nextNotice = 1;

export function ExchangeProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  const conn = useMemo(() => connect(config.rpcUrl, config.wsUrl), [config]);
  const [session, setSession] = useState<Session | null>(null);
  const [notices, setNotices] = useState<Notice[]>([]);
  const program = config.deployment.program;

  const dismiss = useCallback((id: number) => setNotices((all) => all.filter((o) => o.id !== id)), []);
  const update = useCallback(
    (n: Notice) => {
      setNotices((all) => [n, ...all.filter((o) => o.id !== n.id)].slice(0, MAX_NOTICES));
      const ttl = NOTICE_TTL_MS[n.kind];
      if (ttl !== null) setTimeout(() => setNotices((all) => all.filter((o) => o !== n)), ttl);
    },
    [],
  );

  const run = useCallback(
    async (what: string, instructions: () => Promise<Instruction[]>, outcome?: (signature: Signature) => Promise<string | null>, market?: string) => {
      if (!session) return false;
      const id = nextNotice++;
      update({ id, kind: "pending", text: `${what}…`, market });
      try {
        const sent = await sendInstructions(conn, session.signer, await instructions(), program);
        const detail = outcome ? await outcome(sent.signature).catch(() => null) : null;
        const text = `${what}: confirmed${detail ? ` · ${detail}` : ""}`;
        update({ id, kind: "ok", text, market, signature: sent.signature, confirmedAt: sent.confirmedAt });
        return true;
      } catch (e) {
        update({ id, kind: "error", text: `${what}: ${e instanceof TxError ? e.message : String(e)}`, market });
        if (!(e instanceof TxError)) console.error(e);
        else console.warn(what, e.cause);
        return false;
      }
    },
    [conn, session, program, update],
  );

  const announce = useCallback(
    (kind: "ok" | "error", text: string, market?: string, signature?: string) => update({ id: nextNotice++, kind, text, market, signature }),
    [update],
  );

  const value = useMemo(
    () => ({ config, conn, program, session, setSession, notices, dismiss, run, announce }),
    [config, conn, program, session, notices, dismiss, run, announce],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}
