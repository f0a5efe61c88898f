//! The one program-test binary: the perp program runs natively inside `solana-program-test`
//! with the real SPL Token and Token-2022 programs (DESIGN.md §3).
#![allow(deprecated)]

mod cases;
mod program_test;
