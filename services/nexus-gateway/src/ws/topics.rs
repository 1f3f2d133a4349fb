//! Topics: what a client may subscribe to, and which live events belong to which topic.

use nexus_core::Role;

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

/// The internal key of `topic` as asked by `user_id` with `role`, or why it is refused.
/// `user` is the caller's own feed (`user:{id}` internally); `user:{id}` is accepted only for
/// the caller's own id: inboxes are private, even from admins.
pub fn authorize_topic(topic: &str, user_id: &str, _role: Role) -> Result<String, TopicRefusal> {
    match topic.split_once(':') {
        None if topic == "bounties" || topic == "leaderboard" => Ok(topic.to_owned()),
        None if topic == "user" => Ok(format!("user:{user_id}")),
        Some(("user", id)) if valid_id(id) => {
            if id == user_id {
                Ok(format!("user:{id}"))
            } else {
                Err(TopicRefusal::Forbidden)
            }
        }
        Some(("bounty" | "analysis", id)) if valid_id(id) => Ok(topic.to_owned()),
        _ => Err(TopicRefusal::Unknown),
    }
}

impl TopicStreams {
    /// The stream feeding a topic key.
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
        if self.bounty.iter().any(|name| name == stream) {
            topics.push("bounties".to_owned());
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
    fn own_feeds_only_and_unknown_topics_refused() {
        assert_eq!(
            authorize_topic("user", "u1", Role::User),
            Ok("user:u1".into())
        );
        assert_eq!(
            authorize_topic("user:u1", "u1", Role::User),
            Ok("user:u1".into())
        );
        assert_eq!(
            authorize_topic("user:u2", "u1", Role::Admin),
            Err(TopicRefusal::Forbidden)
        );
        assert_eq!(
            authorize_topic("bounty:7", "u1", Role::User),
            Ok("bounty:7".into())
        );
        for unknown in [
            "bounty:",
            "bounty:a b",
            "admin",
            "analysis:../x",
            "bounties:1",
        ] {
            assert_eq!(
                authorize_topic(unknown, "u1", Role::Admin),
                Err(TopicRefusal::Unknown),
                "{unknown}"
            );
        }
    }

    #[test]
    fn events_are_routed_to_their_topics() {
        let s = streams();
        assert_eq!(
            s.topics_of("b", &json!({"bounty_id": 7})),
            vec!["bounties".to_owned(), "bounty:7".to_owned()]
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
        assert_eq!(s.streams_of("bounty:1"), ["b".to_owned()]);
    }
}
