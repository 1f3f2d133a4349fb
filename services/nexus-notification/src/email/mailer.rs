//! SMTP through `lettre`: one pooled async transport built from `[notification.email]`, and the
//! multipart (text + HTML) message. An SMTP failure is classified once here: a permanent
//! refusal (5xx) is a bounce, anything else (connection refused, timeout, 4xx) is retried.

use lettre::message::{Mailbox, MultiPart, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::settings::{EmailSettings, SmtpSecurity};

/// A mail ready to send.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    /// The recipient's address.
    pub to: String,
    /// The subject (line breaks are removed).
    pub subject: String,
    /// The `text/plain` part.
    pub text: String,
    /// The `text/html` part.
    pub html: String,
    /// The `Message-ID` (`<id@host>`).
    pub message_id: String,
    /// The `List-Unsubscribe` link, if the mail has one.
    pub unsubscribe: Option<String>,
}

/// Why a mail was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The server refused the mail or recipient for good (SMTP 5xx): counted as a bounce.
    #[error("permanent SMTP refusal: {0}")]
    Permanent(String),
    /// Anything that may pass (server down, timeout, 4xx): retried later.
    #[error("transient SMTP failure: {0}")]
    Transient(String),
    /// The mail itself cannot be built (an invalid address): never retried.
    #[error("the mail cannot be built: {0}")]
    Invalid(String),
}

/// The SMTP side of the sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The transport `settings` describe (no connection is made yet).
    pub fn new(settings: &EmailSettings) -> Result<Self, String> {
        let host = settings.smtp_host.as_str();
        let builder = match settings.security {
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|error| format!("the SMTP STARTTLS transport: {error}"))?,
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|error| format!("the SMTP TLS transport: {error}"))?,
            SmtpSecurity::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder
            .port(settings.smtp_port)
            .timeout(Some(settings.timeout));
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|error| format!("notification.email.from: {error}"))?;
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// The host part of Message-IDs (the sender address's domain).
    pub fn message_id_host(&self) -> String {
        self.from.email.domain().to_owned()
    }

    /// Sends `mail` once.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let to = mail
            .to
            .parse::<Mailbox>()
            .map_err(|error| SendError::Invalid(format!("recipient: {error}")))?;
        let subject: String = mail
            .subject
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(mail.message_id.clone()));
        if let Some(link) = &mail.unsubscribe {
            builder = builder.header(ListUnsubscribe(format!("<{link}>")));
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|error| SendError::Invalid(error.to_string()))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) if error.is_permanent() => Err(SendError::Permanent(error.to_string())),
            Err(error) => Err(SendError::Transient(error.to_string())),
        }
    }
}

/// `List-Unsubscribe` (RFC 2369), so mail clients offer the link as a button.
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl header::Header for ListUnsubscribe {
    fn name() -> header::HeaderName {
        header::HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> header::HeaderValue {
        header::HeaderValue::new(Self::name(), self.0.clone())
    }
}
