//! `nexus engine`: the automated analyst (a "microengine"). It answers the platform's bounties
//! with the static engine's verdict, staking and signing with a wallet whose key never leaves
//! the machine. docs/ENGINE_CLI.md is the operator's guide.
//!
//! Layout:
//! - [`config`]: `engine.toml`, parsed strictly and validated; the commented template.
//! - [`keystore`]: the encrypted Ethereum keystore and its password (environment or prompt).
//! - [`state`]: the state file of pending commitments (salts), written atomically.
//! - [`decide`]: the decision rule, report → verdict and confidence (pure).
//! - [`api`]: the gateway's REST API with an API key.
//! - [`feed`]: the live feed (Ed25519 sign-in, `bounties`, presence heartbeats).
//! - [`run`]: the loop; [`bounty`]: one bounty's steps (answer, reveal, resolve, claim).

pub mod api;
pub mod bounty;
pub mod config;
pub mod decide;
pub mod feed;
pub mod keystore;
pub mod run;
pub mod state;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};

use crate::cli::{EngineArgs, EngineCommand, InitArgs, SignWsRegistrationArgs};

/// Runs `nexus engine ...`.
pub fn main(arguments: &EngineArgs) -> anyhow::Result<()> {
    match &arguments.command {
        EngineCommand::Init(init_arguments) => init(init_arguments),
        EngineCommand::Run { config } => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(run::run(config))
        }
        EngineCommand::SignWsRegistration(sign_arguments) => sign_ws_registration(sign_arguments),
    }
}

/// `nexus engine init`: the config, the keystore and the WebSocket key in `--dir`.
fn init(arguments: &InitArgs) -> anyhow::Result<()> {
    let dir = &arguments.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let config_path = dir.join("engine.toml");
    if config_path.exists() {
        bail!(
            "{} exists already; nothing was changed",
            config_path.display()
        );
    }
    let import = match &arguments.import_key_env {
        Some(name) => {
            let text = std::env::var(name)
                .with_context(|| format!("--import-key-env names {name}, which is not set"))?;
            let key = hex::decode(text.trim().trim_start_matches("0x"))
                .ok()
                .filter(|key| key.len() == 32)
                .with_context(|| format!("{name} must hold a private key: 64 hex digits"))?;
            Some(key)
        }
        None => None,
    };
    let password = keystore::password(&arguments.password_env, true)?;
    let keystore_path = dir.join("keystore.json");
    let address = keystore::create(&keystore_path, &password, import.as_deref())?;
    let ws_key_path = dir.join("ws_key");
    let ws_public_key = feed::create_key(&ws_key_path)?;
    let template = config::template(
        &arguments.gateway_url,
        "keystore.json",
        "engine-state.json",
        "ws_key",
    )
    .replace(
        "password_env = \"NEXUS_ENGINE_KEYSTORE_PASSWORD\"",
        &format!("password_env = \"{}\"", arguments.password_env),
    );
    std::fs::write(&config_path, template)
        .with_context(|| format!("cannot write {}", config_path.display()))?;
    let summary = serde_json::json!({
        "config": config_path,
        "keystore": keystore_path,
        "address": address.to_string(),
        "ws_key": ws_key_path,
        "ws_public_key": ws_public_key,
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{summary:#}")?;
    eprintln!(
        "Next: link {address} to your account (Settings > Wallets), register the WebSocket key \
         {ws_public_key} (Settings > WebSocket keys; `nexus engine sign-ws-registration` signs \
         the challenge), create an API key, then `nexus engine run --config {}`.",
        config_path.display()
    );
    Ok(())
}

/// `nexus engine sign-ws-registration`: the user service's key registration message, signed.
fn sign_ws_registration(arguments: &SignWsRegistrationArgs) -> anyhow::Result<()> {
    let config = config::EngineConfig::load(&arguments.config)?;
    let key_file = config
        .platform
        .ws_key_file
        .context("the config has no platform.ws_key_file")?;
    let challenge = arguments.challenge.trim();
    if challenge.len() != 64 || !challenge.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        bail!("--challenge must be the 64 hex digits the platform gave");
    }
    let public_key = hex::encode(feed::load_key(&key_file)?.verifying_key().as_bytes());
    let message = format!(
        "nexus-ws-key-registration\nuser:{}\nkey:{public_key}\nchallenge:{challenge}",
        arguments.user_id
    );
    let signature = feed::sign(Path::new(&key_file), &message)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "{}",
        serde_json::json!({"public_key": public_key, "signature": signature})
    )?;
    Ok(())
}
