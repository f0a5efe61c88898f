//! Greedy delta debugging over a failing sequence's recorded steps: drop chunks (halving their
//! size down to single steps) while the replay still fails with the same kind of violation,
//! cutting the tail after the failing step each time, until no single step can go.

use super::step::Step;
use super::world::{Variant, World};
use super::{Failure, replay};

/// The shrunk sequence and the failure its replay ends with.
pub async fn shrink(
    world: &mut World,
    variant: Variant,
    steps: Vec<Step>,
    failure: &Failure,
) -> (Vec<Step>, Failure) {
    let mut current = steps[..=failure.step].to_vec();
    let mut last = failure.clone();
    let mut chunk = (current.len() / 2).max(1);
    loop {
        let mut removed = false;
        let mut at = 0;
        while at < current.len() {
            let end = (at + chunk).min(current.len());
            let candidate: Vec<Step> = current[..at]
                .iter()
                .chain(&current[end..])
                .cloned()
                .collect();
            match still_fails(world, variant, &candidate, failure).await {
                Some(f) => {
                    current = candidate[..=f.step].to_vec();
                    last = f;
                    removed = true;
                }
                None => at = end,
            }
        }
        if chunk == 1 && !removed {
            return (current, last);
        }
        if !removed {
            chunk = (chunk / 2).max(1);
        }
    }
}

/// The replay's failure, if it is of the same kind as `target`.
async fn still_fails(
    world: &mut World,
    variant: Variant,
    steps: &[Step],
    target: &Failure,
) -> Option<Failure> {
    if steps.is_empty() {
        return None;
    }
    replay(world, variant, steps)
        .await
        .filter(|f| f.signature == target.signature)
}
