//! Linked wallets (arrives with wallet linking).
