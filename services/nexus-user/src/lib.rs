//! nexus-user (placeholder until the runtime lands).
