// Take-profit and stop-loss: the inputs order entry and the position share, and the panel that
// lists the account's trigger orders beside its position, cancels them and sets new ones on the
// open position. A keeper fires them; this only places and shows them.

import { useState } from "react";
import type { MarginAccount, Market, TriggerArgsArgs, TriggerOrders } from "../generated";
import { OrderSide, TriggerDirection } from "../generated";
import type { MarketUnits } from "../format/units";
import { cancelTriggers, placeTriggers, type MarketRef } from "../market/actions";
import { NO_LIVE_INDEX, activeTriggers, freeTriggerSlots, parseProtection, protectionRefusal, protectionTriggers, triggerCaveat, triggerName, type Protection } from "../market/triggers";
import { useExchange, usePending } from "../state";
import { SendButton } from "./SendButton";

/** The two price inputs; `prefix` names their test ids (`${prefix}-tp`, `${prefix}-sl`). Below
 * them, what each leg of `legs` would send when it fires, so the worst price is seen before
 * signing. */
export function ProtectionFields(p: {
  prefix: string;
  take: string;
  stop: string;
  onTake: (t: string) => void;
  onStop: (t: string) => void;
  placeholder: string;
  legs: TriggerArgsArgs[];
  units: MarketUnits;
}) {
  return (
    <div className="protection-entry">
      <div className="protection-fields">
        <label>
          Take-profit
          <input data-testid={`${p.prefix}-tp`} value={p.take} onChange={(e) => p.onTake(e.target.value)} inputMode="decimal" placeholder={p.placeholder} />
        </label>
        <label>
          Stop-loss
          <input data-testid={`${p.prefix}-sl`} value={p.stop} onChange={(e) => p.onStop(e.target.value)} inputMode="decimal" placeholder={p.placeholder} />
        </label>
      </div>
      {p.legs.map((l) => (
        <div key={String(l.direction)} className="muted small" data-testid={`${p.prefix}-leg`}>
          {triggerName(l)}: when the index is {l.direction === TriggerDirection.AtOrAbove ? "at or above" : "at or below"} {p.units.formatTicks(BigInt(l.triggerPriceTicks))},{" "}
          {l.side === OrderSide.Bid ? "buys" : "sells"} {p.units.formatLots(BigInt(l.baseLots))} at market, no {l.side === OrderSide.Bid ? "higher" : "lower"} than{" "}
          {p.units.formatTicks(BigInt(l.limitPriceTicks))}
        </div>
      ))}
    </div>
  );
}

/** "TP 151.00 · SL 140.00": what a notice says was set. */
export function describeProtection(p: Protection, units: MarketUnits): string {
  const parts = [];
  if (p.takeProfitTicks !== null) parts.push(`TP ${units.formatTicks(p.takeProfitTicks)}`);
  if (p.stopLossTicks !== null) parts.push(`SL ${units.formatTicks(p.stopLossTicks)}`);
  return parts.join(" · ");
}

export function ProtectionPanel({
  ref_,
  market,
  units,
  account,
  triggers,
  indexTicks,
  symbol,
}: {
  ref_: MarketRef;
  market: Market;
  units: MarketUnits;
  account: MarginAccount | null | undefined;
  /** The account's trigger orders: undefined while loading, null when it has no trigger account. */
  triggers: TriggerOrders | null | undefined;
  /** The index as the oracle accounts read now, in ticks (null: none agreed). */
  indexTicks: bigint | null;
  symbol: string;
}) {
  const { session, run } = useExchange();
  // One send at a time across the panel (a cancel and a new bracket would race for the slots).
  const sending = usePending();
  const [pending, once] = sending;
  const [take, setTake] = useState("");
  const [stop, setStop] = useState("");
  const list = activeTriggers(triggers);
  const position = account?.trader.basePosition ?? 0n;
  if (list.length === 0 && position === 0n) return null;

  const parsed = parseProtection(units, take, stop);
  const isLong = position > 0n;
  const lots = position < 0n ? -position : position;
  // Whether the trigger account exists is the margin account's own record (the program sets it
  // when it opens one); its slots may still be loading.
  const hasTriggerAccount = account?.triggerOrders === 1;
  const refusal =
    hasTriggerAccount && triggers === undefined
      ? "Loading your trigger orders…"
      : typeof parsed === "string"
        ? parsed
        : indexTicks === null
          ? NO_LIVE_INDEX
          : protectionRefusal(parsed, isLong, indexTicks, freeTriggerSlots(triggers), (t) => units.formatTicks(t));
  const legs = typeof parsed === "string" || position === 0n ? [] : protectionTriggers(parsed, isLong, lots, units, market.params.tickSize, market.params.quoteLotSize, BigInt(Date.now()));
  const set = () =>
    once(async () => {
      if (!session || refusal !== null || typeof parsed === "string") return;
      const ok = await run(`Protect ${units.formatLots(lots)}: ${describeProtection(parsed, units)}`, () => placeTriggers(ref_, session.signer, legs, hasTriggerAccount), undefined, symbol);
      if (ok) {
        setTake("");
        setStop("");
      }
    });

  return (
    <section className="panel protection" data-testid="protection">
      <h3>
        Take-profit / stop-loss
        <span className="muted small"> · reduce-only market orders a keeper sends when the index crosses their price</span>
        {list.length > 0 && (
          <SendButton className="link" testId="cancel-all-triggers" what="Cancel all triggers" build={(signer) => cancelTriggers(ref_, signer, null)} pending={sending} symbol={symbol}>
            Cancel all
          </SendButton>
        )}
      </h3>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th>Trigger</th>
              <th>When the index is</th>
              <th>Then</th>
              <th title="The worst price the fired order accepts">Worst price</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  None: only liquidation protects this position
                </td>
              </tr>
            )}
            {list.map((t) => {
              const name = triggerName(t);
              const left = t.baseLots - t.filledLots;
              const caveat = account ? triggerCaveat(t, account.trader, units) : null;
              return (
                <tr key={t.id.toString()} data-testid="trigger-row" data-name={name} data-price={t.triggerPriceTicks.toString()}>
                  <td className={name === "Stop-loss" ? "down" : "up"}>
                    {name}
                    {t.linkedId !== 0n && <span className="muted small" title="When one of the two fires, the other is cancelled"> · bracket</span>}
                  </td>
                  <td>
                    {t.direction === TriggerDirection.AtOrAbove ? "at or above " : "at or below "}
                    {units.formatTicks(t.triggerPriceTicks)}
                  </td>
                  <td>
                    {t.side === OrderSide.Bid ? "Buy " : "Sell "}
                    {units.formatLots(left)}
                    {t.reduceOnly !== 0 && <span className="muted"> reduce-only</span>}
                    {caveat && (
                      <div className="error small" data-testid="trigger-caveat">
                        {caveat}
                      </div>
                    )}
                  </td>
                  <td>{units.formatTicks(t.limitPriceTicks)}</td>
                  <td>
                    <SendButton
                      testId="cancel-trigger"
                      what={`Cancel ${name.toLowerCase()} at ${units.formatTicks(t.triggerPriceTicks)}`}
                      build={(signer) => cancelTriggers(ref_, signer, t.id)}
                      pending={sending}
                      symbol={symbol}
                    >
                      Cancel
                    </SendButton>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {position !== 0n && session && (
        <form
          className="protection-form"
          onSubmit={(e) => {
            e.preventDefault();
            void set();
          }}
        >
          <ProtectionFields
            prefix="position"
            take={take}
            stop={stop}
            onTake={setTake}
            onStop={setStop}
            placeholder={indexTicks === null ? "" : units.formatTicks(indexTicks).replace(/,/g, "")}
            legs={legs}
            units={units}
          />
          <button type="submit" disabled={refusal !== null || pending} data-testid="set-protection" title={refusal ?? ""}>
            {pending ? "Sending…" : `Protect ${isLong ? "long" : "short"} ${units.formatLots(isLong ? position : -position)}`}
          </button>
          {refusal !== null && (take.trim() !== "" || stop.trim() !== "") && (
            <span className="error small" data-testid="protection-refusal">
              {refusal}
            </span>
          )}
        </form>
      )}
    </section>
  );
}
