//! The engine's wallet: an encrypted Ethereum JSON keystore (v3, scrypt; alloy's signer with
//! its `keystore` feature, i.e. the `eth-keystore` crate), readable by every Ethereum tool. The
//! private key exists in memory only while the engine runs and never leaves the process: the
//! platform receives signatures, never the key. The password comes from an environment variable
//! or, on a terminal, a prompt; it is never an argument (argv is visible to other users).

use std::io::IsTerminal;
use std::path::Path;

use alloy::primitives::Address;
use alloy::signers::local::PrivateKeySigner;
use anyhow::{Context, bail};

/// Shortest password accepted for a new keystore.
const MIN_PASSWORD: usize = 8;

/// Creates the keystore `path` (refusing to overwrite one) with a new random key, or with
/// `import` (a 32-byte private key) when given; returns the wallet address.
pub fn create(path: &Path, password: &str, import: Option<&[u8]>) -> anyhow::Result<Address> {
    if password.chars().count() < MIN_PASSWORD {
        bail!("the keystore password must be at least {MIN_PASSWORD} characters");
    }
    if path.exists() {
        bail!(
            "{} exists already; move it away first (it may hold a funded key)",
            path.display()
        );
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .context("the keystore path must end in a UTF-8 file name")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut rng = rand08::rngs::OsRng;
    let (signer, _uuid) = match import {
        Some(key) => PrivateKeySigner::encrypt_keystore(dir, &mut rng, key, password, Some(name))
            .context(
            "cannot encrypt the imported key (is it 32 bytes of a valid secp256k1 key?)",
        )?,
        None => PrivateKeySigner::new_keystore(dir, &mut rng, password, Some(name))
            .context("cannot create the keystore")?,
    };
    restrict(path)?;
    Ok(signer.address())
}

/// Decrypts the keystore at `path`.
pub fn unlock(path: &Path, password: &str) -> anyhow::Result<PrivateKeySigner> {
    if !path.is_file() {
        bail!(
            "no keystore at {} (create one with `nexus engine init`)",
            path.display()
        );
    }
    PrivateKeySigner::decrypt_keystore(path, password).map_err(|error| {
        // eth-keystore reports a wrong password as a MAC mismatch.
        if error.to_string().to_lowercase().contains("mac") {
            anyhow::anyhow!(
                "cannot unlock {}: wrong password (the keystore's MAC does not match)",
                path.display()
            )
        } else {
            anyhow::anyhow!("cannot unlock {}: {error}", path.display())
        }
    })
}

/// The password: the environment variable `env` when set, else a prompt when stdin is a
/// terminal (asked twice when `confirm`), else an error naming the variable.
pub fn password(env: &str, confirm: bool) -> anyhow::Result<String> {
    if let Ok(password) = std::env::var(env) {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        bail!("set {env} to the keystore password (no terminal to ask on)");
    }
    let first = rpassword::prompt_password("Keystore password: ")?;
    if confirm {
        let second = rpassword::prompt_password("Repeat the password: ")?;
        if first != second {
            bail!("the two passwords differ");
        }
    }
    Ok(first)
}

/// Owner-only permissions for a secret file (keystore, WebSocket key).
pub fn restrict(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict the permissions of {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn scratch() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("nexus-keystore-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_created_keystore_unlocks_with_its_password_only() {
        let dir = scratch();
        let path = dir.join("keystore.json");
        let address = create(&path, "a long password", None).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(json["version"], 3, "{json}");
        assert_eq!(json["crypto"]["kdf"], "scrypt", "{json}");
        assert_eq!(unlock(&path, "a long password").unwrap().address(), address);
        let refused = format!("{:#}", unlock(&path, "another password").unwrap_err());
        assert!(refused.contains("wrong password"), "{refused}");
        // Never overwritten.
        assert!(create(&path, "a long password", None).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_imported_key_keeps_its_address_and_short_passwords_are_refused() {
        let dir = scratch();
        let key = PrivateKeySigner::random();
        let path = dir.join("imported.json");
        assert!(create(&path, "short", Some(key.to_bytes().as_slice())).is_err());
        let address = create(&path, "a long password", Some(key.to_bytes().as_slice())).unwrap();
        assert_eq!(address, key.address());
        assert_eq!(unlock(&path, "a long password").unwrap(), key);
        assert!(unlock(&dir.join("missing.json"), "x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
