//! The WebSocket wire under the hub: frames in, decoded from the upgraded request's payload, and
//! frames out, as the streamed response body.
//!
//! Why not `actix_ws::Session`: a hub delivery went hub queue → connection task → the session's
//! own channel → response body, two task wake-ups and a copy per client per event. Here the hub
//! queue *is* the response body: the hub pushes a frame and the connection's HTTP dispatcher
//! writes it. Server frames are never masked, so a broadcast is encoded once ([`text_frame`])
//! and every subscriber's queue holds a reference-counted view of the same bytes.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_http::ws::{
    CloseCode, CloseReason, Codec, Frame, Message, OpCode, Parser, ProtocolError,
};
use actix_web::web::{self, Bytes, BytesMut};
use bytestring::ByteString;
use futures_util::{Stream, StreamExt};
use prometheus_client::metrics::counter::Counter;
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::Decoder;

/// Longest control-frame payload (RFC 6455 §5.5).
const MAX_CONTROL_PAYLOAD: usize = 125;

/// An unmasked, final text frame.
pub fn text_frame(text: &str) -> Bytes {
    frame(OpCode::Text, text.as_bytes())
}

/// A ping frame with an empty payload.
pub fn ping_frame() -> Bytes {
    frame(OpCode::Ping, b"")
}

/// A pong frame answering a ping's payload (cut to the control-frame limit).
pub fn pong_frame(payload: &[u8]) -> Bytes {
    frame(
        OpCode::Pong,
        &payload[..payload.len().min(MAX_CONTROL_PAYLOAD)],
    )
}

/// A close frame with `code` and a reason cut to fit a control frame.
pub fn close_frame(code: u16, description: &str) -> Bytes {
    let mut end = description.len().min(MAX_CONTROL_PAYLOAD - 2);
    while !description.is_char_boundary(end) {
        end -= 1;
    }
    let reason = CloseReason {
        code: CloseCode::from(code),
        description: Some(description[..end].to_owned()),
    };
    let mut buffer = BytesMut::new();
    Parser::write_close(&mut buffer, Some(reason), false);
    buffer.freeze()
}

fn frame(opcode: OpCode, payload: &[u8]) -> Bytes {
    let mut buffer = BytesMut::with_capacity(payload.len() + 10);
    Parser::write_message(&mut buffer, payload, opcode, true, false);
    buffer.freeze()
}

/// The response body of one connection: frames from its queue until a close frame is
/// requested (sent ahead of anything still queued) or the connection's task is gone.
pub struct Outbound {
    frames: mpsc::Receiver<Bytes>,
    close: Option<oneshot::Receiver<Bytes>>,
    sent: Counter,
}

/// Asks the [`Outbound`] body to send a close frame and end.
#[derive(Debug)]
pub struct Closer(oneshot::Sender<Bytes>);

impl Closer {
    /// Sends close `code` with `description` ahead of queued frames, then ends the response.
    pub fn close(self, code: u16, description: &str) {
        let _ = self.0.send(close_frame(code, description));
    }
}

impl Outbound {
    /// The body reading `frames`, and its closer. `sent` counts the frames written out.
    pub fn new(frames: mpsc::Receiver<Bytes>, sent: Counter) -> (Self, Closer) {
        let (closer, close) = oneshot::channel();
        let body = Self {
            frames,
            close: Some(close),
            sent,
        };
        (body, Closer(closer))
    }
}

impl Stream for Outbound {
    type Item = Result<Bytes, actix_web::Error>;

    fn poll_next(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(close) = self.close.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(close).poll(context) {
            Poll::Ready(Ok(frame)) => {
                self.close = None;
                self.frames.close();
                return Poll::Ready(Some(Ok(frame)));
            }
            // The connection's task ended without a close frame: end the response.
            Poll::Ready(Err(_)) => {
                self.close = None;
                return Poll::Ready(None);
            }
            Poll::Pending => {}
        }
        match self.frames.poll_recv(context) {
            Poll::Ready(Some(frame)) => {
                self.sent.inc();
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(None) => {
                self.close = None;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Messages from the client, decoded from the upgraded request's payload.
pub struct Inbound {
    payload: web::Payload,
    buffer: BytesMut,
    codec: Codec,
    ended: bool,
}

impl Inbound {
    /// Decodes `payload`, refusing frames over `max_frame_bytes`.
    pub fn new(payload: web::Payload, max_frame_bytes: usize) -> Self {
        Self {
            payload,
            buffer: BytesMut::new(),
            codec: Codec::new().max_size(max_frame_bytes),
            ended: false,
        }
    }

    /// The next message; `None` once the client is gone, an error for a protocol violation
    /// (after which the connection must be closed).
    pub async fn recv(&mut self) -> Option<Result<Message, ProtocolError>> {
        loop {
            match self.codec.decode(&mut self.buffer) {
                Ok(Some(frame)) => return Some(message(frame)),
                Ok(None) => {}
                Err(error) => return Some(Err(error)),
            }
            if self.ended {
                return None;
            }
            match self.payload.next().await {
                Some(Ok(bytes)) => self.buffer.extend_from_slice(&bytes),
                Some(Err(error)) => {
                    self.ended = true;
                    return Some(Err(ProtocolError::Io(std::io::Error::other(
                        error.to_string(),
                    ))));
                }
                None => self.ended = true,
            }
        }
    }
}

fn message(frame: Frame) -> Result<Message, ProtocolError> {
    Ok(match frame {
        Frame::Text(bytes) => Message::Text(ByteString::try_from(bytes).map_err(|error| {
            ProtocolError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, error))
        })?),
        Frame::Binary(bytes) => Message::Binary(bytes),
        Frame::Ping(bytes) => Message::Ping(bytes),
        Frame::Pong(bytes) => Message::Pong(bytes),
        Frame::Close(reason) => Message::Close(reason),
        Frame::Continuation(item) => Message::Continuation(item),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_frames_are_unmasked_and_length_prefixed() {
        let short = text_frame("hi");
        assert_eq!(&short[..], &[0x81, 2, b'h', b'i']);
        let long = text_frame(&"x".repeat(300));
        assert_eq!(&long[..4], &[0x81, 126, 1, 44]);
        assert_eq!(long.len(), 304);
    }

    #[test]
    fn close_frames_carry_the_code_and_a_reason_that_fits_a_control_frame() {
        let frame = close_frame(4008, &"é".repeat(100));
        assert_eq!(frame[0], 0x88);
        let length = usize::from(frame[1]);
        assert!(length <= MAX_CONTROL_PAYLOAD);
        assert_eq!(&frame[2..4], &4008u16.to_be_bytes());
        assert!(std::str::from_utf8(&frame[4..]).is_ok());
    }

    #[test]
    fn pongs_echo_at_most_a_control_frame_of_payload() {
        assert_eq!(&pong_frame(b"abc")[..], &[0x8A, 3, b'a', b'b', b'c']);
        assert_eq!(pong_frame(&[7; 200]).len(), 2 + MAX_CONTROL_PAYLOAD);
    }

    #[tokio::test]
    async fn a_requested_close_goes_ahead_of_queued_frames_and_ends_the_body() {
        let (sender, frames) = mpsc::channel(4);
        let sent = Counter::default();
        let (mut body, closer) = Outbound::new(frames, sent.clone());
        sender.try_send(text_frame("one")).unwrap();
        assert_eq!(body.next().await.unwrap().unwrap(), text_frame("one"));
        sender.try_send(text_frame("two")).unwrap();
        closer.close(4008, "slow consumer");
        let frame = body.next().await.unwrap().unwrap();
        assert_eq!(&frame[..4], &[0x88, 15, 0x0f, 0xa8]);
        assert!(body.next().await.is_none());
        assert!(sender.try_send(text_frame("three")).is_err());
        assert_eq!(sent.get(), 1);
    }

    #[tokio::test]
    async fn the_body_ends_when_the_connection_task_is_gone() {
        let (_sender, frames) = mpsc::channel(4);
        let (mut body, closer) = Outbound::new(frames, Counter::default());
        drop(closer);
        assert!(body.next().await.is_none());
        assert!(body.next().await.is_none());
    }
}
