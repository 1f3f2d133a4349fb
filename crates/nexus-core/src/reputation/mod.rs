//! Reputation math: how settled assertions become an analyst's score, trust level and weight in
//! a file's verdict. Pure and property-tested; the `nexus-reputation` service stores, consumes
//! events and serves, and calls these functions for every number it shows. The rules, their
//! formulas and the reasons for each constant are in `docs/REPUTATION.md`.
//!
//! - [`assertion`]: the input, a [`SettledAssertion`] (who, which bounty, what kind and
//!   [`FileType`], family tag, verdict, [`Confidence`], stake, outcome, settlement time).
//! - [`scoring`]: one assertion's [`Contribution`]: a rescaled Brier score on the revealed
//!   confidence ([`brier_skill`]) times a concave stake weight ([`stake_weight`]), and its
//!   exponential [`decay`] with a 90-day half-life.
//! - [`aggregate`]: an analyst's [`Reputation`], the decayed sums ([`AnalystScore`]) overall,
//!   per (kind, file type) and per family.
//! - [`trust`]: [`TrustLevel`]s, their thresholds and what each unlocks.
//! - [`rejudgement`]: the change to each assertion's contribution when a bounty's outcome
//!   changes after settlement.
//! - [`correlation`] and [`verdict`]: the file verdict, weighting analysts by their reputation
//!   for the file's type and splitting one voice among analysts who always agree.
//!
//! Every function returns finite numbers for every input (property-tested), so nothing
//! downstream has to guard against NaN or infinity.

pub mod aggregate;
pub mod assertion;
pub mod correlation;
pub mod rejudgement;
pub mod scoring;
pub mod trust;
pub mod verdict;

#[cfg(test)]
mod tests;

pub use aggregate::{AnalystScore, PRIOR_WEIGHT, Reputation, reputation, reputations};
pub use assertion::{
    Category, Confidence, ConfidenceOutOfRange, FileType, SettledAssertion, normalize_family,
};
pub use correlation::{
    AgreementTable, CLUSTER_MIN_AGREEMENT, CLUSTER_MIN_SHARED, PairAgreement, clusters,
};
pub use rejudgement::{ContributionChange, rejudge};
pub use scoring::{
    Contribution, HALF_LIFE_SECONDS, STAKE_UNIT_WEI, brier_skill, contribution, decay, stake_weight,
};
pub use trust::{TRUST_THRESHOLDS, TrustLevel, TrustThreshold, Unlocks};
pub use verdict::{
    AnalystWeight, EngineHint, FileVerdict, RevealedAssertion, VerdictLabel, base_weight,
    file_verdict,
};
