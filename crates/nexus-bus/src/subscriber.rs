//! Live fan-out over Redis pub/sub.
//!
//! Every publish also sends the envelope on the channel named like the stream key. Pub/sub is
//! fire-and-forget: a subscriber that is disconnected, slow, or not yet subscribed misses
//! messages, and nothing redelivers them. Use it only for live views (the gateway's WebSocket hub);
//! a client that reconnects re-reads state over REST (or resumes from a stream id).

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use nexus_proto::event::RawEnvelope;
use redis::aio::{PubSubSink, PubSubStream};

use crate::bus::Bus;
use crate::error::BusError;

/// One envelope received live.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEvent {
    /// Stream name without the key prefix.
    pub stream: String,
    /// The envelope as published.
    pub envelope: RawEnvelope,
}

/// A stream of [`LiveEvent`]s from the subscribed streams' channels.
///
/// Messages that are not envelopes are logged and skipped. The stream ends when the connection
/// drops; subscribe again (and re-read state) to recover.
pub struct LiveSubscription {
    // Kept so the subscription stays open while the stream is read.
    _sink: PubSubSink,
    messages: PubSubStream,
    key_prefix: String,
}

impl std::fmt::Debug for LiveSubscription {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("LiveSubscription")
            .field("key_prefix", &self.key_prefix)
            .finish()
    }
}

impl Bus {
    /// Subscribes to the live channel of each of `streams` (unprefixed names) on a dedicated
    /// connection. Only messages published after this returns are received.
    pub async fn subscribe(&self, streams: &[&str]) -> Result<LiveSubscription, BusError> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        for stream in streams {
            pubsub.subscribe(self.key(stream)).await?;
        }
        let (sink, messages) = pubsub.split();
        Ok(LiveSubscription {
            _sink: sink,
            messages,
            key_prefix: self.key_prefix.to_string(),
        })
    }
}

impl Stream for LiveSubscription {
    type Item = LiveEvent;

    fn poll_next(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<LiveEvent>> {
        loop {
            let Some(message) = std::task::ready!(Pin::new(&mut self.messages).poll_next(context))
            else {
                return Poll::Ready(None);
            };
            let channel = message.get_channel_name();
            let stream = channel
                .strip_prefix(self.key_prefix.as_str())
                .unwrap_or(channel)
                .to_owned();
            match serde_json::from_slice::<RawEnvelope>(message.get_payload_bytes()) {
                Ok(envelope) => return Poll::Ready(Some(LiveEvent { stream, envelope })),
                Err(error) => {
                    tracing::warn!(error = %error, stream = %stream, "Skipping a live message that is not an envelope.");
                }
            }
        }
    }
}
