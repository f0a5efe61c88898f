//! `perp-engine` for the web app, as a WebAssembly module with plain C exports (no bindings
//! generator): the app shows exactly the numbers the program computes because it runs the same
//! code. This crate owns only the ABI — reading inputs out of linear memory, calling the engine,
//! writing results back; it must never compute a rule itself (those live in `perp-engine`).
//!
//! The ABI (docs/web-app.md has it with the TypeScript side, `app/src/math/wasm.ts`):
//! - inputs: JS writes an [`abi::Input`] at `input_ptr()` — the market's engine state and
//!   parameters, one account, and up to twelve `i64` arguments;
//! - outputs: each export returns a status ([`Code`]) and writes `output_ptr()`: a sequence of
//!   value slots of three `i64` words each, `[code, low 64 bits, high 64 bits]` (a 128-bit
//!   two's-complement value; code 1 is "none", ≥ 2 names the error that value ran into);
//! - the book: JS copies the order book account's bytes to `book_ptr(len)` and calls
//!   `book_levels`, which walks the engine's own crit-bit types.
//!
//! Errors are named codes (`code_name`), never traps; the one trap left is an order book whose
//! tree is malformed beyond what a walk can check (the engine indexes its arrays), which the
//! loader reports as `BookCorrupt`.
#![cfg_attr(target_arch = "wasm32", no_std)]

pub mod abi;
pub mod book;
pub mod exports;

use perp_engine::oracle::{OracleError, SourceFault};

/// A trap is the only way out of a panic, and every export returns errors as codes, so this
/// is reached only by a malformed order book (see the module doc).
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// A status or a value slot's code. Values are stable: the loader maps them to names with
/// `code_name`.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A value (or a call that succeeded).
    Ok = 0,
    /// No value (e.g. no liquidation price for a flat account).
    None = 1,
    /// The engine's checked arithmetic refused (overflow, or division by zero); the slot's
    /// low word carries the engine source line.
    Math = 2,
    /// An input does not fit the engine type it stands for (e.g. a negative size).
    InvalidInput = 3,
    /// The order book bytes are not one order book account.
    BookAccountSize = 4,
    /// The order book's tree does not walk as a well-formed book.
    BookCorrupt = 5,
    /// An oracle source's fault (`SourceFault`, same names): its account is not owned by the
    /// oracle's program…
    WrongOwner = 6,
    /// …is not the expected account type…
    WrongAccountType = 7,
    /// …carries another feed…
    WrongFeed = 8,
    /// …is not fully verified…
    Unverified = 9,
    /// …is older than the market's limit…
    Stale = 10,
    /// …is less certain than the market's limit…
    TooUncertain = 11,
    /// …is zero or negative…
    NonPositive = 12,
    /// …does not fit the market's fixed point…
    OutOfRange = 13,
    /// …or is older than a reading the market already used.
    Regressed = 14,
    /// Why no price is available (`OracleError`, same names): valid sources disagree…
    SourcesDiverge = 15,
    /// …no source is valid…
    NoValidSource = 16,
    /// …the market has no stable price yet…
    StablePriceUnset = 17,
    /// …a source lies beyond the circuit breaker's band…
    BreakerTripped = 18,
    /// …or no order price is both near the market and inside the breaker band.
    BandEmpty = 19,
}

/// `Code` names, by value.
pub const CODE_NAMES: [&str; 20] = [
    "Ok",
    "None",
    "Math",
    "InvalidInput",
    "BookAccountSize",
    "BookCorrupt",
    "WrongOwner",
    "WrongAccountType",
    "WrongFeed",
    "Unverified",
    "Stale",
    "TooUncertain",
    "NonPositive",
    "OutOfRange",
    "Regressed",
    "SourcesDiverge",
    "NoValidSource",
    "StablePriceUnset",
    "BreakerTripped",
    "BandEmpty",
];

/// The source faults, in `Code` order from `Code::WrongOwner`.
const SOURCE_FAULTS: [SourceFault; 9] = [
    SourceFault::WrongOwner,
    SourceFault::WrongAccountType,
    SourceFault::WrongFeed,
    SourceFault::Unverified,
    SourceFault::Stale,
    SourceFault::TooUncertain,
    SourceFault::NonPositive,
    SourceFault::OutOfRange,
    SourceFault::Regressed,
];

impl From<SourceFault> for Code {
    fn from(fault: SourceFault) -> Self {
        match fault {
            SourceFault::WrongOwner => Code::WrongOwner,
            SourceFault::WrongAccountType => Code::WrongAccountType,
            SourceFault::WrongFeed => Code::WrongFeed,
            SourceFault::Unverified => Code::Unverified,
            SourceFault::Stale => Code::Stale,
            SourceFault::TooUncertain => Code::TooUncertain,
            SourceFault::NonPositive => Code::NonPositive,
            SourceFault::OutOfRange => Code::OutOfRange,
            SourceFault::Regressed => Code::Regressed,
        }
    }
}

/// The source fault code `code` stands for (`None` for any other code).
pub fn source_fault(code: i64) -> Option<SourceFault> {
    let i = code.checked_sub(Code::WrongOwner as i64)?;
    SOURCE_FAULTS.get(usize::try_from(i).ok()?).copied()
}

impl From<OracleError> for Failure {
    fn from(e: OracleError) -> Self {
        Failure::Code(match e {
            OracleError::Source(fault) => fault.into(),
            OracleError::SourcesDiverge => Code::SourcesDiverge,
            OracleError::NoValidSource => Code::NoValidSource,
            OracleError::StablePriceUnset => Code::StablePriceUnset,
            OracleError::BreakerTripped => Code::BreakerTripped,
            OracleError::BandEmpty => Code::BandEmpty,
            OracleError::Math(e) => return Failure::Math(e),
        })
    }
}

/// Why an export could not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Engine arithmetic, with the engine's own location.
    Math(perp_engine::MathError),
    /// Anything else, by code.
    Code(Code),
}

impl From<perp_engine::MathError> for Failure {
    fn from(e: perp_engine::MathError) -> Self {
        Failure::Math(e)
    }
}

impl Failure {
    /// The status an export returns for it.
    pub fn code(self) -> Code {
        match self {
            Failure::Math(_) => Code::Math,
            Failure::Code(c) => c,
        }
    }
}

#[cfg(test)]
mod tests;
