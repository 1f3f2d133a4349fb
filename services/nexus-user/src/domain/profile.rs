//! Bounds on the profile fields a user may edit.

use nexus_proto::user::UpdateProfileRequest;

/// A profile field and its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRule {
    /// Field name as on the wire.
    pub name: &'static str,
    /// Most characters.
    pub max_chars: usize,
    /// Must be an `https://` URL.
    pub https_url: bool,
}

/// `display_name`.
pub const DISPLAY_NAME: FieldRule = FieldRule {
    name: "display_name",
    max_chars: 64,
    https_url: false,
};
/// `bio`.
pub const BIO: FieldRule = FieldRule {
    name: "bio",
    max_chars: 500,
    https_url: false,
};
/// `avatar_url`.
pub const AVATAR_URL: FieldRule = FieldRule {
    name: "avatar_url",
    max_chars: 512,
    https_url: true,
};
/// `website`.
pub const WEBSITE: FieldRule = FieldRule {
    name: "website",
    max_chars: 512,
    https_url: true,
};
/// `full_name`.
pub const FULL_NAME: FieldRule = FieldRule {
    name: "full_name",
    max_chars: 128,
    https_url: false,
};

/// Why a profile field was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("profile field `{field}`: {reason}")]
pub struct ProfileError {
    /// The field.
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

/// Checks one field value and returns it trimmed; an empty value clears the field.
pub fn check_field(rule: FieldRule, value: Option<&str>) -> Result<Option<String>, ProfileError> {
    let Some(value) = value.map(str::trim).filter(|value| !value.is_empty()) else {
        return Ok(None);
    };
    let fail = |reason: String| ProfileError {
        field: rule.name,
        reason,
    };
    if value.chars().count() > rule.max_chars {
        return Err(fail(format!("at most {} characters", rule.max_chars)));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(fail("control characters are not allowed".into()));
    }
    if rule.https_url {
        let host = value.strip_prefix("https://").unwrap_or_default();
        let host_end = host.find(['/', '?', '#']).unwrap_or(host.len());
        let valid = !host.is_empty()
            && host_end > 0
            && !value.chars().any(char::is_whitespace)
            && host[..host_end]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
        if !valid {
            return Err(fail("expected an https:// URL".into()));
        }
    }
    Ok(Some(value.to_owned()))
}

/// A validated update: `None` = unchanged, `Some(None)` = cleared, `Some(Some(v))` = set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileUpdate {
    /// `display_name`.
    pub display_name: Option<Option<String>>,
    /// `bio`.
    pub bio: Option<Option<String>>,
    /// `avatar_url`.
    pub avatar_url: Option<Option<String>>,
    /// `website`.
    pub website: Option<Option<String>>,
    /// `full_name`.
    pub full_name: Option<Option<String>>,
}

/// Validates every present field of `request`.
pub fn check_update(request: &UpdateProfileRequest) -> Result<ProfileUpdate, ProfileError> {
    let check = |rule: FieldRule, field: &Option<Option<String>>| {
        field
            .as_ref()
            .map(|value| check_field(rule, value.as_deref()))
            .transpose()
    };
    Ok(ProfileUpdate {
        display_name: check(DISPLAY_NAME, &request.display_name)?,
        bio: check(BIO, &request.bio)?,
        avatar_url: check(AVATAR_URL, &request.avatar_url)?,
        website: check(WEBSITE, &request.website)?,
        full_name: check(FULL_NAME, &request.full_name)?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn fields_are_trimmed_and_empty_means_cleared() {
        assert_eq!(
            check_field(DISPLAY_NAME, Some("  Ada ")).unwrap(),
            Some("Ada".into())
        );
        assert_eq!(check_field(DISPLAY_NAME, Some("   ")).unwrap(), None);
    }

    #[test]
    fn limits_and_urls_are_enforced() {
        assert!(check_field(BIO, Some(&"x".repeat(501))).is_err());
        assert!(check_field(WEBSITE, Some("http://example.org")).is_err());
        assert!(check_field(WEBSITE, Some("javascript:alert(1)")).is_err());
        assert!(check_field(WEBSITE, Some("https://")).is_err());
        assert!(check_field(WEBSITE, Some("https://example.org/me")).is_ok());
        assert!(check_field(DISPLAY_NAME, Some("a\u{7}b")).is_err());
    }
}
