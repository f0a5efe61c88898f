//! Every way the engine can refuse. Callers map these one-to-one onto program error codes, so a
//! test can assert the exact reason an action was refused.

use core::fmt;

/// Where a checked arithmetic operation failed (file and line of the caller), so an overflow in
/// production logs points at the formula that overflowed instead of a generic "math error".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MathError {
    /// Source file of the failing operation.
    pub file: &'static str,
    /// Line of the failing operation.
    pub line: u32,
}

impl MathError {
    /// A `MathError` pointing at the caller (for failures that are not a checked-op result).
    #[track_caller]
    #[inline]
    pub fn at_caller() -> Self {
        let loc = core::panic::Location::caller();
        MathError {
            file: loc.file(),
            line: loc.line(),
        }
    }
}

impl fmt::Display for MathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "math error at {}:{}", self.file, self.line)
    }
}

/// A refusal by the engine, with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineError {
    /// Checked arithmetic overflowed, underflowed or divided by zero.
    Math(MathError),
    /// A deposit would lift the market's total collateral above its deposit cap.
    DepositCapExceeded,
    /// A withdrawal asks for more than the account's collateral.
    InsufficientCollateral,
    /// A withdrawal would push the market's net outflow over its rolling 24 h limit.
    WithdrawLimitExceeded,
    /// An amount of zero was given where a positive amount is required.
    ZeroAmount,
    /// A liquidation needs the account's open orders cancelled and queued fills settled first.
    OrdersOpen,
    /// The account covers its maintenance margin (or holds no position).
    NotLiquidatable,
}

impl From<MathError> for EngineError {
    fn from(e: MathError) -> Self {
        EngineError::Math(e)
    }
}
