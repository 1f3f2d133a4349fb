//! Block range planning for `eth_getLogs`.
//!
//! Nodes cap the work of one `eth_getLogs` (a block span, a number of logs or a response size)
//! and answer a larger request with an error rather than a partial result. The planner starts at
//! the configured span, halves it on every refusal down to one block, and doubles it again after
//! [`RangePlanner::GROW_AFTER`] successful reads in a row, so a dense stretch of chain does not
//! keep the listener at one block per request for ever.

use std::ops::RangeInclusive;

/// Chooses the span of the next `eth_getLogs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangePlanner {
    max_span: u64,
    span: u64,
    successes: u32,
}

impl RangePlanner {
    /// Successful reads in a row before the span doubles again.
    pub const GROW_AFTER: u32 = 4;

    /// A planner that reads at most `max_span` blocks at once (at least 1).
    pub fn new(max_span: u64) -> Self {
        let max_span = max_span.max(1);
        Self {
            max_span,
            span: max_span,
            successes: 0,
        }
    }

    /// The span the next read uses.
    pub fn span(&self) -> u64 {
        self.span
    }

    /// The next range to read: from `from` up to `to` (inclusive) at most, `None` when `from`
    /// is past `to` (nothing to read).
    pub fn next(&self, from: u64, to: u64) -> Option<RangeInclusive<u64>> {
        if from > to {
            return None;
        }
        let end = from.saturating_add(self.span - 1).min(to);
        Some(from..=end)
    }

    /// The node refused the last range as too large: halve the span (not below one block).
    /// Returns false when the span is already one block, so the refusal is not about size.
    pub fn refused(&mut self) -> bool {
        self.successes = 0;
        if self.span == 1 {
            return false;
        }
        self.span = (self.span / 2).max(1);
        true
    }

    /// The last range was read: after enough successes in a row, double the span (up to the
    /// maximum).
    pub fn succeeded(&mut self) {
        self.successes = self.successes.saturating_add(1);
        if self.successes >= Self::GROW_AFTER && self.span < self.max_span {
            self.span = self.span.saturating_mul(2).min(self.max_span);
            self.successes = 0;
        }
    }
}

/// True when a JSON-RPC error message says the request covered too much (block span, number of
/// results, response size). Nodes word this differently; these are the phrasings of geth,
/// Erigon, Nethermind, Alchemy, Infura and QuickNode.
pub fn is_range_too_large(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "range",
        "too many",
        "limit exceeded",
        "response size",
        "query returned more than",
        "exceed",
        "block range",
    ]
    .iter()
    .any(|phrase| message.contains(phrase))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn reads_whole_spans_and_stops_at_the_target() {
        let planner = RangePlanner::new(100);
        assert_eq!(planner.next(0, 1_000), Some(0..=99));
        assert_eq!(planner.next(950, 1_000), Some(950..=1_000));
        assert_eq!(planner.next(1_001, 1_000), None);
        assert_eq!(
            planner.next(u64::MAX - 1, u64::MAX),
            Some(u64::MAX - 1..=u64::MAX)
        );
    }

    #[test]
    fn shrinks_on_refusal_down_to_one_block_then_grows_back() {
        let mut planner = RangePlanner::new(8);
        assert!(planner.refused());
        assert!(planner.refused());
        assert!(planner.refused());
        assert_eq!(planner.span(), 1);
        assert!(!planner.refused(), "one block cannot shrink further");
        for _ in 0..RangePlanner::GROW_AFTER {
            planner.succeeded();
        }
        assert_eq!(planner.span(), 2);
        for _ in 0..RangePlanner::GROW_AFTER * 10 {
            planner.succeeded();
        }
        assert_eq!(planner.span(), 8, "never above the maximum");
    }

    #[test]
    fn recognises_the_common_range_refusals() {
        assert!(is_range_too_large("query returned more than 10000 results"));
        assert!(is_range_too_large("eth_getLogs block range too large"));
        assert!(is_range_too_large("Log response size exceeded."));
        assert!(!is_range_too_large("connection refused"));
    }

    proptest! {
        #[test]
        fn consecutive_ranges_cover_the_target_exactly_once(
            max_span in 1u64..500,
            from in 0u64..10_000,
            length in 0u64..5_000,
            refusals in proptest::collection::vec(any::<bool>(), 0..200),
        ) {
            let to = from + length;
            let mut planner = RangePlanner::new(max_span);
            let mut next = from;
            let mut steps = refusals.into_iter();
            while let Some(range) = planner.next(next, to) {
                prop_assert_eq!(*range.start(), next);
                prop_assert!(*range.end() <= to);
                prop_assert!(range.end() - range.start() < max_span);
                if steps.next().unwrap_or(false) && planner.refused() {
                    continue;
                }
                planner.succeeded();
                next = range.end() + 1;
            }
            prop_assert_eq!(next, to + 1);
        }
    }
}
