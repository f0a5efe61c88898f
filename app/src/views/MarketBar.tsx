import type { Market } from "../generated";
import type { MarketUnits } from "../format/units";
import { faultText, type LiveIndex } from "../market/oracles";
import { fundingRateBps } from "../market/risk";
import { formatSecs, tradingState } from "../market/status";
import { useStats24h } from "../market/useStats";

/** The market's prices told apart — the index read live from the oracle accounts, each source,
 * the stable price, the last trade — with the last 24 h, funding and open interest, and what
 * the market allows now. */
export function MarketBar({ address, market, units, now, live }: { address: string; market: Market; units: MarketUnits; now: bigint; live: LiveIndex | null }) {
  const st = tradingState(market, now);
  const stats = useStats24h(address);
  const funding = fundingRateBps(market);
  const interval = BigInt(market.params.fundingIntervalSecs);
  const nextFunding = market.funding.intervalStart + interval - now;
  const index = live?.index ?? null;
  return (
    <>
      <span title="The agreed oracle price, read from the oracle accounts as they update: positions are valued here, and the next instruction will see it">
        <span className="muted">Index </span>
        <span data-testid="oracle-price" data-live={index !== null} className={index === null && st.stale ? "stale" : ""}>
          {units.formatRawPrice(index ?? market.price.indexPrice)}
        </span>
        {index === null && (
          <span className={st.stale ? "error small" : "muted small"} data-testid="index-age">
            {" "}
            {live?.indexFault ? `${faultText(live.indexFault)}; ` : ""}
            {st.indexAgeSecs !== null ? `last stored ${formatSecs(st.indexAgeSecs)} ago` : "never stored"}
          </span>
        )}
      </span>
      <span className="small" data-testid="oracle-sources" title="Each oracle source as its account reads now, judged by the market's own limits (as the program will judge it)">
        {live?.sources.map((src) => (
          <span key={src.name} className={src.fault ? "error" : "muted"} data-testid={`source-${src.name}`} data-stale={src.fault !== null} data-fault={src.fault ?? ""}>
            {src.name} {src.price !== null ? units.formatRawPrice(src.price) : src.fault ? faultText(src.fault) : "…"}
            {src.age && ` (${src.age})`}{" "}
          </span>
        ))}
        {live?.indexFault === "SourcesDiverge" && (
          <span className="error" data-testid="sources-disagree">
            sources disagree: no index, new risk refused{" "}
          </span>
        )}
      </span>
      <span className="muted" title="A slow average of the index: the circuit breaker and the order band are anchored to it, so one bad print cannot move them">
        Stable <span data-testid="stable-price">{units.formatRawPrice(market.price.stablePrice)}</span>
      </span>
      {stats && (
        <span className="muted" data-testid="market-24h" title="From the indexer's trades of the last 24 hours">
          Last {units.formatTicks(BigInt(Math.round(stats.lastTicks)))}
          {stats.change !== null && <span className={stats.change >= 0 ? "up" : "down"}> {(stats.change * 100).toFixed(2)}%</span>} · 24 h vol {units.formatLots(BigInt(stats.volumeLots))}
        </span>
      )}
      <span className="muted" data-testid="market-funding" title="Funding per interval, in % of the index: positive means longs pay shorts, negative shorts pay longs. Settled into each account when it next trades.">
        Funding <span className={funding >= 0 ? "up" : "down"}>{(funding / 100).toFixed(4)}%</span>
        {" · next "}
        {nextFunding > 0n ? `in ${formatSecs(nextFunding)}` : "due"}
      </span>
      <span className="muted" title="Open interest: the lots held long (equal to those held short)">
        OI {units.formatLots(market.openInterest.longLots)}
      </span>
      <span className={st.reduceOnly || live?.newRiskRefused ? "error" : "muted"} data-testid="market-state">
        {st.label}
        {st.breakerReleaseIn !== null && (st.breakerReleaseIn > 0n ? ` · may release in ${formatSecs(st.breakerReleaseIn)}` : " · may release at the next in-band price")}
        {!st.reduceOnly && live?.newRiskRefused && ` · new positions refused now: ${faultText(live.newRiskRefused)}`}
      </span>
    </>
  );
}
