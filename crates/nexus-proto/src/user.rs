//! The user service's wire types: accounts, profiles, roles, wallets, WebSocket keys and
//! referrals (REST bodies, internal lookups) and the events it publishes.
