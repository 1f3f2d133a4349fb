//! Password reset mails: nexus-user publishes `PasswordResetRequested` (a reset id, the account,
//! its address, the expiry; never the token). This consumer queues one mail per reset
//! (idempotent on the reset id, so a redelivered event queues none); the sender then asks
//! nexus-user for the single-use token (`POST /internal/v1/password-resets/{id}/token`) and mails
//! the link. The token lives only in the outgoing mail: it is never stored or logged.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use nexus_bus::{ConsumerParams, Delivery, Handler, HandlerError};
use nexus_client::{CallContext, ClientError, UserClient};
use nexus_proto::Envelope;
use nexus_proto::user::PasswordResetRequested;
use nexus_runtime::Workers;

use super::mailer::OutgoingMail;
use super::template::{PASSWORD_RESET, render};
use crate::NotificationService;

/// The `kind` of password reset mails in the queue.
pub const PASSWORD_RESET_KIND: &str = "password_reset";

/// The consumer group on nexus-user's password reset stream.
const GROUP: &str = "notification-password-resets";

struct Resets {
    service: Arc<NotificationService>,
}

impl Handler for Resets {
    type Event = PasswordResetRequested;

    async fn handle(
        &self,
        envelope: Envelope<PasswordResetRequested>,
        _delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        let event = &envelope.payload;
        self.service
            .store
            .queue_password_reset(
                &event.reset_id,
                event.user_id.as_uuid(),
                &event.email,
                event.expires_at,
            )
            .await
            .map_err(HandlerError::retryable)
    }
}

/// Registers the `password-resets` consumer (from [`crate::workers::register`]).
pub fn register(service: Arc<NotificationService>, workers: &mut Workers) {
    let consumer_name = format!("nexus-notification-{}", uuid::Uuid::now_v7().simple());
    let bus = service.bus.clone();
    workers.add("password-resets", move |shutdown| async move {
        let consumer = bus
            .consumer(ConsumerParams::new(
                nexus_proto::user::PASSWORD_RESETS_STREAM,
                GROUP,
                consumer_name,
            ))
            .await?;
        consumer.run(Resets { service }, shutdown).await;
        Ok(())
    });
}

/// Why the reset mail cannot be composed.
pub enum ResetError {
    /// nexus-user no longer issues the token (already issued, used or expired): give up.
    Gone(String),
    /// nexus-user could not be asked: retry.
    Unavailable(String),
}

/// Asks nexus-user for the reset's token and renders the mail with the link.
pub async fn compose(
    users: &UserClient,
    public_url: &str,
    payload: &serde_json::Value,
    address: &str,
    message_id: &str,
) -> Result<OutgoingMail, ResetError> {
    let reset_id = payload["reset_id"]
        .as_str()
        .ok_or_else(|| ResetError::Gone("the queued reset has no id".to_owned()))?;
    let token = match users
        .issue_password_reset_token(&CallContext::none(), reset_id)
        .await
    {
        Ok(token) => token,
        Err(error @ ClientError::Api { .. })
            if error
                .status()
                .is_some_and(|status| status.is_client_error()) =>
        {
            return Err(ResetError::Gone(format!(
                "nexus-user no longer issues this reset's token ({})",
                error.status().map(|s| s.as_u16()).unwrap_or_default()
            )));
        }
        Err(error) => {
            return Err(ResetError::Unavailable(format!(
                "asking nexus-user for the reset token: {error}"
            )));
        }
    };
    let link = format!(
        "{}/reset-password?token={}",
        public_url.trim_end_matches('/'),
        token.token
    );
    let expires: DateTime<Utc> = token.expires_at;
    let expires = expires.format("%Y-%m-%d %H:%M UTC").to_string();
    let (text, html) = render(
        PASSWORD_RESET,
        &[("link", link.as_str()), ("expires", expires.as_str())],
    );
    Ok(OutgoingMail {
        to: address.to_owned(),
        subject: "[Nexus Security] Reset your password".to_owned(),
        text,
        html,
        message_id: message_id.to_owned(),
        unsubscribe: None,
    })
}
