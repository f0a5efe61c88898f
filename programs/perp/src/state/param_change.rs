//! A queued governance change: the complete new value set for one target, waiting out the
//! timelock. The account exists exactly while the change is pending; executing or cancelling it
//! closes the account (the events are the history).

use crate::error::ErrorCode;
use crate::state::{
    Exchange, Market, MarketParams, OracleConfig, Role, require_consistent, validate_timelock,
};
use anchor_lang::prelude::*;

/// What a governance change does, with every new value.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Replaces a market's parameters (lot, tick and decimals must stay as listed).
    MarketParams {
        market_index: u16,
        params: MarketParams,
    },
    /// Replaces a market's oracle sources and limits.
    MarketOracle {
        market_index: u16,
        oracle: OracleConfig,
    },
    /// Pays `amount` out of a market's insurance vault to the token account `destination`.
    InsuranceWithdraw {
        market_index: u16,
        destination: Pubkey,
        amount: u64,
    },
    /// Lists market `market_index` (which must be the next index when executed).
    ListMarket {
        market_index: u16,
        quote_mint: Pubkey,
        params: MarketParams,
        oracle: OracleConfig,
    },
    /// Names `new` as the pending holder of `role` (who then accepts).
    Authority { role: Role, new: Pubkey },
    /// Replaces the timelock itself.
    Timelock { delay_secs: u32, window_secs: u32 },
}

impl Change {
    /// The slot this change occupies: at most one pending change per slot, which is the PDA
    /// seed `[kind, market index LE]` (index 0 for exchange-wide targets).
    pub fn target_seed(&self) -> [u8; 3] {
        let (kind, index) = match *self {
            Change::MarketParams { market_index, .. } => (0, market_index),
            Change::MarketOracle { market_index, .. } => (1, market_index),
            Change::InsuranceWithdraw { market_index, .. } => (2, market_index),
            Change::ListMarket { market_index, .. } => (3, market_index),
            Change::Authority { role, .. } => (4 + role as u8, 0),
            Change::Timelock { .. } => (7, 0),
        };
        let [lo, hi] = index.to_le_bytes();
        [kind, lo, hi]
    }

    /// The existing market this change applies to, if it applies to one.
    pub fn market_index(&self) -> Option<u16> {
        match *self {
            Change::MarketParams { market_index, .. }
            | Change::MarketOracle { market_index, .. }
            | Change::InsuranceWithdraw { market_index, .. } => Some(market_index),
            _ => None,
        }
    }

    /// Refuses unless `market` is the market this change targets (one market per index, so
    /// the index identifies it), or absent for a change without one.
    pub fn require_target(&self, market: Option<&Market>) -> Result<()> {
        if let Some(index) = self.market_index() {
            let market = market.ok_or(ErrorCode::WrongChangeTarget)?;
            require_eq!(market.index, index, ErrorCode::WrongChangeTarget);
        }
        Ok(())
    }

    /// Checks the change against the hard bounds and the current state; called at queue time and
    /// again at execute time. `market` is the target market when the change has one.
    pub fn validate(&self, exchange: &Exchange, market: Option<&Market>) -> Result<()> {
        self.require_target(market)?;
        match *self {
            Change::MarketParams { params, .. } => {
                params.validate()?;
                let market = market.ok_or(ErrorCode::WrongChangeTarget)?;
                params.require_same_listing(&market.params)?;
                require_consistent(&params, &market.oracle)
            }
            Change::MarketOracle { oracle, .. } => {
                oracle.validate()?;
                let market = market.ok_or(ErrorCode::WrongChangeTarget)?;
                require_consistent(&market.params, &oracle)
            }
            Change::InsuranceWithdraw { amount, .. } => {
                require_gt!(amount, 0, ErrorCode::ZeroAmount);
                Ok(())
            }
            Change::ListMarket {
                params,
                oracle,
                market_index,
                ..
            } => {
                require_gte!(
                    market_index,
                    exchange.market_count,
                    ErrorCode::ListingIndexTaken
                );
                params.validate()?;
                oracle.validate()?;
                require_consistent(&params, &oracle)
            }
            Change::Authority { role, new } => exchange.require_assignable(role, new),
            Change::Timelock {
                delay_secs,
                window_secs,
            } => validate_timelock(delay_secs, window_secs),
        }
    }

    /// The same target's current values, for events (`None` for a listing or a withdrawal,
    /// which replace nothing).
    pub fn current(&self, exchange: &Exchange, market: Option<&Market>) -> Option<Change> {
        match *self {
            Change::MarketParams { market_index, .. } => market.map(|m| Change::MarketParams {
                market_index,
                params: m.params,
            }),
            Change::MarketOracle { market_index, .. } => market.map(|m| Change::MarketOracle {
                market_index,
                oracle: m.oracle,
            }),
            Change::Authority { role, .. } => Some(Change::Authority {
                role,
                new: exchange.authority(role),
            }),
            Change::Timelock { .. } => Some(Change::Timelock {
                delay_secs: exchange.timelock_secs,
                window_secs: exchange.execution_window_secs,
            }),
            Change::InsuranceWithdraw { .. } | Change::ListMarket { .. } => None,
        }
    }
}

/// A pending change at `["param_change", target_seed]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct ParamChange {
    /// The exchange's running change id.
    pub id: u64,
    /// What executes.
    pub change: Change,
    /// Unix time it was queued.
    pub queued_at: i64,
    /// Earliest unix time it may execute.
    pub eta: i64,
    /// Latest unix time it may execute; after that it can only be cancelled or replaced.
    pub expires_at: i64,
    /// Who paid the rent; refunded when the account closes.
    pub rent_payer: Pubkey,
    /// Bump of this PDA.
    pub bump: u8,
}

impl ParamChange {
    /// Account size including Anchor's discriminator.
    pub const SPACE: usize = 8 + ParamChange::INIT_SPACE;

    /// Refuses unless `now` is inside `[eta, expires_at]`.
    pub fn require_executable(&self, now: i64) -> Result<()> {
        require_gte!(now, self.eta, ErrorCode::TimelockNotElapsed);
        require_gte!(self.expires_at, now, ErrorCode::ChangeExpired);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;

    #[test]
    fn every_target_has_its_own_slot() {
        let params = MarketParams::zeroed();
        let oracle = OracleConfig::zeroed();
        let key = Pubkey::new_unique();
        let changes = [
            Change::MarketParams {
                market_index: 1,
                params,
            },
            Change::MarketParams {
                market_index: 2,
                params,
            },
            Change::MarketOracle {
                market_index: 1,
                oracle,
            },
            Change::InsuranceWithdraw {
                market_index: 1,
                destination: key,
                amount: 1,
            },
            Change::ListMarket {
                market_index: 1,
                quote_mint: key,
                params,
                oracle,
            },
            Change::Authority {
                role: Role::Governance,
                new: key,
            },
            Change::Authority {
                role: Role::RiskCouncil,
                new: key,
            },
            Change::Authority {
                role: Role::Guardian,
                new: key,
            },
            Change::Timelock {
                delay_secs: 1,
                window_secs: 1,
            },
        ];
        let mut seeds: Vec<[u8; 3]> = changes.iter().map(Change::target_seed).collect();
        seeds.sort_unstable();
        seeds.dedup();
        assert_eq!(seeds.len(), changes.len());
        // Same target, other values: same slot (one pending change per target).
        let other = Change::MarketParams {
            market_index: 1,
            params: MarketParams {
                deposit_cap: 9,
                ..params
            },
        };
        assert_eq!(other.target_seed(), changes[0].target_seed());
    }
}
