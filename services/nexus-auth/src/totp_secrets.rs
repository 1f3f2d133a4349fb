//! TOTP secrets at rest: encrypted with the envelope keys ([`crate::domain::envelope`]) on the
//! way into PostgreSQL, decrypted on the way out, and re-encrypted under the active key at start
//! (rows written before encryption, or under a key being rotated out).

use nexus_proto::UserId;

use crate::AuthService;
use crate::error::AuthError;
use crate::store::mfa::{StoredTotp, TotpRow};

impl AuthService {
    /// The user's TOTP row with its secret decrypted.
    pub async fn totp_row(&self, user_id: UserId) -> Result<Option<TotpRow>, AuthError> {
        let Some(stored) = self.store.totp(user_id).await? else {
            return Ok(None);
        };
        Ok(Some(TotpRow {
            secret: self.decrypt_totp(&stored)?,
            confirmed: stored.confirmed,
            last_used_step: stored.last_used_step,
        }))
    }

    fn decrypt_totp(&self, stored: &StoredTotp) -> Result<Vec<u8>, AuthError> {
        match (
            &stored.secret,
            &stored.secret_kid,
            &stored.secret_ciphertext,
        ) {
            (_, Some(kid), Some(ciphertext)) => self
                .totp_cipher
                .decrypt(stored.user_id, kid, ciphertext)
                .map_err(|error| AuthError::Internal(error.to_string())),
            (Some(plain), _, _) => Ok(plain.clone()),
            _ => Err(AuthError::Internal("a TOTP row holds no secret".into())),
        }
    }

    /// Stores a new (unconfirmed) secret, encrypted; false when a confirmed one exists.
    pub async fn start_totp(&self, user_id: UserId, secret: &[u8]) -> Result<bool, AuthError> {
        let (kid, ciphertext) = self
            .totp_cipher
            .encrypt(user_id, secret)
            .map_err(|error| AuthError::Internal(error.to_string()))?;
        Ok(self.store.start_totp(user_id, &kid, &ciphertext).await?)
    }

    /// Re-encrypts every secret that is in the clear or under an older key with the active
    /// key; returns how many rows were rewritten. Rows whose key is gone are logged and left.
    pub async fn reencrypt_totp_secrets(&self) -> Result<usize, AuthError> {
        let active = self.totp_cipher.active_kid().to_owned();
        let mut rewritten = 0;
        loop {
            let rows = self.store.totp_to_reencrypt(&active).await?;
            let mut progressed = false;
            for row in &rows {
                let secret = match self.decrypt_totp(row) {
                    Ok(secret) => secret,
                    Err(error) => {
                        tracing::error!(user_id = %row.user_id, error = %error, "A TOTP secret cannot be re-encrypted.");
                        continue;
                    }
                };
                let (kid, ciphertext) = self
                    .totp_cipher
                    .encrypt(row.user_id, &secret)
                    .map_err(|error| AuthError::Internal(error.to_string()))?;
                if self
                    .store
                    .replace_totp_secret(row, &kid, &ciphertext)
                    .await?
                {
                    rewritten += 1;
                    progressed = true;
                }
            }
            if rows.len() < 1000 || !progressed {
                return Ok(rewritten);
            }
        }
    }
}
