//! Unit and property tests of the reputation math.

use super::*;

#[test]
fn a_coin_flip_scores_nothing_right_or_wrong() {
    assert_eq!(brier_skill(0.5, true), 0.0);
    assert_eq!(brier_skill(0.5, false), 0.0);
}
