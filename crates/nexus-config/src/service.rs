//! The nine Nexus services and where they listen by default.

/// One of the platform's binaries. The default ports follow docs/ARCHITECTURE.md: HTTP on
/// 8080–8088 and the admin (metrics) port 1010 above it, on 9090–9098.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKind {
    /// Public API and WebSocket hub.
    Gateway,
    /// Sessions, tokens, MFA, API keys, policies.
    Auth,
    /// Samples and static analysis.
    Analysis,
    /// Bounty lifecycle and the transaction queue.
    Bounty,
    /// Accounts and profiles.
    User,
    /// Reputation scores and leaderboards.
    Reputation,
    /// E-mail, webhooks and the in-app inbox.
    Notification,
    /// Smart-contract scanning.
    Scanner,
    /// Confirmed chain state written back to PostgreSQL.
    ChainListener,
}

impl ServiceKind {
    /// All services, in port order.
    pub const ALL: [ServiceKind; 9] = [
        ServiceKind::Gateway,
        ServiceKind::Auth,
        ServiceKind::Analysis,
        ServiceKind::Bounty,
        ServiceKind::User,
        ServiceKind::Reputation,
        ServiceKind::Notification,
        ServiceKind::Scanner,
        ServiceKind::ChainListener,
    ];

    /// The binary and crate name, e.g. `nexus-bounty`.
    pub fn binary_name(self) -> &'static str {
        match self {
            ServiceKind::Gateway => "nexus-gateway",
            ServiceKind::Auth => "nexus-auth",
            ServiceKind::Analysis => "nexus-analysis",
            ServiceKind::Bounty => "nexus-bounty",
            ServiceKind::User => "nexus-user",
            ServiceKind::Reputation => "nexus-reputation",
            ServiceKind::Notification => "nexus-notification",
            ServiceKind::Scanner => "nexus-scanner",
            ServiceKind::ChainListener => "nexus-chain-listener",
        }
    }

    /// The config section holding this service's own settings, e.g. `[bounty]` in TOML or
    /// `NEXUS_BOUNTY__...` in the environment; also the PostgreSQL schema the service owns
    /// (except the gateway, which owns none, and `user`, whose schema is `users`).
    pub fn section(self) -> &'static str {
        match self {
            ServiceKind::Gateway => "gateway",
            ServiceKind::Auth => "auth",
            ServiceKind::Analysis => "analysis",
            ServiceKind::Bounty => "bounty",
            ServiceKind::User => "user",
            ServiceKind::Reputation => "reputation",
            ServiceKind::Notification => "notification",
            ServiceKind::Scanner => "scanner",
            ServiceKind::ChainListener => "chain_listener",
        }
    }

    /// Default public HTTP port.
    pub fn default_http_port(self) -> u16 {
        match self {
            ServiceKind::Gateway => 8080,
            ServiceKind::Auth => 8081,
            ServiceKind::Analysis => 8082,
            ServiceKind::Bounty => 8083,
            ServiceKind::User => 8084,
            ServiceKind::Reputation => 8085,
            ServiceKind::Notification => 8086,
            ServiceKind::Scanner => 8087,
            ServiceKind::ChainListener => 8088,
        }
    }

    /// Default admin port (serves `/metrics`).
    pub fn default_admin_port(self) -> u16 {
        self.default_http_port() + 1010
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ports_are_the_documented_ones_and_unique() {
        let http: Vec<u16> = ServiceKind::ALL
            .iter()
            .map(|kind| kind.default_http_port())
            .collect();
        assert_eq!(http, (8080..=8088).collect::<Vec<_>>());
        let admin: HashSet<u16> = ServiceKind::ALL
            .iter()
            .map(|kind| kind.default_admin_port())
            .collect();
        assert_eq!(admin, (9090..=9098).collect::<HashSet<_>>());
    }

    #[test]
    fn sections_are_valid_env_segments() {
        for kind in ServiceKind::ALL {
            assert!(
                kind.section()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
        }
    }
}
