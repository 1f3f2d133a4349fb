//! nexus-gateway (placeholder until the runtime lands).
