//! Following the chain: which height is confirmed, and where a reorganisation's common ancestor
//! is.
//!
//! The listener reads only confirmed blocks (at most the head minus the confirmation depth), so a
//! reorganisation within the confirmation depth never reaches what it stored, and every stored
//! log has been published. It stores the header of the last block of every range it reads (the
//! checkpoint) and of every block that held one of its logs. Before each read it compares the
//! checkpoint's hash with the node's block at that number; a difference is a reorganisation that
//! reached stored, published blocks. The walk back then compares stored blocks, newest first,
//! with the node's hashes at the same numbers: the first that matches is a common ancestor (block
//! hashes chain, so everything below a matching block matches too), and every stored block above
//! it is orphaned. Stored headers are sparse, so the ancestor found may sit below the real fork
//! point; that costs a re-read of unchanged blocks (harmless: logs are keyed by block hash and log
//! index), never a missed orphan, because every block holding a log is stored and checked.

use nexus_proto::chain::BlockRef;

/// The highest block whose logs may be read: `head - depth`, none while the chain is shorter
/// than the depth.
pub fn confirmed_height(head: u64, depth: u64) -> Option<u64> {
    head.checked_sub(depth)
}

/// What the walk back found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ancestry {
    /// `ancestor` is on both branches; the stored blocks above it are orphaned.
    Found {
        /// The newest stored block the node still has, or `None` when no stored block survived
        /// (re-read from the start block).
        ancestor: Option<BlockRef>,
        /// Blocks between the old tip and the ancestor (an upper bound, see the module docs).
        depth: u64,
        /// The stored blocks above the ancestor, newest first.
        orphaned: Vec<BlockRef>,
    },
    /// No common ancestor within `max_depth` blocks of the tip: ingestion must stop.
    TooDeep {
        /// How far the walk went without finding one.
        depth: u64,
    },
}

/// Walks back from the stored tip. `stored` is the stored blocks newest first (the tip first);
/// `canonical[i]` is the node's hash at `stored[i].number` (`None` when the node has no block
/// there, e.g. after its chain got shorter). `start` is the block ingestion began at, the
/// fallback ancestor when every stored block is orphaned.
pub fn common_ancestor(
    stored: &[BlockRef],
    canonical: &[Option<String>],
    start: u64,
    max_depth: u64,
) -> Ancestry {
    let Some(tip) = stored.first() else {
        return Ancestry::Found {
            ancestor: None,
            depth: 0,
            orphaned: Vec::new(),
        };
    };
    let mut orphaned = Vec::new();
    for (index, block) in stored.iter().enumerate() {
        let depth = tip.number - block.number.min(tip.number);
        if depth > max_depth {
            return Ancestry::TooDeep { depth };
        }
        let same = canonical
            .get(index)
            .and_then(Option::as_deref)
            .is_some_and(|hash| hash.eq_ignore_ascii_case(&block.hash));
        if same {
            return Ancestry::Found {
                ancestor: Some(block.clone()),
                depth,
                orphaned,
            };
        }
        orphaned.push(block.clone());
    }
    let depth = tip.number.saturating_sub(start.saturating_sub(1));
    if depth > max_depth {
        return Ancestry::TooDeep { depth };
    }
    Ancestry::Found {
        ancestor: None,
        depth,
        orphaned,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use proptest::prelude::*;

    use super::*;

    fn block(number: u64, branch: char) -> BlockRef {
        BlockRef {
            number,
            hash: format!("0x{branch}{number}"),
        }
    }

    #[test]
    fn the_confirmed_height_trails_the_head_by_the_depth() {
        assert_eq!(confirmed_height(100, 12), Some(88));
        assert_eq!(confirmed_height(100, 0), Some(100));
        assert_eq!(confirmed_height(5, 12), None);
    }

    #[test]
    fn the_first_stored_block_the_node_still_has_is_the_ancestor() {
        let stored = [block(10, 'a'), block(9, 'a'), block(7, 'a'), block(3, 'a')];
        let canonical = [
            Some("0xb10".to_owned()),
            Some("0xb9".to_owned()),
            Some("0xA7".to_owned()),
            Some("0xa3".to_owned()),
        ];
        assert_eq!(
            common_ancestor(&stored, &canonical, 0, 64),
            Ancestry::Found {
                ancestor: Some(block(7, 'a')),
                depth: 3,
                orphaned: vec![block(10, 'a'), block(9, 'a')],
            }
        );
    }

    #[test]
    fn a_shorter_node_chain_orphans_the_blocks_it_no_longer_has() {
        let stored = [block(10, 'a'), block(8, 'a')];
        let canonical = [None, Some("0xa8".to_owned())];
        let Ancestry::Found {
            ancestor, orphaned, ..
        } = common_ancestor(&stored, &canonical, 0, 64)
        else {
            panic!("an ancestor within the depth");
        };
        assert_eq!(ancestor, Some(block(8, 'a')));
        assert_eq!(orphaned, vec![block(10, 'a')]);
    }

    #[test]
    fn no_ancestor_within_the_maximum_stops() {
        let stored = [block(100, 'a'), block(90, 'a'), block(20, 'a')];
        let canonical = [
            Some("x".to_owned()),
            Some("y".to_owned()),
            Some("0xa20".to_owned()),
        ];
        assert_eq!(
            common_ancestor(&stored, &canonical, 0, 64),
            Ancestry::TooDeep { depth: 80 }
        );
        let everything_orphaned = [Some("x".to_owned()), Some("y".to_owned())];
        assert_eq!(
            common_ancestor(&stored[..2], &everything_orphaned, 10, 64),
            Ancestry::TooDeep { depth: 91 }
        );
        assert!(matches!(
            common_ancestor(&stored[..2], &everything_orphaned, 50, 64),
            Ancestry::Found {
                ancestor: None,
                depth: 51,
                ..
            }
        ));
    }

    proptest! {
        /// Two branches that share blocks up to `fork`: the ancestor is the highest stored block
        /// at or below the fork, and exactly the stored blocks above it are orphaned.
        #[test]
        fn the_walk_finds_the_highest_shared_stored_block(
            numbers in proptest::collection::btree_set(1u64..200, 1..40),
            fork in 0u64..200,
        ) {
            let stored: Vec<BlockRef> = numbers.iter().rev().map(|&n| block(n, 'a')).collect();
            let canonical: Vec<Option<String>> = stored
                .iter()
                .map(|b| Some(if b.number <= fork { b.hash.clone() } else { format!("0xb{}", b.number) }))
                .collect();
            let Ancestry::Found { ancestor, orphaned, .. } =
                common_ancestor(&stored, &canonical, 1, u64::MAX)
            else {
                panic!("no maximum");
            };
            let expected = stored.iter().find(|b| b.number <= fork).cloned();
            prop_assert_eq!(ancestor, expected);
            prop_assert!(orphaned.iter().all(|b| b.number > fork));
            prop_assert_eq!(orphaned.len(), stored.iter().filter(|b| b.number > fork).count());
        }
    }
}
