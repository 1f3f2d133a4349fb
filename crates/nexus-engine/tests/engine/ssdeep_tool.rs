//! Our single-pass ssdeep ([`nexus_engine::ssdeep`]) against the `ssdeep` tool itself: on
//! generated inputs chosen for the block-size edge cases, and on random inputs drawn by proptest.
//!
//! The tool is the oracle because it is what users compare our digests with. A library port
//! (fuzzyhash) was the random-input oracle before; it disagrees with the tool on short inputs whose
//! rolling hash never triggers (for `01 02 00 00` it prints `3:e:`, the tool and we print `3:e:e`),
//! and CI once failed on that disagreement rather than on a bug of ours.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;

use crate::reference_tools::ssdeep_of_file;

/// The tool's digest of `bytes`, through a scratch file unique to this call.
fn tool_digest(bytes: &[u8]) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let path: PathBuf = std::env::temp_dir().join(format!(
        "nexus-ssdeep-prop-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, bytes).unwrap();
    let digest = ssdeep_of_file(&path);
    std::fs::remove_file(&path).unwrap();
    digest
}

#[test]
fn short_inputs_that_never_trigger_keep_their_tail_in_both_parts() {
    // The input on which the library oracle and the tool disagree (see the module doc).
    assert_eq!(tool_digest(&[1, 2, 0, 0]), "3:e:e");
    assert_eq!(
        nexus_engine::ssdeep::digest(&[1, 2, 0, 0]).as_deref(),
        Some("3:e:e")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_input_matches_the_tool(data in proptest::collection::vec(any::<u8>(), 0..20_000)) {
        prop_assert_eq!(nexus_engine::ssdeep::digest(&data).unwrap(), tool_digest(&data));
    }

    /// Few distinct bytes: long runs, rare triggers, short digests and a lowered block size.
    #[test]
    fn low_entropy_input_matches_the_tool(data in proptest::collection::vec(0u8..3, 0..20_000)) {
        prop_assert_eq!(nexus_engine::ssdeep::digest(&data).unwrap(), tool_digest(&data));
    }
}

/// Our single-pass ssdeep against the tool on generated inputs chosen to cross block-size
/// boundaries (192·2^k bytes), lower the block size (low-entropy data), and fill digests so the
/// smallest block sizes are dropped mid-stream (several MB of random data).
#[test]
fn ssdeep_matches_the_ssdeep_tool_on_generated_inputs() {
    let directory = std::env::temp_dir().join(format!("nexus-ssdeep-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let mut state = 0x9e37_79b9u32;
    let mut random = |length: usize| -> Vec<u8> {
        (0..length)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect()
    };
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for length in [
        1,
        7,
        100,
        191,
        192,
        193,
        383,
        384,
        385,
        6143,
        6144,
        6145,
        1 << 20,
        5_000_000,
    ] {
        inputs.push((format!("random-{length}"), random(length)));
    }
    for length in [500, 50_000, 2_000_000] {
        let text: Vec<u8> = "MZ\0\0 the quick brown fox jumps; "
            .bytes()
            .cycle()
            .take(length)
            .collect();
        inputs.push((format!("text-{length}"), text));
        let mut mixed = random(length / 2);
        mixed.extend(std::iter::repeat_n(0u8, length / 2));
        inputs.push((format!("mixed-{length}"), mixed));
    }
    for (name, bytes) in &inputs {
        let path = directory.join(name);
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(
            nexus_engine::ssdeep::digest(bytes).as_deref(),
            Some(ssdeep_of_file(&path).as_str()),
            "{name}"
        );
    }
    std::fs::remove_dir_all(&directory).unwrap();
}
