import { lazy, Suspense, useMemo, useState } from "react";
import type { MarketConfig } from "../config";
import { levels } from "../chain/book";
import { useNow } from "../chain/hooks";
import { closeReference } from "../market/close";
import { accountRisk, withdrawableNow, type AccountRisk } from "../market/risk";
import { useLiveIndex } from "../market/oracles";
import { tradingState } from "../market/status";
import { openOrders, useTradingState } from "../market/useMarket";
import { useExchange } from "../state";
import { Book, DEPTH } from "./Book";
import { Funds } from "./Funds";
import { MarketBar } from "./MarketBar";
import { OrderEntry } from "./OrderEntry";
import { MyFills } from "./MyFills";
import { MyFunding } from "./MyFunding";
import { MyOrders } from "./MyOrders";
import { OpenOrders, Positions } from "./Positions";
import { ProtectionPanel } from "./Protection";
import { Trades } from "./Trades";
import { useTriggerNotices } from "./useTriggerNotices";

// The chart library is the largest dependency; it loads beside the first render, not before it.
const Chart = lazy(() => import("./Chart"));

export function TradeView({ cfg }: { cfg: MarketConfig }) {
  const { config } = useExchange();
  const now = useNow();
  const s = useTradingState(cfg);
  const { market, units, ref } = s;
  const account = s.margin.value;
  // A keeper firing (or removing) one of the trader's triggers is told as a notice.
  useTriggerNotices(cfg.market, s.triggers.value, units, cfg.symbol);
  // The index as the oracle accounts read now (the stored one lags the last keeper crank).
  const live = useLiveIndex(market, now);
  const liveIndex = live?.index ?? null;
  // Positions are valued at the index (what the oracles agree on now), not the lagging stable
  // price; the liquidation price does not depend on the price chosen.
  const price = market ? closeReference(market, liveIndex) : 0n;
  const risk: AccountRisk | null = useMemo(() => {
    if (!market || !account) return null;
    try {
      return accountRisk(market, account, price);
    } catch {
      return null;
    }
  }, [market, account, price]);
  const withdrawable = useMemo(() => {
    if (!market || !account) return 0n;
    try {
      return withdrawableNow(market, account);
    } catch {
      return 0n;
    }
  }, [market, account]);
  // One walk of the book per change (or second: `now` only matters for expiring orders), shared
  // by the book view and order entry's best prices.
  const book = useMemo(() => (s.book.value ? levels(s.book.value, now, DEPTH) : { bids: [], asks: [] }), [s.book.value, now]);
  const mine = useMemo(() => new Set(account ? openOrders(account).map((o) => o.price) : []), [account]);
  // A price clicked in the book, for order entry (a new object per click, so the same price
  // picked twice still lands).
  const [picked, setPicked] = useState<{ text: string } | null>(null);
  const [tab, setTab] = useState<"book" | "chart" | "trades">("book");

  if (market === null) return <p className="panel">{cfg.symbol} is not listed on this cluster.</p>;
  if (!market || !units || !ref) return <p className="panel muted">Loading {cfg.symbol}…</p>;
  return (
    <div className="trade">
      <div className="market-bar">
        <select value={cfg.symbol} onChange={(e) => (window.location.hash = `#/trade/${e.target.value}`)} data-testid="market-select">
          {config.deployment.markets.map((m) => (
            <option key={m.symbol}>{m.symbol}</option>
          ))}
        </select>
        <MarketBar address={cfg.market} market={market} units={units} now={now} live={live} />
      </div>
      <div className="grid" data-tab={tab}>
        {/* On a phone the book, the chart and the trades share one place, one at a time (the
            bar shows only there, below order entry). */}
        <div className="tabs small mobile-tabs" role="tablist">
          {(["book", "chart", "trades"] as const).map((t) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? "active" : ""} onClick={() => setTab(t)} data-testid={`tab-${t}`}>
              {t === "book" ? "Book" : t === "chart" ? "Chart" : "Trades"}
            </button>
          ))}
        </div>
        <Book book={s.book} levels={book} units={units} mine={mine} stale={tradingState(market, now).stale} onPick={(ticks) => setPicked({ text: units.formatTicks(ticks).replace(/,/g, "") })} />
        <div className="center">
          <Suspense fallback={<section className="panel chart muted">loading chart…</section>}>
            <Chart
              market={cfg.market}
              priceTicks={price === 0n ? null : Number(units.rawToTicks(price))}
              tickPrice={units.tickPrice}
              priceDecimals={units.priceDecimals}
              index={price === 0n ? null : Number(units.rawToTicks(price)) * units.tickPrice}
              stable={market.price.stablePrice === 0n ? null : Number(units.rawToTicks(market.price.stablePrice)) * units.tickPrice}
              stale={tradingState(market, now).stale}
            />
          </Suspense>
          <Trades market={cfg.market} units={units} />
        </div>
        <div className="side">
          <OrderEntry ref_={ref} market={market} units={units} account={account ?? null} top={book} symbol={cfg.symbol} now={now} picked={picked} live={live} triggers={s.triggers.value} />
          <Funds ref_={ref} units={units} account={account} withdrawable={withdrawable} ata={s.ata} walletBalance={s.walletBalance} symbol={cfg.symbol} />
        </div>
      </div>
      <Positions ref_={ref} market={market} account={account} units={units} risk={risk} symbol={cfg.symbol} live={live} stale={liveIndex === null && tradingState(market, now).stale} triggers={s.triggers.value} />
      <ProtectionPanel ref_={ref} market={market} units={units} account={account} triggers={s.triggers.value} indexTicks={liveIndex === null ? null : units.rawToTicks(liveIndex)} symbol={cfg.symbol} />
      <OpenOrders ref_={ref} units={units} account={account} symbol={cfg.symbol} />
      <MyOrders market={cfg.market} account={s.margin.address} units={units} />
      <MyFills market={cfg.market} account={s.margin.address} units={units} />
      <MyFunding market={cfg.market} account={s.margin.address} units={units} />
    </div>
  );
}
