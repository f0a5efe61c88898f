// Governance transparency: who holds each role, every market's status, and every queued
// parameter change with its old → new values and the time left before it can execute.

import { useState } from "react";
import { getBase58Decoder, getBase64Encoder, type Address } from "@solana/kit";
import {
  Gate,
  Role,
  getExchangeDecoder,
  getExchangeDiscriminatorBytes,
  getParamChangeDecoder,
  getParamChangeDiscriminatorBytes,
  type Exchange,
  type Market,
  type ParamChange,
} from "../generated";
import type { MarketConfig } from "../config";
import { typed, useAccount, useNow, usePoll } from "../chain/hooks";
import { useMarketAccount } from "../market/useMarket";
import { useExchange } from "../state";
import { STATUS } from "./MarketsView";

const decodeExchange = typed(getExchangeDecoder(), getExchangeDiscriminatorBytes());
const ROLE_NAMES: Record<Role, string> = { [Role.Governance]: "Governance", [Role.RiskCouncil]: "Risk council", [Role.Guardian]: "Guardian" };
const GATE_NAMES: Record<Gate, string> = {
  [Gate.Deposit]: "deposit",
  [Gate.Withdraw]: "withdraw",
  [Gate.MarginAccountCreate]: "account opening",
  [Gate.OrderPlace]: "order placement (reduce-only orders still pass)",
};

export function duration(secs: bigint): string {
  const s = secs < 0n ? 0n : secs;
  const d = s / 86_400n;
  const h = (s % 86_400n) / 3600n;
  const m = (s % 3600n) / 60n;
  const r = s % 60n;
  return d > 0n ? `${d}d ${h}h ${m}m` : h > 0n ? `${h}h ${m}m ${r}s` : `${m}m ${r}s`;
}

/** Queued changes, re-read every few seconds (they are few and change rarely). */
const paramChangeFilter = getBase58Decoder().decode(getParamChangeDiscriminatorBytes());

function useParamChanges(): ParamChange[] | null {
  const { conn, program } = useExchange();
  const [changes, setChanges] = useState<ParamChange[] | null>(null);
  usePoll(program, 5000, (signal) =>
    conn.rpc
      .getProgramAccounts(program, {
        encoding: "base64",
        commitment: "confirmed",
        filters: [{ memcmp: { offset: 0n, bytes: paramChangeFilter as never, encoding: "base58" } }],
      })
      .send({ abortSignal: signal })
      .then((rows) => {
        const decoder = getParamChangeDecoder();
        const b64 = getBase64Encoder();
        setChanges(rows.map((r) => decoder.decode(b64.encode(r.account.data[0]))).sort((a, b) => Number(a.eta - b.eta)));
      }),
  );
  return changes;
}

export function GovernanceView() {
  const { config, conn } = useExchange();
  const exchange = useAccount(conn, config.deployment.exchange, decodeExchange);
  const changes = useParamChanges();
  const now = useNow();
  const ex = exchange.value;
  return (
    <div className="governance">
      <section className="panel" data-testid="roles">
        <h2>Roles</h2>
        {!ex ? (
          <p className="muted">{ex === null ? "no exchange at this address" : "loading…"}</p>
        ) : (
          <Roles ex={ex} />
        )}
      </section>
      <section className="panel" data-testid="market-statuses">
        <h2>Markets</h2>
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>Market</th>
              <th>Status</th>
              <th>Initial / maintenance margin</th>
              <th>Fees (maker / taker)</th>
            </tr>
          </thead>
          <tbody>
            {config.deployment.markets.map((m) => (
              <MarketStatusRow key={m.symbol} cfg={m} />
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel" data-testid="queued-changes">
        <h2>Queued parameter changes</h2>
        {changes === null && <p className="muted">loading…</p>}
        {changes?.length === 0 && <p className="muted">Nothing is queued: no parameter can change without first appearing here for the timelock.</p>}
        {changes?.map((c) => (
          <QueuedChange key={c.id.toString()} change={c} now={now} ex={ex ?? null} />
        ))}
      </section>
    </div>
  );
}

function Roles({ ex }: { ex: Exchange }) {
  const closed = Object.entries(GATE_NAMES).filter(([bit]) => (ex.closedGates & (1 << Number(bit))) !== 0);
  const holders: [Role, Address][] = [
    [Role.Governance, ex.governance],
    [Role.RiskCouncil, ex.riskCouncil],
    [Role.Guardian, ex.guardian],
  ];
  const unset = "11111111111111111111111111111111";
  return (
    <dl>
      {holders.map(([role, key]) => (
        <div key={role}>
          <dt>{ROLE_NAMES[role]}</dt>
          <dd className="address">
            {key}
            {ex.pending[role] && ex.pending[role] !== unset && <span className="muted"> (handing over to {ex.pending[role]})</span>}
          </dd>
        </div>
      ))}
      <dt>Timelock</dt>
      <dd>
        {duration(BigInt(ex.timelockSecs))} delay, then {duration(BigInt(ex.executionWindowSecs))} to execute
      </dd>
      <dt>Closed by the guardian</dt>
      <dd>{closed.length === 0 ? "nothing" : closed.map(([, n]) => n).join(", ")}</dd>
    </dl>
  );
}

function MarketStatusRow({ cfg }: { cfg: MarketConfig }) {
  const { value: m } = useMarketAccount(cfg.market);
  if (!m) return null;
  const bps = (b: number) => `${(b / 100).toFixed(2)}%`;
  return (
    <tr data-testid={`status-${cfg.symbol}`}>
      <td>{m.index}</td>
      <td>{cfg.symbol}</td>
      <td>
        {STATUS[m.status]}
        {m.price.breakerEngaged !== 0 && " (circuit breaker)"}
      </td>
      <td>
        {bps(m.params.initialMarginBps)} / {bps(m.params.maintenanceMarginBps)}
      </td>
      <td>
        {bps(m.params.makerFeeBps)} / {bps(m.params.takerFeeBps)}
      </td>
    </tr>
  );
}

/** Field-by-field differences between two plain records (nested one level). */
export function diff(old: object, next: object, prefix = ""): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const [k, v] of Object.entries(next)) {
    const o = (old as Record<string, unknown>)[k];
    if (v && typeof v === "object" && !(v instanceof Uint8Array) && !Array.isArray(v)) {
      out.push(...diff((o ?? {}) as object, v as object, `${prefix}${k}.`));
    } else if (String(o) !== String(v)) {
      out.push([`${prefix}${k}`, String(o), String(v)]);
    }
  }
  return out;
}

function QueuedChange({ change, now, ex }: { change: ParamChange; now: bigint; ex: Exchange | null }) {
  const { config } = useExchange();
  const c = change.change;
  const marketIndex = "marketIndex" in c ? c.marketIndex : null;
  const cfg = marketIndex === null ? null : config.deployment.markets.find((m) => m.index === marketIndex) ?? null;
  const left = change.eta - now;
  const state = left > 0n ? `executable in ${duration(left)}` : now < change.expiresAt ? `executable now (window closes in ${duration(change.expiresAt - now)})` : "expired";
  return (
    <article className="change" data-testid="queued-change">
      <h4>
        #{change.id.toString()} {c.__kind}
        {cfg ? ` · ${cfg.symbol}` : marketIndex !== null ? ` · market ${marketIndex}` : ""}
        <span className={left > 0n ? "pending" : "muted"}> {state}</span>
      </h4>
      {cfg ? <MarketChangeRows change={change} cfg={cfg} /> : <OtherChangeRows change={change} ex={ex} />}
    </article>
  );
}

function Rows({ rows }: { rows: [string, string, string][] }) {
  if (rows.length === 0) return <p className="muted">no value differs from the current one</p>;
  return (
    <table>
      <tbody>
        {rows.map(([k, o, n]) => (
          <tr key={k}>
            <td>{k}</td>
            <td className="muted">{o}</td>
            <td>→ {n}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MarketChangeRows({ change, cfg }: { change: ParamChange; cfg: MarketConfig }) {
  const { value: m } = useMarketAccount(cfg.market);
  const c = change.change;
  if (!m) return <p className="muted">loading the market…</p>;
  return <Rows rows={marketDiff(m, c)} />;
}

function marketDiff(m: Market, c: ParamChange["change"]): [string, string, string][] {
  switch (c.__kind) {
    case "MarketParams":
      return diff(m.params, c.params);
    case "MarketOracle":
      return diff(m.oracle, c.oracle);
    case "InsuranceWithdraw":
      return [["insurance withdrawal", "", `${c.amount} native units to ${c.destination}`]];
    default:
      return [];
  }
}

function OtherChangeRows({ change, ex }: { change: ParamChange; ex: Exchange | null }) {
  const c = change.change;
  switch (c.__kind) {
    case "Authority": {
      const current = ex ? [ex.governance, ex.riskCouncil, ex.guardian][c.role] : "…";
      return <Rows rows={[[ROLE_NAMES[c.role], String(current), c.new]]} />;
    }
    case "Timelock":
      return (
        <Rows
          rows={[
            ["delay", ex ? duration(BigInt(ex.timelockSecs)) : "…", duration(BigInt(c.delaySecs))],
            ["execution window", ex ? duration(BigInt(ex.executionWindowSecs)) : "…", duration(BigInt(c.windowSecs))],
          ]}
        />
      );
    case "ListMarket":
      return <Rows rows={diff({}, { quoteMint: c.quoteMint, ...c.params })} />;
    default:
      return <Rows rows={[]} />;
  }
}
