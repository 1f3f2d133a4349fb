//! Unsubscribe links: signed, expiring tokens that turn one kind's e-mail off without signing in.
//!
//! A token is `<claim>.<mac>`, both base64url without padding: the claim is the user id (16
//! bytes), the expiry (unix seconds, 8 bytes big-endian) and the kind's dotted name; the MAC is
//! HMAC-SHA256 under `notification.unsubscribe_secret` of a domain-separation label and the claim,
//! compared in constant time. Nothing is stored: the link is valid until it expires, and using it
//! twice does the same thing twice (e-mail off). A token names one kind only, so a leaked link can
//! do no more than turn that kind's mail off; mandatory (security) kinds are refused at use.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use uuid::Uuid;

use crate::domain::notice::NoticeKind;
use crate::settings::NotificationSettings;

/// Separates these MACs from any other use of the secret.
const LABEL: &[u8] = b"nexus-notification-unsubscribe-v1\0";
/// Longest token accepted (the longest kind name makes ~120 characters).
pub const MAX_TOKEN_LEN: usize = 256;

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    /// Whose mail.
    pub user_id: Uuid,
    /// Which kind.
    pub kind: NoticeKind,
    /// Until when (unix seconds) the link works.
    pub expires_at: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not the shape of a token, or its MAC does not match (tampered, or another secret).
    #[error("the unsubscribe link is not valid: open the link from the e-mail as it was sent")]
    Invalid,
    /// The token was valid but is past its expiry.
    #[error(
        "the unsubscribe link has expired: use the link of a newer e-mail, or sign in and change the preferences"
    )]
    Expired,
}

/// The MAC state over `claim`; `None` never happens (HMAC takes keys of any length).
fn mac(secret: &[u8], claim: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).ok()?;
    mac.update(LABEL);
    mac.update(claim);
    Some(mac)
}

/// The token for `claim` under `secret`.
pub fn sign(secret: &[u8], claim: &Claim) -> String {
    let mut bytes = Vec::with_capacity(24 + claim.kind.as_str().len());
    bytes.extend_from_slice(claim.user_id.as_bytes());
    bytes.extend_from_slice(&claim.expires_at.to_be_bytes());
    bytes.extend_from_slice(claim.kind.as_str().as_bytes());
    let tag = mac(secret, &bytes)
        .map(|mac| mac.finalize().into_bytes().to_vec())
        .unwrap_or_default();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&bytes),
        URL_SAFE_NO_PAD.encode(tag)
    )
}

/// The claim of `token` if it was signed under `secret` and has not expired at `now`.
pub fn verify(secret: &[u8], token: &str, now: DateTime<Utc>) -> Result<Claim, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Invalid);
    }
    let (claim_text, tag_text) = token.split_once('.').ok_or(TokenError::Invalid)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(claim_text)
        .map_err(|_| TokenError::Invalid)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag_text)
        .map_err(|_| TokenError::Invalid)?;
    // Constant time: `verify_slice` compares the whole tag whatever the first difference.
    mac(secret, &bytes)
        .ok_or(TokenError::Invalid)?
        .verify_slice(&tag)
        .map_err(|_| TokenError::Invalid)?;
    // Signed by us, so well formed unless the format changed: still checked, never trusted.
    if bytes.len() < 25 {
        return Err(TokenError::Invalid);
    }
    let (id, rest) = bytes.split_at(16);
    let (expiry, kind) = rest.split_at(8);
    let user_id = Uuid::from_slice(id).map_err(|_| TokenError::Invalid)?;
    let expires_at = i64::from_be_bytes(expiry.try_into().map_err(|_| TokenError::Invalid)?);
    let kind = std::str::from_utf8(kind)
        .ok()
        .and_then(NoticeKind::parse)
        .ok_or(TokenError::Invalid)?;
    if now.timestamp() >= expires_at {
        return Err(TokenError::Expired);
    }
    Ok(Claim {
        user_id,
        kind,
        expires_at,
    })
}

/// The token for `user_id`'s `kind`, valid for `notification.unsubscribe_ttl` from `now`.
pub fn token_for(
    settings: &NotificationSettings,
    user_id: Uuid,
    kind: NoticeKind,
    now: DateTime<Utc>,
) -> String {
    let ttl = i64::try_from(settings.unsubscribe_ttl.as_secs()).unwrap_or(i64::MAX);
    let claim = Claim {
        user_id,
        kind,
        expires_at: now.timestamp().saturating_add(ttl),
    };
    sign(
        settings.unsubscribe_secret.expose_secret().as_bytes(),
        &claim,
    )
}

/// The absolute unsubscribe link an e-mail about `kind` carries: the public API's
/// `/v1/notifications/unsubscribe?token=...` under `notification.public_url`.
pub fn unsubscribe_link(
    settings: &NotificationSettings,
    user_id: Uuid,
    kind: NoticeKind,
    now: DateTime<Utc>,
) -> String {
    format!(
        "{}/v1/notifications/unsubscribe?token={}",
        settings.public_url.trim_end_matches('/'),
        token_for(settings, user_id, kind, now)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"a test secret of at least thirty-two bytes";

    fn claim(expires_at: i64) -> Claim {
        Claim {
            user_id: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
            kind: NoticeKind::BountyOpened,
            expires_at,
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap_or_default()
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let token = sign(SECRET, &claim(1_000));
        assert_eq!(verify(SECRET, &token, at(999)), Ok(claim(1_000)));
        assert_eq!(verify(SECRET, &token, at(1_000)), Err(TokenError::Expired));
    }

    #[test]
    fn another_secret_or_a_changed_claim_is_invalid() {
        let token = sign(SECRET, &claim(1_000));
        assert_eq!(
            verify(b"another secret entirely, also long enough", &token, at(0)),
            Err(TokenError::Invalid)
        );
        // The claim of a later expiry with the old MAC: an attempt to extend the link.
        let (_, tag) = token.split_once('.').unwrap_or_default();
        let (later, _) = sign(SECRET, &claim(9_999))
            .split_once('.')
            .map(|(c, t)| (c.to_owned(), t.to_owned()))
            .unwrap_or_default();
        assert_eq!(
            verify(SECRET, &format!("{later}.{tag}"), at(0)),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn garbage_is_invalid_not_a_panic() {
        for token in [
            "",
            ".",
            "abc",
            "a.b",
            "!!!.???",
            &"A".repeat(MAX_TOKEN_LEN + 1),
        ] {
            assert_eq!(
                verify(SECRET, token, at(0)),
                Err(TokenError::Invalid),
                "{token}"
            );
        }
    }

    #[test]
    fn the_link_points_at_the_public_route() {
        let settings = NotificationSettings {
            public_url: "https://nexus.example/api/".into(),
            ..NotificationSettings::default()
        };
        let link = unsubscribe_link(&settings, Uuid::nil(), NoticeKind::BountyOpened, at(0));
        let token = link
            .strip_prefix("https://nexus.example/api/v1/notifications/unsubscribe?token=")
            .unwrap_or_default();
        let secret = settings
            .unsubscribe_secret
            .expose_secret()
            .as_bytes()
            .to_vec();
        let claim = verify(&secret, token, at(0));
        assert_eq!(claim.map(|c| c.kind), Ok(NoticeKind::BountyOpened));
    }

    proptest! {
        /// Every kind and user round-trips, and flipping any one bit of the token refuses it.
        #[test]
        fn round_trips_and_any_flipped_bit_is_refused(
            id: u128, index in 0usize..13, ttl in 1i64..10_000_000, flip in any::<prop::sample::Index>(),
        ) {
            let claim = Claim { user_id: Uuid::from_u128(id), kind: NoticeKind::ALL[index], expires_at: ttl };
            let token = sign(SECRET, &claim);
            prop_assert_eq!(verify(SECRET, &token, at(0)), Ok(claim));
            let mut bytes = token.into_bytes();
            let position = flip.index(bytes.len());
            bytes[position] ^= 0x01;
            let tampered = String::from_utf8_lossy(&bytes).into_owned();
            prop_assert!(verify(SECRET, &tampered, at(0)).is_err());
        }
    }
}
