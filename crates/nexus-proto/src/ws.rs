//! The gateway's WebSocket protocol: typed client and server messages (`{"type": ..., ...}`),
//! topics, and presence bodies.
