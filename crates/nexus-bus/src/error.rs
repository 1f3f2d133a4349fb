//! The crate's one error type.

/// Everything that can go wrong on the bus itself (handler failures are [`HandlerError`](crate::HandlerError)).
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// A Redis command failed or the connection is down.
    #[error("redis command failed: {0}")]
    Redis(#[from] redis::RedisError),
    /// An envelope could not be serialized to JSON.
    #[error("could not encode the event envelope: {0}")]
    Encode(#[source] serde_json::Error),
    /// The settings would make the bus misbehave.
    #[error("invalid bus settings: {0}")]
    InvalidSettings(String),
    /// Redis answered with something the bus did not expect (e.g. a missing entry id).
    #[error("redis returned an unexpected reply: {0}")]
    UnexpectedReply(String),
}

impl BusError {
    /// Stable, machine-readable snake_case code of the error kind.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Redis(_) => "bus_redis_failed",
            Self::Encode(_) => "bus_encode_failed",
            Self::InvalidSettings(_) => "bus_invalid_settings",
            Self::UnexpectedReply(_) => "bus_unexpected_reply",
        }
    }
}
