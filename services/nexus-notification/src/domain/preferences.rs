//! Which channels a notice goes to: the user's stored choice for its kind, or the default, with
//! security notices forced into the inbox and the mail whatever is stored.
//!
//! Defaults (a kind the user never touched): every kind in the inbox; e-mail for what needs acting
//! on (security, a disabled endpoint, a resolved bounty, a claimable reward); webhooks for every
//! kind (an endpoint's own event-type filter is the user's opt-in there). Verdict changes are not
//! mailed by default: a popular file can change verdict for thousands of followers at once, and
//! the inbox and webhooks carry it; a user turns the mail on per kind.

use crate::domain::notice::NoticeKind;

/// The channels of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The inbox (and the WebSocket).
    pub in_app: bool,
    /// E-mail.
    pub email: bool,
    /// Webhook endpoints.
    pub webhook: bool,
    /// E-mail in the daily digest instead of one mail per notice.
    pub digest: bool,
}

/// A change a user may not make.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreferenceError {
    /// Security notices always reach the inbox and the mail.
    #[error("{0} notices cannot be turned off: in_app and email must stay true")]
    Mandatory(&'static str),
    /// Not one of the kinds.
    #[error("unknown notification kind {0:?}")]
    UnknownKind(String),
}

/// The default choice for `kind`.
pub fn default_choice(kind: NoticeKind) -> Choice {
    let email = matches!(
        kind,
        NoticeKind::Security
            | NoticeKind::WebhookDisabled
            | NoticeKind::BountyResolved
            | NoticeKind::RewardClaimable
    );
    Choice {
        in_app: true,
        email,
        webhook: true,
        digest: false,
    }
}

/// The channels `kind` goes to, from the stored choice (`None`: the default). Mandatory kinds go
/// to the inbox and by mail (not in a digest) whatever is stored.
pub fn effective(kind: NoticeKind, stored: Option<Choice>) -> Choice {
    let choice = stored.unwrap_or_else(|| default_choice(kind));
    if kind.is_mandatory() {
        Choice {
            in_app: true,
            email: true,
            webhook: choice.webhook,
            digest: false,
        }
    } else {
        choice
    }
}

/// Checks a change: a mandatory kind may not turn the inbox or the mail off, nor go to the digest.
pub fn check_update(kind: NoticeKind, choice: Choice) -> Result<(), PreferenceError> {
    if kind.is_mandatory() && (!choice.in_app || !choice.email || choice.digest) {
        return Err(PreferenceError::Mandatory(kind.as_str()));
    }
    Ok(())
}

/// The kind named `name`, or [`PreferenceError::UnknownKind`].
pub fn kind_named(name: &str) -> Result<NoticeKind, PreferenceError> {
    NoticeKind::parse(name)
        .ok_or_else(|| PreferenceError::UnknownKind(name.chars().take(64).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn choice(in_app: bool, email: bool, webhook: bool, digest: bool) -> Choice {
        Choice {
            in_app,
            email,
            webhook,
            digest,
        }
    }

    #[test]
    fn a_kind_never_touched_uses_its_default() {
        let verdict = effective(NoticeKind::VerdictChanged, None);
        assert!(verdict.in_app && !verdict.email && verdict.webhook);
        let resolved = effective(NoticeKind::BountyResolved, None);
        assert!(resolved.in_app && resolved.email);
    }

    #[test]
    fn a_stored_choice_wins_for_ordinary_kinds() {
        let stored = choice(false, true, false, true);
        assert_eq!(effective(NoticeKind::BountyOpened, Some(stored)), stored);
    }

    #[test]
    fn turning_security_off_is_refused_but_its_webhook_is_free() {
        assert_eq!(
            check_update(NoticeKind::Security, choice(true, false, true, false)),
            Err(PreferenceError::Mandatory("account.security"))
        );
        assert_eq!(
            check_update(NoticeKind::Security, choice(true, true, true, true)),
            Err(PreferenceError::Mandatory("account.security"))
        );
        assert_eq!(
            check_update(NoticeKind::Security, choice(true, true, false, false)),
            Ok(())
        );
        assert_eq!(
            check_update(NoticeKind::BountyOpened, choice(false, false, false, false)),
            Ok(())
        );
    }

    #[test]
    fn unknown_kinds_are_named_in_the_error() {
        assert_eq!(
            kind_named("bounty.nonsense"),
            Err(PreferenceError::UnknownKind("bounty.nonsense".into()))
        );
        assert_eq!(kind_named("bounty.opened"), Ok(NoticeKind::BountyOpened));
    }

    proptest! {
        /// Whatever is stored, a mandatory kind reaches the inbox and the mail at once.
        #[test]
        fn mandatory_kinds_always_reach_inbox_and_mail(
            in_app: bool, email: bool, webhook: bool, digest: bool, index in 0usize..13,
        ) {
            let kind = NoticeKind::ALL[index];
            let stored = choice(in_app, email, webhook, digest);
            let channels = effective(kind, Some(stored));
            if kind.is_mandatory() {
                prop_assert!(channels.in_app && channels.email && !channels.digest);
                prop_assert_eq!(channels.webhook, webhook);
            } else {
                prop_assert_eq!(channels, stored);
            }
        }
    }
}
