//! Comments (`bounty.comments`, migration `20261207164500_bounty_comments.sql`): each new or
//! deleted comment and its event on the bounty stream (`CommentPosted`, `CommentDeleted`, with
//! `bounty_id` and `is_public` for the gateway's `bounty:{id}` topic) commit in one transaction.

use chrono::{DateTime, Utc};
use nexus_db::DbError;
use nexus_proto::bounty_me::{CommentDeleted, CommentPosted, CommentView};
use uuid::Uuid;

use super::Store;
use crate::error::BountyError;

/// A stored comment.
#[derive(Debug, Clone)]
pub struct CommentRow {
    /// Its id (UUIDv7: ordered by time).
    pub id: Uuid,
    /// The bounty.
    pub bounty_id: Uuid,
    /// The author's account id.
    pub author_id: String,
    /// The text (trimmed, checked).
    pub body: String,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
}

impl CommentRow {
    /// The wire form.
    pub fn view(&self) -> CommentView {
        CommentView {
            id: self.id,
            bounty_id: self.bounty_id,
            author: self.author_id.clone(),
            body: self.body.clone(),
            created_at: self.created_at,
        }
    }
}

impl Store {
    /// Stores a comment by `author_id` on bounty `bounty_id` with `CommentPosted`.
    pub async fn create_comment(
        &self,
        bounty_id: Uuid,
        is_public: bool,
        author_id: &str,
        body: &str,
    ) -> Result<CommentRow, BountyError> {
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        let row = sqlx::query_as!(
            CommentRow,
            "INSERT INTO bounty.comments (id, bounty_id, author_id, body) VALUES ($1, $2, $3, $4) \
             RETURNING id, bounty_id, author_id, body, created_at",
            Uuid::now_v7(),
            bounty_id,
            author_id,
            body,
        )
        .fetch_one(&mut *transaction)
        .await
        .map_err(DbError::from)?;
        let posted = CommentPosted {
            bounty_id,
            is_public,
            comment: row.view(),
        };
        self.outbox()
            .enqueue_event(&mut transaction, posted, None)
            .await?;
        transaction.commit().await.map_err(DbError::from)?;
        Ok(row)
    }

    /// Up to `limit` comments of bounty `bounty_id` not deleted, oldest first, after `after`.
    pub async fn list_comments(
        &self,
        bounty_id: Uuid,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<CommentRow>, BountyError> {
        let rows = sqlx::query_as!(
            CommentRow,
            "SELECT id, bounty_id, author_id, body, created_at FROM bounty.comments \
             WHERE bounty_id = $1 AND deleted_at IS NULL AND ($2::uuid IS NULL OR id > $2) \
             ORDER BY id LIMIT $3",
            bounty_id,
            after,
            limit,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(rows)
    }

    /// Marks comment `comment_id` of bounty `bounty_id` deleted by `deleted_by`, with
    /// `CommentDeleted`; false when there is no such comment (or it was deleted already).
    pub async fn delete_comment(
        &self,
        bounty_id: Uuid,
        comment_id: Uuid,
        is_public: bool,
        deleted_by: &str,
    ) -> Result<bool, BountyError> {
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        let deleted = sqlx::query!(
            "UPDATE bounty.comments SET deleted_at = now(), deleted_by = $3 \
             WHERE id = $1 AND bounty_id = $2 AND deleted_at IS NULL",
            comment_id,
            bounty_id,
            deleted_by,
        )
        .execute(&mut *transaction)
        .await
        .map_err(DbError::from)?
        .rows_affected();
        if deleted == 0 {
            return Ok(false);
        }
        let event = CommentDeleted {
            bounty_id,
            is_public,
            comment_id,
            deleted_by: deleted_by.to_owned(),
        };
        self.outbox()
            .enqueue_event(&mut transaction, event, None)
            .await?;
        transaction.commit().await.map_err(DbError::from)?;
        Ok(true)
    }
}
