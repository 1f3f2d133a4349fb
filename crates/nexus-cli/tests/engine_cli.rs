//! `nexus engine` through the built binary, with no platform: `init` makes an owner-only
//! keystore and key and refuses to overwrite them; `run` refuses a wrong password, a missing
//! API key and an invalid config with messages that say what to change, before connecting
//! anywhere. (The engine against a real platform and chain: tests/tests/engines.rs.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PASSWORD: &str = "a test keystore password";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nexus-engine-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn nexus(arguments: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nexus"));
    command
        .args(arguments)
        .env_remove("NEXUS_ENGINE_API_KEY")
        .env_remove("NEXUS_ENGINE_KEYSTORE_PASSWORD");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn init(dir: &Path) -> Output {
    nexus(
        &["engine", "init", "--dir", dir.to_str().unwrap()],
        &[("NEXUS_ENGINE_KEYSTORE_PASSWORD", PASSWORD)],
    )
}

#[test]
fn init_writes_an_owner_only_keystore_and_run_refuses_what_it_cannot_use() {
    let dir = scratch("run");
    let output = init(&dir);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let address = summary["address"].as_str().unwrap();
    assert!(
        address.starts_with("0x") && address.len() == 42,
        "{summary}"
    );
    assert_eq!(summary["ws_public_key"].as_str().unwrap().len(), 64);
    #[cfg(unix)]
    for secret in ["keystore.json", "ws_key"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(secret))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{secret} is readable by others");
    }
    // The keystore holds the address, not the key in the clear.
    let keystore = std::fs::read_to_string(dir.join("keystore.json")).unwrap();
    assert!(keystore.contains("scrypt"), "{keystore}");

    // A second init changes nothing.
    let again = init(&dir);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );

    let config = dir.join("engine.toml");
    let config = config.to_str().unwrap();
    let run = |env: &[(&str, &str)]| nexus(&["engine", "run", "--config", config], env);
    let no_key = run(&[("NEXUS_ENGINE_KEYSTORE_PASSWORD", PASSWORD)]);
    assert_eq!(no_key.status.code(), Some(1));
    assert!(
        stderr(&no_key).contains("set NEXUS_ENGINE_API_KEY"),
        "{}",
        stderr(&no_key)
    );
    let wrong = run(&[
        ("NEXUS_ENGINE_API_KEY", "nxs_test"),
        ("NEXUS_ENGINE_KEYSTORE_PASSWORD", "not the password"),
    ]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        stderr(&wrong).contains("wrong password"),
        "{}",
        stderr(&wrong)
    );
    // No terminal and no password variable: told which variable to set.
    let no_password = run(&[("NEXUS_ENGINE_API_KEY", "nxs_test")]);
    assert!(
        stderr(&no_password).contains("set NEXUS_ENGINE_KEYSTORE_PASSWORD"),
        "{}",
        stderr(&no_password)
    );

    // An invalid config is refused naming the key, before the keystore is touched.
    let text = std::fs::read_to_string(dir.join("engine.toml")).unwrap();
    std::fs::write(
        dir.join("engine.toml"),
        text.replace("max_concurrent = 4", "max_concurrent = 0"),
    )
    .unwrap();
    let invalid = run(&[
        ("NEXUS_ENGINE_API_KEY", "nxs_test"),
        ("NEXUS_ENGINE_KEYSTORE_PASSWORD", PASSWORD),
    ]);
    assert_eq!(invalid.status.code(), Some(1));
    assert!(
        stderr(&invalid).contains("policy.max_concurrent"),
        "{}",
        stderr(&invalid)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sign_ws_registration_signs_only_a_well_formed_challenge() {
    let dir = scratch("ws").join("engine");
    assert!(init(&dir).status.success());
    let config = dir.join("engine.toml");
    let config = config.to_str().unwrap();
    let user = "01a2536e-f314-765b-9b8d-96910e40fd49";
    let signed = nexus(
        &[
            "engine",
            "sign-ws-registration",
            "--config",
            config,
            "--user-id",
            user,
            "--challenge",
            &"ab".repeat(32),
        ],
        &[],
    );
    assert!(signed.status.success(), "{}", stderr(&signed));
    let answer: serde_json::Value = serde_json::from_slice(&signed.stdout).unwrap();
    assert_eq!(answer["signature"].as_str().unwrap().len(), 128, "{answer}");
    let refused = nexus(
        &[
            "engine",
            "sign-ws-registration",
            "--config",
            config,
            "--user-id",
            user,
            "--challenge",
            "anything else",
        ],
        &[],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--challenge"),
        "{}",
        stderr(&refused)
    );
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}
