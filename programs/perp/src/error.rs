//! The program's one error enum. Every refusal a user can trigger has its own variant with a
//! message, so clients can show it and tests can assert it exactly.

use anchor_lang::prelude::*;
use perp_engine::EngineError;

/// Every named refusal of the perp program (codes start at 6000).
#[error_code]
#[derive(PartialEq, Eq)]
pub enum ErrorCode {
    #[msg("Governance, risk council and guardian must be three distinct keys")]
    DuplicateAuthority,
    #[msg("Only the exchange's governance authority may do this")]
    NotGovernance,
    #[msg("Only the program's upgrade authority may initialize the exchange")]
    NotUpgradeAuthority,
    #[msg("Only the margin account's owner may do this")]
    NotAccountOwner,
    #[msg("The account belongs to another market")]
    WrongMarket,
    #[msg("The token account is not this market's vault")]
    WrongVault,
    #[msg("The mint is not this market's quote mint")]
    WrongMint,
    #[msg("The token program does not own this market's quote mint")]
    WrongTokenProgram,
    #[msg("Withdrawals cannot be sent to an account owned by the market")]
    InvalidDestination,
    #[msg("The quote mint has a Token-2022 extension that breaks vault accounting")]
    UnsupportedMintExtension,
    #[msg("The account at this address is already initialized")]
    AccountAlreadyInitialized,
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("Not enough collateral in the margin account")]
    InsufficientCollateral,
    #[msg("Deposit would exceed the market's deposit cap")]
    DepositCapExceeded,
    #[msg("Withdrawal would exceed the market's rolling 24-hour outflow limit")]
    WithdrawLimitExceeded,
    #[msg("The margin account still holds collateral")]
    AccountNotEmpty,
    #[msg("The vault balance did not change by the transferred amount")]
    VaultBalanceMismatch,
    #[msg("The exchange cannot list more markets")]
    TooManyMarkets,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("Base lot size is outside its hard bounds")]
    InvalidBaseLotSize,
    #[msg("Base decimals are outside their hard bounds")]
    InvalidBaseDecimals,
    #[msg("Quote lot size is outside its hard bounds")]
    InvalidQuoteLotSize,
    #[msg("Tick size is outside its hard bounds")]
    InvalidTickSize,
    #[msg("Taker fee is outside its hard bounds")]
    InvalidTakerFee,
    #[msg("Maker fee is outside its hard bounds (a rebate may not exceed the taker fee)")]
    InvalidMakerFee,
    #[msg("Initial margin fraction is outside its hard bounds")]
    InvalidInitialMargin,
    #[msg(
        "Maintenance margin fraction is outside its hard bounds (below initial, at least a quarter of it)"
    )]
    InvalidMaintenanceMargin,
    #[msg("Deposit cap is outside its hard bounds")]
    InvalidDepositCap,
    #[msg("Withdrawal limit is outside its hard bounds")]
    InvalidWithdrawLimit,
}

impl From<EngineError> for ErrorCode {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Math(at) => {
                // The location is the formula that overflowed; it only reaches the logs.
                msg!("{}", at);
                ErrorCode::MathOverflow
            }
            EngineError::DepositCapExceeded => ErrorCode::DepositCapExceeded,
            EngineError::InsufficientCollateral => ErrorCode::InsufficientCollateral,
            EngineError::WithdrawLimitExceeded => ErrorCode::WithdrawLimitExceeded,
            EngineError::ZeroAmount => ErrorCode::ZeroAmount,
        }
    }
}

impl From<perp_engine::MathError> for ErrorCode {
    fn from(e: perp_engine::MathError) -> Self {
        ErrorCode::from(EngineError::Math(e))
    }
}
