//! nexus-scanner (placeholder until the runtime lands).
