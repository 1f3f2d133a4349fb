//! A MISP event of one analysis (MISP core format, draft-dulaunoy-misp-core-format): an
//! `Event` with its `Attribute` list and `Tag`s.
//!
//! Attributes (type, category, `to_ids`):
//! - `sha256`, `sha1`, `md5`: `Payload delivery`, detection-worthy;
//! - `size-in-bytes` and `mime-type`: context, not for detection;
//! - `url`, `domain`, `ip-dst` for the IOCs the report extracted: `Network activity`, for
//!   detection only when the verdict is malicious (a benign file's strings are context);
//! - `text` (`Other`) for every matching YARA rule, `namespace.rule` (the export has no rule
//!   source, which MISP's `yara` type would need).
//!
//! Tags: the TLP of the sample (`tlp:clear` public, `tlp:amber` private), the verdict as
//! `nexus:verdict="…"` and the YARA rules' own tags. Ids are UUIDv5 of the sample and the
//! attribute ([`super::export_uuid`]); timestamps are the analysis's end.

use nexus_proto::analysis::SampleVisibility;
use nexus_proto::report::VerdictHint;
use serde_json::{Value, json};

use super::{ExportInput, export_uuid, verdict_word};

/// MISP's `threat_level_id` (1 high, 2 medium, 3 low, 4 undefined) for a verdict.
fn threat_level(verdict: VerdictHint) -> &'static str {
    match verdict {
        VerdictHint::Malicious => "1",
        VerdictHint::Suspicious => "2",
        VerdictHint::Benign => "3",
        VerdictHint::Unknown => "4",
    }
}

/// The event of `input`, wrapped as `{"Event": {...}}` (serialise it as the body).
pub fn event(input: &ExportInput<'_>) -> Value {
    let sha256 = input.sha256();
    let report = input.report;
    let modified = input.modified_at();
    let timestamp = modified.timestamp().to_string();
    let malicious = report.verdict == VerdictHint::Malicious;
    let mut attributes = Vec::new();
    let mut attribute = |kind: &str, category: &str, value: &str, to_ids: bool, comment: &str| {
        if value.is_empty() {
            return;
        }
        attributes.push(json!({
            "uuid": export_uuid("misp-attribute", sha256, Some(&format!("{kind}:{value}"))),
            "type": kind,
            "category": category,
            "value": value,
            "to_ids": to_ids,
            "distribution": "5",
            "comment": comment,
            "timestamp": timestamp,
            "disable_correlation": false,
        }));
    };
    attribute("sha256", "Payload delivery", sha256, true, "the sample");
    attribute(
        "sha1",
        "Payload delivery",
        &report.hashes.sha1,
        true,
        "the sample",
    );
    attribute(
        "md5",
        "Payload delivery",
        &report.hashes.md5,
        true,
        "the sample",
    );
    attribute(
        "size-in-bytes",
        "Other",
        &report.file.size.to_string(),
        false,
        "the sample's size",
    );
    attribute(
        "mime-type",
        "Payload delivery",
        &report.file.mime,
        false,
        &report.file.description,
    );
    for (kind, values, comment) in [
        ("url", &report.iocs.urls, "URL found in the sample"),
        ("domain", &report.iocs.domains, "domain found in the sample"),
        (
            "ip-dst",
            &report.iocs.ipv4,
            "IPv4 address found in the sample",
        ),
    ] {
        for value in values {
            attribute(kind, "Network activity", value, malicious, comment);
        }
    }
    for rule in crate::domain::matched_rules(report) {
        attribute(
            "text",
            "Other",
            &rule,
            false,
            "YARA rule that matched the sample",
        );
    }

    let mut tags = vec![
        match input.visibility {
            SampleVisibility::Public => "tlp:clear".to_owned(),
            SampleVisibility::Private => "tlp:amber".to_owned(),
        },
        format!("nexus:verdict=\"{}\"", verdict_word(report.verdict)),
    ];
    for hit in &report.yara {
        for tag in &hit.tags {
            let tag = format!("yara:{tag}");
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
    }
    let tags: Vec<Value> = tags
        .into_iter()
        .map(|name| json!({ "name": name }))
        .collect();

    json!({
        "Event": {
            "uuid": export_uuid("misp-event", sha256, Some(&input.analysis_id.to_string())),
            "info": format!(
                "Nexus Security analysis {} of {sha256}: {} (score {} of 100)",
                input.analysis_id,
                verdict_word(report.verdict),
                report.score
            ),
            "date": modified.format("%Y-%m-%d").to_string(),
            "timestamp": timestamp,
            "published": false,
            "publish_timestamp": "0",
            "analysis": "2",
            "threat_level_id": threat_level(report.verdict),
            "distribution": "0",
            "Orgc": { "name": "Nexus Security" },
            "Attribute": attributes,
            "Tag": tags,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use nexus_proto::report::AnalysisReport;
    use uuid::Uuid;

    #[test]
    fn the_event_lists_hashes_iocs_and_rules_with_misp_types() {
        let mut report = AnalysisReport::default();
        report.hashes.sha256 = "ab".repeat(32);
        report.hashes.md5 = "ef".repeat(16);
        report.verdict = VerdictHint::Malicious;
        report.iocs.urls = vec!["http://evil.io/x".into()];
        report.iocs.ipv4 = vec!["203.0.113.7".into()];
        report.yara.push(nexus_proto::report::YaraMatch {
            rule: "eicar_test_file".into(),
            namespace: "builtin".into(),
            tags: vec!["test".into()],
            ..Default::default()
        });
        let at = DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let input = ExportInput {
            analysis_id: Uuid::from_u128(9),
            report: &report,
            created_at: at,
            started_at: None,
            completed_at: None,
            visibility: SampleVisibility::Public,
        };
        let event = event(&input);
        assert_eq!(event, super::event(&input), "deterministic");
        let attributes = event["Event"]["Attribute"].as_array().unwrap();
        let kinds: Vec<(&str, &str, bool)> = attributes
            .iter()
            .map(|attribute| {
                (
                    attribute["type"].as_str().unwrap(),
                    attribute["value"].as_str().unwrap(),
                    attribute["to_ids"].as_bool().unwrap(),
                )
            })
            .collect();
        // sha1 and the MIME type are empty, so absent.
        assert_eq!(
            kinds,
            [
                (
                    "sha256",
                    "abababababababababababababababababababababababababababababababab",
                    true
                ),
                ("md5", "efefefefefefefefefefefefefefefef", true),
                ("size-in-bytes", "0", false),
                ("url", "http://evil.io/x", true),
                ("ip-dst", "203.0.113.7", true),
                ("text", "builtin.eicar_test_file", false),
            ]
        );
        assert_eq!(event["Event"]["threat_level_id"], "1");
        assert_eq!(event["Event"]["date"], "2026-12-07");
        let tags: Vec<&str> = event["Event"]["Tag"]
            .as_array()
            .unwrap()
            .iter()
            .map(|tag| tag["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            tags,
            ["tlp:clear", "nexus:verdict=\"malicious\"", "yara:test"]
        );
    }
}
