-- nexus-auth: TOTP secrets encrypted at rest (AES-256-GCM under an envelope key from the secret
-- store, named by secret_kid). The plaintext column stays only for rows written before this
-- migration; the service re-encrypts them at start and clears it.
ALTER TABLE auth.totp_secrets ALTER COLUMN secret DROP NOT NULL;
ALTER TABLE auth.totp_secrets ADD COLUMN secret_kid text CHECK (length(secret_kid) BETWEEN 1 AND 64);
-- 12-byte nonce, then the ciphertext and its 16-byte tag.
ALTER TABLE auth.totp_secrets ADD COLUMN secret_ciphertext bytea
    CHECK (length(secret_ciphertext) BETWEEN 44 AND 92);
ALTER TABLE auth.totp_secrets ADD CONSTRAINT totp_secrets_one_form CHECK (
    (secret IS NULL AND secret_ciphertext IS NOT NULL AND secret_kid IS NOT NULL)
    OR (secret IS NOT NULL AND secret_ciphertext IS NULL AND secret_kid IS NULL)
);
