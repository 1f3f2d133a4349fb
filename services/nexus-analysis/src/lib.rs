//! nexus-analysis (placeholder until the runtime lands).
