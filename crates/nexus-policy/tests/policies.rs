//! Building policy sets: the shipped ones, versions, and policy text that must be refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use nexus_core::Role;
use nexus_policy::{
    Action, Policies, PolicyError, PolicySource, Principal, Request, RequestContext, Resource,
    SHIPPED_POLICIES,
};

fn refuse(text: &str) -> PolicyError {
    Policies::from_sources(&[PolicySource::new("test.cedar", text)]).unwrap_err()
}

fn read_profile(policies: &Policies, principal: Principal) -> bool {
    policies
        .authorize(&Request {
            principal,
            action: Action::UserReadPublic,
            resource: Resource::UserAccount {
                id: "bob".to_owned(),
            },
            context: RequestContext::default(),
        })
        .allowed
}

#[test]
fn the_shipped_policies_validate_and_every_one_has_a_meaningful_unique_id() {
    let policies = Policies::shipped().unwrap();
    let ids = policies.policy_ids();
    assert!(ids.len() >= 30, "{ids:?}");
    for id in ids {
        assert!(!id.starts_with("policy"), "{id} looks generated");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{id} is not kebab-case"
        );
    }
    for expected in [
        "admin-all",
        "bounty-read-public",
        "file-download-uploaders-and-analysts-only",
        "retrohunt-read-own",
    ] {
        assert!(ids.iter().any(|id| id == expected), "{expected} missing");
    }
    assert_eq!(SHIPPED_POLICIES.len(), 9);
}

#[test]
fn the_version_is_a_stable_sha256_of_the_text() {
    let first = Policies::shipped().unwrap();
    let second = Policies::shipped().unwrap();
    assert_eq!(first.version(), second.version());
    assert_eq!(first.version().as_str().len(), 64);
    assert!(
        first
            .version()
            .as_str()
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
}

#[test]
fn the_version_changes_when_the_policy_text_or_its_name_changes() {
    let mut sources = PolicySource::shipped();
    let original = Policies::from_sources(&sources).unwrap();
    sources[1].text.push_str("\n// a comment is a change too\n");
    let edited = Policies::from_sources(&sources).unwrap();
    assert_ne!(original.version(), edited.version());

    let mut renamed = PolicySource::shipped();
    renamed[1].name = "bounties.cedar".to_owned();
    let renamed = Policies::from_sources(&renamed).unwrap();
    assert_ne!(original.version(), renamed.version());
    assert_ne!(edited.version(), renamed.version());
}

#[test]
fn policy_text_that_does_not_parse_is_refused_with_its_line_and_column() {
    let error = refuse(
        "@id(\"ok\")\npermit(principal, action, resource);\n\n@id(\"broken\")\npermit(principal, action resource);\n",
    );
    assert_eq!(error.code(), "policy_parse_failed");
    let diagnostic = &error.diagnostics()[0];
    assert_eq!(diagnostic.source_name, "test.cedar");
    assert_eq!(diagnostic.line, Some(5), "{error}");
    assert!(diagnostic.column.is_some());
}

#[test]
fn a_policy_on_an_unknown_attribute_is_refused_by_the_validator() {
    let error = refuse(
        "@id(\"typo\")\npermit(principal, action == Action::\"bounty:read\", resource is Bounty)\nwhen { resource.ownr == principal };\n",
    );
    assert_eq!(error.code(), "policy_validation_failed");
    let diagnostic = &error.diagnostics()[0];
    assert_eq!(diagnostic.policy_id.as_deref(), Some("typo"));
    assert_eq!(diagnostic.line, Some(3), "{error}");
    assert!(diagnostic.message.contains("ownr"), "{error}");
}

#[test]
fn a_policy_on_an_unknown_action_or_entity_type_is_refused() {
    for text in [
        "@id(\"a\") permit(principal, action == Action::\"bounty:steal\", resource);",
        "@id(\"b\") permit(principal is Robot, action, resource);",
        "@id(\"c\") permit(principal, action == Action::\"file:download\", resource is Bounty);",
    ] {
        assert_eq!(refuse(text).code(), "policy_validation_failed", "{text}");
    }
}

#[test]
fn a_policy_without_an_id_is_refused() {
    let error = refuse("permit(principal, action, resource);");
    assert_eq!(error.code(), "policy_id_missing");
}

#[test]
fn two_policies_with_the_same_id_are_refused_even_across_sources() {
    let error = Policies::from_sources(&[
        PolicySource::new(
            "a.cedar",
            "@id(\"same\") permit(principal, action, resource);",
        ),
        PolicySource::new(
            "b.cedar",
            "@id(\"same\") forbid(principal, action, resource);",
        ),
    ])
    .unwrap_err();
    assert_eq!(error.code(), "policy_id_duplicate");
}

#[test]
fn templates_are_refused() {
    let error = refuse("@id(\"t\") permit(principal == ?principal, action, resource);");
    assert_eq!(error.code(), "policy_template_unsupported");
}

#[test]
fn given_policy_text_replaces_the_shipped_policies() {
    let nothing = Policies::from_sources(&[]).unwrap();
    assert!(!read_profile(&nothing, Principal::Guest));

    let members_only = Policies::from_sources(&[PolicySource::new(
        "members.cedar",
        "@id(\"members-read-profiles\")\npermit(principal is User, action == Action::\"user:read_public\", resource);",
    )])
    .unwrap();
    assert!(!read_profile(&members_only, Principal::Guest));
    assert!(read_profile(
        &members_only,
        Principal::user("alice", Role::User)
    ));
    assert_eq!(members_only.policy_ids(), ["members-read-profiles"]);
}

#[test]
fn a_request_and_its_decision_cross_the_wire_as_json() {
    let request: Request = serde_json::from_str(
        r#"{
            "principal": {"type": "user", "id": "alice", "role": "analyst"},
            "action": "file:download",
            "resource": {"type": "file", "id": "abc", "uploaders": ["bob"], "visibility": "public"},
            "context": {"mfa": false, "ip": "192.0.2.1"}
        }"#,
    )
    .unwrap();
    assert_eq!(request.action, Action::FileDownload);
    let decision = Policies::shipped().unwrap().authorize(&request);
    assert!(decision.allowed);
    let json = serde_json::to_value(&decision).unwrap();
    assert_eq!(json["determining_policies"][0], "file-download-analyst");

    let unknown = serde_json::from_str::<Request>(
        r#"{"principal": {"type": "guest"}, "action": "bounty:steal", "resource": {"type": "platform"}}"#,
    );
    assert!(unknown.is_err());
}

#[test]
fn a_policy_set_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Policies>();
    shareable::<std::sync::Arc<Policies>>();
}
