//! nexus-notification (placeholder until the runtime lands).
