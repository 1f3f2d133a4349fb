//! A STIX 2.1 bundle of one analysis (OASIS STIX 2.1, sections 4.11, 4.7, 4.10, 5 and 6.7).
//!
//! Objects, in this order:
//! - the `file` observable (hashes, size, MIME type); its id is the spec's deterministic
//!   UUIDv5 of its `hashes` in the STIX namespace (section 2.9);
//! - a `malware-analysis` object: the engine's result (`malicious`, `suspicious`, `benign`,
//!   `unknown`) with `sample_ref` to the file (the analysis in words, which that type has no
//!   property for, is the `description` of the indicators and the malware);
//! - one `indicator` for the file's hashes, and one per URL, domain and IPv4 address the report
//!   extracted, each a STIX pattern with its literal escaped (section 9.3: `\\` and `\'`);
//! - when the verdict is malicious: a `malware` object (`is_family: false`, named after the YARA
//!   family when one is known, `sample_refs` to the file), one `indicates` relationship from
//!   every indicator to it, and a `characterizes` relationship from the analysis to it.
//!
//! Every other id is a UUIDv5 of the sample's SHA-256 and the object's kind
//! ([`super::export_uuid`]), so the export is stable.

use chrono::{DateTime, SecondsFormat, Utc};
use nexus_proto::report::VerdictHint;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{ExportInput, export_uuid, uuid_v5, verdict_word};

/// The STIX 2.1 namespace of deterministic observable ids (spec section 2.9).
pub const STIX_SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00ab_edb4_aa42_52df_91d3_6ea4_f4cf_0f0d);

/// A STIX timestamp: RFC 3339 UTC with milliseconds and `Z`.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `text` as a STIX pattern string literal: quoted, with `\` and `'` escaped.
pub fn pattern_literal(text: &str) -> String {
    let mut literal = String::with_capacity(text.len() + 2);
    literal.push('\'');
    for character in text.chars() {
        if matches!(character, '\\' | '\'') {
            literal.push('\\');
        }
        literal.push(character);
    }
    literal.push('\'');
    literal
}

/// The `file` observable's hashes, STIX names, only those the report has.
fn file_hashes(input: &ExportInput<'_>) -> Map<String, Value> {
    let hashes = &input.report.hashes;
    let mut map = Map::new();
    for (name, value) in [
        ("MD5", &hashes.md5),
        ("SHA-1", &hashes.sha1),
        ("SHA-256", &hashes.sha256),
    ] {
        if !value.is_empty() {
            map.insert(name.to_owned(), Value::String(value.clone()));
        }
    }
    map
}

/// The pattern matching a file by any of its hashes.
fn hashes_pattern(hashes: &Map<String, Value>) -> String {
    let comparisons: Vec<String> = hashes
        .iter()
        .filter_map(|(name, value)| {
            let value = value.as_str()?;
            Some(format!(
                "file:hashes.{} = {}",
                pattern_literal(name),
                pattern_literal(value)
            ))
        })
        .collect();
    format!("[{}]", comparisons.join(" OR "))
}

/// STIX `indicator-type-ov` for the engine's verdict.
fn indicator_type(verdict: VerdictHint) -> &'static str {
    match verdict {
        VerdictHint::Malicious => "malicious-activity",
        VerdictHint::Suspicious => "anomalous-activity",
        VerdictHint::Benign => "benign",
        VerdictHint::Unknown => "unknown",
    }
}

/// The bundle of `input` (a JSON value; serialise it as the body).
pub fn bundle(input: &ExportInput<'_>) -> Value {
    let sha256 = input.sha256();
    let report = input.report;
    let created = timestamp(input.created_at);
    let modified = timestamp(input.modified_at());
    let id =
        |kind: &str, value: Option<&str>| format!("{kind}--{}", export_uuid(kind, sha256, value));
    let mut objects = Vec::new();

    // The observable: the spec's deterministic id from its id-contributing `hashes` (the
    // SHA-256 alone, canonical JSON).
    let hashes = file_hashes(input);
    let file_id = format!(
        "file--{}",
        uuid_v5(
            &STIX_SCO_NAMESPACE,
            format!(r#"{{"hashes":{{"SHA-256":"{sha256}"}}}}"#).as_bytes()
        )
    );
    let mut file = json!({
        "type": "file",
        "spec_version": "2.1",
        "id": file_id,
        "hashes": hashes,
        "size": report.file.size,
    });
    if !report.file.mime.is_empty() {
        file["mime_type"] = json!(report.file.mime);
    }
    objects.push(file);

    let verdict = verdict_word(report.verdict);
    let analysis_id = id("malware-analysis", None);
    let mut analysis = json!({
        "type": "malware-analysis",
        "spec_version": "2.1",
        "id": analysis_id,
        "created": created,
        "modified": modified,
        "product": "nexus-engine",
        "analysis_engine_version": report.engine_version,
        "result": verdict,
        "result_name": format!("score {} of 100", report.score),
        "sample_ref": file_id,
    });
    if let Some(started) = input.started_at {
        analysis["analysis_started"] = json!(timestamp(started));
    }
    if let Some(ended) = input.completed_at {
        analysis["analysis_ended"] = json!(timestamp(ended));
    }
    objects.push(analysis);

    // `malware-analysis` has no `description` (a custom property there); the analysis in words
    // goes on the indicators and the malware.
    let description = analysis_description(input);
    let kind_of_indicator = indicator_type(report.verdict);
    let indicator = |id: String, name: String, pattern: String| {
        json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": id,
            "created": created,
            "modified": modified,
            "name": name,
            "description": description,
            "indicator_types": [kind_of_indicator],
            "pattern": pattern,
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": created,
        })
    };
    let mut indicator_ids = Vec::new();
    if !hashes.is_empty() {
        let hash_id = id("indicator", None);
        objects.push(indicator(
            hash_id.clone(),
            format!("File with SHA-256 {sha256}"),
            hashes_pattern(&hashes),
        ));
        indicator_ids.push(hash_id);
    }
    for (kind, object, values) in [
        ("url", "url", &report.iocs.urls),
        ("domain", "domain-name", &report.iocs.domains),
        ("ipv4", "ipv4-addr", &report.iocs.ipv4),
    ] {
        for value in values {
            let ioc_id = id("indicator", Some(&format!("{kind}:{value}")));
            objects.push(indicator(
                ioc_id.clone(),
                format!("{object} {value} found in {sha256}"),
                format!("[{object}:value = {}]", pattern_literal(value)),
            ));
            indicator_ids.push(ioc_id);
        }
    }

    if report.verdict == VerdictHint::Malicious {
        let malware_id = id("malware", None);
        let name = input
            .family()
            .unwrap_or_else(|| format!("Malicious file {sha256}"));
        objects.push(json!({
            "type": "malware",
            "spec_version": "2.1",
            "id": malware_id,
            "created": created,
            "modified": modified,
            "name": name,
            "description": description,
            "is_family": false,
            "sample_refs": [file_id],
        }));
        let relationship = |kind: &str, source: &str, target: &str| {
            json!({
                "type": "relationship",
                "spec_version": "2.1",
                "id": id("relationship", Some(&format!("{kind}:{source}:{target}"))),
                "created": created,
                "modified": modified,
                "relationship_type": kind,
                "source_ref": source,
                "target_ref": target,
            })
        };
        for indicator_id in &indicator_ids {
            objects.push(relationship("indicates", indicator_id, &malware_id));
        }
        objects.push(relationship("characterizes", &analysis_id, &malware_id));
    }

    json!({
        "type": "bundle",
        "id": format!("bundle--{}", export_uuid("bundle", sha256, Some(&input.analysis_id.to_string()))),
        "objects": objects,
    })
}

/// The analysis in words: score, reasons and matching YARA rules.
fn analysis_description(input: &ExportInput<'_>) -> String {
    let report = input.report;
    let mut text = format!(
        "Nexus Security analysis {} of {}: {} (score {} of 100).",
        input.analysis_id,
        input.sha256(),
        verdict_word(report.verdict),
        report.score
    );
    if !report.verdict_reasons.is_empty() {
        text.push_str(" Reasons: ");
        text.push_str(&report.verdict_reasons.join("; "));
        text.push('.');
    }
    let rules = crate::domain::matched_rules(report);
    if !rules.is_empty() {
        text.push_str(" YARA: ");
        text.push_str(&rules.join(", "));
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexus_proto::analysis::SampleVisibility;
    use nexus_proto::report::{AnalysisReport, YaraMatch};

    fn report(verdict: VerdictHint) -> AnalysisReport {
        let mut report = AnalysisReport::default();
        report.hashes.sha256 = "ab".repeat(32);
        report.hashes.sha1 = "cd".repeat(20);
        report.hashes.md5 = "ef".repeat(16);
        report.file.size = 68;
        report.file.mime = "text/plain".into();
        report.verdict = verdict;
        report.iocs.urls = vec!["http://evil.io/a'b\\c".into()];
        report.iocs.domains = vec!["evil.io".into()];
        report.iocs.ipv4 = vec!["203.0.113.7".into()];
        report
    }

    fn input(report: &AnalysisReport) -> ExportInput<'_> {
        let created = DateTime::parse_from_rfc3339("2026-12-07T10:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        ExportInput {
            analysis_id: Uuid::from_u128(7),
            report,
            created_at: created,
            started_at: Some(created),
            completed_at: Some(created + chrono::Duration::seconds(2)),
            visibility: SampleVisibility::Private,
        }
    }

    fn of_type<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
        bundle["objects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|object| object["type"] == kind)
            .collect()
    }

    #[test]
    fn pattern_literals_escape_quotes_and_backslashes() {
        assert_eq!(pattern_literal("plain"), "'plain'");
        assert_eq!(pattern_literal("a'b"), r"'a\'b'");
        assert_eq!(pattern_literal(r"a\b"), r"'a\\b'");
        assert_eq!(pattern_literal(r"\'"), r"'\\\''");
    }

    #[test]
    fn an_ioc_with_a_quote_and_a_backslash_gives_an_escaped_pattern() {
        let report = report(VerdictHint::Malicious);
        let bundle = bundle(&input(&report));
        let patterns: Vec<&str> = of_type(&bundle, "indicator")
            .iter()
            .map(|indicator| indicator["pattern"].as_str().unwrap())
            .collect();
        assert!(
            patterns.contains(&r"[url:value = 'http://evil.io/a\'b\\c']"),
            "{patterns:?}"
        );
        assert!(patterns.contains(&"[domain-name:value = 'evil.io']"));
        assert!(patterns.contains(&"[ipv4-addr:value = '203.0.113.7']"));
        assert!(
            patterns[0].starts_with("[file:hashes.'MD5' = 'efef"),
            "{patterns:?}"
        );
    }

    #[test]
    fn the_export_is_deterministic_and_ids_follow_the_sample() {
        let report = report(VerdictHint::Malicious);
        let first = bundle(&input(&report));
        assert_eq!(first, bundle(&input(&report)));
        let mut other = report.clone();
        other.hashes.sha256 = "01".repeat(32);
        let second = bundle(&input(&other));
        assert_ne!(
            of_type(&first, "malware")[0]["id"],
            of_type(&second, "malware")[0]["id"]
        );
        assert_ne!(
            of_type(&first, "file")[0]["id"],
            of_type(&second, "file")[0]["id"]
        );
        let file_id = of_type(&first, "file")[0]["id"].as_str().unwrap();
        let uuid = Uuid::parse_str(file_id.trim_start_matches("file--")).unwrap();
        assert_eq!(uuid.get_version_num(), 5);
    }

    #[test]
    fn a_malicious_verdict_adds_malware_and_relationships() {
        let mut report = report(VerdictHint::Malicious);
        report.yara.push(YaraMatch {
            rule: "emotet_loader".into(),
            namespace: "community".into(),
            metadata: [("family".to_owned(), json!("Emotet"))].into(),
            ..YaraMatch::default()
        });
        let bundle = bundle(&input(&report));
        let malware = of_type(&bundle, "malware");
        assert_eq!(malware.len(), 1);
        assert_eq!(malware[0]["name"], "Emotet");
        assert_eq!(malware[0]["is_family"], false);
        assert_eq!(
            malware[0]["sample_refs"][0],
            of_type(&bundle, "file")[0]["id"]
        );
        let relationships = of_type(&bundle, "relationship");
        // Four indicators indicate it, and the analysis characterizes it.
        assert_eq!(relationships.len(), 5);
        assert!(
            relationships
                .iter()
                .all(|relationship| relationship["target_ref"] == malware[0]["id"])
        );
        assert_eq!(
            of_type(&bundle, "malware-analysis")[0]["result"],
            "malicious"
        );
        assert_eq!(
            of_type(&bundle, "indicator")[0]["modified"],
            "2026-12-07T10:00:02.123Z"
        );
    }

    #[test]
    fn a_benign_verdict_has_no_malware_object() {
        let report = report(VerdictHint::Benign);
        let bundle = bundle(&input(&report));
        assert!(of_type(&bundle, "malware").is_empty());
        assert!(of_type(&bundle, "relationship").is_empty());
        assert_eq!(
            of_type(&bundle, "indicator")[0]["indicator_types"][0],
            "benign"
        );
    }
}
