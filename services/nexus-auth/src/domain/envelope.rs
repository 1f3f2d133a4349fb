//! Envelope encryption of TOTP secrets: AES-256-GCM (ring) under one of several named keys.
//!
//! A stored secret is `(kid, nonce ‖ ciphertext ‖ tag)`, with a fresh random 96-bit nonce per
//! encryption and the user id as associated data, so a ciphertext copied onto another account's
//! row does not decrypt. Rotation: add a key, make it the active one (new secrets and the
//! re-encryption pass use it), keep the old keys until the pass has rewritten every row.

use std::collections::BTreeMap;

use nexus_core::UserId;
use rand::RngCore;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

/// Bytes of an envelope key.
pub const KEY_BYTES: usize = 32;
/// Associated-data prefix (with the user id): binds a ciphertext to its purpose and row.
const AAD_PREFIX: &[u8] = b"nexus-auth totp secret v1:";

/// Why a secret could not be encrypted or decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// No key has this id (it was removed before its rows were re-encrypted).
    #[error("no TOTP encryption key has the id {0:?}")]
    UnknownKey(String),
    /// The ciphertext is malformed, was altered, or belongs to another row.
    #[error("a TOTP secret does not decrypt")]
    Corrupt,
    /// A key is not 32 bytes.
    #[error("TOTP encryption keys must be 32 bytes")]
    BadKey,
}

/// The envelope keys by id, and which one encrypts.
pub struct TotpCipher {
    keys: BTreeMap<String, LessSafeKey>,
    active: String,
}

impl std::fmt::Debug for TotpCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpCipher")
            .field("kids", &self.keys.keys().collect::<Vec<_>>())
            .field("active", &self.active)
            .finish()
    }
}

fn aad(user_id: UserId) -> Vec<u8> {
    let mut data = AAD_PREFIX.to_vec();
    data.extend_from_slice(user_id.as_uuid().as_bytes());
    data
}

impl TotpCipher {
    /// A cipher over `keys` (id → 32 bytes) encrypting with `active`.
    pub fn new(keys: &BTreeMap<String, Vec<u8>>, active: &str) -> Result<Self, EnvelopeError> {
        let mut loaded = BTreeMap::new();
        for (kid, bytes) in keys {
            let unbound =
                UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| EnvelopeError::BadKey)?;
            loaded.insert(kid.clone(), LessSafeKey::new(unbound));
        }
        if !loaded.contains_key(active) {
            return Err(EnvelopeError::UnknownKey(active.to_owned()));
        }
        Ok(Self {
            keys: loaded,
            active: active.to_owned(),
        })
    }

    /// The id of the key new secrets are encrypted with.
    pub fn active_kid(&self) -> &str {
        &self.active
    }

    /// Encrypts `secret` for `user_id` with the active key: `(kid, nonce ‖ ciphertext ‖ tag)`.
    pub fn encrypt(
        &self,
        user_id: UserId,
        secret: &[u8],
    ) -> Result<(String, Vec<u8>), EnvelopeError> {
        let key = self
            .keys
            .get(&self.active)
            .ok_or_else(|| EnvelopeError::UnknownKey(self.active.clone()))?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut sealed = secret.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(user_id)),
            &mut sealed,
        )
        .map_err(|_| EnvelopeError::Corrupt)?;
        let mut stored = nonce.to_vec();
        stored.extend_from_slice(&sealed);
        Ok((self.active.clone(), stored))
    }

    /// Decrypts what [`TotpCipher::encrypt`] stored for `user_id` under `kid`.
    pub fn decrypt(
        &self,
        user_id: UserId,
        kid: &str,
        stored: &[u8],
    ) -> Result<Vec<u8>, EnvelopeError> {
        let key = self
            .keys
            .get(kid)
            .ok_or_else(|| EnvelopeError::UnknownKey(kid.to_owned()))?;
        if stored.len() < NONCE_LEN {
            return Err(EnvelopeError::Corrupt);
        }
        let (nonce, sealed) = stored.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| EnvelopeError::Corrupt)?;
        let mut buffer = sealed.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(aad(user_id)), &mut buffer)
            .map_err(|_| EnvelopeError::Corrupt)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use uuid::Uuid;

    fn new_user() -> UserId {
        UserId::from_uuid(Uuid::now_v7())
    }

    fn keys(ids: &[(&str, u8)]) -> BTreeMap<String, Vec<u8>> {
        ids.iter()
            .map(|(id, fill)| ((*id).to_owned(), vec![*fill; KEY_BYTES]))
            .collect()
    }

    #[test]
    fn a_secret_round_trips_and_is_not_stored_in_the_clear() {
        let cipher = TotpCipher::new(&keys(&[("k1", 7)]), "k1").unwrap();
        let user = new_user();
        let secret = b"12345678901234567890";
        let (kid, stored) = cipher.encrypt(user, secret).unwrap();
        assert_eq!(kid, "k1");
        assert_eq!(stored.len(), NONCE_LEN + secret.len() + 16);
        assert!(!stored.windows(secret.len()).any(|window| window == secret));
        assert_eq!(cipher.decrypt(user, &kid, &stored).unwrap(), secret);
        // Fresh nonce each time.
        assert_ne!(cipher.encrypt(user, secret).unwrap().1, stored);
    }

    #[test]
    fn another_row_an_altered_byte_or_a_missing_key_does_not_decrypt() {
        let cipher = TotpCipher::new(&keys(&[("k1", 7)]), "k1").unwrap();
        let user = new_user();
        let (kid, mut stored) = cipher.encrypt(user, b"secret-secret-secret").unwrap();
        assert_eq!(
            cipher.decrypt(new_user(), &kid, &stored),
            Err(EnvelopeError::Corrupt)
        );
        assert_eq!(
            cipher.decrypt(user, "k0", &stored),
            Err(EnvelopeError::UnknownKey("k0".into()))
        );
        stored[NONCE_LEN] ^= 1;
        assert_eq!(
            cipher.decrypt(user, &kid, &stored),
            Err(EnvelopeError::Corrupt)
        );
    }

    #[test]
    fn after_rotation_old_secrets_decrypt_and_new_ones_use_the_new_key() {
        let user = new_user();
        let old = TotpCipher::new(&keys(&[("k1", 7)]), "k1").unwrap();
        let (kid, stored) = old.encrypt(user, b"secret-secret-secret").unwrap();
        let rotated = TotpCipher::new(&keys(&[("k1", 7), ("k2", 9)]), "k2").unwrap();
        assert_eq!(
            rotated.decrypt(user, &kid, &stored).unwrap(),
            b"secret-secret-secret"
        );
        assert_eq!(rotated.encrypt(user, b"x").unwrap().0, "k2");
        assert!(TotpCipher::new(&keys(&[("k1", 7)]), "k2").is_err());
    }
}
