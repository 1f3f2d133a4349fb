//! nexus-auth (placeholder until the runtime lands).
