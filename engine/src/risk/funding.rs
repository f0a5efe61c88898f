//! Funding (DESIGN §9) and socialised losses (§8), as two cumulative per-lot indices.
//!
//! A position pays `position × (index − snapshot)` of its side's index since it last settled
//! (lazily, whenever the account is touched, into its realised PnL): longs pay when the long
//! index rises, shorts when the short index falls. Funding moves the paying side's index by the
//! per-lot payment and the receiving side's by what that collects spread over the receiving
//! side's open interest, so the receivers get exactly what the payers pay even while a queued
//! fill leaves the two sides' applied open interest unequal. A loss socialised over one side
//! moves only that side's index against it. Every settlement rounds up (toward the payer paying
//! more, the receiver receiving less), so rounding can only leave dust in the vault, never a
//! shortfall.
//!
//! The payment per interval is `Σ (mark − index) × weight / interval`, clamped to ± the maximum
//! rate of `TWAP(index)` (docs/cranks.md):
//! - one sample per crank slot (`crate::crank`), so cranking more often buys nothing;
//! - forward weighting: a sample counts from when it was taken until the next sample, at most
//!   [`FUNDING_SAMPLE_MAX_SECS`]: a sample taken at the end of a long gap does not count for the
//!   gap (it only starts counting then), and one sample, however quoted, counts at most two
//!   minutes of the interval, with its premium clamped to the rate cap;
//! - time no sample covers (a crank lapse, a sample the oracle rules forbid) pays no premium:
//!   the sum is divided by the interval, not by the sampled time. So a lapse pays nothing for
//!   the missed intervals, never a fresh sample times their number.

use super::open_interest::OpenInterest;
use crate::crank::{CRANK_SLOT_SECS, starts_slot};
use crate::error::MathError;
use crate::math::{SafeMath, safe_cast};
use crate::price::{PRICE_SCALE, Price};
use crate::trader::Trader;
use crate::units::{BPS, Bps, QuoteNativePerQuoteLot, SignedBaseLots, SignedQuoteLots};
use bytemuck::{Pod, Zeroable};

/// A market's funding parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundingParams {
    /// Seconds per funding interval (e.g. 3,600).
    pub interval_secs: u32,
    /// Cap on the rate per interval, a fraction of the index price.
    pub max_rate_bps: Bps,
    /// Intervals a late crank could once pay for at once. No longer read: a lapse pays only
    /// what its samples covered (kept so the parameter's layout and bounds stay put).
    pub max_backfill_intervals: u32,
}

/// The most one funding sample counts for, seconds: two crank slots. A cranker at least once a
/// minute takes consecutive samples under two slots apart, so honest coverage is never cut; a
/// lone (possibly manipulated) sample counts at most 120 s, 1/30 of an hourly interval.
pub const FUNDING_SAMPLE_MAX_SECS: i64 = 2 * CRANK_SLOT_SECS;

/// The last funding sample, which counts from when it was taken until the next one (forward
/// weighting). Stored in the market after `Funding`. 16 bytes; zeroed = no sample pending.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Pod, Zeroable)]
pub struct FundingSample {
    /// Mark − index of the sample, `Price` raw.
    pub premium: i64,
    /// Index of the sample, `Price` raw; 0 when none is pending (skipped or never taken).
    pub index: u64,
}
static_assertions::const_assert_eq!(core::mem::size_of::<FundingSample>(), 16);

impl FundingSample {
    /// The sample of `mark` against `index`, or none when the oracle rules forbid one. Its
    /// premium is clamped to ± `max_rate_bps` of the index, so one sample (however quoted) moves
    /// a payment by at most the rate cap × its weight / the interval.
    pub fn of(prices: Option<(Price, Price)>, max_rate_bps: Bps) -> Result<Self, MathError> {
        let Some((mark, index)) = prices else {
            return Ok(Self::default());
        };
        let premium = safe_cast::<u64, i64>(mark.raw())?.safe_sub(safe_cast(index.raw())?)?;
        let cap: i64 = safe_cast(
            u128::from(index.raw()).safe_mul(u128::from(max_rate_bps.get()))? / u128::from(BPS),
        )?;
        Ok(Self {
            premium: premium.clamp(-cap, cap),
            index: index.raw(),
        })
    }
}

/// A position's side, for socialising a loss over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionSide {
    /// Positive positions.
    Long,
    /// Negative positions.
    Short,
}

/// The stored funding state of a market. 56 bytes; zeroed = nothing accrued, no interval open.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Pod, Zeroable)]
pub struct Funding {
    /// Cumulative payment per long lot (`Price` raw units: native × 10⁶ per lot).
    pub long_index: i64,
    /// Cumulative payment per short lot, with the sign a long's would have (shorts pay its
    /// decreases).
    pub short_index: i64,
    /// Unix time the open interval began (0: none yet; markets list long after 1970).
    pub interval_start: i64,
    /// Unix time of the last sample (or skip): when the pending `FundingSample` was taken.
    pub last_sample_at: i64,
    /// Σ (mark − index) × weight over the open interval, `Price` raw × s.
    pub premium_sum: i64,
    /// Σ index × weight over the open interval.
    pub index_sum: u64,
    /// Seconds covered by samples in the open interval (Σ weight).
    pub sampled_secs: u64,
}
static_assertions::const_assert_eq!(core::mem::size_of::<Funding>(), 56);

/// How a socialised loss was spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Socialised {
    /// Per-lot charge to longs, `Price` units.
    pub long_per_lot: i64,
    /// Per-lot charge to shorts, `Price` units.
    pub short_per_lot: i64,
    /// What nobody could be charged (no open interest), native units.
    pub unresolved: u64,
}

/// What a flat account owes beyond its collateral (native units; zero when its equity is not
/// negative): the shortfall a bankruptcy settles.
pub fn shortfall(
    trader: &Trader,
    collateral: u64,
    quote_lot_size: QuoteNativePerQuoteLot,
) -> Result<u64, MathError> {
    let equity = i128::from(collateral)
        .safe_add(i128::from(trader.realised_pnl).safe_mul(i128::from(quote_lot_size.get()))?)?;
    safe_cast(equity.min(0).unsigned_abs())
}

/// The indices a margin account last settled against (both, so a position that changes side
/// starts from the current index of its new side). 16 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Pod, Zeroable)]
pub struct FundingSnapshot {
    /// `Funding::long_index` at the last settlement.
    pub long_index: i64,
    /// `Funding::short_index` at the last settlement.
    pub short_index: i64,
}
static_assertions::const_assert_eq!(core::mem::size_of::<FundingSnapshot>(), 16);

impl FundingSnapshot {
    /// The snapshot a position of `position` lots settles from.
    pub fn index_for(&self, position: i64) -> i64 {
        if position >= 0 {
            self.long_index
        } else {
            self.short_index
        }
    }
}

impl Funding {
    /// Whether a crank at `now` would act (open the first interval, or be the first of its crank
    /// slot): the others change nothing.
    pub fn acts_at(&self, now: i64) -> bool {
        self.interval_start == 0 || starts_slot(self.last_sample_at, now)
    }

    /// The funding crank at `now`, with `mark` and `index` (`prices`; `None` when the oracle
    /// rules forbid a sample). Only the first crank of a crank slot acts. It credits `pending`
    /// (the previous sample) with the time since it was taken, capped at
    /// [`FUNDING_SAMPLE_MAX_SECS`], makes `prices` the new pending sample, and closes the interval
    /// if it is over. Returns the per-lot payment (positive: longs pay shorts), if an interval
    /// closed; it moves the indices only when both sides of `oi` hold positions.
    pub fn update(
        &mut self,
        pending: &mut FundingSample,
        prices: Option<(Price, Price)>,
        now: i64,
        p: &FundingParams,
        oi: &OpenInterest,
    ) -> Result<Option<i64>, MathError> {
        if self.interval_start == 0 {
            self.interval_start = now;
            self.last_sample_at = now;
            *pending = FundingSample::of(prices, p.max_rate_bps)?;
            return Ok(None);
        }
        if !self.acts_at(now) {
            return Ok(None);
        }
        if pending.index != 0 {
            let weight = (now - self.last_sample_at).min(FUNDING_SAMPLE_MAX_SECS);
            self.premium_sum = self
                .premium_sum
                .safe_add(pending.premium.safe_mul(weight)?)?;
            self.index_sum = self
                .index_sum
                .safe_add(pending.index.safe_mul(weight as u64)?)?;
            self.sampled_secs = self.sampled_secs.safe_add(weight as u64)?;
        }
        self.last_sample_at = now;
        *pending = FundingSample::of(prices, p.max_rate_bps)?;
        if now - self.interval_start < i64::from(p.interval_secs.max(1)) {
            return Ok(None);
        }
        let payment = self.payment_per_interval(p)?;
        self.pay(payment, oi)?;
        self.interval_start = now;
        self.premium_sum = 0;
        self.index_sum = 0;
        self.sampled_secs = 0;
        Ok(Some(payment))
    }

    /// Moves the payer side's index by `payment` per lot and the receivers' by what that collects
    /// per receiving lot, rounded down (receivers never get more than payers pay).
    fn pay(&mut self, payment: i64, oi: &OpenInterest) -> Result<(), MathError> {
        if oi.long_lots == 0 || oi.short_lots == 0 {
            return Ok(());
        }
        let (payers, receivers) = if payment >= 0 {
            (oi.long_lots, oi.short_lots)
        } else {
            (oi.short_lots, oi.long_lots)
        };
        let received: i64 = safe_cast(
            u128::from(payment.unsigned_abs()).safe_mul(u128::from(payers))?
                / u128::from(receivers),
        )?;
        if payment >= 0 {
            self.long_index = self.long_index.safe_add(payment)?;
            self.short_index = self.short_index.safe_add(received)?;
        } else {
            self.short_index = self.short_index.safe_add(payment)?;
            self.long_index = self.long_index.safe_sub(received)?;
        }
        Ok(())
    }

    /// Settles what `trader`'s position owes (or is owed) since `snapshot` into its realised
    /// PnL, in quote lots rounded up (against the account), and snapshots the current indices.
    /// Returns the quote lots charged (negative: credited).
    pub fn settle(
        &self,
        trader: &mut Trader,
        snapshot: &mut FundingSnapshot,
        quote_lot_size: QuoteNativePerQuoteLot,
    ) -> Result<SignedQuoteLots, MathError> {
        let position = trader.base_position;
        let owed = settlement(
            position,
            snapshot.index_for(position.get()),
            self.index_for(position.get()),
            quote_lot_size,
        )?;
        trader.realised_pnl = trader.realised_pnl.checked_sub(owed)?;
        *snapshot = FundingSnapshot {
            long_index: self.long_index,
            short_index: self.short_index,
        };
        Ok(owed)
    }

    /// The open interval's payment per lot: Σ premium × weight over the interval's length
    /// (uncovered time counts as no premium), clamped to ± the maximum rate of TWAP(index).
    /// Zero if nothing was sampled.
    fn payment_per_interval(&self, p: &FundingParams) -> Result<i64, MathError> {
        if self.sampled_secs == 0 {
            return Ok(0);
        }
        let premium = self.premium_sum / i64::from(p.interval_secs.max(1));
        let cap = self.rate_cap(p)?;
        Ok(premium.clamp(-cap, cap))
    }

    /// The most one interval may pay per lot: the maximum rate of the open interval's
    /// TWAP(index), rounded down (`Price` raw). Needs `sampled_secs > 0`.
    fn rate_cap(&self, p: &FundingParams) -> Result<i64, MathError> {
        safe_cast(
            u128::from(self.index_sum.safe_div(self.sampled_secs)?)
                .safe_mul(u128::from(p.max_rate_bps.get()))?
                / u128::from(BPS),
        )
    }

    /// The rate the open interval's samples so far point to, bps of TWAP(index) per interval
    /// (positive: longs pay), truncated toward zero: their time-weighted premium, clamped to the
    /// cap the closing crank applies. A projection for display: the crank divides by the whole
    /// interval, so time no sample covers still lowers what is finally paid. Zero before any
    /// sample.
    pub fn projected_rate_bps(&self, p: &FundingParams) -> Result<i64, MathError> {
        if self.sampled_secs == 0 || self.index_sum == 0 {
            return Ok(0);
        }
        let secs = i128::from(self.sampled_secs);
        let cap = i128::from(self.rate_cap(p)?);
        let premium = (i128::from(self.premium_sum) / secs).clamp(-cap, cap);
        let index = i128::from(self.index_sum) / secs;
        if index == 0 {
            return Ok(0);
        }
        safe_cast(premium.safe_mul(i128::from(BPS))? / index)
    }

    /// The index a position of `position` lots settles against.
    pub fn index_for(&self, position: i64) -> i64 {
        if position >= 0 {
            self.long_index
        } else {
            self.short_index
        }
    }

    /// Socialises a bankrupt account's unpaid `loss` (native units) within this market: over
    /// `side` (the side opposite the account's last position) if it holds positions, else over
    /// the other side; with `side` unknown, over both in proportion to their open interest.
    /// With no positions at all nothing can be socialised and the loss stays unresolved.
    pub fn socialise_over(
        &mut self,
        side: Option<PositionSide>,
        loss: u64,
        oi: &OpenInterest,
    ) -> Result<Socialised, MathError> {
        let mut out = Socialised::default();
        if loss == 0 {
            return Ok(out);
        }
        let (long_loss, short_loss) = match side {
            _ if oi.long_lots == 0 && oi.short_lots == 0 => {
                out.unresolved = loss;
                return Ok(out);
            }
            Some(PositionSide::Short) if oi.short_lots > 0 => (0, loss),
            Some(PositionSide::Long) if oi.long_lots > 0 => (loss, 0),
            Some(_) if oi.long_lots > 0 => (loss, 0),
            Some(_) => (0, loss),
            None => {
                // The long share rounds down, so the short side (if any) pays the remainder.
                let total = u128::from(oi.long_lots).safe_add(u128::from(oi.short_lots))?;
                let long: u64 =
                    safe_cast(u128::from(loss).safe_mul(u128::from(oi.long_lots))? / total)?;
                let long = if oi.short_lots == 0 { loss } else { long };
                (long, loss - long)
            }
        };
        if long_loss > 0 {
            out.long_per_lot = self.socialise(PositionSide::Long, long_loss, oi.long_lots)?;
        }
        if short_loss > 0 {
            out.short_per_lot = self.socialise(PositionSide::Short, short_loss, oi.short_lots)?;
        }
        Ok(out)
    }

    /// Moves a loss of `loss` native units onto the positions of `side`, whose open interest is
    /// `open_interest` lots: that side's index moves against it by the loss per lot, rounded up
    /// (the side pays at least the loss). Returns the per-lot move. Refuses (math error) with no
    /// open interest.
    pub fn socialise(
        &mut self,
        side: PositionSide,
        loss: u64,
        open_interest: u64,
    ) -> Result<i64, MathError> {
        let per_lot: i64 = safe_cast(
            u128::from(loss)
                .safe_mul(u128::from(PRICE_SCALE))?
                .safe_div_ceil(u128::from(open_interest))?,
        )?;
        match side {
            PositionSide::Long => self.long_index = self.long_index.safe_add(per_lot)?,
            PositionSide::Short => self.short_index = self.short_index.safe_sub(per_lot)?,
        }
        Ok(per_lot)
    }
}

/// What `position` owes (positive) or is owed (negative) for its index (`Price` raw units per
/// lot) moving from `snapshot` to `index`; rounded up.
pub fn settlement(
    position: SignedBaseLots,
    snapshot: i64,
    index: i64,
    quote_lot_size: QuoteNativePerQuoteLot,
) -> Result<SignedQuoteLots, MathError> {
    let owed = i128::from(position).safe_mul(i128::from(index).safe_sub(i128::from(snapshot))?)?;
    let per_quote_lot = i128::from(quote_lot_size.get()).safe_mul(i128::from(PRICE_SCALE))?;
    Ok(SignedQuoteLots::new(safe_cast(
        owed.safe_div_ceil(per_quote_lot)?,
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::test_price as px;
    use bytemuck::Zeroable;
    extern crate std;
    use std::{vec, vec::Vec};

    const HOUR: i64 = 3_600;
    /// Listing time (a crank-slot start).
    const T: i64 = 1_700_000_040;

    fn params() -> FundingParams {
        FundingParams {
            interval_secs: HOUR as u32,
            max_rate_bps: Bps::new(50),
            max_backfill_intervals: 3,
        }
    }

    const QLS: QuoteNativePerQuoteLot = QuoteNativePerQuoteLot::new(1);

    /// `settlement` in raw numbers: quote lots owed by `position` lots.
    fn owed(
        position: i64,
        snapshot: i64,
        index: i64,
        qls: QuoteNativePerQuoteLot,
    ) -> Result<i64, MathError> {
        settlement(SignedBaseLots::new(position), snapshot, index, qls).map(SignedQuoteLots::get)
    }
    /// Ten lots a side.
    const OI: OpenInterest = OpenInterest {
        long_lots: 10,
        short_lots: 10,
    };

    /// A market's stored funding state: `Funding` and its pending sample.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    struct State {
        f: Funding,
        s: FundingSample,
    }

    /// `mark` and `index` in whole native units per lot.
    fn at(mark: u64, index: u64) -> Option<(Price, Price)> {
        Some((px(mark), px(index)))
    }

    impl State {
        fn opened(prices: Option<(Price, Price)>, at: i64) -> Self {
            let mut st = State::default();
            assert_eq!(st.crank(prices, at, &OI), Ok(None));
            st
        }

        fn crank(
            &mut self,
            prices: Option<(Price, Price)>,
            now: i64,
            oi: &OpenInterest,
        ) -> Result<Option<i64>, MathError> {
            self.f.update(&mut self.s, prices, now, &params(), oi)
        }

        /// Cranks every `step` seconds in `(from, to]` with `prices`; returns the payments of the
        /// intervals that closed.
        fn hold(
            &mut self,
            prices: Option<(Price, Price)>,
            from: i64,
            to: i64,
            step: i64,
        ) -> Vec<i64> {
            let mut paid = Vec::new();
            let mut now = from + step;
            while now <= to {
                paid.extend(self.crank(prices, now, &OI).unwrap());
                now += step;
            }
            paid
        }
    }

    #[test]
    fn the_rate_is_the_time_weighted_premium() {
        // Cranked every minute: mark 0.2% over index for 45 minutes, 0.1% under for 15: TWAP
        // premium (0.2 × 45 − 0.1 × 15) / 60 = 0.125% of 1,000 = 1.25 per lot.
        let mut st = State::opened(at(1_002, 1_000), T);
        assert!(st.hold(at(1_002, 1_000), T, T + 44 * 60, 60).is_empty());
        assert!(
            st.hold(at(999, 1_000), T + 44 * 60, T + 59 * 60, 60)
                .is_empty()
        );
        let paid = st.crank(at(999, 1_000), T + HOUR, &OI);
        assert_eq!(paid, Ok(Some(1_250_000)));
        assert_eq!((st.f.long_index, st.f.short_index), (1_250_000, 1_250_000));
        assert_eq!(
            (st.f.premium_sum, st.f.index_sum, st.f.sampled_secs),
            (0, 0, 0)
        );
        // The closing crank's sample opens the next interval.
        assert_eq!(
            st.s,
            FundingSample::of(at(999, 1_000), Bps::new(50)).unwrap()
        );
    }

    #[test]
    fn the_projected_rate_is_the_sampled_premium_in_bps_clamped_like_the_payment() {
        // Mark 0.2% over index for 30 minutes: 20 bps, whatever part of the interval is left.
        let mut st = State::opened(at(1_002, 1_000), T);
        assert_eq!(
            st.f.projected_rate_bps(&params()),
            Ok(0),
            "nothing sampled yet"
        );
        st.hold(at(1_002, 1_000), T, T + 30 * 60, 60);
        assert_eq!(st.f.projected_rate_bps(&params()), Ok(20));
        // A 2% discount is clamped to the 50 bps cap, as the closing crank clamps the payment.
        let mut st = State::opened(at(980, 1_000), T);
        st.hold(at(980, 1_000), T, T + 10 * 60, 60);
        assert_eq!(st.f.projected_rate_bps(&params()), Ok(-50));
    }

    #[test]
    fn a_sample_counts_forward_until_the_next_and_at_most_two_slots() {
        // A 2% premium sampled at the end of a quiet half hour does not count for the half hour
        // (backward weighting paid it for the whole gap): it counts from when it was taken.
        let mut st = State::opened(at(1_000, 1_000), T);
        st.crank(at(1_020, 1_000), T + 1_800, &OI).unwrap();
        assert_eq!(st.f.premium_sum, 0, "the quiet sample's 120 s: no premium");
        // Nobody cranks for the rest of the hour: the 2% sample, clamped to the 0.5% cap (5 per
        // lot), counts 120 s, not 1,800: 5 × 120 / 3,600 = 0.167 per lot (backward weighting
        // paid the full 5).
        let paid = st.crank(at(1_000, 1_000), T + HOUR, &OI);
        assert_eq!(paid, Ok(Some(5_000_000 * 120 / 3_600)));
        // Cranks every minute: each sample counts exactly its minute.
        let mut st = State::opened(at(1_000, 1_000), T);
        st.hold(at(1_000, 1_000), T, T + 58 * 60, 60);
        st.crank(at(1_020, 1_000), T + 59 * 60, &OI).unwrap();
        let paid = st.crank(at(1_000, 1_000), T + HOUR, &OI);
        assert_eq!(paid, Ok(Some(5_000_000 * 60 / 3_600)));
    }

    #[test]
    fn only_the_first_crank_of_a_slot_samples() {
        // A manipulated sample right after an honest one, in the same minute, is ignored.
        let mut st = State::opened(at(1_000, 1_000), T);
        let before = st;
        assert_eq!(st.crank(at(1_020, 1_000), T + 30, &OI), Ok(None));
        assert_eq!(st, before);
        st.crank(at(1_000, 1_000), T + 60, &OI).unwrap();
        assert_eq!((st.f.premium_sum, st.f.sampled_secs), (0, 60));
    }

    #[test]
    fn the_rate_is_clamped_and_uncovered_time_pays_no_premium() {
        // 2% premium all hour, capped at 0.5% of 1,000 = 5 per lot.
        let mut st = State::opened(at(1_020, 1_000), T);
        assert_eq!(st.hold(at(1_020, 1_000), T, T + HOUR, 60), vec![5_000_000]);
        // Half an hour skipped (oracles disagree), then half an hour at −0.1%: only the
        // covered half pays, −0.05% (the old rule divided by the sampled time: −0.1%).
        let mut st = State::opened(None, T);
        st.hold(None, T, T + 1_740, 60);
        st.hold(at(999, 1_000), T + 1_740, T + HOUR - 60, 60);
        assert_eq!(st.crank(at(999, 1_000), T + HOUR, &OI), Ok(Some(-500_000)));
        // Nothing sampled in a whole interval: no payment.
        let mut st = State::opened(None, T);
        assert_eq!(st.hold(None, T, T + HOUR, 60), vec![0]);
        assert_eq!(st.f.long_index, 0);
    }

    #[test]
    fn a_late_crank_pays_what_its_samples_covered_never_a_fresh_sample_times_n() {
        // 0.1% premium at the last crank, then ten hours of silence; the crank that ends it sees
        // 2%. The old rule paid the fresh 2% for every missed interval up to the cap (here
        // 3 × 5 per lot); now the missed intervals pay nothing and the last sample counts 120 s:
        // 1 × 120 / 3,600 per lot. The fresh sample only starts counting.
        let mut st = State::opened(at(1_001, 1_000), T);
        let paid = st.crank(at(1_020, 1_000), T + 10 * HOUR, &OI);
        assert_eq!(paid, Ok(Some(1_000_000 * 120 / 3_600)));
        assert_eq!(st.f.interval_start, T + 10 * HOUR);
        // A position opened seconds before the late crank therefore pays at most that.
        assert_eq!(owed(1, 0, st.f.long_index, QLS), Ok(1));
    }

    #[test]
    fn funding_is_zero_sum_up_to_rounding_in_the_vaults_favour() {
        let mut st = State::opened(at(1_003, 1_000), T);
        st.hold(at(1_003, 1_000), T, T + HOUR, 60);
        let f = st.f;
        // Longs of 7 and 3 lots against shorts of 4 and 6, all from index 0.
        let longs = [7, 3].map(|p| owed(p, 0, f.long_index, QLS).unwrap());
        let shorts = [-4, -6].map(|p| owed(p, 0, f.short_index, QLS).unwrap());
        assert_eq!((longs, shorts), ([21, 9], [-12, -18]));
        assert_eq!(longs.iter().sum::<i64>() + shorts.iter().sum::<i64>(), 0);
        // An index move that does not divide evenly: each side pays up, receives down.
        assert_eq!(owed(3, 0, 333_333, QLS), Ok(1)); // 0.999999 owed → 1
        assert_eq!(owed(-3, 0, 333_333, QLS), Ok(0)); // 0.999999 due → 0
        // In quote lots of 100 native: 2.5 lots owed → 3, 2.5 due → 2.
        let qls = QuoteNativePerQuoteLot::new(100);
        assert_eq!(owed(250, 0, 1_000_000, qls), Ok(3));
        assert_eq!(owed(-250, 0, 1_000_000, qls), Ok(-2));
    }

    #[test]
    fn receivers_split_what_payers_pay_while_a_fill_is_queued() {
        // A taker's +4 long is applied, its maker's −4 still queued: 14 long lots, 10 short.
        let oi = OpenInterest {
            long_lots: 14,
            short_lots: 10,
        };
        let mut f = Funding::default();
        f.pay(1_000_000, &oi).unwrap();
        // Longs pay 1 per lot (14); shorts receive 14 / 10 = 1.4 per lot.
        assert_eq!((f.long_index, f.short_index), (1_000_000, 1_400_000));
        let paid_by_longs = owed(14, 0, f.long_index, QLS).unwrap();
        let received = owed(-10, 0, f.short_index, QLS).unwrap();
        assert_eq!((paid_by_longs, received), (14, -14));
        // Shorts paying: 7 short-paid per-lot units over 14 long lots, rounded down per lot.
        let oi = OpenInterest {
            long_lots: 3,
            short_lots: 7,
        };
        f.pay(-1_000_000, &oi).unwrap();
        assert_eq!((f.long_index, f.short_index), (-1_333_333, 400_000));
        // One side empty: nobody pays.
        let before = f;
        f.pay(5, &OpenInterest::default()).unwrap();
        assert_eq!(f, before);
    }

    #[test]
    fn settling_charges_realised_pnl_once_and_follows_a_side_change() {
        let mut st = State::opened(at(1_002, 1_000), T);
        st.hold(at(1_002, 1_000), T, T + HOUR, 60); // longs pay 2 per lot
        let mut t = Trader::zeroed();
        t.base_position = SignedBaseLots::new(5);
        let mut snap = FundingSnapshot::default();
        assert_eq!(
            st.f.settle(&mut t, &mut snap, QLS),
            Ok(SignedQuoteLots::new(10))
        );
        assert_eq!(t.realised_pnl.get(), -10);
        assert_eq!(
            st.f.settle(&mut t, &mut snap, QLS),
            Ok(SignedQuoteLots::new(0)),
            "settled once"
        );
        // The account turns short; the next payment is judged against the short index as of now.
        t.base_position = SignedBaseLots::new(-5);
        st.hold(at(1_002, 1_000), T + HOUR, T + 2 * HOUR, 60);
        assert_eq!(
            st.f.settle(&mut t, &mut snap, QLS),
            Ok(SignedQuoteLots::new(-10))
        );
        assert_eq!(t.realised_pnl.get(), 0);
    }

    #[test]
    fn a_socialised_loss_lands_on_one_side_only() {
        let mut f = Funding::default();
        // A bankrupt long's 100 unpaid: the shorts (30 lots) bear it, 3.333… per lot, rounded up.
        f.socialise(PositionSide::Short, 100, 30).unwrap();
        assert_eq!((f.long_index, f.short_index), (0, -3_333_334));
        let shorts = [-10, -20].map(|p| owed(p, 0, f.index_for(p), QLS).unwrap());
        assert_eq!(shorts, [34, 67]);
        assert!(
            shorts.iter().sum::<i64>() >= 100,
            "the side pays at least the loss"
        );
        assert_eq!(owed(5, 0, f.index_for(5), QLS), Ok(0), "longs untouched");
        assert!(f.socialise(PositionSide::Long, 1, 0).is_err());
    }

    #[test]
    fn socialising_prefers_the_opposite_side_and_splits_when_unknown() {
        let oi = OpenInterest {
            long_lots: 30,
            short_lots: 10,
        };
        let mut f = Funding::default();
        let s = f
            .socialise_over(Some(PositionSide::Short), 100, &oi)
            .unwrap();
        assert_eq!(
            (s.long_per_lot, s.short_per_lot, s.unresolved),
            (0, 10_000_000, 0)
        );
        // No shorts left: the longs bear it.
        let longs_only = OpenInterest {
            long_lots: 30,
            short_lots: 0,
        };
        let s = f
            .socialise_over(Some(PositionSide::Short), 90, &longs_only)
            .unwrap();
        assert_eq!((s.long_per_lot, s.short_per_lot), (3_000_000, 0));
        // Unknown side: 75 over the longs (3/4 of the lots), 25 over the shorts.
        let s = f.socialise_over(None, 100, &oi).unwrap();
        assert_eq!((s.long_per_lot, s.short_per_lot), (2_500_000, 2_500_000));
        // Nobody to charge.
        let s = f.socialise_over(None, 7, &OpenInterest::default()).unwrap();
        assert_eq!(s.unresolved, 7);
    }

    #[test]
    fn shortfall_is_what_realised_losses_leave_unpaid() {
        let mut t = Trader::zeroed();
        t.realised_pnl = SignedQuoteLots::new(-3);
        let qls = QuoteNativePerQuoteLot::new(100);
        assert_eq!(shortfall(&t, 250, qls), Ok(50));
        assert_eq!(shortfall(&t, 300, qls), Ok(0));
    }
}
