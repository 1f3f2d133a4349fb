//! The body a webhook carries: the Standard Webhooks payload shape (`type`, `timestamp`, `data`),
//! serialised once when the message is queued, so every attempt and replay signs and sends the
//! same bytes.

use serde::Serialize;
use uuid::Uuid;

use crate::domain::notice::Notice;

/// The `webhook-id` of a notice's message: `msg_` and the notice id (its simple form). The same
/// on every attempt, on replays and on every endpoint, so a receiver deduplicates on it.
pub fn webhook_id(notice_id: Uuid) -> String {
    format!("msg_{}", notice_id.simple())
}

#[derive(Serialize)]
struct Payload<'a> {
    r#type: &'static str,
    timestamp: String,
    data: Data<'a>,
}

#[derive(Serialize)]
struct Data<'a> {
    notice_id: Uuid,
    title: &'a str,
    body: &'a str,
    link: Option<&'a str>,
    source_event: Uuid,
    details: &'a serde_json::Value,
}

/// The JSON body for `notice`: `{"type": "<kind name>", "timestamp": "<RFC 3339>", "data": {...}}`.
pub fn body(notice: &Notice) -> String {
    let payload = Payload {
        r#type: notice.kind.as_str(),
        timestamp: notice
            .occurred_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        data: Data {
            notice_id: notice.id,
            title: &notice.title,
            body: &notice.body,
            link: notice.link.as_deref(),
            source_event: notice.source_event,
            details: &notice.data,
        },
    };
    // Serialising a struct of strings, ids and an already-valid JSON value cannot fail; the
    // fallback keeps the type total without a panic.
    serde_json::to_string(&payload).unwrap_or_else(|_| String::from("{}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notice::NoticeKind;

    #[test]
    fn the_body_has_the_standard_shape_and_the_id_is_the_notice_id() {
        let id = Uuid::parse_str("0193a000-0000-7000-8000-000000000001").unwrap();
        let notice = Notice {
            id,
            user_id: Uuid::nil(),
            kind: NoticeKind::BountyResolved,
            title: "Bounty resolved".into(),
            body: "Your bounty resolved malicious.".into(),
            link: Some("/bounties/7".into()),
            data: serde_json::json!({"bounty_id": "7"}),
            source_event: Uuid::nil(),
            occurred_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        };
        let value: serde_json::Value = serde_json::from_str(&body(&notice)).unwrap();
        assert_eq!(value["type"], "bounty.resolved");
        assert_eq!(value["timestamp"], "2023-11-14T22:13:20.000000Z");
        assert_eq!(value["data"]["details"]["bounty_id"], "7");
        assert_eq!(value["data"]["notice_id"], id.to_string());
        assert_eq!(webhook_id(id), "msg_0193a000000070008000000000000001");
    }
}
