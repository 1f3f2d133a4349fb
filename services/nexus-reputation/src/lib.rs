//! nexus-reputation (placeholder until the runtime lands).
