//! The crate's one error type.

/// Everything that can go wrong on the bus itself (handler failures are [`HandlerError`](crate::HandlerError)).
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// A Redis command failed or the connection is down.
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
    /// An envelope could not be serialized to JSON.
    #[error("could not encode the event envelope: {0}")]
    Encode(serde_json::Error),
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

    /// True when Redis could not be reached or cannot serve right now (see
    /// [`redis_is_unavailable`]); every other bus failure is a bug or a broken invariant.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Redis(error) => redis_is_unavailable(error),
            Self::Encode(_) | Self::InvalidSettings(_) | Self::UnexpectedReply(_) => false,
        }
    }
}

/// True when a Redis failure means "Redis cannot serve right now, retry later": the connection
/// is refused, dropped or timed out, or the server is loading, failing over or its cluster is
/// down. A command Redis refuses on its own terms (a wrong type, a script error) is false: that
/// is a bug, not an outage.
pub fn redis_is_unavailable(error: &redis::RedisError) -> bool {
    use redis::{ErrorKind, ServerErrorKind};
    error.is_io_error()
        || error.is_connection_refusal()
        || error.is_connection_dropped()
        || error.is_timeout()
        || error.is_cluster_error()
        || matches!(
            error.kind(),
            ErrorKind::ClusterConnectionNotFound
                | ErrorKind::Server(
                    ServerErrorKind::BusyLoading
                        | ServerErrorKind::MasterDown
                        | ServerErrorKind::ReadOnly
                )
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_connections_are_unavailable_and_server_refusals_are_not() {
        let refused =
            redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(redis_is_unavailable(&refused));
        assert!(BusError::Redis(refused).is_unavailable());

        let wrong_type = redis::RedisError::from((
            redis::ErrorKind::UnexpectedReturnType,
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        ));
        assert!(!redis_is_unavailable(&wrong_type));
        assert!(!BusError::UnexpectedReply("no entry id".into()).is_unavailable());
    }
}
