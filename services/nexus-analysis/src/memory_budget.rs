//! The memory the analysis jobs of one process may hold at once (`analysis.jobs.memory_budget_bytes`).
//!
//! A job reserves its share before it reads a sample and hands the reservation to the CPU
//! pool's work, so the memory is released when the engine has really returned, not when a
//! time budget gave up waiting for it. Jobs that do not fit wait (their wait counts against
//! their time budget) instead of pushing the process past its pod limit.
//!
//! The sample's own share of a reservation is its mapped pages, not heap: both backends hand
//! the engine a read-only file map (the local store's file, or an S3 sample's download in the
//! staging directory, see [`crate::sample_store`]). Those pages are page cache, charged to the
//! pod's cgroup while resident but reclaimable, so the budget over-counts them rather than
//! under-counts: it stays an upper bound on what the jobs can make the pod hold.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::job_settings::JobSettings;

/// Reservations are counted in KiB so a `u32` permit count covers terabytes.
const UNIT_BYTES: u64 = 1024;

/// A byte budget shared by the jobs of a process.
#[derive(Debug, Clone)]
pub struct MemoryBudget {
    semaphore: Arc<Semaphore>,
    total_units: u32,
}

/// Memory held by one job; released on drop.
#[derive(Debug)]
pub struct Reservation {
    _permit: OwnedSemaphorePermit,
    /// Bytes reserved.
    pub bytes: u64,
}

impl MemoryBudget {
    /// A budget of `bytes`.
    pub fn new(bytes: u64) -> Self {
        let total_units = u32::try_from(bytes / UNIT_BYTES)
            .unwrap_or(u32::MAX)
            .clamp(1, u32::try_from(Semaphore::MAX_PERMITS).unwrap_or(u32::MAX));
        Self {
            semaphore: Arc::new(Semaphore::new(total_units as usize)),
            total_units,
        }
    }

    /// Waits until the budget has room for a sample of `sample_bytes` and reserves it (a job
    /// larger than the whole budget reserves all of it, so it runs alone).
    pub async fn reserve(&self, sample_bytes: u64) -> Reservation {
        let wanted = JobSettings::reservation_for(sample_bytes).div_ceil(UNIT_BYTES);
        let units = u32::try_from(wanted)
            .unwrap_or(u32::MAX)
            .clamp(1, self.total_units);
        let permit = Arc::clone(&self.semaphore).acquire_many_owned(units).await;
        match permit {
            Ok(permit) => Reservation {
                _permit: permit,
                bytes: u64::from(units) * UNIT_BYTES,
            },
            // The semaphore is never closed; this branch only keeps the types honest.
            Err(_closed) => std::future::pending().await,
        }
    }

    /// Bytes not reserved right now.
    pub fn available_bytes(&self) -> u64 {
        self.semaphore.available_permits() as u64 * UNIT_BYTES
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_second_job_waits_until_the_first_releases_its_memory() {
        let budget = MemoryBudget::new(JobSettings::reservation_for(1024 * 1024) + 1024);
        let first = budget.reserve(1024 * 1024).await;
        let waiting = tokio::time::timeout(Duration::from_millis(50), budget.reserve(1)).await;
        assert!(waiting.is_err(), "the budget must not be exceeded");
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(1), budget.reserve(1)).await;
        assert!(second.is_ok());
    }
}
