//! Who may read what (docs/AUTHORIZATION.md, "Samples and analyses"), through the real
//! service: the retrohunt read-out of issue 13, and every route × caller × object from one
//! table.

use nexus_proto::analysis::{RetrohuntStatus, SampleVisibility};
use serde_json::json;

use crate::helpers::{Body, Harness, USER_ID};

/// Bytes only user A has: 16 bytes whose bits a per-bit hunt would spell out.
const SECRET: &[u8; 16] = b"A's secret 16 B!";

/// The attack of issue 13: one rule per bit of the first bytes of every sample of exactly this
/// size, so the names of the matching rules spell out the sample's contents.
fn per_bit_rules(length: usize) -> String {
    let mut source = String::new();
    for offset in 0..length {
        for bit in 0..8 {
            source.push_str(&format!(
                "rule b_{offset}_{bit} {{ condition: filesize == {length} and uint8({offset}) & {} != 0 }}\n",
                1 << bit
            ));
        }
    }
    source
}

/// The bytes the matching rule names spell out (what the attacker would reconstruct).
fn spelled_out(rules: &[String], length: usize) -> Vec<u8> {
    let mut bytes = vec![0_u8; length];
    for rule in rules {
        let name = rule.trim_start_matches("retrohunt.b_");
        let (offset, bit) = name.split_once('_').unwrap();
        let (offset, bit): (usize, u32) = (offset.parse().unwrap(), bit.parse().unwrap());
        bytes[offset] |= 1 << bit;
    }
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retrohunt_cannot_read_out_another_users_private_sample() {
    let harness = Harness::start().await;
    let user_a = harness.user.clone();
    let user_b = harness.token(&uuid::Uuid::now_v7().to_string(), &["user"]);
    let uploaded = harness
        .upload_as(&user_a, SECRET.to_vec(), SampleVisibility::Private)
        .await;
    let sha256 = uploaded.sha256.clone();
    let analysis_id = uploaded.analysis_id;
    harness.finished(analysis_id).await;
    let rules = per_bit_rules(SECRET.len());

    // B hunts with the per-bit rules: the hunt never scans A's private sample.
    let hunt = harness.hunt(&user_b, &rules).await;
    let finished = harness.hunt_finished(&user_b, hunt.id).await;
    assert_eq!(finished.status, RetrohuntStatus::Completed, "{finished:?}");
    assert_eq!(finished.matches, [], "B learnt A's bytes: {finished:?}");
    assert_eq!(finished.scanned, 0, "{finished:?}");

    // Nor may B read the sample any other way: each answer is the 404 of a missing object.
    for (path, code) in [
        (format!("/v1/files/{sha256}"), "sample_not_found"),
        (format!("/v1/files/{sha256}/similar"), "sample_not_found"),
        (format!("/v1/files/{sha256}/download"), "sample_not_found"),
        (format!("/v1/analyses/{analysis_id}"), "analysis_not_found"),
    ] {
        let (status, body) = harness.call("GET", &path, Some(&user_b), None).await;
        assert_eq!((status, body["code"].as_str()), (404, Some(code)), "{path}");
    }
    // And A cannot read B's hunt.
    let (status, body) = harness
        .call(
            "GET",
            &format!("/v1/retrohunts/{}", hunt.id),
            Some(&user_a),
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("retrohunt_not_found"))
    );

    // The same rules in A's own hunt do spell out A's bytes: the attack is real, and what
    // stops it is the hunt reading only what its owner may read.
    let own = harness.hunt(&user_a, &rules).await;
    let own = harness.hunt_finished(&user_a, own.id).await;
    let matched = &own.matches[0].rules;
    assert_eq!(spelled_out(matched, SECRET.len()), SECRET.to_vec());
}

/// Callers of the matrix; `A` owns every object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Guest,
    /// The uploader and hunt owner.
    Owner,
    /// Another user.
    Other,
    Analyst,
    Admin,
    /// The owner's API key limited to `bounty:read`.
    KeyBountyRead,
    /// The owner's API key limited to reading samples and reports.
    KeyFileRead,
    /// The owner, banned since.
    Banned,
}

use Who::*;

const WHO: [Who; 8] = [
    Guest,
    Owner,
    Other,
    Analyst,
    Admin,
    KeyBountyRead,
    KeyFileRead,
    Banned,
];

/// The object a row is about: A's private or public sample (and its analysis), A's hunt.
#[derive(Debug, Clone, Copy)]
enum Object {
    Private,
    Public,
    Hunt,
    New,
}

/// (method, route, object, expected status per caller in [`WHO`] order). 404 is "no such
/// object" for whoever may not read it; 401 a guest where an account is needed; 403 a key
/// without the scope, or a reader who may not download.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, Object, [u16; 8])] = &[
    //                                                       guest owner other anlst admin kbnty kfile banned
    ("GET", "/v1/files/{sha}", Object::Private,             [404,  200,  404,  404,  200,  403,  200,  200]),
    ("GET", "/v1/files/{sha}", Object::Public,              [200,  200,  200,  200,  200,  403,  200,  200]),
    ("GET", "/v1/files/{sha}/similar", Object::Private,     [404,  200,  404,  404,  200,  403,  200,  200]),
    ("GET", "/v1/files/{sha}/similar", Object::Public,      [200,  200,  200,  200,  200,  403,  200,  200]),
    ("GET", "/v1/analyses/{analysis}", Object::Private,     [404,  200,  404,  404,  200,  403,  200,  200]),
    ("GET", "/v1/analyses/{analysis}", Object::Public,      [200,  200,  200,  200,  200,  403,  200,  200]),
    ("GET", "/v1/files/{sha}/download", Object::Private,    [404,  200,  404,  404,  200,  403,  403,  403]),
    ("GET", "/v1/files/{sha}/download", Object::Public,     [401,  200,  403,  200,  200,  403,  403,  403]),
    ("GET", "/v1/retrohunts/{hunt}", Object::Hunt,          [401,  200,  404,  404,  200,  403,  403,  200]),
    ("POST", "/v1/files", Object::New,                      [401,  202,  202,  202,  202,  403,  403,  403]),
    ("POST", "/v1/retrohunts", Object::New,                 [401,  202,  202,  202,  202,  403,  403,  403]),
    ("POST", "/v1/rulesets", Object::New,                   [401,  403,  403,  201,  201,  403,  403,  403]),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_each_caller_by_the_visibility_table() {
    let harness = Harness::start().await;
    let token = |who: Who| -> Option<String> {
        match who {
            Guest => None,
            Owner => Some(harness.user.clone()),
            Other => Some(harness.token(&uuid::Uuid::now_v7().to_string(), &["user"])),
            Analyst => Some(harness.analyst.clone()),
            Admin => Some(harness.token(&uuid::Uuid::now_v7().to_string(), &["admin"])),
            KeyBountyRead => Some(harness.api_key_token(USER_ID, "bounty:read")),
            KeyFileRead => Some(harness.api_key_token(USER_ID, "file:read analysis:read")),
            Banned => Some(harness.banned_token(USER_ID)),
        }
    };
    let private = harness
        .upload_as(
            &harness.user,
            b"the owner's private sample".to_vec(),
            SampleVisibility::Private,
        )
        .await;
    let public = harness
        .upload_as(
            &harness.user,
            b"the owner's public sample".to_vec(),
            SampleVisibility::Public,
        )
        .await;
    for uploaded in [&private, &public] {
        harness.finished(uploaded.analysis_id).await;
    }
    let hunt = harness
        .hunt(&harness.user, "rule nothing { condition: false }")
        .await;

    let mut failures = Vec::new();
    for (method, route, object, expected) in MATRIX {
        for (who, expected) in WHO.into_iter().zip(expected) {
            let uploaded = match object {
                Object::Public => &public,
                _ => &private,
            };
            let path = route
                .replace("{sha}", uploaded.sha256.as_str())
                .replace("{analysis}", &uploaded.analysis_id.to_string())
                .replace("{hunt}", &hunt.id.to_string());
            let body = match (*method, *route) {
                ("POST", "/v1/files") => {
                    Some(Body::Bytes(format!("a new sample by {who:?}").into_bytes()))
                }
                ("POST", "/v1/rulesets") => Some(Body::Json(json!({
                    "name": format!("matrix_{who:?}").to_lowercase(),
                    "source": "rule nothing { condition: false }",
                }))),
                ("POST", _) => Some(Body::Json(
                    json!({"source": "rule nothing { condition: false }"}),
                )),
                _ => None,
            };
            let (status, answer) = harness
                .call(method, &path, token(who).as_deref(), body)
                .await;
            if status != *expected {
                failures.push(format!(
                    "{who:?} {method} {route} ({object:?}): expected {expected}, got {status} {answer}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
