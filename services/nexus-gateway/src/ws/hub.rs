//! The hub: which connection listens to which topic, and one Redis pub/sub subscription per
//! source stream for the whole instance, fanned out in process.
//!
//! Concurrency: the topic registry is a `std` read-write lock held only to copy senders out or
//! insert/remove one entry, never across an await. Subscriptions to Redis are created under a
//! `tokio` mutex, so two clients subscribing to the same new topic at once open it once, and a
//! client's `subscribed` answer is sent only after Redis confirmed the subscription (no event
//! published after the answer is missed). Each connection has a bounded queue of encoded frames,
//! read directly by its response body ([`crate::ws::transport::Outbound`]); an event is encoded
//! once and its frame shared by every subscriber. A full queue marks the connection as a slow
//! consumer (its `slow` token is cancelled) and the connection closes itself with code 4008.
//!
//! The hub also follows the user service's WebSocket-key events (`Ed25519KeyRevoked` on
//! `nexus_proto::user::WS_KEYS_STREAM`) and rebroadcasts each revoked key
//! ([`Hub::revoked_keys`]), so sessions signed in with that key close within moments; the
//! connections' periodic re-check of their key covers an announcement pub/sub lost.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use actix_web::web::Bytes;
use futures_util::StreamExt;
use nexus_bus::{Bus, BusError, LiveEvent};
use nexus_proto::ws::ServerMessage;
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use crate::metrics::GatewayMetrics;
use crate::ws::presence::Presence;
use crate::ws::topics::{TopicStreams, display_name};
use crate::ws::transport::text_frame;

/// A connection's side of the hub.
#[derive(Debug)]
pub struct Registration {
    /// The connection id within this instance.
    pub id: u64,
    /// Cancelled when the connection fell behind.
    pub slow: CancellationToken,
    sender: mpsc::Sender<Bytes>,
}

impl Registration {
    /// Queues an encoded frame for this connection without waiting. A full queue marks the
    /// connection as a slow consumer; returns whether the frame was queued.
    pub fn send(&self, frame: Bytes) -> bool {
        deliver(&self.sender, &self.slow, frame)
    }
}

fn deliver(sender: &mpsc::Sender<Bytes>, slow: &CancellationToken, frame: Bytes) -> bool {
    match sender.try_send(frame) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            slow.cancel();
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

#[derive(Debug, Clone)]
struct Subscriber {
    sender: mpsc::Sender<Bytes>,
    slow: CancellationToken,
}

#[derive(Debug)]
struct StreamSubscription {
    users: usize,
    stop: CancellationToken,
}

#[derive(Debug)]
struct Inner {
    bus: Bus,
    metrics: GatewayMetrics,
    streams: TopicStreams,
    next_id: AtomicU64,
    topics: RwLock<HashMap<String, HashMap<u64, Subscriber>>>,
    subscriptions: tokio::sync::Mutex<HashMap<String, StreamSubscription>>,
    open_subscriptions: Gauge,
    presence: Presence,
    presence_flush: Duration,
    shutdown: CancellationToken,
    /// Asks owning services whether a caller may read an object (topic authorization).
    probe: reqwest::Client,
    /// Hex public keys revoked at the user service, as announced.
    revoked_keys: broadcast::Sender<String>,
}

/// Revoked keys queued for slow sessions before they lag (and then re-check their key).
const REVOKED_KEYS_CAPACITY: usize = 256;
/// Time allowed to connect to an owning service for a topic question.
const PROBE_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The hub; cheap to clone.
#[derive(Debug, Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

impl Hub {
    /// A hub reading live events from `bus`.
    /// `presence_flush` is how often engines' heartbeats are shared with the fleet, and
    /// `presence_stale_after` when a record nobody refreshes counts as gone.
    pub fn new(
        bus: Bus,
        metrics: GatewayMetrics,
        streams: TopicStreams,
        presence_flush: Duration,
        presence_stale_after: Duration,
    ) -> Self {
        let subscriptions = metrics.ws_redis_subscriptions.clone();
        Self {
            inner: Arc::new(Inner {
                presence: Presence::new(
                    bus.clone(),
                    uuid::Uuid::now_v7().to_string(),
                    presence_stale_after,
                ),
                presence_flush,
                bus,
                metrics,
                streams,
                next_id: AtomicU64::new(1),
                topics: RwLock::default(),
                subscriptions: tokio::sync::Mutex::default(),
                open_subscriptions: subscriptions,
                shutdown: CancellationToken::new(),
                probe: reqwest::Client::builder()
                    .no_proxy()
                    .connect_timeout(PROBE_CONNECT_TIMEOUT)
                    .build()
                    .unwrap_or_default(),
                revoked_keys: broadcast::channel(REVOKED_KEYS_CAPACITY).0,
            }),
        }
    }

    /// Shares engine heartbeats every flush interval until `shutdown`; then withdraws this
    /// instance's engines from the fleet's presence and stops every Redis subscription.
    pub async fn run(&self, shutdown: CancellationToken) {
        let keys = self.clone();
        let key_watch = shutdown.child_token();
        tokio::spawn({
            let key_watch = key_watch.clone();
            async move { keys.follow_revoked_keys(key_watch).await }
        });
        let mut flush = tokio::time::interval(self.inner.presence_flush);
        flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = flush.tick() => {
                    if let Err(error) = self.inner.presence.flush().await {
                        tracing::warn!(error = %error, "Sharing engine heartbeats failed; retrying at the next tick.");
                    }
                }
            }
        }
        if let Err(error) = self.inner.presence.withdraw().await {
            tracing::warn!(error = %error, "Withdrawing this instance's engines failed; readers drop them once stale.");
        }
        key_watch.cancel();
        self.inner.shutdown.cancel();
    }

    /// Rebroadcasts the public key of every `Ed25519KeyRevoked` event until `stop`;
    /// resubscribes (with a pause) when the Redis connection drops.
    async fn follow_revoked_keys(&self, stop: CancellationToken) {
        let streams = [nexus_proto::user::WS_KEYS_STREAM];
        loop {
            let mut live = tokio::select! {
                () = stop.cancelled() => return,
                subscribed = self.inner.bus.subscribe(&streams) => match subscribed {
                    Ok(live) => live,
                    Err(error) => {
                        tracing::warn!(error = %error, "Following revoked WebSocket keys failed; retrying.");
                        tokio::select! {
                            () = stop.cancelled() => return,
                            () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        }
                    }
                },
            };
            loop {
                tokio::select! {
                    () = stop.cancelled() => return,
                    next = live.next() => match next {
                        Some(event) if event.envelope.name == "Ed25519KeyRevoked" => {
                            if let Some(key) = event.envelope.payload.get("public_key_hex").and_then(serde_json::Value::as_str) {
                                // No receiver (no key session on this instance) is fine.
                                let _ = self.inner.revoked_keys.send(key.to_ascii_lowercase());
                            }
                        }
                        Some(_) => {}
                        None => break,
                    },
                }
            }
        }
    }

    /// Revoked keys (lower-case hex) as the user service announces them.
    pub fn revoked_keys(&self) -> broadcast::Receiver<String> {
        self.inner.revoked_keys.subscribe()
    }

    /// The HTTP client that asks owning services about topics.
    pub fn probe_client(&self) -> &reqwest::Client {
        &self.inner.probe
    }

    /// A new connection with a queue of `capacity` frames, and the queue's reading end (the
    /// connection's response body).
    pub fn register(&self, capacity: usize) -> (Registration, mpsc::Receiver<Bytes>) {
        let (sender, queue) = mpsc::channel(capacity.max(1));
        let registration = Registration {
            id: self.inner.next_id.fetch_add(1, Ordering::Relaxed),
            slow: CancellationToken::new(),
            sender,
        };
        (registration, queue)
    }

    /// Adds `registration` to `topic` (an authorized topic key); opens the Redis subscription of
    /// its streams if this instance has none yet. Returns false if it was subscribed already.
    pub async fn subscribe(
        &self,
        registration: &Registration,
        topic: &str,
    ) -> Result<bool, BusError> {
        {
            let topics = self
                .inner
                .topics
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            if topics
                .get(topic)
                .is_some_and(|subscribers| subscribers.contains_key(&registration.id))
            {
                return Ok(false);
            }
        }
        let streams = self.inner.streams.streams_of(topic).to_vec();
        let mut opened: Vec<String> = Vec::new();
        for stream in &streams {
            if let Err(error) = self.acquire_stream(stream).await {
                for stream in opened {
                    self.release_stream(&stream).await;
                }
                return Err(error);
            }
            opened.push(stream.clone());
        }
        self.inner
            .topics
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(topic.to_owned())
            .or_default()
            .insert(
                registration.id,
                Subscriber {
                    sender: registration.sender.clone(),
                    slow: registration.slow.clone(),
                },
            );
        Ok(true)
    }

    /// Removes `id` from `topic`; closes the topic's Redis subscriptions when nobody is left.
    pub async fn unsubscribe(&self, id: u64, topic: &str) -> bool {
        let removed = {
            let mut topics = self
                .inner
                .topics
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            let removed = topics
                .get_mut(topic)
                .is_some_and(|subscribers| subscribers.remove(&id).is_some());
            if topics.get(topic).is_some_and(HashMap::is_empty) {
                topics.remove(topic);
            }
            removed
        };
        if removed {
            for stream in self.inner.streams.streams_of(topic).to_vec() {
                self.release_stream(&stream).await;
            }
        }
        removed
    }

    async fn acquire_stream(&self, stream: &str) -> Result<(), BusError> {
        let mut subscriptions = self.inner.subscriptions.lock().await;
        if let Some(existing) = subscriptions.get_mut(stream) {
            existing.users += 1;
            return Ok(());
        }
        let live = self.inner.bus.subscribe(&[stream]).await?;
        let stop = self.inner.shutdown.child_token();
        subscriptions.insert(
            stream.to_owned(),
            StreamSubscription {
                users: 1,
                stop: stop.clone(),
            },
        );
        self.inner.open_subscriptions.inc();
        let hub = self.clone();
        let stream = stream.to_owned();
        tokio::spawn(async move { hub.read_stream(stream, live, stop).await });
        Ok(())
    }

    async fn release_stream(&self, stream: &str) {
        let mut subscriptions = self.inner.subscriptions.lock().await;
        let now_unused = subscriptions.get_mut(stream).is_some_and(|existing| {
            existing.users = existing.users.saturating_sub(1);
            existing.users == 0
        });
        if now_unused && let Some(existing) = subscriptions.remove(stream) {
            existing.stop.cancel();
            self.inner.open_subscriptions.dec();
        }
    }

    /// Reads one stream's live events until stopped; resubscribes (with a pause) when the Redis
    /// connection drops. Events published while it is away are lost, as pub/sub promises.
    async fn read_stream(
        &self,
        stream: String,
        mut live: nexus_bus::LiveSubscription,
        stop: CancellationToken,
    ) {
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                next = live.next() => match next {
                    Some(event) => self.fan_out(&event),
                    None => {
                        tracing::warn!(stream = %stream, "The live subscription dropped; resubscribing.");
                        live = loop {
                            tokio::select! {
                                () = stop.cancelled() => return,
                                () = tokio::time::sleep(Duration::from_millis(500)) => {}
                            }
                            match self.inner.bus.subscribe(&[stream.as_str()]).await {
                                Ok(live) => break live,
                                Err(error) => tracing::warn!(error = %error, stream = %stream, "Resubscribing failed; retrying."),
                            }
                        };
                    }
                },
            }
        }
    }

    /// Delivers one live event to every subscriber of its topics, without waiting on anyone:
    /// the frame is encoded once and queued for each subscriber under the registry's read lock
    /// (queueing never blocks, so subscribers joining meanwhile wait microseconds).
    fn fan_out(&self, event: &LiveEvent) {
        for topic in self
            .inner
            .streams
            .topics_of(&event.stream, &event.envelope.payload)
        {
            let topics = self
                .inner
                .topics
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            let Some(subscribers) = topics.get(&topic) else {
                continue;
            };
            let message = ServerMessage::Event {
                topic: display_name(&topic).to_owned(),
                event: serde_json::to_value(&event.envelope).unwrap_or_default(),
            };
            let Ok(text) = serde_json::to_string(&message) else {
                continue;
            };
            let frame = text_frame(&text);
            for subscriber in subscribers.values() {
                deliver(&subscriber.sender, &subscriber.slow, frame.clone());
            }
        }
    }

    /// Forgets a connection: every topic it was in.
    pub async fn remove(&self, id: u64) {
        let topics: Vec<String> = {
            let topics = self
                .inner
                .topics
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            topics
                .iter()
                .filter(|(_, subscribers)| subscribers.contains_key(&id))
                .map(|(topic, _)| topic.clone())
                .collect()
        };
        for topic in topics {
            self.unsubscribe(id, &topic).await;
        }
    }

    /// Presence of this fleet's analyst engines.
    pub fn presence(&self) -> &Presence {
        &self.inner.presence
    }

    /// The metrics.
    pub fn metrics(&self) -> &GatewayMetrics {
        &self.inner.metrics
    }
}
