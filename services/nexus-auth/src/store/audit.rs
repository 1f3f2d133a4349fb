//! `auth.audit_log`.

use chrono::{DateTime, Utc};
use nexus_db::DbError;
use nexus_proto::auth::AuditEntry;
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::Store;

/// What an audit row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    /// A password (and, when enrolled, second factor) sign-in succeeded.
    LoginSucceeded,
    /// A sign-in failed (wrong password, unknown name, wrong code).
    LoginFailed,
    /// A login name was locked after repeated failures.
    AccountLocked,
    /// A refresh token was replayed; its family was revoked.
    RefreshTokenReused,
    /// A session family was ended.
    LoggedOut,
    /// Every session of an account was ended.
    LoggedOutEverywhere,
    /// A TOTP enrolment was confirmed.
    MfaEnabled,
    /// A TOTP enrolment was removed.
    MfaDisabled,
    /// A recovery code was used.
    RecoveryCodeUsed,
    /// An API key was created.
    ApiKeyCreated,
    /// An API key was revoked.
    ApiKeyRevoked,
    /// A user's roles changed (from nexus-user's event).
    RoleChanged,
    /// A policy version was published.
    PoliciesPublished,
    /// A request was refused by policy.
    AuthorizationDenied,
}

impl AuditKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginSucceeded => "login_succeeded",
            Self::LoginFailed => "login_failed",
            Self::AccountLocked => "account_locked",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::LoggedOut => "logged_out",
            Self::LoggedOutEverywhere => "logged_out_everywhere",
            Self::MfaEnabled => "mfa_enabled",
            Self::MfaDisabled => "mfa_disabled",
            Self::RecoveryCodeUsed => "recovery_code_used",
            Self::ApiKeyCreated => "api_key_created",
            Self::ApiKeyRevoked => "api_key_revoked",
            Self::RoleChanged => "role_changed",
            Self::PoliciesPublished => "policies_published",
            Self::AuthorizationDenied => "authorization_denied",
        }
    }
}

/// One row to write.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// Row id (UUIDv7; an event's id when the row comes from an event).
    pub id: Uuid,
    /// What.
    pub kind: AuditKind,
    /// Who did it.
    pub actor: Option<String>,
    /// Whom it concerns.
    pub subject: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// Details (never secrets).
    pub detail: Value,
    /// When; now if none.
    pub occurred_at: Option<DateTime<Utc>>,
}

impl AuditRecord {
    /// A record of `kind` now with a fresh id.
    pub fn new(kind: AuditKind) -> Self {
        Self {
            id: Uuid::now_v7(),
            kind,
            actor: None,
            subject: None,
            ip: None,
            detail: Value::Object(serde_json::Map::new()),
            occurred_at: None,
        }
    }

    /// Sets the actor.
    #[must_use]
    pub fn actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    /// Sets the subject.
    #[must_use]
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets the client address.
    #[must_use]
    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }

    /// Sets the details.
    #[must_use]
    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Filters of the admin listing.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this subject.
    pub subject: Option<String>,
    /// Only rows older than this id.
    pub before: Option<Uuid>,
    /// Page size.
    pub limit: i64,
}

/// Inserts `record` on `connection` (inside the caller's transaction, when it has one).
pub async fn insert(connection: &mut PgConnection, record: &AuditRecord) -> Result<(), DbError> {
    sqlx::query!(
        "INSERT INTO auth.audit_log (id, occurred_at, kind, actor, subject, ip, detail) \
         VALUES ($1, coalesce($2, now()), $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
        record.id,
        record.occurred_at,
        record.kind.as_str(),
        record.actor,
        record.subject,
        record.ip,
        record.detail,
    )
    .execute(connection)
    .await?;
    Ok(())
}

impl Store {
    /// Writes one audit row on its own.
    #[tracing::instrument(skip_all, fields(kind = record.kind.as_str()))]
    pub async fn audit(&self, record: &AuditRecord) -> Result<(), DbError> {
        let mut connection = self.pool.acquire().await?;
        insert(&mut connection, record).await
    }

    /// Lists audit rows, newest first.
    #[tracing::instrument(skip(self))]
    pub async fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, DbError> {
        Ok(sqlx::query_as!(
            AuditEntry,
            "SELECT id, occurred_at, kind, actor, subject, ip, detail FROM auth.audit_log \
             WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR subject = $2) \
             AND ($3::uuid IS NULL OR id < $3) ORDER BY id DESC LIMIT $4",
            query.kind,
            query.subject,
            query.before,
            query.limit,
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
