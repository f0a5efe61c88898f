//! The singleton Exchange: who may govern, reduce risk and pause, the timelock every risk-raising
//! change waits out, the instruction gates, and how many markets exist.

use crate::error::ErrorCode;
use anchor_lang::prelude::*;

/// The three separated authorities.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
// Encoded by variant index, which the explicit values equal (the IDL has no custom
// discriminants); the values are what `as u8` stores.
#[borsh(use_discriminant = false)]
#[repr(u8)]
pub enum Role {
    /// The DAO: queues every change that can raise risk; resumes markets and reopens gates.
    Governance = 0,
    /// Applies risk-reducing parameter changes at once.
    RiskCouncil = 1,
    /// Pauses markets, closes gates, cancels queued changes; can never loosen anything.
    Guardian = 2,
}

/// Instructions the guardian can switch off exchange-wide in an emergency (a bug being
/// exploited through one path). Bit `1 << gate` of `Exchange::closed_gates`. Nothing that
/// liquidations or exits need is gated: `liquidate`, `events_consume`, every cancel and
/// reduce-only orders always run (bit 4, once `events_consume`'s gate, means nothing).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
// Encoded by variant index, which the explicit values equal (the IDL has no custom
// discriminants); the values are what `as u8` stores.
#[borsh(use_discriminant = false)]
#[repr(u8)]
pub enum Gate {
    /// `collateral_deposit`.
    Deposit = 0,
    /// `collateral_withdraw`.
    Withdraw = 1,
    /// `margin_account_create`.
    MarginAccountCreate = 2,
    /// `order_place` of orders that are not reduce-only (cancels are never gated).
    OrderPlace = 3,
}

impl Gate {
    /// This gate's bit in `Exchange::closed_gates`.
    pub const fn bit(self) -> u32 {
        1 << self as u8
    }
}

/// Hard bounds on the timelock, compiled into the program: the same in tests as in production
/// (tests warp the clock). No governance key, stolen or not, can make a change faster than this.
pub mod timelock_bounds {
    use core::ops::RangeInclusive;
    /// Delay between queueing and the earliest execution: 2 to 30 days.
    pub const DELAY_SECS: RangeInclusive<u32> = 2 * DAY..=30 * DAY;
    /// How long a change stays executable after its eta: 1 to 14 days.
    pub const WINDOW_SECS: RangeInclusive<u32> = DAY..=14 * DAY;
    /// Delay a new exchange starts with.
    pub const DEFAULT_DELAY_SECS: u32 = 2 * DAY;
    /// Execution window a new exchange starts with.
    pub const DEFAULT_WINDOW_SECS: u32 = 3 * DAY;
    const DAY: u32 = 86_400;
}

/// Singleton configuration account at `["exchange"]`. Small, so plain borsh.
#[account]
#[derive(InitSpace, Debug)]
pub struct Exchange {
    /// The DAO (e.g. a Realms governance PDA or a Squads vault): queues listings and changes.
    pub governance: Pubkey,
    /// May apply risk-reducing changes at once.
    pub risk_council: Pubkey,
    /// May pause markets and close instruction gates; can never loosen anything.
    pub guardian: Pubkey,
    /// Keys a timelocked transfer has named for each role (indexed by `Role`); default = none.
    /// The named key takes the role only by signing `authority_accept`.
    pub pending: [Pubkey; 3],
    /// Unix time after which each pending key can no longer accept (the execution window from
    /// the transfer's execution): a mistyped, superseded or stolen key does not wait forever.
    pub pending_expires_at: [i64; 3],
    /// Seconds between queueing a change and its earliest execution.
    pub timelock_secs: u32,
    /// Seconds a change stays executable after its eta.
    pub execution_window_secs: u32,
    /// Bit set of closed `Gate`s.
    pub closed_gates: u32,
    /// Id the next queued change gets (monotonic, for audit trails).
    pub next_change_id: u64,
    /// Number of markets listed; the next market's index.
    pub market_count: u16,
    /// Bump of the exchange PDA.
    pub bump: u8,
}

impl Exchange {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + Exchange::INIT_SPACE;

    /// The key currently holding `role`.
    pub fn authority(&self, role: Role) -> Pubkey {
        match role {
            Role::Governance => self.governance,
            Role::RiskCouncil => self.risk_council,
            Role::Guardian => self.guardian,
        }
    }

    /// Hands `role` to `key`.
    pub fn set_authority(&mut self, role: Role, key: Pubkey) {
        match role {
            Role::Governance => self.governance = key,
            Role::RiskCouncil => self.risk_council = key,
            Role::Guardian => self.guardian = key,
        }
    }

    /// Refuses `key` for `role` if it is empty or already holds (or is pending for) another
    /// role: one key with two roles would defeat the separation of duties.
    pub fn require_assignable(&self, role: Role, key: Pubkey) -> Result<()> {
        require_keys_neq!(key, Pubkey::default(), ErrorCode::InvalidAuthority);
        for other in [Role::Governance, Role::RiskCouncil, Role::Guardian] {
            if other != role {
                require_keys_neq!(key, self.authority(other), ErrorCode::DuplicateAuthority);
                require_keys_neq!(
                    key,
                    self.pending[other as usize],
                    ErrorCode::DuplicateAuthority
                );
            }
        }
        Ok(())
    }

    /// Refuses `who` unless it may cancel a queued change, or revoke a pending key, of this kind:
    /// governance or the guardian, except for the guardian's own replacement, which governance
    /// or the risk council decide (the guardian could otherwise veto its own removal forever).
    pub fn require_canceller(&self, replaces_guardian: bool, who: Pubkey) -> Result<()> {
        if replaces_guardian {
            require_keys_neq!(
                who,
                self.guardian,
                ErrorCode::GuardianCannotCancelOwnReplacement
            );
            require!(
                who == self.governance || who == self.risk_council,
                ErrorCode::NotCanceller
            );
        } else {
            require!(
                who == self.governance || who == self.guardian,
                ErrorCode::NotCanceller
            );
        }
        Ok(())
    }

    /// Whether `gate` is open (instructions check it in their account constraints).
    pub fn is_open(&self, gate: Gate) -> bool {
        self.closed_gates & gate.bit() == 0
    }
}

/// Checks a timelock setting against its compiled bounds.
pub fn validate_timelock(delay_secs: u32, window_secs: u32) -> Result<()> {
    require!(
        timelock_bounds::DELAY_SECS.contains(&delay_secs),
        ErrorCode::InvalidTimelock
    );
    require!(
        timelock_bounds::WINDOW_SECS.contains(&window_secs),
        ErrorCode::InvalidExecutionWindow
    );
    Ok(())
}
