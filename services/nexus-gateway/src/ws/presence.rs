//! Presence of connected analyst engines, for the whole gateway fleet.
//!
//! Each instance knows its own engines (a local map, updated on every heartbeat) and mirrors
//! them into one Redis hash shared by all instances (`gateway:presence:v1`, session id → JSON
//! record), so `GET /api/v1/presence` answers the same on every replica:
//! - sign-in and sign-out write the hash at once, awaited by the connection's own task, so a
//!   session's write and delete cannot overtake each other;
//! - heartbeats only touch the local map; [`Presence::flush`] copies the local records to the
//!   hash every heartbeat interval, then deletes any session that left meanwhile (a flush racing
//!   a sign-out cannot leave the session behind);
//! - an instance that dies without signing its engines out leaves records whose heartbeat stops
//!   moving: readers skip (and delete) records older than `stale_after`.
//!
//! A failed Redis write is logged and repaired by the next flush; a failed read is an error
//! (the caller answers 503), never a silently partial list.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::Utc;
use nexus_bus::{Bus, BusError};
use nexus_proto::ws::{EngineConnected, EngineDisconnected, EnginePresence};
use nexus_proto::{Envelope, Event};

/// The hash of every instance's engines, in the gateway's key namespace
/// (`nexus:gateway:engines:v1`; the presence announcements are the stream
/// `nexus:gateway:presence:v1`).
const PRESENCE_KEY: &str = "engines:v1";

/// This instance's engines and the fleet-wide view of all of them.
#[derive(Debug)]
pub struct Presence {
    bus: Bus,
    instance: String,
    key: String,
    stale_after: Duration,
    local: Mutex<BTreeMap<String, EnginePresence>>,
}

impl Presence {
    /// Presence for `instance`; records whose last heartbeat is older than `stale_after` are
    /// treated as left (their instance stopped without saying so).
    pub fn new(bus: Bus, instance: String, stale_after: Duration) -> Self {
        Self {
            key: bus
                .keys()
                .namespace(crate::REDIS_NAMESPACE)
                .key(PRESENCE_KEY),
            bus,
            instance,
            stale_after,
            local: Mutex::default(),
        }
    }

    fn local(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, EnginePresence>> {
        self.local.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records an engine's sign-in, in the shared hash too, and announces it.
    pub async fn connected(&self, user_id: &str, session_id: &str) {
        let now = Utc::now();
        let presence = EnginePresence {
            user_id: user_id.to_owned(),
            session_id: session_id.to_owned(),
            instance: self.instance.clone(),
            connected_at: now,
            last_heartbeat_at: now,
        };
        self.local().insert(session_id.to_owned(), presence.clone());
        if let Err(error) = self.write(std::slice::from_ref(&presence)).await {
            tracing::warn!(error = %error, "Recording an engine's presence failed; the next flush retries.");
        }
        self.announce(Envelope::new(EngineConnected { presence }))
            .await;
    }

    /// Notes a heartbeat of an engine (shared at the next flush).
    pub fn heartbeat(&self, session_id: &str) {
        if let Some(presence) = self.local().get_mut(session_id) {
            presence.last_heartbeat_at = Utc::now();
        }
    }

    /// Forgets an engine, here and in the shared hash, and announces why it left.
    pub async fn disconnected(&self, session_id: &str, reason: &str) {
        let removed = self.local().remove(session_id);
        let Some(presence) = removed else {
            return;
        };
        if let Err(error) = self.delete(&[session_id.to_owned()]).await {
            tracing::warn!(error = %error, "Removing an engine's presence failed; readers drop it once stale.");
        }
        self.announce(Envelope::new(EngineDisconnected {
            presence,
            reason: reason.to_owned(),
        }))
        .await;
    }

    /// Copies this instance's records (with their latest heartbeats) to the shared hash.
    pub async fn flush(&self) -> Result<(), BusError> {
        let snapshot: Vec<EnginePresence> = self.local().values().cloned().collect();
        if snapshot.is_empty() {
            return Ok(());
        }
        self.write(&snapshot).await?;
        // Sessions that signed out while the write was under way may have been written back.
        let gone: Vec<String> = {
            let local = self.local();
            snapshot
                .into_iter()
                .filter(|presence| !local.contains_key(&presence.session_id))
                .map(|presence| presence.session_id)
                .collect()
        };
        self.delete(&gone).await
    }

    /// Removes this instance's records from the shared hash (at shutdown).
    pub async fn withdraw(&self) -> Result<(), BusError> {
        let sessions: Vec<String> = self.local().keys().cloned().collect();
        self.delete(&sessions).await
    }

    /// Every connected engine of the fleet, oldest first. Stale records are left out and
    /// deleted.
    pub async fn engines(&self) -> Result<Vec<EnginePresence>, BusError> {
        let records: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(&self.key)
            .query_async(&mut self.bus.connection())
            .await?;
        let oldest = Utc::now()
            - chrono::Duration::from_std(self.stale_after).unwrap_or(chrono::Duration::MAX);
        let mut engines = Vec::with_capacity(records.len());
        let mut stale = Vec::new();
        for (session_id, json) in records {
            match serde_json::from_str::<EnginePresence>(&json) {
                Ok(presence) if presence.last_heartbeat_at >= oldest => engines.push(presence),
                Ok(_) => stale.push(session_id),
                Err(error) => {
                    tracing::warn!(error = %error, session_id = %session_id, "Dropping an unreadable presence record.");
                    stale.push(session_id);
                }
            }
        }
        if let Err(error) = self.delete(&stale).await {
            tracing::warn!(error = %error, "Removing stale presence records failed.");
        }
        engines
            .sort_by(|a, b| (a.connected_at, &a.session_id).cmp(&(b.connected_at, &b.session_id)));
        Ok(engines)
    }

    async fn write(&self, records: &[EnginePresence]) -> Result<(), BusError> {
        let mut command = redis::cmd("HSET");
        command.arg(&self.key);
        for presence in records {
            let json = serde_json::to_string(presence).map_err(BusError::Encode)?;
            command.arg(&presence.session_id).arg(json);
        }
        command
            .query_async::<()>(&mut self.bus.connection())
            .await?;
        Ok(())
    }

    async fn delete(&self, sessions: &[String]) -> Result<(), BusError> {
        if sessions.is_empty() {
            return Ok(());
        }
        redis::cmd("HDEL")
            .arg(&self.key)
            .arg(sessions)
            .query_async::<()>(&mut self.bus.connection())
            .await?;
        Ok(())
    }

    async fn announce<E: Event>(&self, envelope: Envelope<E>) {
        if let Err(error) = self.bus.publish(&envelope).await {
            tracing::warn!(error = %error, event = E::NAME, "Publishing a presence event failed.");
        }
    }
}
