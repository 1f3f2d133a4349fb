//! Scoring the candidates the similarity indexes return.

use nexus_core::Sha256;
use nexus_engine::similarity::{ssdeep_score, tlsh_distance};
use nexus_proto::analysis::SimilarFile;

/// The fuzzy hashes of one stored sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzyHashes {
    /// The sample's address.
    pub sha256: Sha256,
    /// `blocksize:hash1:hash2`; `None` when the sample has none (not analysed yet, or too large for a digest).
    pub ssdeep: Option<String>,
    /// `T1` followed by 70 hex digits; `None` when TLSH gives no digest (under 50 bytes, too little variety).
    pub tlsh: Option<String>,
    /// MD5 of the PE import table; `None` when there is no PE import table to hash.
    pub imphash: Option<String>,
}

/// Score an equal imphash alone is worth: a strong hint (same import table), not proof.
const IMPHASH_SCORE: u8 = 50;

/// Scores `candidate` against `target`; `None` when nothing is similar enough: ssdeep 0, TLSH
/// distance over `tlsh_max_distance` and different imphashes.
pub fn score(
    target: &FuzzyHashes,
    candidate: &FuzzyHashes,
    tlsh_max_distance: u32,
) -> Option<SimilarFile> {
    let ssdeep = match (&target.ssdeep, &candidate.ssdeep) {
        (Some(first), Some(second)) => ssdeep_score(first, second).filter(|score| *score > 0),
        _ => None,
    };
    let tlsh = match (&target.tlsh, &candidate.tlsh) {
        (Some(first), Some(second)) => {
            tlsh_distance(first, second).filter(|distance| *distance <= tlsh_max_distance)
        }
        _ => None,
    };
    let imphash_match = matches!(
        (&target.imphash, &candidate.imphash),
        (Some(first), Some(second)) if first == second
    );
    if ssdeep.is_none() && tlsh.is_none() && !imphash_match {
        return None;
    }
    let tlsh_score =
        tlsh.map(|distance| u8::try_from(100_u32.saturating_sub(distance)).unwrap_or(0));
    let combined = [ssdeep, tlsh_score, imphash_match.then_some(IMPHASH_SCORE)]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0);
    Some(SimilarFile {
        sha256: candidate.sha256.clone(),
        ssdeep_score: ssdeep,
        tlsh_distance: tlsh,
        imphash_match,
        score: combined,
    })
}

/// Best first, then by SHA-256 for a stable order; at most `limit`.
pub fn rank(mut found: Vec<SimilarFile>, limit: usize) -> Vec<SimilarFile> {
    found.sort_by(|first, second| {
        second
            .score
            .cmp(&first.score)
            .then_with(|| first.sha256.cmp(&second.sha256))
    });
    found.truncate(limit);
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A distinct address per `seed`.
    fn sha(seed: u8) -> Sha256 {
        Sha256::from_digest([seed; 32])
    }

    fn hashes(seed: u8, ssdeep: &str, tlsh: &str, imphash: Option<&str>) -> FuzzyHashes {
        FuzzyHashes {
            sha256: sha(seed),
            ssdeep: Some(ssdeep.into()),
            tlsh: Some(tlsh.into()),
            imphash: imphash.map(str::to_owned),
        }
    }

    #[test]
    fn near_duplicate_scores_high_and_unrelated_is_dropped() {
        let tiny = hashes(
            1,
            "192:+Hnpo9dclU7/ox88ZJ/BJtvOD3q22SXXL0oF1Hfasa:anpoN72f/BJP22SXXL0on1a",
            "T162E2F712A603BDB6F81298F054FB4FBA5B37F9611C2188BECF60F9950D11270751AF65",
            Some("1720bf764274b7a4052bbef0a71adc0d"),
        );
        let overlay = hashes(
            2,
            "192:+Hnpo9dclU7/ox88ZJ/BJtvOD3q22SXXL0oF1Hfasaf:anpoN72f/BJP22SXXL0on1af",
            "T14FE2F712A603BDB6F81298F058FB4FBA5B37F9611C2188BECF60F9950D11270751AF65",
            Some("1720bf764274b7a4052bbef0a71adc0d"),
        );
        let elf = hashes(
            3,
            "96:RWwUCWBWBfdI96snZl9o7D2XKw7/5BdzCbBebHwhlAq2Bjw:RRW81dIcsZ+odrw0nw",
            "T1EF72104BF710C93BC5E8077898670B3063B6D861A76183135B0866781EE37D86F6B6DA",
            None,
        );
        let found = score(&tiny, &overlay, 100).unwrap();
        assert!(found.imphash_match);
        assert!(found.score > 90);
        assert!(score(&tiny, &elf, 100).is_none());
    }

    #[test]
    fn ranking_is_best_first_and_bounded() {
        let make = |seed: u8, score: u8| SimilarFile {
            sha256: sha(seed),
            ssdeep_score: None,
            tlsh_distance: None,
            imphash_match: true,
            score,
        };
        let ranked = rank(vec![make(1, 10), make(2, 90), make(3, 50)], 2);
        let order: Vec<&Sha256> = ranked.iter().map(|file| &file.sha256).collect();
        assert_eq!(order, [&sha(2), &sha(3)]);
    }
}
