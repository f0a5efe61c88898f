//! The program's events, decoded from transaction logs: `emit!` writes `Program data: <base64>`
//! (run natively, `cluster::stubs::to_cluster_form` gives its logs the same form before anyone
//! reads them). A line is read only while our program's own invocation is the one running (the
//! runtime's `Program <id> invoke [n]` and `Program <id> success|failed` lines frame each
//! invocation): any program can write that form, and a transaction that merely lists our
//! program id is not one of its invocations. `Program log:` lines are never events: any program
//! can print anything there.

use anchor_lang::{AnchorDeserialize, Event};
use base64::Engine;

const EVENT_PREFIX: &str = "Program data: ";

/// Every event payload (discriminator + body) our program wrote in `logs`, in order. An
/// invocation that failed was rolled back: what it (or anything it called) wrote is dropped.
/// A transaction that fails in a later instruction cannot be told from its logs alone: callers
/// also check the transaction's error (the indexer reads only successful ones). Logs cut short
/// by the runtime's size limit lose their closing lines: the invocations still open at the end
/// are read as they stand (a failed invocation fails its whole transaction, which callers skip).
pub fn raw_events(logs: &[String]) -> Vec<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let ours = perp::ID.to_string();
    // Open invocations, innermost last, each with the events written inside it so far.
    let mut stack: Vec<(&str, Vec<Vec<u8>>)> = Vec::new();
    let mut out = Vec::new();
    for line in logs {
        if let Some(rest) = line.strip_prefix("Program ") {
            let mut words = rest.split(' ');
            // The runtime's frame lines name a program id; `msg!` output reads `Program log: …`
            // and can say anything after it.
            if let (Some(id), Some(what)) = (words.next(), words.next())
                && id.parse::<anchor_lang::prelude::Pubkey>().is_ok()
            {
                if what == "invoke" {
                    stack.push((id, Vec::new()));
                    continue;
                }
                let ends = what == "success" || what.starts_with("failed");
                if ends && stack.last().is_some_and(|(top, _)| *top == id) {
                    let (_, events) = stack.pop().unwrap_or_default();
                    if what == "success" {
                        match stack.last_mut() {
                            Some((_, parent)) => parent.extend(events),
                            None => out.extend(events),
                        }
                    }
                    continue;
                }
            }
        }
        let Some((top, events)) = stack.last_mut() else {
            continue;
        };
        if *top != ours.as_str() {
            continue;
        }
        if let Some(data) = line.strip_prefix(EVENT_PREFIX)
            && let Ok(bytes) = b64.decode(data)
        {
            events.push(bytes);
        }
    }
    // Truncated logs: close what is still open, innermost first.
    while let Some((_, events)) = stack.pop() {
        match stack.last_mut() {
            Some((_, parent)) => parent.extend(events),
            None => out.extend(events),
        }
    }
    out
}

/// The events of type `E` among `raw` payloads.
pub fn events_of<E: Event + AnchorDeserialize>(raw: &[Vec<u8>]) -> Vec<E> {
    raw.iter()
        .filter_map(|data| {
            let body = data.strip_prefix(E::DISCRIMINATOR)?;
            E::deserialize(&mut &body[..]).ok()
        })
        .collect()
}

/// The events of type `E` in `logs`.
pub fn in_logs<E: Event + AnchorDeserialize>(logs: &[String]) -> Vec<E> {
    events_of(&raw_events(logs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::{AnchorSerialize, Discriminator};
    use perp::events::{Bankruptcy, Liquidated};
    use solana_sdk::pubkey::Pubkey;

    fn encoded(e: &Liquidated) -> String {
        let mut data = Liquidated::DISCRIMINATOR.to_vec();
        e.serialize(&mut data).expect("borsh");
        base64::engine::general_purpose::STANDARD.encode(data)
    }

    #[test]
    fn reads_only_the_cluster_form_only_inside_our_own_invocation_and_only_the_asked_type() {
        let event = Liquidated {
            market: Pubkey::new_unique(),
            margin_account: Pubkey::new_unique(),
            keeper_account: Pubkey::new_unique(),
            base_lots: 7,
            price: 150,
            quote_lots: 1_050,
            keeper_fee: 3,
            insurance_fee: 2,
            position_after: 0,
            orders_cancelled: 1,
        };
        let b64 = encoded(&event);
        let ours = perp::ID;
        let other = Pubkey::new_unique();
        let logs = vec![
            // Another program prints both forms at top level: not ours.
            format!("Program {other} invoke [1]"),
            format!("Program data: {b64}"),
            format!("Program log: data: {b64}"),
            format!("Program {other} success"),
            format!("Program {ours} invoke [1]"),
            "Program log: Instruction: Liquidate".to_string(),
            format!("Program data: {b64}"),
            // A program ours calls prints an event: not ours either.
            format!("Program {other} invoke [2]"),
            format!("Program data: {b64}"),
            format!("Program {other} success"),
            // Our program's own `msg!` output is not an event, whatever it says.
            format!("Program log: data: {b64}"),
            "Program data: not base64!".to_string(),
            format!("Program {ours} success"),
            // Outside any invocation (a transaction that only lists our id): nothing.
            format!("Program data: {b64}"),
        ];
        let got = in_logs::<Liquidated>(&logs);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].margin_account, event.margin_account);
        assert_eq!(got[0].quote_lots, 1_050);
        assert!(in_logs::<Bankruptcy>(&logs).is_empty());
    }

    /// Issue 22's audit: an invocation of ours that fails is rolled back, yet what it emitted
    /// before the failure was decoded: a fill that never happened (e.g. an order that matched, then failed
    /// its margin check) reads as a trade.
    #[test]
    fn events_of_a_failed_invocation_are_not_read() {
        let event = Liquidated {
            market: Pubkey::new_unique(),
            margin_account: Pubkey::new_unique(),
            keeper_account: Pubkey::new_unique(),
            base_lots: 3,
            price: 1,
            quote_lots: 1_050,
            keeper_fee: 1,
            insurance_fee: 1,
            position_after: 0,
            orders_cancelled: 0,
        };
        let b64 = encoded(&event);
        let ours = perp::ID;
        let logs = vec![
            format!("Program {ours} invoke [1]"),
            format!("Program data: {b64}"),
            format!("Program {ours} consumed 5000 of 200000 compute units"),
            format!("Program {ours} failed: custom program error: 0x1771"),
        ];
        assert!(
            in_logs::<Liquidated>(&logs).is_empty(),
            "an event of a rolled-back invocation was decoded"
        );
    }

    /// The runtime cuts a transaction's logs at its size limit ("Log truncated"), closing lines
    /// included: the events written before the cut are still the program's own.
    #[test]
    fn truncated_logs_keep_the_events_written_before_the_cut() {
        let event = Liquidated {
            market: Pubkey::new_unique(),
            margin_account: Pubkey::new_unique(),
            keeper_account: Pubkey::new_unique(),
            base_lots: 3,
            price: 1,
            quote_lots: 9,
            keeper_fee: 1,
            insurance_fee: 1,
            position_after: 0,
            orders_cancelled: 0,
        };
        let b64 = encoded(&event);
        let ours = perp::ID;
        let logs = vec![
            format!("Program {ours} invoke [1]"),
            format!("Program data: {b64}"),
            format!("Program data: {b64}"),
            "Log truncated".to_string(),
        ];
        assert_eq!(in_logs::<Liquidated>(&logs).len(), 2);
    }

    /// Audit 22b: the frame tracking takes any line of the form `Program <word> invoke` or
    /// `Program <word> success|failed…` as the runtime's, but `msg!` lines have that form too
    /// (`Program log: invoke`). A program that calls ours prints `invoke` before the call and
    /// `failed` after it: the transaction succeeds, our program's events were really written
    /// (the fills happened), and the decoder drops them as rolled back — the indexer never
    /// records those trades. The runtime's frame lines name a program id (base58), never `log:`.
    #[test]
    fn audit22b_a_callers_msg_lines_cannot_roll_back_our_events() {
        let event = Liquidated {
            market: Pubkey::new_unique(),
            margin_account: Pubkey::new_unique(),
            keeper_account: Pubkey::new_unique(),
            base_lots: 5,
            price: 1,
            quote_lots: 750,
            keeper_fee: 1,
            insurance_fee: 1,
            position_after: 0,
            orders_cancelled: 0,
        };
        let b64 = encoded(&event);
        let ours = perp::ID;
        let wrapper = Pubkey::new_unique();
        let logs = vec![
            format!("Program {wrapper} invoke [1]"),
            "Program log: invoke".to_string(),
            format!("Program {ours} invoke [2]"),
            "Program log: Instruction: Liquidate".to_string(),
            format!("Program data: {b64}"),
            format!("Program {ours} consumed 5000 of 190000 compute units"),
            format!("Program {ours} success"),
            "Program log: failed".to_string(),
            format!("Program {wrapper} consumed 10000 of 200000 compute units"),
            format!("Program {wrapper} success"),
        ];
        assert_eq!(
            in_logs::<Liquidated>(&logs).len(),
            1,
            "our program's event in a successful transaction was dropped"
        );
    }
}
