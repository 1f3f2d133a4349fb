//! nexus-chain-listener (placeholder until the runtime lands).
