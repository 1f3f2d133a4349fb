//! The analysis service's wire types: uploads, analyses and their status, similar-file search,
//! rulesets, retrohunts (REST bodies) and the events it publishes (`AnalysisProgress`,
//! `AnalysisCompleted`, ...). The report itself is in [`crate::report`].
