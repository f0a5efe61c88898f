// What every view shares: the configuration, the connection, the connected wallet and the
// notices of sent transactions.

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import type { Address, Instruction, Signature, TransactionSigner } from "@solana/kit";
import type { Wallet, WalletAccount } from "@wallet-standard/base";
import type { AppConfig } from "./config";
import { connect, type Connection } from "./chain/connection";
import { sendInstructions, TxError } from "./chain/send";

export interface Notice {
  id: number;
  kind: "pending" | "ok" | "error";
  text: string;
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
  /** Signs and sends `instructions`, reporting progress as a notice (with what `outcome` reads
   * of the landed transaction, if given); resolves to whether it landed. */
  run: (what: string, instructions: () => Promise<Instruction[]>, outcome?: (signature: Signature) => Promise<string | null>) => Promise<boolean>;
}

const Context = createContext<Exchange | null>(null);

export function useExchange(): Exchange {
  const e = useContext(Context);
  if (!e) throw new Error("useExchange outside ExchangeProvider");
  return e;
}

let nextNotice = 1;

export function ExchangeProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  const conn = useMemo(() => connect(config.rpcUrl, config.wsUrl), [config]);
  const [session, setSession] = useState<Session | null>(null);
  const [notices, setNotices] = useState<Notice[]>([]);
  const program = config.deployment.program;

  const update = useCallback((n: Notice) => setNotices((all) => [n, ...all.filter((o) => o.id !== n.id)].slice(0, 5)), []);

  const run = useCallback(
    async (what: string, instructions: () => Promise<Instruction[]>, outcome?: (signature: Signature) => Promise<string | null>) => {
      if (!session) return false;
      const id = nextNotice++;
      update({ id, kind: "pending", text: `${what}…` });
      try {
        const sent = await sendInstructions(conn, session.signer, await instructions(), program);
        const detail = outcome ? await outcome(sent.signature).catch(() => null) : null;
        const text = `${what}: confirmed${detail ? ` · ${detail}` : ""}`;
        update({ id, kind: "ok", text, signature: sent.signature, confirmedAt: sent.confirmedAt });
        return true;
      } catch (e) {
        update({ id, kind: "error", text: `${what}: ${e instanceof TxError ? e.message : String(e)}` });
        if (!(e instanceof TxError)) console.error(e);
        else console.warn(what, e.cause);
        return false;
      }
    },
    [conn, session, program, update],
  );

  const value = useMemo(() => ({ config, conn, program, session, setSession, notices, run }), [config, conn, program, session, notices, run]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}
