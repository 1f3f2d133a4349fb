//! Account facts with a fixed set of names: [`AccountStatus`] and [`ApiKeyTier`].
//!
//! Both are stored, sent and configured by their lower-case names, so each type's `as_str`
//! is the one spelling; `FromStr` refuses anything else with the list of names it accepts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A name that is not one of a type's known names, with what it should have been.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// What the names are of (`account status`, `API-key tier`).
    pub kind: &'static str,
    /// The text offered.
    pub found: String,
    /// Every accepted name.
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} {:?}: expected one of {}",
            self.kind,
            self.found,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownName {}

/// Whether an account may sign in, and how far. Set by administrators
/// (`PUT /v1/users/{id}/status`); every change voids the account's earlier tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Signs in and acts normally (the status of every new account).
    Active,
    /// Signs in read-only: reads are allowed, every change is refused.
    Banned,
    /// May not sign in, and no token is issued for it.
    Disabled,
}

impl AccountStatus {
    /// Every status, in the order the API document lists them.
    pub const ALL: [Self; 3] = [Self::Active, Self::Banned, Self::Disabled];
    /// The names of [`AccountStatus::ALL`], as the API document's `enum` lists them.
    pub const NAMES: [&'static str; 3] = [
        Self::Active.as_str(),
        Self::Banned.as_str(),
        Self::Disabled.as_str(),
    ];

    /// The stable lower-case name, as stored and sent on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Banned => "banned",
            Self::Disabled => "disabled",
        }
    }
}

/// An API key's rate-limit class, least to most generous. nexus-auth issues keys in one of
/// them and the gateway keeps one quota per tier (`gateway.rate_limit.per_api_key_tier`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyTier {
    /// The tier every key gets unless an administrator chooses another (600 a minute by default).
    Standard,
    /// A larger quota (3000 a minute by default), for automated submitters.
    Engine,
    /// The largest default quota (12,000 a minute); the gateway's settings decide the numbers.
    Unlimited,
}

impl ApiKeyTier {
    /// Every tier, least generous first.
    pub const ALL: [Self; 3] = [Self::Standard, Self::Engine, Self::Unlimited];
    /// The names of [`ApiKeyTier::ALL`], in the same order.
    pub const NAMES: [&'static str; 3] = [
        Self::Standard.as_str(),
        Self::Engine.as_str(),
        Self::Unlimited.as_str(),
    ];

    /// The stable lower-case name, as stored, configured and sent on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Engine => "engine",
            Self::Unlimited => "unlimited",
        }
    }
}

/// `Display` as the name and `FromStr` from it, refusing other text with the accepted names.
macro_rules! named {
    ($type:ident, $kind:literal) => {
        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $type {
            type Err = UnknownName;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .into_iter()
                    .find(|value| value.as_str() == text)
                    .ok_or_else(|| UnknownName {
                        kind: $kind,
                        found: text.to_owned(),
                        expected: &Self::NAMES,
                    })
            }
        }
    };
}

named!(AccountStatus, "account status");
named!(ApiKeyTier, "API-key tier");

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_round_trip_through_text_and_serde() {
        for status in AccountStatus::ALL {
            assert_eq!(status.to_string().parse::<AccountStatus>(), Ok(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(
                serde_json::from_str::<AccountStatus>(&json).unwrap(),
                status
            );
        }
        for tier in ApiKeyTier::ALL {
            assert_eq!(tier.to_string().parse::<ApiKeyTier>(), Ok(tier));
            let json = serde_json::to_string(&tier).unwrap();
            assert_eq!(json, format!("\"{}\"", tier.as_str()));
            assert_eq!(serde_json::from_str::<ApiKeyTier>(&json).unwrap(), tier);
        }
        assert_eq!(AccountStatus::NAMES, ["active", "banned", "disabled"]);
        assert_eq!(ApiKeyTier::NAMES, ["standard", "engine", "unlimited"]);
    }

    #[test]
    fn other_spellings_are_refused_with_the_accepted_names() {
        let error = "Active".parse::<AccountStatus>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown account status \"Active\": expected one of active, banned, disabled"
        );
        let error = "gold".parse::<ApiKeyTier>().unwrap_err();
        assert!(error.to_string().contains("standard, engine, unlimited"));
        assert!(serde_json::from_str::<ApiKeyTier>("\"Engine\"").is_err());
    }

    proptest! {
        #[test]
        fn only_the_exact_names_parse(text in "[a-zA-Z ]{0,12}") {
            prop_assert_eq!(
                text.parse::<AccountStatus>().is_ok(),
                AccountStatus::NAMES.contains(&text.as_str())
            );
            prop_assert_eq!(
                text.parse::<ApiKeyTier>().is_ok(),
                ApiKeyTier::NAMES.contains(&text.as_str())
            );
        }
    }
}
