//! The versioned static-analysis report (filled in by the analysis engine work).
