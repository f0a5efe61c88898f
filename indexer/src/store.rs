//! Trades in SQLite, and candles aggregated from them.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::Path;
use std::sync::Mutex;

/// One fill, as the book logged it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trade {
    pub signature: String,
    /// The fill's position among the transaction's book events.
    pub index: u32,
    pub market: String,
    pub slot: u64,
    /// Unix seconds (the program's clock).
    pub time: i64,
    pub price_ticks: u64,
    pub base_lots: u64,
    /// The taker's side: "buy" when it lifted an ask.
    pub taker_side: String,
    pub maker: String,
    pub taker: String,
}

/// One order as its `OrderPlaced` event told it: what was asked and what became of it at once
/// (filled, rested, cancelled). Later fills of a resting order are in `trades`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub signature: String,
    /// The order's position among the transaction's orders.
    pub index: u32,
    pub market: String,
    /// The margin account that placed it.
    pub account: String,
    pub slot: u64,
    /// Unix seconds (the program's clock).
    pub time: i64,
    /// "buy" or "sell".
    pub side: String,
    /// "limit", "postOnly", "postOnlySlide", "ioc", "fok" or "market".
    pub order_type: String,
    /// The limit sent (0: a market order at the band's edge) and the final one.
    pub limit_ticks: u64,
    pub price_ticks: u64,
    pub base_lots: u64,
    pub filled_base_lots: u64,
    pub cancelled_base_lots: u64,
    /// Whether a remainder rests on the book.
    pub rested: bool,
    pub reduce_only: bool,
    pub client_order_id: u64,
}

/// A funding payment as its `FundingPaid` event told it: what a margin account's position paid
/// (negative: received) when funding last settled into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FundingPayment {
    pub signature: String,
    /// The payment's position among the transaction's payments.
    pub index: u32,
    pub market: String,
    pub account: String,
    pub slot: u64,
    /// Unix seconds (the program's clock).
    pub time: i64,
    /// The position it was owed on, base lots (negative: short).
    pub base_lots: i64,
    /// Native quote units paid (negative: received).
    pub amount: i64,
}

/// Open, high, low and close in ticks, and volume in base lots, over `[time, time + interval)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Candle {
    pub time: i64,
    pub open: u64,
    pub high: u64,
    pub low: u64,
    pub close: u64,
    pub volume: u64,
    pub trades: u64,
}

pub struct Store {
    db: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS trades (
    signature   TEXT    NOT NULL,
    idx         INTEGER NOT NULL,
    market      TEXT    NOT NULL,
    slot        INTEGER NOT NULL,
    time        INTEGER NOT NULL,
    price_ticks INTEGER NOT NULL,
    base_lots   INTEGER NOT NULL,
    taker_side  TEXT    NOT NULL,
    maker       TEXT    NOT NULL,
    taker       TEXT    NOT NULL,
    PRIMARY KEY (signature, idx)
);
CREATE INDEX IF NOT EXISTS trades_by_market_time ON trades (market, time);
CREATE INDEX IF NOT EXISTS trades_by_maker ON trades (maker, slot);
CREATE INDEX IF NOT EXISTS trades_by_taker ON trades (taker, slot);
CREATE TABLE IF NOT EXISTS orders (
    signature       TEXT    NOT NULL,
    idx             INTEGER NOT NULL,
    market          TEXT    NOT NULL,
    account         TEXT    NOT NULL,
    slot            INTEGER NOT NULL,
    time            INTEGER NOT NULL,
    side            TEXT    NOT NULL,
    order_type      TEXT    NOT NULL,
    limit_ticks     INTEGER NOT NULL,
    price_ticks     INTEGER NOT NULL,
    base_lots       INTEGER NOT NULL,
    filled_lots     INTEGER NOT NULL,
    cancelled_lots  INTEGER NOT NULL,
    rested          INTEGER NOT NULL,
    reduce_only     INTEGER NOT NULL,
    client_order_id INTEGER NOT NULL,
    PRIMARY KEY (signature, idx)
);
CREATE INDEX IF NOT EXISTS orders_by_account ON orders (account, slot);
CREATE TABLE IF NOT EXISTS funding (
    signature TEXT    NOT NULL,
    idx       INTEGER NOT NULL,
    market    TEXT    NOT NULL,
    account   TEXT    NOT NULL,
    slot      INTEGER NOT NULL,
    time      INTEGER NOT NULL,
    base_lots INTEGER NOT NULL,
    amount    INTEGER NOT NULL,
    PRIMARY KEY (signature, idx)
);
CREATE INDEX IF NOT EXISTS funding_by_account ON funding (account, slot);
";

/// SQLite stores integers as i64; ticks and lots fit (the program caps them far below).
fn db_u64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Store {
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        Self::with(Connection::open(path)?)
    }

    pub fn in_memory() -> rusqlite::Result<Self> {
        Self::with(Connection::open_in_memory()?)
    }

    fn with(db: Connection) -> rusqlite::Result<Self> {
        db.execute_batch("PRAGMA journal_mode = WAL;")?;
        db.execute_batch(SCHEMA)?;
        Ok(Store { db: Mutex::new(db) })
    }

    /// Runs the `INSERT OR IGNORE` statement `sql` for each of `rows` (`run` binds one) in one
    /// transaction; returns how many rows were new.
    fn insert_all<T>(
        &self,
        sql: &str,
        rows: &[T],
        run: impl Fn(&mut rusqlite::CachedStatement<'_>, &T) -> rusqlite::Result<usize>,
    ) -> rusqlite::Result<usize> {
        let mut db = self.db.lock().expect("db");
        let tx = db.transaction()?;
        let mut added = 0;
        {
            let mut stmt = tx.prepare_cached(sql)?;
            for row in rows {
                added += run(&mut stmt, row)?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    /// Records `trades`; a trade seen before (same signature and index) is kept once.
    pub fn insert(&self, trades: &[Trade]) -> rusqlite::Result<usize> {
        self.insert_all(
            "INSERT OR IGNORE INTO trades
             (signature, idx, market, slot, time, price_ticks, base_lots, taker_side, maker, taker)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            trades,
            |stmt, t| {
                stmt.execute(params![
                    t.signature,
                    t.index,
                    t.market,
                    db_u64(t.slot),
                    t.time,
                    db_u64(t.price_ticks),
                    db_u64(t.base_lots),
                    t.taker_side,
                    t.maker,
                    t.taker
                ])
            },
        )
    }

    /// The latest `limit` trades of `market`, newest first.
    pub fn trades(&self, market: &str, limit: u32) -> rusqlite::Result<Vec<Trade>> {
        let db = self.db.lock().expect("db");
        let mut stmt = db.prepare_cached(
            "SELECT signature, idx, market, slot, time, price_ticks, base_lots, taker_side, maker, taker
             FROM trades WHERE market = ?1 ORDER BY slot DESC, signature DESC, idx DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![market, limit], Self::trade_row)?;
        rows.collect()
    }

    /// Records `orders`; an order seen before (same signature and index) is kept once.
    pub fn insert_orders(&self, orders: &[Order]) -> rusqlite::Result<usize> {
        self.insert_all(
            "INSERT OR IGNORE INTO orders
             (signature, idx, market, account, slot, time, side, order_type, limit_ticks,
              price_ticks, base_lots, filled_lots, cancelled_lots, rested, reduce_only,
              client_order_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            orders,
            |stmt, o| {
                stmt.execute(params![
                    o.signature,
                    o.index,
                    o.market,
                    o.account,
                    db_u64(o.slot),
                    o.time,
                    o.side,
                    o.order_type,
                    db_u64(o.limit_ticks),
                    db_u64(o.price_ticks),
                    db_u64(o.base_lots),
                    db_u64(o.filled_base_lots),
                    db_u64(o.cancelled_base_lots),
                    o.rested,
                    o.reduce_only,
                    db_u64(o.client_order_id)
                ])
            },
        )
    }

    /// The latest `limit` orders of the margin account `account`, newest first.
    pub fn orders(&self, account: &str, limit: u32) -> rusqlite::Result<Vec<Order>> {
        let db = self.db.lock().expect("db");
        let mut stmt = db.prepare_cached(
            "SELECT signature, idx, market, account, slot, time, side, order_type, limit_ticks,
                    price_ticks, base_lots, filled_lots, cancelled_lots, rested, reduce_only,
                    client_order_id
             FROM orders WHERE account = ?1 ORDER BY slot DESC, signature DESC, idx DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![account, limit], |r| {
            Ok(Order {
                signature: r.get(0)?,
                index: r.get(1)?,
                market: r.get(2)?,
                account: r.get(3)?,
                slot: r.get::<_, i64>(4)? as u64,
                time: r.get(5)?,
                side: r.get(6)?,
                order_type: r.get(7)?,
                limit_ticks: r.get::<_, i64>(8)? as u64,
                price_ticks: r.get::<_, i64>(9)? as u64,
                base_lots: r.get::<_, i64>(10)? as u64,
                filled_base_lots: r.get::<_, i64>(11)? as u64,
                cancelled_base_lots: r.get::<_, i64>(12)? as u64,
                rested: r.get(13)?,
                reduce_only: r.get(14)?,
                client_order_id: r.get::<_, i64>(15)? as u64,
            })
        })?;
        rows.collect()
    }

    /// Records funding `payments`; one seen before (same signature and index) is kept once.
    pub fn insert_funding(&self, payments: &[FundingPayment]) -> rusqlite::Result<usize> {
        self.insert_all(
            "INSERT OR IGNORE INTO funding
             (signature, idx, market, account, slot, time, base_lots, amount)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            payments,
            |stmt, p| {
                stmt.execute(params![
                    p.signature,
                    p.index,
                    p.market,
                    p.account,
                    db_u64(p.slot),
                    p.time,
                    p.base_lots,
                    p.amount
                ])
            },
        )
    }

    /// The latest `limit` funding payments of the margin account `account`, newest first.
    pub fn funding(&self, account: &str, limit: u32) -> rusqlite::Result<Vec<FundingPayment>> {
        let db = self.db.lock().expect("db");
        let mut stmt = db.prepare_cached(
            "SELECT signature, idx, market, account, slot, time, base_lots, amount
             FROM funding WHERE account = ?1 ORDER BY slot DESC, signature DESC, idx DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![account, limit], |r| {
            Ok(FundingPayment {
                signature: r.get(0)?,
                index: r.get(1)?,
                market: r.get(2)?,
                account: r.get(3)?,
                slot: r.get::<_, i64>(4)? as u64,
                time: r.get(5)?,
                base_lots: r.get(6)?,
                amount: r.get(7)?,
            })
        })?;
        rows.collect()
    }

    /// The latest `limit` fills of the margin account `account` (as maker or taker), newest
    /// first: a trader's own history.
    pub fn fills(&self, account: &str, limit: u32) -> rusqlite::Result<Vec<Trade>> {
        let db = self.db.lock().expect("db");
        // One index each side; a fill of the account against itself is one row, kept once.
        let mut stmt = db.prepare_cached(
            "SELECT signature, idx, market, slot, time, price_ticks, base_lots, taker_side, maker, taker
             FROM trades WHERE maker = ?1
             UNION
             SELECT signature, idx, market, slot, time, price_ticks, base_lots, taker_side, maker, taker
             FROM trades WHERE taker = ?1
             ORDER BY slot DESC, signature DESC, idx DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![account, limit], Self::trade_row)?;
        rows.collect()
    }

    fn trade_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Trade> {
        Ok(Trade {
            signature: r.get(0)?,
            index: r.get(1)?,
            market: r.get(2)?,
            slot: r.get::<_, i64>(3)? as u64,
            time: r.get(4)?,
            price_ticks: r.get::<_, i64>(5)? as u64,
            base_lots: r.get::<_, i64>(6)? as u64,
            taker_side: r.get(7)?,
            maker: r.get(8)?,
            taker: r.get(9)?,
        })
    }

    /// Candles of `interval` seconds for `market` with `from <= time < to`, oldest first;
    /// intervals without trades are left out.
    pub fn candles(
        &self,
        market: &str,
        interval: i64,
        from: i64,
        to: i64,
    ) -> rusqlite::Result<Vec<Candle>> {
        let db = self.db.lock().expect("db");
        // Open and close are the first and last trade of the bucket in chain order.
        let mut stmt = db.prepare_cached(
            "WITH t AS (
                 SELECT (time / ?2) * ?2 AS bucket, price_ticks, base_lots,
                        ROW_NUMBER() OVER (PARTITION BY time / ?2 ORDER BY slot, signature, idx) AS first,
                        ROW_NUMBER() OVER (PARTITION BY time / ?2 ORDER BY slot DESC, signature DESC, idx DESC) AS last
                 FROM trades WHERE market = ?1 AND time >= ?3 AND time < ?4
             )
             SELECT bucket,
                    MAX(CASE WHEN first = 1 THEN price_ticks END),
                    MAX(price_ticks), MIN(price_ticks),
                    MAX(CASE WHEN last = 1 THEN price_ticks END),
                    SUM(base_lots), COUNT(*)
             FROM t GROUP BY bucket ORDER BY bucket",
        )?;
        let rows = stmt.query_map(params![market, interval, from, to], |r| {
            Ok(Candle {
                time: r.get(0)?,
                open: r.get::<_, i64>(1)? as u64,
                high: r.get::<_, i64>(2)? as u64,
                low: r.get::<_, i64>(3)? as u64,
                close: r.get::<_, i64>(4)? as u64,
                volume: r.get::<_, i64>(5)? as u64,
                trades: r.get::<_, i64>(6)? as u64,
            })
        })?;
        rows.collect()
    }

    /// Whether the transaction `signature` has been recorded (it had a fill, an order or a
    /// funding payment).
    pub fn has(&self, signature: &str) -> rusqlite::Result<bool> {
        let db = self.db.lock().expect("db");
        db.query_row(
            "SELECT 1 FROM trades WHERE signature = ?1
             UNION ALL SELECT 1 FROM orders WHERE signature = ?1
             UNION ALL SELECT 1 FROM funding WHERE signature = ?1 LIMIT 1",
            params![signature],
            |_| Ok(()),
        )
        .optional()
        .map(|r| r.is_some())
    }

    /// The highest slot recorded (where following resumes from, for reporting).
    pub fn last_slot(&self) -> rusqlite::Result<Option<u64>> {
        let db = self.db.lock().expect("db");
        db.query_row("SELECT MAX(slot) FROM trades", [], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .optional()
        .map(|v| v.flatten().map(|s| s as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade(sig: &str, index: u32, slot: u64, time: i64, price: u64, lots: u64) -> Trade {
        Trade {
            signature: sig.into(),
            index,
            market: "M".into(),
            slot,
            time,
            price_ticks: price,
            base_lots: lots,
            taker_side: "buy".into(),
            maker: "a".into(),
            taker: "b".into(),
        }
    }

    #[test]
    fn candles_take_open_and_close_in_chain_order_and_trades_are_kept_once() {
        let store = Store::in_memory().unwrap();
        let trades = [
            trade("s1", 0, 10, 1_000, 100, 1),
            trade("s1", 1, 10, 1_000, 105, 2),
            trade("s2", 0, 11, 1_030, 95, 3),
            trade("s3", 0, 12, 1_061, 110, 4),
        ];
        assert_eq!(store.insert(&trades).unwrap(), 4);
        assert_eq!(
            store.insert(&trades[..2]).unwrap(),
            0,
            "replayed notifications"
        );
        let candles = store.candles("M", 60, 0, i64::MAX).unwrap();
        assert_eq!(
            candles,
            vec![
                Candle {
                    time: 960,
                    open: 100,
                    high: 105,
                    low: 100,
                    close: 105,
                    volume: 3,
                    trades: 2
                },
                Candle {
                    time: 1_020,
                    open: 95,
                    high: 110,
                    low: 95,
                    close: 110,
                    volume: 7,
                    trades: 2
                },
            ]
        );
        let latest = store.trades("M", 2).unwrap();
        assert_eq!(
            latest.iter().map(|t| t.price_ticks).collect::<Vec<_>>(),
            vec![110, 95]
        );
        assert!(store.trades("other", 10).unwrap().is_empty());
        assert_eq!(store.last_slot().unwrap(), Some(12));
    }

    #[test]
    fn an_accounts_fills_as_maker_or_taker_newest_first_each_once() {
        let store = Store::in_memory().unwrap();
        let with = |sig: &str, slot: u64, maker: &str, taker: &str| Trade {
            maker: maker.into(),
            taker: taker.into(),
            ..trade(sig, 0, slot, 1_000 + slot as i64, 100, 1)
        };
        store
            .insert(&[
                with("s1", 1, "me", "x"),
                with("s2", 2, "y", "me"),
                with("s3", 3, "y", "x"),
                with("s4", 4, "me", "me"),
            ])
            .unwrap();
        let sigs = |v: Vec<Trade>| v.into_iter().map(|t| t.signature).collect::<Vec<_>>();
        assert_eq!(sigs(store.fills("me", 10).unwrap()), ["s4", "s2", "s1"]);
        assert_eq!(sigs(store.fills("me", 2).unwrap()), ["s4", "s2"]);
        assert!(store.fills("nobody", 10).unwrap().is_empty());
    }

    #[test]
    fn an_accounts_orders_newest_first_each_once_and_a_signature_with_only_an_order_is_known() {
        let store = Store::in_memory().unwrap();
        let order = |sig: &str, slot: u64, account: &str| Order {
            signature: sig.into(),
            index: 0,
            market: "M".into(),
            account: account.into(),
            slot,
            time: 1_000 + slot as i64,
            side: "buy".into(),
            order_type: "limit".into(),
            limit_ticks: 100,
            price_ticks: 100,
            base_lots: 5,
            filled_base_lots: 2,
            cancelled_base_lots: 0,
            rested: true,
            reduce_only: false,
            client_order_id: 7,
        };
        let orders = [
            order("o1", 1, "me"),
            order("o2", 2, "x"),
            order("o3", 3, "me"),
        ];
        assert_eq!(store.insert_orders(&orders).unwrap(), 3);
        assert_eq!(store.insert_orders(&orders).unwrap(), 0, "replayed");
        let mine = store.orders("me", 10).unwrap();
        assert_eq!(
            mine.iter()
                .map(|o| o.signature.as_str())
                .collect::<Vec<_>>(),
            ["o3", "o1"]
        );
        assert_eq!(mine[0], orders[2]);
        // Backfill stops at a transaction it has recorded, fills or not.
        assert!(store.has("o2").unwrap());
        assert!(!store.has("nope").unwrap());
    }

    #[test]
    fn an_accounts_funding_payments_newest_first_each_once_and_known_to_backfill() {
        let store = Store::in_memory().unwrap();
        let paid = |sig: &str, slot: u64, account: &str, amount: i64| FundingPayment {
            signature: sig.into(),
            index: 0,
            market: "M".into(),
            account: account.into(),
            slot,
            time: 1_000 + slot as i64,
            base_lots: 50,
            amount,
        };
        let payments = [
            paid("f1", 1, "me", 28_125),
            paid("f2", 2, "x", -28_125),
            paid("f3", 3, "me", -7),
        ];
        assert_eq!(store.insert_funding(&payments).unwrap(), 3);
        assert_eq!(store.insert_funding(&payments).unwrap(), 0, "replayed");
        assert_eq!(
            store.funding("me", 10).unwrap(),
            [payments[2].clone(), payments[0].clone()]
        );
        assert_eq!(store.funding("me", 1).unwrap().len(), 1);
        // A withdrawal logs only its payment: backfill still stops there.
        assert!(store.has("f2").unwrap());
    }
}
