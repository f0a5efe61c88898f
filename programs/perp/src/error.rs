//! The program's one error enum. Every refusal a user can trigger has its own variant with a
//! message, so clients can show it and tests can assert it exactly.

use anchor_lang::prelude::*;
use perp_engine::EngineError;
use perp_engine::oracle::{OracleError, SourceFault};

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
    #[msg("The oracle account is not the one this market is configured with")]
    WrongOracleAccount,
    #[msg("An oracle account this market is configured with was not passed")]
    MissingOracleAccount,
    #[msg("The oracle account is not owned by the oracle's program")]
    OracleWrongOwner,
    #[msg("The oracle account is not the expected account type")]
    OracleWrongAccountType,
    #[msg("The oracle account carries another feed than the one configured")]
    OracleWrongFeed,
    #[msg("The oracle update is not fully verified")]
    OracleUnverified,
    #[msg("The oracle price is older than the market's staleness limit")]
    OracleStale,
    #[msg("The oracle's confidence interval is wider than the market allows")]
    OracleTooUncertain,
    #[msg("The oracle price is zero or negative")]
    OracleNonPositive,
    #[msg("The oracle price is outside the market's representable range")]
    OracleOutOfRange,
    #[msg("The oracle sources disagree by more than the market's max deviation")]
    OracleSourcesDiverge,
    #[msg("No oracle source of this market is valid")]
    OracleNoValidSource,
    #[msg("The market has no stable price yet; run market_update_price first")]
    StablePriceUnset,
    #[msg("The market is not active: only risk-reducing actions are allowed")]
    MarketNotActive,
    #[msg("A market needs at least one oracle source")]
    NoOracleSource,
    #[msg("The same account cannot be two oracle sources")]
    DuplicateOracleSource,
    #[msg("A Pyth source needs a non-zero feed id")]
    InvalidPythFeedId,
    #[msg("Oracle staleness in seconds is outside its hard bounds")]
    InvalidOracleMaxAgeSecs,
    #[msg("Oracle staleness in slots is outside its hard bounds")]
    InvalidOracleMaxAgeSlots,
    #[msg("Oracle max confidence is outside its hard bounds")]
    InvalidOracleConfidence,
    #[msg("Oracle max deviation is outside its hard bounds")]
    InvalidOracleDeviation,
    #[msg("Stable price window is outside its hard bounds")]
    InvalidStablePriceWindow,
    #[msg("Stable price growth limit is outside its hard bounds")]
    InvalidStablePriceGrowth,
    #[msg("Circuit breaker band is outside its hard bounds")]
    InvalidBreakerBand,
    #[msg("Circuit breaker cool-down is outside its hard bounds")]
    InvalidBreakerCooldown,
    #[msg("Only the guardian or governance may restrict a market or close a gate")]
    NotGuardian,
    #[msg("The market is paused: only withdrawals of free collateral and cancels are allowed")]
    MarketPaused,
    #[msg("An authority cannot be the default key")]
    InvalidAuthority,
    #[msg("The guardian has closed this instruction; only governance can reopen it")]
    GateClosed,
    #[msg("Timelock delay is outside its hard bounds")]
    InvalidTimelock,
    #[msg("Execution window is outside its hard bounds")]
    InvalidExecutionWindow,
    #[msg("The market passed is not the one the change targets")]
    WrongChangeTarget,
    #[msg("Lot size, tick size and base decimals cannot change after listing")]
    LotSizesImmutable,
    #[msg("A market already exists at the listing's index")]
    ListingIndexTaken,
    #[msg("A listing must execute at the exchange's next market index")]
    ListingOutOfOrder,
    #[msg("The change's timelock has not elapsed yet")]
    TimelockNotElapsed,
    #[msg("The change's execution window has passed; queue it again")]
    ChangeExpired,
    #[msg("A change to this target is already pending; cancel it or wait for it to expire")]
    ChangePending,
    #[msg("This instruction does not execute this kind of change")]
    WrongChangeKind,
    #[msg("The rent receiver is not the account that paid for the change")]
    WrongRentPayer,
    #[msg("Only governance or the guardian may cancel a queued change")]
    NotCanceller,
    #[msg(
        "A change replacing the guardian can only be cancelled by governance or the risk council"
    )]
    GuardianCannotCancelOwnReplacement,
    #[msg("Only the risk council may tighten parameters")]
    NotRiskCouncil,
    #[msg("Only the key named by an executed transfer may accept this role")]
    NotPendingAuthority,
    #[msg("The insurance vault holds less than the withdrawal")]
    InsufficientInsurance,
    #[msg("The new values equal the current ones")]
    NoChange,
    #[msg("The risk council cannot change the base lot size")]
    CouncilCannotChangeBaseLotSize,
    #[msg("The risk council cannot change the quote lot size")]
    CouncilCannotChangeQuoteLotSize,
    #[msg("The risk council cannot change the tick size")]
    CouncilCannotChangeTickSize,
    #[msg("The risk council cannot change the base decimals")]
    CouncilCannotChangeBaseDecimals,
    #[msg("The risk council cannot change the maker fee")]
    CouncilCannotChangeMakerFee,
    #[msg("The risk council cannot change the taker fee")]
    CouncilCannotChangeTakerFee,
    #[msg("The risk council cannot change the oracle sources")]
    CouncilCannotChangeOracleSources,
    #[msg("Raising the deposit cap adds risk; it needs a timelocked change")]
    LoosensDepositCap,
    #[msg("Lowering the initial margin adds risk; it needs a timelocked change")]
    LoosensInitialMargin,
    #[msg("Lowering the maintenance margin adds risk; it needs a timelocked change")]
    LoosensMaintenanceMargin,
    #[msg("Raising the withdrawal limit adds risk; it needs a timelocked change")]
    LoosensWithdrawLimit,
    #[msg("Allowing older Pyth prices adds risk; it needs a timelocked change")]
    LoosensOracleMaxAgeSecs,
    #[msg("Allowing older Switchboard results adds risk; it needs a timelocked change")]
    LoosensOracleMaxAgeSlots,
    #[msg("Allowing wider oracle confidence adds risk; it needs a timelocked change")]
    LoosensOracleConfidence,
    #[msg("Allowing more oracle disagreement adds risk; it needs a timelocked change")]
    LoosensOracleDeviation,
    #[msg("Shortening the stable price window adds risk; it needs a timelocked change")]
    LoosensStablePriceWindow,
    #[msg("Raising the stable price growth limit adds risk; it needs a timelocked change")]
    LoosensStablePriceGrowth,
    #[msg("Widening the circuit breaker band adds risk; it needs a timelocked change")]
    LoosensBreakerBand,
    #[msg("Shortening the circuit breaker cool-down adds risk; it needs a timelocked change")]
    LoosensBreakerCooldown,
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

impl From<SourceFault> for ErrorCode {
    fn from(f: SourceFault) -> Self {
        match f {
            SourceFault::WrongOwner => ErrorCode::OracleWrongOwner,
            SourceFault::WrongAccountType => ErrorCode::OracleWrongAccountType,
            SourceFault::WrongFeed => ErrorCode::OracleWrongFeed,
            SourceFault::Unverified => ErrorCode::OracleUnverified,
            SourceFault::Stale => ErrorCode::OracleStale,
            SourceFault::TooUncertain => ErrorCode::OracleTooUncertain,
            SourceFault::NonPositive => ErrorCode::OracleNonPositive,
            SourceFault::OutOfRange => ErrorCode::OracleOutOfRange,
        }
    }
}

impl From<OracleError> for ErrorCode {
    fn from(e: OracleError) -> Self {
        match e {
            OracleError::Source(f) => ErrorCode::from(f),
            OracleError::SourcesDiverge => ErrorCode::OracleSourcesDiverge,
            OracleError::NoValidSource => ErrorCode::OracleNoValidSource,
            OracleError::StablePriceUnset => ErrorCode::StablePriceUnset,
            OracleError::Math(at) => ErrorCode::from(at),
        }
    }
}
