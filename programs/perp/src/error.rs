//! The program's one error enum. Every refusal a user can trigger has its own variant with a
//! message, so clients can show it and tests can assert it exactly.

use anchor_lang::prelude::*;
use perp_engine::EngineError;
use perp_engine::book::order::BookError;
use perp_engine::oracle::{OracleError, SourceFault};
use perp_engine::risk::trader_margin::MarginError;
use perp_engine::trigger::TriggerError;

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
    #[msg("The account does not have the size this account type needs")]
    WrongAccountSize,
    #[msg("The order book account is not this market's")]
    WrongBook,
    #[msg("The event queue account is not this market's")]
    WrongEventQueue,
    #[msg("Only the margin account's owner or delegate may trade it")]
    NotOwnerOrDelegate,
    #[msg("Order size must be positive")]
    OrderZeroSize,
    #[msg("Order price must be positive and within the representable range")]
    InvalidOrderPrice,
    #[msg("Order price lies outside the oracle price band")]
    PriceOutsideBand,
    #[msg("A market order needs a price band or a limit price")]
    PriceBandRequired,
    #[msg("The order's expiry is already past")]
    OrderAlreadyExpired,
    #[msg("A post-only order would have taken liquidity")]
    PostOnlyWouldCross,
    #[msg("A fill-or-kill order could not be filled completely")]
    FillOrKillNotFilled,
    #[msg("The order met a resting order of the same account (self-trade abort)")]
    SelfTradeAborted,
    #[msg("The book side is full and the order is not better than its worst order")]
    BookSideFull,
    #[msg("The margin account's open-order slots are all in use")]
    TooManyOpenOrders,
    #[msg("A reduce-only order has no position left to reduce in its direction")]
    ReduceOnlyNothingToReduce,
    #[msg("The event queue has no room for this action's events")]
    EventQueueFull,
    #[msg("No open order of this account has that id")]
    OrderNotFound,
    #[msg("Book and account bookkeeping disagree (invariant broken)")]
    BookStateMismatch,
    #[msg("Equity would not cover the initial margin of the position and open orders")]
    InsufficientMargin,
    /// Retired (withdrawals now value positions); kept so later codes keep their numbers.
    #[msg("The margin account has a position or open orders; settle them first")]
    PositionOpen,
    #[msg("A maker account passed is not a margin account of this market")]
    WrongMakerAccount,
    #[msg("Size premium is outside its bound")]
    InvalidSizePremium,
    #[msg("Size unit must be at least one lot")]
    InvalidSizeUnit,
    #[msg("Reference volatility is outside its bound")]
    InvalidReferenceVolatility,
    #[msg("Volatility multiplier cap must be between 1x and 10x")]
    InvalidMaxVolatilityMultiplier,
    #[msg("Volatility time constant is outside its bound")]
    InvalidVolatilityTimeConstant,
    #[msg("The hard open-interest cap must be positive and not below the soft cap")]
    InvalidOpenInterestCaps,
    #[msg("Maintenance ramp is outside its bound")]
    InvalidMaintenanceRamp,
    #[msg("Liquidation discount must be positive and at most 10%")]
    InvalidLiquidationDiscount,
    #[msg("Insurance share is outside its bound")]
    InvalidInsuranceShare,
    #[msg("Liquidation buffer is outside its bound")]
    InvalidLiquidationBuffer,
    #[msg("Minimum liquidation size must be at least one lot")]
    InvalidLiquidationMinLots,
    #[msg("Funding interval is outside its bound")]
    InvalidFundingInterval,
    #[msg("Funding rate cap is outside its bound")]
    InvalidFundingMaxRate,
    #[msg("Funding backfill is outside its bound")]
    InvalidFundingBackfill,
    #[msg("Lowering the size premium adds risk; it needs a timelocked change")]
    LoosensSizePremium,
    #[msg("Weakening the volatility margin adds risk; it needs a timelocked change")]
    LoosensVolatilityMargin,
    #[msg("The volatility time constant is not a risk-council parameter")]
    CouncilCannotChangeVolatilityTimeConstant,
    #[msg("Raising open-interest caps adds risk; it needs a timelocked change")]
    LoosensOpenInterestCaps,
    #[msg("Slowing the maintenance ramp adds risk; it needs a timelocked change")]
    LoosensMaintenanceRamp,
    #[msg("Liquidation terms are not risk-council parameters")]
    CouncilCannotChangeLiquidationTerms,
    #[msg("Funding parameters are not risk-council parameters")]
    CouncilCannotChangeFunding,
    #[msg("The account covers its maintenance margin; it cannot be liquidated")]
    NotLiquidatable,
    #[msg("The account has fills still in the event queue; consume them before liquidating")]
    OrdersOpen,
    #[msg("The keeper's account would not cover its initial margin after the liquidation")]
    KeeperUnhealthy,
    #[msg("A keeper cannot liquidate into the account being liquidated")]
    SelfLiquidation,
    #[msg("Open interest is at the market's hard cap: only risk-reducing orders")]
    OpenInterestCapReached,
    #[msg("The withdrawal would leave the account below its initial margin")]
    WithdrawalBreaksInitialMargin,
    #[msg(
        "A price source is beyond the circuit breaker's band: only risk-reducing actions until the price settles"
    )]
    CircuitBreakerTripped,
    #[msg(
        "The market price is too far from the stable price for any order price to be allowed; only liquidations proceed until it settles"
    )]
    PriceBandEmpty,
    #[msg(
        "This risk-reducing trade would leave the account's maintenance health lower than before, or its equity negative"
    )]
    ReduceWorsensHealth,
    #[msg("The oracle update is older than one the market has already used from this source")]
    OracleRegressed,
    #[msg(
        "The price band (circuit breaker band) plus the taker fee must not exceed the maintenance margin"
    )]
    BandExceedsMaintenance,
    #[msg("The liquidation discount must be below the maintenance margin")]
    DiscountNotBelowMaintenance,
    #[msg(
        "The stable price's largest one-update move (growth per second × 60 s) must be below the breaker band"
    )]
    StableGrowthExceedsBand,
    #[msg(
        "An account below its maintenance margin cannot rest orders: take liquidity reduce-only, or add collateral"
    )]
    UnhealthyCannotRest,
    #[msg(
        "The risk council may not raise the maintenance ramp: a faster ramp turns a maintenance rise into an instant one"
    )]
    CouncilCannotRaiseMaintenanceRamp,
    #[msg(
        "The risk council may not raise the size premium: it would raise large positions' maintenance at once"
    )]
    CouncilCannotRaiseSizePremium,
    #[msg(
        "The risk council may not change the stable price's window or growth: they also set how fast lone-source liquidations follow the market"
    )]
    CouncilCannotChangeStablePrice,
    #[msg(
        "The risk council may not change the breaker band: it also bounds lone-source liquidation prices"
    )]
    CouncilCannotChangeBreakerBand,
    #[msg("The pending key's time to accept the role has passed; governance must propose again")]
    PendingAuthorityExpired,
    #[msg("No key is pending for this role")]
    NoPendingAuthority,
    #[msg(
        "A delegate may only buy at or below, and sell at or above, the oracle reference price, with an explicit limit"
    )]
    DelegatePriceWorseThanIndex,
    #[msg("The account's orders do not put it below maintenance; only its owner may cancel them")]
    OrdersNotAtRisk,
    #[msg("The rent goes back to whoever paid it: pass the account's rent payer")]
    WrongRentReceiver,
    #[msg("At most 24 maker accounts may be passed to one instruction")]
    TooManyMakerAccounts,
    #[msg("Trigger fee is outside its bound")]
    InvalidTriggerFee,
    #[msg("The trigger fee is not a risk-council parameter")]
    CouncilCannotChangeTriggerFee,
    #[msg("A trigger needs a positive size, trigger price and limit price")]
    InvalidTrigger,
    #[msg("The trigger's expiry has already passed")]
    TriggerAlreadyExpired,
    #[msg("The account's trigger slots are full")]
    TriggerSlotsFull,
    #[msg("No trigger with this id")]
    TriggerNotFound,
    #[msg("The trigger's condition does not hold on every valid oracle source")]
    TriggerNotDue,
    #[msg("The trigger's market order found nothing to fill; it stays for a later attempt")]
    TriggerNotFilled,
    #[msg("The margin account still has a trigger-orders account; close it first")]
    TriggerOrdersOpen,
    #[msg("Wrong trigger-orders account for this margin account")]
    WrongTriggerOrders,
    #[msg("An executor's fee goes to its own account, not the account whose trigger fires")]
    ExecutorIsTriggerAccount,
    #[msg("A requote places at most 12 orders and cancels at most 16 client ids")]
    TooManyRequoteOrders,
    #[msg(
        "The liquidated account holds order slots (resting orders, or fills and outs still queued): pass the market's book and event queue"
    )]
    BookRequired,
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
            EngineError::OrdersOpen => ErrorCode::OrdersOpen,
            EngineError::NotLiquidatable => ErrorCode::NotLiquidatable,
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
            SourceFault::Regressed => ErrorCode::OracleRegressed,
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
            OracleError::BreakerTripped => ErrorCode::CircuitBreakerTripped,
            OracleError::BandEmpty => ErrorCode::PriceBandEmpty,
            OracleError::Math(at) => ErrorCode::from(at),
        }
    }
}

impl From<BookError> for ErrorCode {
    fn from(e: BookError) -> Self {
        match e {
            BookError::Math(at) => ErrorCode::from(at),
            BookError::ZeroSize => ErrorCode::OrderZeroSize,
            BookError::InvalidPrice => ErrorCode::InvalidOrderPrice,
            BookError::PriceOutsideBand => ErrorCode::PriceOutsideBand,
            BookError::PriceBandRequired => ErrorCode::PriceBandRequired,
            BookError::AlreadyExpired => ErrorCode::OrderAlreadyExpired,
            BookError::PostOnlyWouldCross => ErrorCode::PostOnlyWouldCross,
            BookError::FillOrKillNotFilled => ErrorCode::FillOrKillNotFilled,
            BookError::SelfTradeAborted => ErrorCode::SelfTradeAborted,
            BookError::BookSideFull => ErrorCode::BookSideFull,
            BookError::TooManyOpenOrders => ErrorCode::TooManyOpenOrders,
            BookError::ReduceOnlyNothingToReduce => ErrorCode::ReduceOnlyNothingToReduce,
            BookError::EventQueueFull => ErrorCode::EventQueueFull,
            BookError::OrderNotFound => ErrorCode::OrderNotFound,
            BookError::StateMismatch => ErrorCode::BookStateMismatch,
        }
    }
}

impl From<TriggerError> for ErrorCode {
    fn from(e: TriggerError) -> Self {
        match e {
            TriggerError::Math(at) => ErrorCode::from(at),
            TriggerError::InvalidTrigger => ErrorCode::InvalidTrigger,
            TriggerError::AlreadyExpired => ErrorCode::TriggerAlreadyExpired,
            TriggerError::NoFreeSlot => ErrorCode::TriggerSlotsFull,
            TriggerError::NotFound => ErrorCode::TriggerNotFound,
        }
    }
}

impl From<MarginError> for ErrorCode {
    fn from(e: MarginError) -> Self {
        match e {
            MarginError::Math(at) => ErrorCode::from(at),
            MarginError::InsufficientMargin => ErrorCode::InsufficientMargin,
            MarginError::WorsensHealth => ErrorCode::ReduceWorsensHealth,
        }
    }
}
