//! The published JSON Schema of the chain events matches the types. Regenerate with
//! `NEXUS_UPDATE_SCHEMA=1 cargo test -p nexus-chain-listener --test api schema`.

use std::path::PathBuf;

use nexus_proto::chain::json_schema;

fn published_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas/chain-events.v1.json")
}

fn rendered() -> String {
    let mut schema = json_schema();
    if let Some(object) = schema.as_object_mut() {
        object.insert(
            "$id".to_owned(),
            "https://nexus-security.dev/schemas/chain-events.v1.json".into(),
        );
        object.insert(
            "x-stream".to_owned(),
            nexus_proto::chain::EVENTS_STREAM.into(),
        );
    }
    serde_json::to_string_pretty(&schema).unwrap() + "\n"
}

#[test]
fn the_published_chain_event_schema_is_up_to_date() {
    let path = published_path();
    let expected = rendered();
    if std::env::var_os("NEXUS_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        published == expected,
        "{} is stale; regenerate it with NEXUS_UPDATE_SCHEMA=1 cargo test -p nexus-chain-listener --test api schema",
        path.display()
    );
}

#[test]
fn the_schema_names_every_event_of_the_stream() {
    let schema = json_schema().to_string();
    for name in [
        "BountyOpened",
        "AssertionCommitted",
        "AssertionRevealed",
        "BountyResolved",
        "RewardClaimed",
        "BountyRefunded",
        "DisputeOpened",
        "DisputeDecided",
        "Staked",
        "UnstakeRequested",
        "Slashed",
        "ParameterChanged",
        "ChainEventsRetracted",
    ] {
        assert!(schema.contains(&format!("\"{name}\"")), "{name} missing");
    }
}
