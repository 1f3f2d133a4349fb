//! Platform roles.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A principal's role, from least to most privileged, as the seed's authorization table defines
/// them: guests browse public data, users submit files and post bounties, analysts also stake and
/// assert verdicts, admins manage the platform. On the wire (serde) it is its
/// [`Role::as_str`] name, exactly the string role fields always carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Not signed in.
    Guest,
    /// A registered account.
    User,
    /// A registered account allowed to stake and assert verdicts.
    Analyst,
    /// Platform operator.
    Admin,
}

impl Role {
    /// Every role, least privileged first.
    pub const ALL: [Role; 4] = [Role::Guest, Role::User, Role::Analyst, Role::Admin];

    /// The role's stable lower-case name, as stored and sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Guest => "guest",
            Role::User => "user",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of the four role names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRole(pub String);

impl fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown role {:?}: expected guest, user, analyst or admin",
            self.0
        )
    }
}

impl std::error::Error for UnknownRole {}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
    }

    #[test]
    fn serde_writes_and_reads_exactly_the_name() {
        for role in Role::ALL {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
        }
        assert!(serde_json::from_str::<Role>("\"Admin\"").is_err());
        assert!(serde_json::from_str::<Role>("\"root\"").is_err());
    }

    #[test]
    fn roles_are_ordered_by_privilege() {
        assert!(
            Role::Guest < Role::User && Role::User < Role::Analyst && Role::Analyst < Role::Admin
        );
    }

    #[test]
    fn unknown_role_names_are_rejected_with_the_choices() {
        let error = "root".parse::<Role>().unwrap_err();
        assert!(error.to_string().contains("guest, user, analyst or admin"));
    }
}
