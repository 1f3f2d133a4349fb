//! What a consumer group still has to do on a stream: for reconciliation loops that must tell a
//! job that is merely waiting from one whose entry was lost (Redis restarted without its data).

use nexus_proto::event::RawEnvelope;
use redis::RedisError;
use redis::streams::{StreamInfoGroupsReply, StreamPendingCountReply, StreamRangeReply};

use crate::bus::Bus;
use crate::codec::decode_entry;
use crate::error::BusError;

/// Entries read per round trip while scanning.
const PAGE: usize = 500;

impl Bus {
    /// The envelopes of `stream` that `group` has not finished: entries delivered to one of its
    /// consumers and not acknowledged (pending), and entries not delivered yet. Entries that do
    /// not decode are skipped (the consumer dead-letters them).
    ///
    /// Reads the undelivered entries first and the pending ones second, so an entry that moves
    /// from one to the other meanwhile is seen once at least. A missing stream or group means
    /// nothing is outstanding; a missing group over an existing stream means every retained
    /// entry is (the consumer recreates the group at `0`).
    pub async fn outstanding(
        &self,
        stream: &str,
        group: &str,
    ) -> Result<Vec<RawEnvelope>, BusError> {
        let key = self.key(stream);
        let mut connection = self.connection.clone();
        let groups: Result<StreamInfoGroupsReply, RedisError> = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(&key)
            .query_async(&mut connection)
            .await;
        let groups = match groups {
            Ok(groups) => groups,
            // No such key: the stream (and its groups) is gone.
            Err(error) if error.to_string().contains("no such key") => return Ok(Vec::new()),
            Err(error) => return Err(error.into()),
        };
        let last_delivered = groups
            .groups
            .iter()
            .find(|found| found.name == group)
            .map(|found| found.last_delivered_id.clone());
        let mut envelopes = Vec::new();
        // Undelivered: after the group's last delivered id (everything without a group).
        let mut start = match &last_delivered {
            Some(id) => format!("({id}"),
            None => "-".to_owned(),
        };
        loop {
            let page: StreamRangeReply = redis::cmd("XRANGE")
                .arg(&key)
                .arg(&start)
                .arg("+")
                .arg("COUNT")
                .arg(PAGE)
                .query_async(&mut connection)
                .await?;
            let Some(last) = page.ids.last().map(|entry| entry.id.clone()) else {
                break;
            };
            let full = page.ids.len() == PAGE;
            envelopes.extend(
                page.ids
                    .iter()
                    .filter_map(|entry| decode_entry(&entry.map).ok()),
            );
            if !full {
                break;
            }
            start = format!("({last}");
        }
        if last_delivered.is_none() {
            return Ok(envelopes);
        }
        // Pending: delivered, not acknowledged.
        let mut start = "-".to_owned();
        loop {
            let pending: StreamPendingCountReply = redis::cmd("XPENDING")
                .arg(&key)
                .arg(group)
                .arg(&start)
                .arg("+")
                .arg(PAGE)
                .query_async(&mut connection)
                .await?;
            let Some(last) = pending.ids.last().map(|entry| entry.id.clone()) else {
                break;
            };
            let full = pending.ids.len() == PAGE;
            let mut fetch = redis::pipe();
            for entry in &pending.ids {
                fetch.cmd("XRANGE").arg(&key).arg(&entry.id).arg(&entry.id);
            }
            let pages: Vec<StreamRangeReply> = fetch.query_async(&mut connection).await?;
            envelopes.extend(
                pages
                    .iter()
                    .flat_map(|page| page.ids.iter())
                    .filter_map(|entry| decode_entry(&entry.map).ok()),
            );
            if !full {
                break;
            }
            start = format!("({last}");
        }
        Ok(envelopes)
    }
}
