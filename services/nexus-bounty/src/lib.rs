//! nexus-bounty (placeholder until the runtime lands).
