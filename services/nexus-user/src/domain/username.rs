//! Usernames: 3–32 characters of a safe alphabet, unique regardless of case.
//!
//! The alphabet (`A-Z a-z 0-9 _ . -`, first character a letter or digit) has no `@`, so a
//! login is an email exactly when it contains `@`, and no character that could spoof another
//! in a URL or a notification.

/// Shortest username.
pub const MIN_USERNAME_LENGTH: usize = 3;
/// Longest username.
pub const MAX_USERNAME_LENGTH: usize = 32;

/// Why a username was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "a username has 3 to 32 characters of letters, digits, `_`, `.` or `-` and starts with a letter or digit"
)]
pub struct UsernameError;

/// Validates `raw` (after trimming) and returns it as it will be stored.
pub fn validate_username(raw: &str) -> Result<String, UsernameError> {
    let username = raw.trim();
    let length_ok = (MIN_USERNAME_LENGTH..=MAX_USERNAME_LENGTH).contains(&username.len());
    let first_ok = username
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let alphabet_ok = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if length_ok && first_ok && alphabet_ok {
        Ok(username.to_owned())
    } else {
        Err(UsernameError)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn good_usernames_pass() {
        for good in [
            "ada",
            "Ada_Lovelace",
            "a.b-c",
            "x".repeat(32).as_str(),
            "007",
        ] {
            assert_eq!(validate_username(good).unwrap(), good);
        }
    }

    #[test]
    fn bad_usernames_are_refused() {
        let long = "x".repeat(33);
        for bad in [
            "ab",
            long.as_str(),
            "_ada",
            "ada@x",
            "ad a",
            "adé",
            "",
            "a\u{202e}bc",
        ] {
            assert_eq!(validate_username(bad), Err(UsernameError), "{bad:?}");
        }
    }
}
