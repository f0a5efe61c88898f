//! Human prices (whole quote per whole base, `f64`) in the program's units, for clients that
//! quote around a price: market makers, simulations, UIs. Display and quoting only: nothing
//! here decides risk (the program and `risk` do, in integers).

use perp::state::MarketParams;

/// Native quote units one base lot is worth at `price`.
pub fn lot_value(params: &MarketParams, quote_decimals: u8, price: f64) -> f64 {
    price * 10f64.powi(i32::from(quote_decimals)) * params.base_lot_size as f64
        / 10f64.powi(params.base_decimals as i32)
}

/// `price` in ticks (quote lots per base lot per tick).
pub fn ticks(params: &MarketParams, quote_decimals: u8, price: f64) -> f64 {
    lot_value(params, quote_decimals, price)
        / params.quote_lot_size as f64
        / params.tick_size as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lot_of_a_thousandth_at_150_is_150_thousandths_of_a_dollar() {
        let p = crate::presets::market_params();
        // 0.001 base per lot at 150 quote: 0.15 quote = 150,000 native (6 decimals).
        assert_eq!(lot_value(&p, 6, 150.0), 150_000.0);
        // Ticks of 100 native per lot: 1,500 ticks.
        assert_eq!(ticks(&p, 6, 150.0), 1_500.0);
    }
}
