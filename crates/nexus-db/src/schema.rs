//! Names of service schemas used in dynamic SQL.

use std::fmt;

/// A PostgreSQL schema owned by one service (`bounty`, `users`, ...).
///
/// Only constructible from a `'static` lower-case identifier, so the few queries that must put a
/// schema name into SQL text (the shared outbox/inbox tables exist once per schema) can never
/// be steered by input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Schema(&'static str);

impl Schema {
    /// Accepts `[a-z][a-z0-9_]{0,62}`; anything else is `None`.
    pub fn new(name: &'static str) -> Option<Self> {
        let mut bytes = name.bytes();
        let first_ok = bytes.next().is_some_and(|byte| byte.is_ascii_lowercase());
        let rest_ok = name.len() <= 63
            && name
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_');
        (first_ok && rest_ok).then_some(Self(name))
    }

    /// The schema name.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_identifiers_are_schemas() {
        assert!(Schema::new("bounty").is_some());
        assert!(Schema::new("chain_2").is_some());
        for bad in ["", "Bounty", "2x", "a;drop", "a b", "a\"b", "a.b"] {
            assert!(Schema::new(bad).is_none(), "{bad}");
        }
    }
}
