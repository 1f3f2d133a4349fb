//! Similarity of fuzzy hashes, and the keys that let a database find candidates without
//! comparing against every stored hash.
//!
//! - ssdeep: two hashes can only score above 0 when they have the same block size (or one
//!   double the other) and share a 7-character substring of the corresponding part (the
//!   algorithm's own rule). [`ssdeep_ngrams`] lists `(block_size, 7-gram hash)` keys for both
//!   parts of a hash, after the same run-length normalisation the comparison applies; a database
//!   index on those keys yields exactly the hashes that can score, which [`ssdeep_score`] then
//!   scores.
//! - TLSH: distances are Hamming-like over the 32-byte body, so close digests agree on most of
//!   it. [`tlsh_bands`] cuts the body into [`TLSH_BANDS`] bands (locality-sensitive hashing by
//!   banding); digests that share any band are candidates, which [`tlsh_distance`] measures.

use std::str::FromStr;

use tlsh2::Tlsh;

/// Number of bands a TLSH body is cut into for candidate lookup.
pub const TLSH_BANDS: usize = 16;

/// Length of the ssdeep substrings that are indexed (the algorithm's common-substring rule).
pub const SSDEEP_NGRAM: usize = 7;

type Tlsh128 = Tlsh<1, 72, 32>;

/// ssdeep score 0–100 of two hashes (`block:part1:part2`), `None` when one does not parse.
pub fn ssdeep_score(first: &str, second: &str) -> Option<u8> {
    let score = fuzzyhash::FuzzyHash::compare(first, second).ok()?;
    u8::try_from(score.min(100)).ok()
}

/// The `(block_size, 7-gram key)` pairs of an ssdeep hash: 7-grams of the first part under its
/// block size and of the second part under twice that, deduplicated and sorted.
pub fn ssdeep_ngrams(hash: &str) -> Vec<(i64, i64)> {
    let mut parts = hash.splitn(3, ':');
    let (Some(block), Some(first), Some(second)) = (parts.next(), parts.next(), parts.next())
    else {
        return Vec::new();
    };
    let Ok(block_size) = block.parse::<i64>() else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for (size, part) in [(block_size, first), (block_size.saturating_mul(2), second)] {
        let normalised = collapse_runs(part);
        for window in normalised.windows(SSDEEP_NGRAM) {
            keys.push((size, fnv1a(window)));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// ssdeep compares parts after cutting every run of one character to at most three.
fn collapse_runs(part: &str) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(part.len());
    for byte in part.bytes() {
        let run = out.iter().rev().take_while(|&&seen| seen == byte).count();
        if run < 3 {
            out.push(byte);
        }
    }
    out
}

/// 64-bit FNV-1a, folded to the signed range PostgreSQL's `bigint` holds.
fn fnv1a(bytes: &[u8]) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// TLSH distance of two `T1…` digests (with the length term), `None` when one does not parse.
pub fn tlsh_distance(first: &str, second: &str) -> Option<u32> {
    let first = Tlsh128::from_str(first).ok()?;
    let second = Tlsh128::from_str(second).ok()?;
    u32::try_from(first.diff(&second, true)).ok()
}

/// The `(band index, band text)` pairs of a `T1…` digest: its 64-hex-digit body cut into
/// [`TLSH_BANDS`] equal bands. Empty when the digest is not a TLSH 128/1 digest.
pub fn tlsh_bands(digest: &str) -> Vec<(i16, String)> {
    // "T1" + checksum (2) + length (2) + quartile ratios (2) + body (64).
    let Some(body) = digest.get(8..) else {
        return Vec::new();
    };
    if digest.len() != 72 || !digest.starts_with("T1") || !body.is_ascii() {
        return Vec::new();
    }
    let width = body.len() / TLSH_BANDS;
    (0..TLSH_BANDS)
        .filter_map(|band| {
            let text = body.get(band * width..(band + 1) * width)?;
            Some((i16::try_from(band).ok()?, text.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const TINY: &str = "192:+Hnpo9dclU7/ox88ZJ/BJtvOD3q22SXXL0oF1Hfasa:anpoN72f/BJP22SXXL0on1a";
    const TINY_OVERLAY: &str =
        "192:+Hnpo9dclU7/ox88ZJ/BJtvOD3q22SXXL0oF1Hfasaf:anpoN72f/BJP22SXXL0on1af";
    const EICAR: &str = "3:a+JraNvsgzsVqSwHq9:tJuOgzsko";

    #[test]
    fn near_duplicates_share_ngrams_and_score_high() {
        let tiny = ssdeep_ngrams(TINY);
        let overlay = ssdeep_ngrams(TINY_OVERLAY);
        assert!(tiny.iter().any(|key| overlay.contains(key)));
        assert!(ssdeep_score(TINY, TINY_OVERLAY).unwrap() > 90);
    }

    #[test]
    fn unrelated_hashes_share_no_ngram() {
        let tiny = ssdeep_ngrams(TINY);
        assert!(!ssdeep_ngrams(EICAR).iter().any(|key| tiny.contains(key)));
    }

    #[test]
    fn long_runs_are_collapsed_like_the_comparison_does() {
        assert_eq!(collapse_runs("aaaaaab"), b"aaab");
    }

    #[test]
    fn tlsh_bands_cover_the_body_and_close_digests_share_bands() {
        let tiny = "T162E2F712A603BDB6F81298F054FB4FBA5B37F9611C2188BECF60F9950D11270751AF65";
        let overlay = "T14FE2F712A603BDB6F81298F058FB4FBA5B37F9611C2188BECF60F9950D11270751AF65";
        let bands = tlsh_bands(tiny);
        assert_eq!(bands.len(), TLSH_BANDS);
        assert_eq!(bands.iter().map(|(_, text)| text.len()).sum::<usize>(), 64);
        let shared = tlsh_bands(overlay)
            .iter()
            .filter(|band| bands.contains(band))
            .count();
        assert!(shared >= TLSH_BANDS - 2);
        let distance = tlsh_distance(tiny, overlay).unwrap();
        assert!(distance < 30, "{distance}");
        assert_eq!(tlsh_distance(tiny, tiny), Some(0));
        assert!(tlsh_bands("T1").is_empty());
    }
}
