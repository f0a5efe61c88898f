//! Moving collateral in and out of a market: balances, the per-market deposit cap and the
//! rolling 24-hour withdrawal limit. Pure rules over plain values; the program does the token
//! transfers and stores the results.

use crate::error::{EngineError, MathError};
use crate::math::{SafeMath, safe_cast};
use crate::units::QuoteNative;

/// Hours in the withdrawal-limit window.
pub const WINDOW_HOURS: usize = 24;
const SECONDS_PER_HOUR: i64 = 3_600;
use crate::units::BPS;

/// Balances after a deposit or withdrawal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balances {
    /// The margin account's collateral.
    pub account: QuoteNative,
    /// The market's total collateral (sum over all its margin accounts).
    pub market_total: QuoteNative,
}

/// Applies a deposit of `amount`, refusing one that would lift the market's total collateral
/// above `cap`. The cap counts accounted collateral, not the vault balance, so tokens sent to the
/// vault by mistake cannot block deposits.
pub fn deposit(
    before: Balances,
    amount: QuoteNative,
    cap: QuoteNative,
) -> Result<Balances, EngineError> {
    if amount.is_zero() {
        return Err(EngineError::ZeroAmount);
    }
    let market_total = before.market_total.checked_add(amount)?;
    if market_total > cap {
        return Err(EngineError::DepositCapExceeded);
    }
    Ok(Balances {
        account: before.account.checked_add(amount)?,
        market_total,
    })
}

/// Applies a deposit of `amount` into an account that holds a position (a margin top-up): the
/// deposit cap does not apply. A top-up can only move its account away from liquidation, and a
/// cap that a role lowered at once (or that other users filled) must never stand between a
/// trader and the margin that keeps an open position alive (docs/roles.md).
pub fn top_up(before: Balances, amount: QuoteNative) -> Result<Balances, EngineError> {
    deposit(before, amount, QuoteNative::MAX)
}

/// Applies a withdrawal of `amount` from the account's collateral.
pub fn withdraw(before: Balances, amount: QuoteNative) -> Result<Balances, EngineError> {
    if amount.is_zero() {
        return Err(EngineError::ZeroAmount);
    }
    if amount > before.account {
        return Err(EngineError::InsufficientCollateral);
    }
    Ok(Balances {
        account: before.account.checked_sub(amount)?,
        market_total: before.market_total.checked_sub(amount)?,
    })
}

/// Net outflow of a vault over the last 24 hours, in hourly buckets.
///
/// Each bucket holds the net outflow (withdrawals minus deposits) of one clock hour; a bucket
/// stops counting 24 hours after its hour began, so the window really rolls instead of resetting
/// at a fixed time (which would allow twice the limit across the reset). Hour granularity bounds
/// the state to 24 integers and every update to a loop of at most 24 steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutflowWindow {
    /// Hour index (unix seconds / 3600) of the newest bucket.
    pub hour: i64,
    /// Net outflow per hour, indexed by `hour % 24`; negative for a net inflow.
    pub buckets: [i64; WINDOW_HOURS],
}

impl OutflowWindow {
    /// Advances the window to the hour of `now`, clearing the buckets of hours that fell out.
    /// A clock that appears to go backwards is treated as the current hour.
    fn roll(&mut self, now: i64) {
        let now_hour = now.div_euclid(SECONDS_PER_HOUR);
        if now_hour <= self.hour {
            return;
        }
        let elapsed = now_hour.saturating_sub(self.hour);
        if elapsed >= WINDOW_HOURS as i64 {
            self.buckets = [0; WINDOW_HOURS];
        } else {
            for h in self.hour + 1..=now_hour {
                self.buckets[Self::slot(h)] = 0;
            }
        }
        self.hour = now_hour;
    }

    fn slot(hour: i64) -> usize {
        hour.rem_euclid(WINDOW_HOURS as i64) as usize
    }

    /// Net outflow over the window ending now.
    pub fn net_outflow(&mut self, now: i64) -> Result<i64, MathError> {
        self.roll(now);
        self.buckets
            .iter()
            .try_fold(0i64, |acc, b| acc.safe_add(*b))
    }

    /// Records a deposit: it offsets outflow within the window.
    pub fn record_inflow(&mut self, now: i64, amount: QuoteNative) -> Result<(), MathError> {
        self.roll(now);
        let slot = &mut self.buckets[Self::slot(self.hour)];
        *slot = slot.safe_sub(safe_cast(amount.get())?)?;
        Ok(())
    }

    /// Records a withdrawal of `amount` from a vault holding `vault_balance` before it, refusing
    /// one that would take the window's net outflow above `limit_bps` of the vault's level at the
    /// start of the window (current balance plus the window's net outflow).
    pub fn record_outflow(
        &mut self,
        now: i64,
        amount: QuoteNative,
        vault_balance: QuoteNative,
        limit_bps: u32,
    ) -> Result<(), EngineError> {
        let outflow = i128::from(self.net_outflow(now)?);
        let reference = i128::from(vault_balance.get()).safe_add(outflow)?.max(0);
        let limit = reference
            .safe_mul(i128::from(limit_bps))?
            .safe_div(i128::from(BPS))?;
        let amount_i: i64 = safe_cast(amount.get())?;
        if outflow.safe_add(i128::from(amount_i))? > limit {
            return Err(EngineError::WithdrawLimitExceeded);
        }
        let slot = &mut self.buckets[Self::slot(self.hour)];
        *slot = slot.safe_add(amount_i)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = SECONDS_PER_HOUR;
    fn q(v: u64) -> QuoteNative {
        QuoteNative::new(v)
    }

    #[test]
    fn deposit_respects_cap_and_updates_both_balances() {
        let before = Balances {
            account: q(10),
            market_total: q(90),
        };
        assert_eq!(
            deposit(before, q(10), q(100)),
            Ok(Balances {
                account: q(20),
                market_total: q(100)
            })
        );
        assert_eq!(
            deposit(before, q(11), q(100)),
            Err(EngineError::DepositCapExceeded)
        );
        assert_eq!(deposit(before, q(0), q(100)), Err(EngineError::ZeroAmount));
        assert!(matches!(
            deposit(before, QuoteNative::MAX, QuoteNative::MAX),
            Err(EngineError::Math(_))
        ));
    }

    #[test]
    fn withdraw_never_exceeds_the_account() {
        let before = Balances {
            account: q(10),
            market_total: q(90),
        };
        assert_eq!(
            withdraw(before, q(10)),
            Ok(Balances {
                account: q(0),
                market_total: q(80)
            })
        );
        assert_eq!(
            withdraw(before, q(11)),
            Err(EngineError::InsufficientCollateral)
        );
        assert_eq!(withdraw(before, q(0)), Err(EngineError::ZeroAmount));
    }

    #[test]
    fn outflow_limit_is_a_share_of_the_window_start_level() {
        // Vault of 1,000 with a 10% limit: 100 may leave, the 101st unit may not.
        let mut w = OutflowWindow::default();
        let t = 1_000 * H;
        assert_eq!(w.record_outflow(t, q(60), q(1_000), 1_000), Ok(()));
        // Vault is now 940; reference = 940 + 60 = 1,000, limit 100, 60 used.
        assert_eq!(
            w.record_outflow(t + 10, q(41), q(940), 1_000),
            Err(EngineError::WithdrawLimitExceeded)
        );
        assert_eq!(w.record_outflow(t + 10, q(40), q(940), 1_000), Ok(()));
        assert_eq!(w.net_outflow(t + 10), Ok(100));
    }

    #[test]
    fn a_top_up_ignores_the_cap() {
        let before = Balances {
            account: q(10),
            market_total: q(90),
        };
        assert_eq!(
            top_up(before, q(50)),
            Ok(Balances {
                account: q(60),
                market_total: q(140)
            })
        );
        assert_eq!(top_up(before, q(0)), Err(EngineError::ZeroAmount));
    }

    #[test]
    fn deposits_offset_outflow() {
        let mut w = OutflowWindow::default();
        let t = 50 * H;
        w.record_inflow(t, q(500)).unwrap();
        // Vault 1,500 after the deposit; reference = 1,500 − 500 = 1,000; limit 100 → 600 may leave.
        assert_eq!(
            w.record_outflow(t, q(601), q(1_500), 1_000),
            Err(EngineError::WithdrawLimitExceeded)
        );
        assert_eq!(w.record_outflow(t, q(600), q(1_500), 1_000), Ok(()));
    }

    #[test]
    fn window_rolls_hour_by_hour() {
        let mut w = OutflowWindow::default();
        let t = 10 * H;
        w.record_outflow(t, q(30), q(1_000), 1_000).unwrap(); // hour 10
        w.record_outflow(t + 5 * H, q(70), q(970), 1_000).unwrap(); // hour 15
        assert_eq!(w.net_outflow(t + 23 * H + H - 1), Ok(100)); // hour 33: both still inside
        assert_eq!(w.net_outflow(t + 24 * H), Ok(70)); // hour 34: hour 10 fell out
        assert_eq!(w.net_outflow(t + 29 * H), Ok(0)); // hour 39: both fell out
        // A long gap clears everything at once.
        w.record_outflow(t + 100 * H, q(5), q(900), 1_000).unwrap();
        assert_eq!(w.net_outflow(t + 1_000 * H), Ok(0));
        // A clock that goes backwards does not resurrect or clear anything.
        w.record_outflow(t + 1_000 * H, q(9), q(900), 1_000)
            .unwrap();
        assert_eq!(w.net_outflow(t + 999 * H), Ok(9));
    }

    #[test]
    fn full_limit_allows_the_whole_vault() {
        let mut w = OutflowWindow::default();
        assert_eq!(w.record_outflow(0, q(1_000), q(1_000), 10_000), Ok(()));
        assert_eq!(
            w.record_outflow(0, q(1), q(0), 10_000),
            Err(EngineError::WithdrawLimitExceeded)
        );
    }
}

#[cfg(test)]
mod properties {
    //! The hourly-bucket window against a reference that keeps every event: the net outflow of
    //! the events whose hour is within the last 24 hours.
    use super::*;
    use proptest::prelude::*;

    extern crate std;
    use std::vec::Vec;

    #[derive(Debug, Clone)]
    enum Step {
        Wait(i64),
        Deposit(u64),
        Withdraw(u64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0i64..6 * SECONDS_PER_HOUR).prop_map(Step::Wait),
            (0i64..40 * SECONDS_PER_HOUR).prop_map(Step::Wait),
            (1u64..1_000).prop_map(Step::Deposit),
            (1u64..400).prop_map(Step::Withdraw),
        ]
    }

    fn model_outflow(events: &[(i64, i64)], now: i64) -> i64 {
        let hour = now.div_euclid(SECONDS_PER_HOUR);
        events
            .iter()
            .filter(|(t, _)| hour - t.div_euclid(SECONDS_PER_HOUR) < WINDOW_HOURS as i64)
            .map(|(_, a)| a)
            .sum()
    }

    proptest! {
        #[test]
        fn window_matches_reference(steps in proptest::collection::vec(step(), 1..200), start in 0i64..1_000_000_000) {
            let mut w = OutflowWindow::default();
            let mut events: Vec<(i64, i64)> = Vec::new();
            let mut now = start;
            let mut vault: u64 = 5_000;
            for s in steps {
                match s {
                    Step::Wait(dt) => now += dt,
                    Step::Deposit(a) => {
                        w.record_inflow(now, QuoteNative::new(a)).unwrap();
                        events.push((now, -(a as i64)));
                        vault += a;
                    }
                    Step::Withdraw(a) => {
                        let outflow = model_outflow(&events, now);
                        let limit = (vault as i64 + outflow).max(0) * 2_000 / 10_000;
                        let allowed = a <= vault && outflow + a as i64 <= limit;
                        let result = w.record_outflow(now, QuoteNative::new(a), QuoteNative::new(vault), 2_000);
                        if a <= vault {
                            prop_assert_eq!(result.is_ok(), allowed);
                        }
                        if result.is_ok() {
                            events.push((now, a as i64));
                            vault -= a;
                        }
                    }
                }
                prop_assert_eq!(w.net_outflow(now).unwrap(), model_outflow(&events, now));
            }
        }
    }
}
