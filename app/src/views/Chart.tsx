// The candle chart (TradingView's lightweight-charts, loaded with the trade view). Candles come
// from the indexer; while it is down, from the market's price sampled live as its account
// changes, so the chart never goes blank.

import { useEffect, useRef, useState } from "react";
import { CandlestickSeries, ColorType, createChart, type ISeriesApi, type UTCTimestamp } from "lightweight-charts";
import type { Address } from "@solana/kit";
import { fetchCandles, sample, type Candle } from "../market/history";
import { useExchange } from "../state";
import { usePoll } from "../chain/hooks";

const INTERVAL = 60;
const WINDOW = 6 * 3600;

export interface ChartProps {
  market: Address;
  /** The market's current price in ticks (for live sampling), and ticks → price. */
  priceTicks: number | null;
  tickPrice: number;
  priceDecimals: number;
}

export default function Chart({ market, priceTicks, tickPrice, priceDecimals }: ChartProps) {
  const { config } = useExchange();
  const box = useRef<HTMLDivElement>(null);
  const series = useRef<ISeriesApi<"Candlestick"> | null>(null);
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
      chart.remove();
    };
  }, [tickPrice, priceDecimals]);

  usePoll(config.indexerUrl && `${config.indexerUrl} ${market}`, 5000, (signal) => {
    const now = Math.floor(Date.now() / 1000);
    return fetchCandles(config.indexerUrl!, market, INTERVAL, now - WINDOW, signal)
      .then((c) => setIndexed(c.length > 0 ? c : null))
      .catch(() => !signal.aborted && setIndexed(null));
  });

  useEffect(() => {
    if (priceTicks === null) return;
    setLive((c) => sample(c, Math.floor(Date.now() / 1000), priceTicks, INTERVAL).slice(-WINDOW / INTERVAL));
  }, [priceTicks]);

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
    <section className="panel chart" data-testid="chart" data-source={indexed ? "indexer" : "live"}>
      <h3>
        Price <span className="muted">1 m candles · {indexed ? "indexer" : "sampled live"}</span>
      </h3>
      <div ref={box} className="chart-box" />
    </section>
  );
}
