//! The e-mail channel: SMTP through `lettre` ([`mailer`]), bodies rendered from the templates kept
//! in `services/nexus-notification/templates/` ([`template`]), and the sender worker
//! ([`sender`]) that drains `notification.email_messages` (queued by
//! [`crate::store::email::enqueue_email`] in the notice's own transaction).
//!
//! Delivery is at least once with one unavoidable window: a sender killed after the SMTP server
//! accepted a mail but before the `sent` mark committed leaves its lease to run out, and the
//! mail is sent again. Everything else (a crash before or during the SMTP dialogue, an SMTP
//! server that is down) only delays the mail.

pub mod digest;
pub mod mailer;
pub mod metrics;
pub mod password_reset;
pub mod sender;
pub mod settings;
pub mod template;
