//! Checked arithmetic that reports where it failed.
//!
//! Every operation is `#[track_caller]`, so the `MathError` carries the file and line of the
//! formula that overflowed (Drift's `safe_math` idea). Release builds also keep
//! `overflow-checks = true`, but code here never relies on that panic: overflow is an error value.

use crate::error::MathError;

#[track_caller]
#[inline]
fn here() -> MathError {
    MathError::at_caller()
}

/// Checked arithmetic for the integer types the engine computes in.
pub trait SafeMath: Sized + Copy {
    /// `self + rhs`, or the caller's location on overflow.
    fn safe_add(self, rhs: Self) -> Result<Self, MathError>;
    /// `self - rhs`, or the caller's location on underflow.
    fn safe_sub(self, rhs: Self) -> Result<Self, MathError>;
    /// `self * rhs`, or the caller's location on overflow.
    fn safe_mul(self, rhs: Self) -> Result<Self, MathError>;
    /// `self / rhs` rounded toward zero, or the caller's location when `rhs` is zero.
    fn safe_div(self, rhs: Self) -> Result<Self, MathError>;
    /// `self / rhs` rounded up (toward +∞ for positive quotients), or an error when `rhs` is zero.
    fn safe_div_ceil(self, rhs: Self) -> Result<Self, MathError>;
}

macro_rules! impl_safe_math {
    ($($t:ty),*) => {$(
        impl SafeMath for $t {
            #[track_caller]
            #[inline]
            fn safe_add(self, rhs: Self) -> Result<Self, MathError> {
                match self.checked_add(rhs) { Some(v) => Ok(v), None => Err(here()) }
            }
            #[track_caller]
            #[inline]
            fn safe_sub(self, rhs: Self) -> Result<Self, MathError> {
                match self.checked_sub(rhs) { Some(v) => Ok(v), None => Err(here()) }
            }
            #[track_caller]
            #[inline]
            fn safe_mul(self, rhs: Self) -> Result<Self, MathError> {
                match self.checked_mul(rhs) { Some(v) => Ok(v), None => Err(here()) }
            }
            #[track_caller]
            #[inline]
            fn safe_div(self, rhs: Self) -> Result<Self, MathError> {
                match self.checked_div(rhs) { Some(v) => Ok(v), None => Err(here()) }
            }
            #[track_caller]
            #[inline]
            fn safe_div_ceil(self, rhs: Self) -> Result<Self, MathError> {
                let q = match self.checked_div(rhs) { Some(v) => Ok(v), None => Err(here()) }?;
                let r = self.checked_rem(rhs).ok_or_else(|| here())?;
                // Round up only when the exact quotient is positive and inexact.
                #[allow(unused_comparisons)]
                let positive = (self >= 0) == (rhs >= 0);
                if r != 0 && positive {
                    match q.checked_add(1) { Some(v) => Ok(v), None => Err(here()) }
                } else {
                    Ok(q)
                }
            }
        }
    )*};
}
impl_safe_math!(u16, u32, u64, u128, i64, i128);

/// Checked narrowing or sign-changing conversion that reports where it failed.
#[track_caller]
#[inline]
pub fn safe_cast<T, U: TryFrom<T>>(value: T) -> Result<U, MathError> {
    match U::try_from(value) {
        Ok(v) => Ok(v),
        Err(_) => Err(here()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_reports_the_callers_line() {
        let line = line!() + 1;
        let err = u64::MAX.safe_add(1).unwrap_err();
        assert_eq!(err.line, line);
        assert!(err.file.ends_with("math.rs"));
    }

    #[test]
    fn checked_ops_match_exact_arithmetic() {
        assert_eq!(7u64.safe_add(5), Ok(12));
        assert_eq!(7u64.safe_sub(5), Ok(2));
        assert!(5u64.safe_sub(7).is_err());
        assert_eq!(7u64.safe_mul(5), Ok(35));
        assert!(u64::MAX.safe_mul(2).is_err());
        assert_eq!(7u64.safe_div(2), Ok(3));
        assert!(7u64.safe_div(0).is_err());
        assert!(i64::MIN.safe_div(-1).is_err());
    }

    #[test]
    fn div_ceil_rounds_positive_quotients_up_only() {
        // (a + b - 1) / b for positive a, b; exact quotients unchanged.
        for (a, b) in [(7u64, 2u64), (8, 2), (1, 3), (0, 5), (u64::MAX, 1)] {
            let expected = a / b + u64::from(a % b != 0);
            assert_eq!(a.safe_div_ceil(b), Ok(expected));
        }
        // Negative quotients already round toward +∞ when truncated.
        assert_eq!((-7i64).safe_div_ceil(2), Ok(-3));
        assert_eq!(7i64.safe_div_ceil(-2), Ok(-3));
        assert_eq!((-7i64).safe_div_ceil(-2), Ok(4));
        assert!(1u64.safe_div_ceil(0).is_err());
    }

    #[test]
    fn casts_are_checked() {
        assert_eq!(safe_cast::<u64, u32>(7), Ok(7u32));
        assert!(safe_cast::<u64, u32>(u64::MAX).is_err());
        assert!(safe_cast::<i64, u64>(-1).is_err());
        assert!(safe_cast::<u128, u64>(u128::from(u64::MAX) + 1).is_err());
    }
}
