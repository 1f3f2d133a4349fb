//! How often pairs of analysts agree, and the clusters of analysts who agree so often that they
//! are one voice: copies of one engine under several names.

use std::collections::HashMap;

use crate::ChainAddress;

/// Agreement at or above which two analysts are one voice (with [`CLUSTER_MIN_SHARED`]).
/// Independent analysts who are each right 95 % of the time agree about 90 % of the time; only
/// near-copies reach 98 %.
pub const CLUSTER_MIN_AGREEMENT: f64 = 0.98;

/// Shared bounties needed before agreement is evidence: at 20, two independent 90 % analysts
/// agree on all of them with probability below 2 %.
pub const CLUSTER_MIN_SHARED: u32 = 20;

/// How two analysts' revealed verdicts compare over the bounties both revealed on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PairAgreement {
    /// Bounties both revealed on.
    pub shared: u32,
    /// Of those, the ones where both revealed the same verdict.
    pub agreed: u32,
}

impl PairAgreement {
    /// `agreed / shared`, 0 with nothing shared.
    pub fn fraction(&self) -> f64 {
        if self.shared == 0 {
            0.0
        } else {
            f64::from(self.agreed) / f64::from(self.shared)
        }
    }

    /// Whether the pair counts as one voice.
    pub fn is_one_voice(&self) -> bool {
        self.shared >= CLUSTER_MIN_SHARED && self.fraction() >= CLUSTER_MIN_AGREEMENT
    }
}

/// Pairwise agreement, symmetric: `(a, b)` and `(b, a)` are one entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AgreementTable {
    pairs: HashMap<(ChainAddress, ChainAddress), PairAgreement>,
}

impl AgreementTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    fn key(first: ChainAddress, second: ChainAddress) -> (ChainAddress, ChainAddress) {
        if first <= second {
            (first, second)
        } else {
            (second, first)
        }
    }

    /// Sets the agreement of a pair (as the service reads it from its store).
    pub fn insert(&mut self, first: ChainAddress, second: ChainAddress, agreement: PairAgreement) {
        self.pairs.insert(Self::key(first, second), agreement);
    }

    /// Counts one more shared bounty for a pair, agreeing or not.
    pub fn record(&mut self, first: ChainAddress, second: ChainAddress, agreed: bool) {
        let entry = self.pairs.entry(Self::key(first, second)).or_default();
        entry.shared += 1;
        entry.agreed += u32::from(agreed);
    }

    /// The agreement of a pair (nothing shared when unknown).
    pub fn get(&self, first: ChainAddress, second: ChainAddress) -> PairAgreement {
        self.pairs
            .get(&Self::key(first, second))
            .copied()
            .unwrap_or_default()
    }
}

/// Groups `analysts` into clusters of one voice: two analysts are in one cluster when a chain of
/// one-voice pairs ([`PairAgreement::is_one_voice`]) links them. Returns, for each analyst in
/// input order, its cluster's index and the cluster's size among `analysts`.
pub fn clusters(analysts: &[ChainAddress], agreement: &AgreementTable) -> Vec<(usize, usize)> {
    // Union-find over the indices; a handful of analysts per file, so the pair loop is cheap.
    let mut parent: Vec<usize> = (0..analysts.len()).collect();
    fn root(parent: &mut [usize], mut index: usize) -> usize {
        while parent[index] != index {
            parent[index] = parent[parent[index]];
            index = parent[index];
        }
        index
    }
    for first in 0..analysts.len() {
        for second in first + 1..analysts.len() {
            if analysts[first] == analysts[second]
                || agreement
                    .get(analysts[first], analysts[second])
                    .is_one_voice()
            {
                let (first_root, second_root) =
                    (root(&mut parent, first), root(&mut parent, second));
                parent[second_root] = first_root;
            }
        }
    }
    let roots: Vec<usize> = (0..analysts.len())
        .map(|index| root(&mut parent, index))
        .collect();
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    for cluster in &roots {
        *sizes.entry(*cluster).or_default() += 1;
    }
    roots
        .iter()
        .map(|cluster| (*cluster, sizes.get(cluster).copied().unwrap_or(1)))
        .collect()
}
