//! [`UserId`]: the id of an account, so an account id is never confused with the other Uuids
//! the platform hands around (analyses, API keys, challenges, retrohunts).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An account's id, chosen by nexus-user at registration (a UUIDv7) and never changed. Every
/// Uuid is a well-formed id (whether an account has it is the store's question), so the
/// conversions from and to [`Uuid`] are infallible; only text is checked. On the wire and in
/// token subjects it is the hyphenated Uuid text, exactly as a bare Uuid was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(Uuid);

impl UserId {
    /// The id `uuid` names.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The Uuid, for the database and other Uuid-typed boundaries.
    pub const fn as_uuid(self) -> Uuid {
        self.0
    }
}

impl From<Uuid> for UserId {
    fn from(uuid: Uuid) -> Self {
        Self(uuid)
    }
}

impl From<UserId> for Uuid {
    fn from(id: UserId) -> Self {
        id.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hyphenated lower case: the form token subjects and URLs carry.
        fmt::Display::fmt(&self.0, f)
    }
}

/// The text was not a Uuid, so it cannot be an account id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidUserId(pub String);

impl fmt::Display for InvalidUserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an account id (a UUID such as 0190f3a8-7c1e-7d2a-9b6f-3c5d7e9f1a2b)",
            self.0
        )
    }
}

impl std::error::Error for InvalidUserId {}

impl FromStr for UserId {
    type Err = InvalidUserId;

    /// Any form [`Uuid`] parses (hyphenated, simple, braced, URN), as actix path Uuids did.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(text)
            .map(Self)
            .map_err(|_| InvalidUserId(text.chars().take(80).collect()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn malformed_text_is_refused_and_named() {
        for bad in [
            "",
            "user",
            "0190f3a8-7c1e-7d2a-9b6f",
            "0190f3a8-7c1e-7d2a-9b6f-3c5d7e9f1a2g",
        ] {
            let error = bad.parse::<UserId>().unwrap_err();
            assert_eq!(error, InvalidUserId(bad.to_owned()));
            assert!(error.to_string().contains("not an account id"));
        }
        assert!(serde_json::from_str::<UserId>("\"nope\"").is_err());
    }

    proptest! {
        #[test]
        fn any_id_round_trips_through_text_serde_and_uuid(bytes in any::<[u8; 16]>()) {
            let uuid = Uuid::from_bytes(bytes);
            let id = UserId::from_uuid(uuid);
            prop_assert_eq!(id.to_string(), uuid.to_string());
            prop_assert_eq!(id.to_string().parse::<UserId>(), Ok(id));
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(&json, &serde_json::to_string(&uuid).unwrap());
            prop_assert_eq!(serde_json::from_str::<UserId>(&json).unwrap(), id);
            prop_assert_eq!(Uuid::from(id), uuid);
        }
    }
}
