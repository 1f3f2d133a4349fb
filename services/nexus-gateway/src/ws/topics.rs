//! Topics: what a client asks for, the internal keys the hub fans out on, and which live
//! events belong to which key (pure; who may subscribe is decided in [`crate::ws::access`]).
//!
//! The `bounties` feed is split in two internal keys, because the gateway cannot tell a private
//! bounty's event from a public one by asking anyone per event:
//! - [`BOUNTIES_ALL`] gets every bounty event; only callers the policies let read *any*
//!   bounty (a private one they do not own) are put there;
//! - [`BOUNTIES_PUBLIC`] gets only events whose payload says the bounty is public
//!   (`"is_public": true` or `"visibility": "public"`); everyone else is put there.
//!
//! An event that does not say it is public is treated as private (the safe default).

/// Internal key of the `bounties` feed with every event.
pub const BOUNTIES_ALL: &str = "bounties:all";
/// Internal key of the `bounties` feed with public bounties only.
pub const BOUNTIES_PUBLIC: &str = "bounties";

/// Streams whose live events feed the topics (the producers' `Event::STREAM` names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicStreams {
    /// Bounty lifecycle events (`bounties`, `bounty:{id}` by `bounty_id`).
    pub bounty: Vec<String>,
    /// Analysis progress and completion (`analysis:{id}` by `analysis_id`).
    pub analysis: Vec<String>,
    /// Per-user events (`user` by `user_id` or `recipient`).
    pub user: Vec<String>,
    /// Reputation changes (`leaderboard`).
    pub leaderboard: Vec<String>,
}

/// Why a subscription was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicRefusal {
    /// Not a topic the hub knows.
    Unknown,
    /// A topic the caller may not read.
    Forbidden,
    /// The owning service could not be asked; retry.
    Unavailable,
}

/// A topic as the client named it, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    /// `bounties`: the feed of bounty events.
    Bounties,
    /// `leaderboard`: reputation changes.
    Leaderboard,
    /// `user` or `user:{id}`: an account's own inbox (the id as given, or none for "mine").
    User(Option<String>),
    /// `bounty:{id}`.
    Bounty(String),
    /// `analysis:{id}`.
    Analysis(String),
}

/// Longest id accepted in a topic.
const MAX_ID_LEN: usize = 100;

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

impl Topic {
    /// Parses a client's topic name; `None` for anything the hub does not know.
    pub fn parse(topic: &str) -> Option<Self> {
        match topic.split_once(':') {
            None if topic == "bounties" => Some(Topic::Bounties),
            None if topic == "leaderboard" => Some(Topic::Leaderboard),
            None if topic == "user" => Some(Topic::User(None)),
            Some(("user", id)) if valid_id(id) => Some(Topic::User(Some(id.to_owned()))),
            Some(("bounty", id)) if valid_id(id) => Some(Topic::Bounty(id.to_owned())),
            Some(("analysis", id)) if valid_id(id) => Some(Topic::Analysis(id.to_owned())),
            _ => None,
        }
    }
}

/// The topic name a client sees for an internal key (`bounties:all` is shown as `bounties`).
pub fn display_name(key: &str) -> &str {
    if key == BOUNTIES_ALL {
        BOUNTIES_PUBLIC
    } else {
        key
    }
}

/// Whether a bounty event's payload says the bounty is public.
fn is_public(payload: &serde_json::Value) -> bool {
    payload.get("is_public") == Some(&serde_json::Value::Bool(true))
        || payload
            .get("visibility")
            .and_then(serde_json::Value::as_str)
            == Some("public")
}

impl TopicStreams {
    /// The streams feeding a topic key.
    pub fn streams_of(&self, topic: &str) -> &[String] {
        match topic.split_once(':').map_or(topic, |(kind, _)| kind) {
            "bounties" | "bounty" => &self.bounty,
            "analysis" => &self.analysis,
            "user" => &self.user,
            "leaderboard" => &self.leaderboard,
            _ => &[],
        }
    }

    /// The topic keys a live event on `stream` belongs to.
    pub fn topics_of(&self, stream: &str, payload: &serde_json::Value) -> Vec<String> {
        let field = |name: &str| -> Option<String> {
            match payload.get(name)? {
                serde_json::Value::String(text) => Some(text.clone()),
                serde_json::Value::Number(number) => Some(number.to_string()),
                _ => None,
            }
        };
        let mut topics = Vec::new();
        // An account's own event on the bounty stream (`EarningsChanged`: a `user_id`, no
        // `bounty_id`) belongs to that account's topic only, never to the bounty feeds.
        let personal = field("user_id").is_some() && field("bounty_id").is_none();
        if self.bounty.iter().any(|name| name == stream) && !personal {
            topics.push(BOUNTIES_ALL.to_owned());
            if is_public(payload) {
                topics.push(BOUNTIES_PUBLIC.to_owned());
            }
            if let Some(id) = field("bounty_id") {
                topics.push(format!("bounty:{id}"));
            }
        }
        if self.analysis.iter().any(|name| name == stream)
            && let Some(id) = field("analysis_id")
        {
            topics.push(format!("analysis:{id}"));
        }
        if self.user.iter().any(|name| name == stream)
            && let Some(id) = field("user_id").or_else(|| field("recipient"))
        {
            topics.push(format!("user:{id}"));
        }
        if self.leaderboard.iter().any(|name| name == stream) {
            topics.push("leaderboard".to_owned());
        }
        topics
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn streams() -> TopicStreams {
        TopicStreams {
            bounty: vec!["b".into()],
            analysis: vec!["a1".into(), "a2".into()],
            user: vec!["n".into()],
            leaderboard: vec!["r".into()],
        }
    }

    #[test]
    fn known_topics_parse_and_unknown_ones_do_not() {
        assert_eq!(Topic::parse("user"), Some(Topic::User(None)));
        assert_eq!(
            Topic::parse("user:u1"),
            Some(Topic::User(Some("u1".into())))
        );
        assert_eq!(Topic::parse("bounty:7"), Some(Topic::Bounty("7".into())));
        assert_eq!(
            Topic::parse("analysis:a-1"),
            Some(Topic::Analysis("a-1".into()))
        );
        for unknown in [
            "bounty:",
            "bounty:a b",
            "admin",
            "analysis:../x",
            "bounties:1",
            "bounties:all",
        ] {
            assert_eq!(Topic::parse(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn events_are_routed_to_their_topics_and_only_public_bounties_to_the_public_feed() {
        let s = streams();
        assert_eq!(
            s.topics_of("b", &json!({"bounty_id": 7})),
            vec!["bounties:all".to_owned(), "bounty:7".to_owned()]
        );
        assert_eq!(
            s.topics_of("b", &json!({"bounty_id": 8, "is_public": true})),
            vec![
                "bounties:all".to_owned(),
                "bounties".to_owned(),
                "bounty:8".to_owned()
            ]
        );
        assert!(
            s.topics_of("b", &json!({"bounty_id": 9, "visibility": "public"}))
                .contains(&"bounties".to_owned())
        );
        assert!(
            !s.topics_of("b", &json!({"bounty_id": 9, "is_public": "yes"}))
                .contains(&"bounties".to_owned())
        );
        assert_eq!(
            s.topics_of("a2", &json!({"analysis_id": "x"})),
            vec!["analysis:x".to_owned()]
        );
        assert_eq!(
            s.topics_of("n", &json!({"recipient": "u1"})),
            vec!["user:u1".to_owned()]
        );
        assert!(s.topics_of("other", &json!({})).is_empty());

        // The bounty stream feeds the user topics too (the default settings): an account's
        // earnings event reaches `user:{id}` and no bounty feed; a comment reaches its bounty.
        let defaults = crate::settings::WsSettings::default();
        let bounty_stream = nexus_proto::bounty::EVENTS_STREAM;
        let with_bounty = TopicStreams {
            bounty: defaults.bounty_streams.clone(),
            analysis: defaults.analysis_streams.clone(),
            user: defaults.user_streams.clone(),
            leaderboard: defaults.leaderboard_streams.clone(),
        };
        assert_eq!(
            with_bounty.topics_of(
                bounty_stream,
                &json!({"user_id": "u1", "wallet": "0xab", "bounty": "b-1", "cause": "RewardClaimed"})
            ),
            vec!["user:u1".to_owned()]
        );
        assert_eq!(
            with_bounty.topics_of(
                bounty_stream,
                &json!({"bounty_id": "b-2", "is_public": false, "comment": {"body": "hi"}})
            ),
            vec!["bounties:all".to_owned(), "bounty:b-2".to_owned()]
        );
        // A reputation change reaches its account's topic and the leaderboard.
        assert_eq!(
            with_bounty.topics_of(
                nexus_proto::reputation::EVENTS_STREAM,
                &json!({"user_id": "u1", "analyst": "0xab", "reason": "BountyResolved", "delta": 1.0, "score": 1.0})
            ),
            vec!["user:u1".to_owned(), "leaderboard".to_owned()]
        );
        assert_eq!(s.streams_of("bounty:1"), ["b".to_owned()]);
        assert_eq!(s.streams_of(BOUNTIES_ALL), ["b".to_owned()]);
        assert_eq!(display_name(BOUNTIES_ALL), "bounties");
    }
}
