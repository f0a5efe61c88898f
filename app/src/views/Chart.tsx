// The candle chart (TradingView's lightweight-charts, loaded with the trade view). Candles come
// from the indexer; while it is down, from the market's price sampled live as its account
// changes, so the chart never goes blank.

import { useEffect, useRef, useState } from "react";
import { CandlestickSeries, ColorType, LineStyle, createChart, type IPriceLine, type ISeriesApi, type UTCTimestamp } from "lightweight-charts";
import type { Address } from "@solana/kit";
import { fetchCandles, sample, type Candle } from "../market/history";
import { useExchange } from "../state";
import { usePoll } from "../chain/hooks";

/** Candle widths offered (seconds; the indexer serves these), and how many candles are fetched. */
export const INTERVALS: [number, string][] = [
  [60, "1m"],
  [300, "5m"],
  [900, "15m"],
  [3_600, "1h"],
];
const CANDLES = 360;

export interface ChartProps {
  market: Address;
  /** The market's current price in ticks (for live sampling), and ticks → price. */
  priceTicks: number | null;
  tickPrice: number;
  priceDecimals: number;
  /** The index and the stable price (prices, not ticks), drawn as lines; null: none yet. */
  index: number | null;
  stable: number | null;
  /** The market's prices have not moved for a while: the chart says so. */
  stale: boolean;
}

export default function Chart({ market, priceTicks, tickPrice, priceDecimals, index, stable, stale }: ChartProps) {
  const { config } = useExchange();
  const box = useRef<HTMLDivElement>(null);
  const series = useRef<ISeriesApi<"Candlestick"> | null>(null);
  const lines = useRef<{ index: IPriceLine | null; stable: IPriceLine | null }>({ index: null, stable: null });
  const [interval, setInterval_] = useState(INTERVALS[0]![0]);
  const [indexed, setIndexed] = useState<Candle[] | null>(null);
  const [live, setLive] = useState<Candle[]>([]);

  useEffect(() => {
    const chart = createChart(box.current!, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: "#11151c" }, textColor: "#9aa4b2" },
      grid: { vertLines: { color: "#1c222c" }, horzLines: { color: "#1c222c" } },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
    series.current = chart.addSeries(CandlestickSeries, {
      priceFormat: { type: "price", precision: priceDecimals, minMove: tickPrice },
    });
    return () => {
      series.current = null;
      lines.current = { index: null, stable: null };
      chart.remove();
    };
  }, [tickPrice, priceDecimals]);

  // The index (what positions are valued at) and the stable price (the breaker's anchor).
  useEffect(() => {
    const s = series.current;
    if (!s) return;
    const draw = (key: "index" | "stable", price: number | null, title: string, color: string) => {
      const line = lines.current[key];
      if (price === null) {
        if (line) s.removePriceLine(line);
        lines.current[key] = null;
      } else if (line) {
        line.applyOptions({ price });
      } else {
        lines.current[key] = s.createPriceLine({ price, title, color, lineWidth: 1, lineStyle: LineStyle.Dashed, axisLabelVisible: true });
      }
    };
    draw("index", index, "index", "#5b8def");
    draw("stable", stable, "stable", "#7d8794");
  }, [index, stable, tickPrice, priceDecimals]);

  usePoll(config.indexerUrl && `${config.indexerUrl} ${market} ${interval}`, 5000, (signal) => {
    const now = Math.floor(Date.now() / 1000);
    return fetchCandles(config.indexerUrl!, market, interval, now - CANDLES * interval, signal)
      .then((c) => setIndexed(c.length > 0 ? c : null))
      .catch(() => !signal.aborted && setIndexed(null));
  });

  useEffect(() => setLive([]), [interval]);
  useEffect(() => {
    if (priceTicks === null) return;
    setLive((c) => sample(c, Math.floor(Date.now() / 1000), priceTicks, interval).slice(-CANDLES));
  }, [priceTicks, interval]);

  const candles = indexed ?? live;
  useEffect(() => {
    series.current?.setData(
      candles.map((c) => ({
        time: c.time as UTCTimestamp,
        open: c.open * tickPrice,
        high: c.high * tickPrice,
        low: c.low * tickPrice,
        close: c.close * tickPrice,
      })),
    );
  }, [candles, tickPrice]);

  return (
    <section className="panel chart" data-testid="chart" data-source={indexed ? "indexer" : "live"} data-stale={stale}>
      <h3>
        Price <span className="muted">{indexed ? "indexer" : "sampled live"}</span>
        {stale && <span className="error small">stale: no price update for over a minute</span>}
        <span className="tabs small chart-intervals">
          {INTERVALS.map(([secs, label]) => (
            <button key={secs} type="button" className={interval === secs ? "active" : ""} aria-pressed={interval === secs} onClick={() => setInterval_(secs)} data-testid={`interval-${label}`}>
              {label}
            </button>
          ))}
        </span>
      </h3>
      <div ref={box} className="chart-box" />
    </section>
  );
}
