//! Email addresses: a conservative syntax check and one normal form.
//!
//! The normal form is the trimmed address in lower case. Lower-casing the local part is not
//! required by RFC 5321, but every mail provider that matters treats it case-insensitively,
//! and treating `Ada@x.org` and `ada@x.org` as two accounts invites impersonation.

/// Longest address accepted (RFC 5321 path limit minus the angle brackets).
pub const MAX_EMAIL_LENGTH: usize = 254;
/// Longest local part (RFC 5321).
const MAX_LOCAL_LENGTH: usize = 64;
/// Longest domain label (RFC 1035).
const MAX_LABEL_LENGTH: usize = 63;

/// Why an address was refused; the message tells the user what to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Longer than [`MAX_EMAIL_LENGTH`].
    #[error("the email address is longer than 254 characters")]
    TooLong,
    /// Not `local@domain` with a dotted domain of letters, digits and hyphens.
    #[error("the email address is not valid; expected something like name@example.org")]
    Invalid,
}

/// Validates `raw` and returns its normal form (trimmed, lower-cased).
pub fn normalize_email(raw: &str) -> Result<String, EmailError> {
    let trimmed = raw.trim();
    if trimmed.chars().count() > MAX_EMAIL_LENGTH {
        return Err(EmailError::TooLong);
    }
    let normalized = trimmed.to_lowercase();
    let (local, domain) = normalized.split_once('@').ok_or(EmailError::Invalid)?;
    if !valid_local(local) || !valid_domain(domain) {
        return Err(EmailError::Invalid);
    }
    Ok(normalized)
}

fn valid_local(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LENGTH
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL_LENGTH
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(
            normalize_email("  Ada.Lovelace@Example.ORG ").unwrap(),
            "ada.lovelace@example.org"
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "ada@@example.org",
            "a da@example.org",
            "ada@exa mple.org",
            ".ada@example.org",
            "ada..l@example.org",
            "ada@-example.org",
            "ada@example.o",
            "ada\u{0}@example.org",
        ] {
            assert_eq!(normalize_email(bad), Err(EmailError::Invalid), "{bad:?}");
        }
    }

    #[test]
    fn overlong_addresses_are_refused_as_too_long() {
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(normalize_email(&long), Err(EmailError::TooLong));
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(raw in "\\PC{0,80}") {
            if let Ok(once) = normalize_email(&raw) {
                prop_assert_eq!(normalize_email(&once).unwrap(), once);
            }
        }

        #[test]
        fn case_never_makes_two_addresses(
            local in "[a-zA-Z0-9._%+-]{1,20}",
            domain in "[a-zA-Z0-9]{1,10}\\.[a-zA-Z]{2,6}",
        ) {
            let address = format!("{local}@{domain}");
            let upper = normalize_email(&address.to_uppercase());
            let lower = normalize_email(&address.to_lowercase());
            prop_assert_eq!(upper, lower);
        }

        #[test]
        fn normal_forms_are_bounded_and_lower_case(raw in "\\PC{0,300}") {
            if let Ok(normal) = normalize_email(&raw) {
                prop_assert!(normal.len() <= MAX_EMAIL_LENGTH);
                prop_assert_eq!(normal.to_lowercase(), normal.clone());
                prop_assert_eq!(normal.matches('@').count(), 1);
            }
        }
    }
}
