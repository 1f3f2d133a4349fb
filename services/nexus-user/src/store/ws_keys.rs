//! Ed25519 WebSocket keys (arrives with key registration).
