//! `[analysis.jobs]` settings (`NEXUS_ANALYSIS__JOBS__<KEY>`): the CPU pools, the memory the
//! workers may use, and the reconciliation loop.
//!
//! CPU: analyses and retrohunts run on two separate bounded pools ([`crate::blocking_pool`]).
//! The analysis pool (`cpu_threads`, one thread per analysis consumer by default) runs only the
//! engine on uploads with the platform's rules; the retrohunt pool (`hunt_threads` threads, as
//! many retrohunt consumers) runs only users' hunt rules. So however slow a user's rule is, it
//! holds at most the hunt threads, and an analysis never waits behind a hunt; and with several
//! hunt threads one owner's slow hunt leaves the others' hunts threads to run on. The process
//! uses at most `cpu_threads + hunt_threads` cores for this work.
//!
//! Memory against the pod limit: a worker maps the sample it analyses read-only from the local
//! store (remote stores fetch it into one buffer), plus the engine's working set. Mapped pages
//! are file-backed page cache, reclaimable under pressure, yet the reservation still counts
//! them, so it holds for remote stores too. Every job reserves
//! [`JobSettings::reservation_for`] its sample (`2 × size + 64 MiB`: the bytes, the strings
//! kept for IOC extraction, which can be as large as the sample, and a fixed allowance for
//! YARA, parsers and the report) from `memory_budget_bytes` before it reads the sample, and
//! keeps it until the engine has returned, even after a time budget gave up on it. So the
//! analysis memory of a process never exceeds `memory_budget_bytes`; the pod limit must cover
//! it plus the process baseline ([`PROCESS_BASELINE_BYTES`]: HTTP, pools, caches, rules).
//! Start-up refuses a budget too small for a sample of `analysis.max_upload_bytes` (it would
//! never run), and a budget that with the baseline exceeds the container's memory limit read
//! from the cgroup (the pod limit; `max_upload_bytes` 256 MiB needs a budget of at least
//! 576 MiB, so a pod limit of at least 704 MiB).

use std::time::Duration;

use serde::Deserialize;

/// Fixed part of a job's memory reservation (YARA scanner, parsers, report).
pub const JOB_FIXED_BYTES: u64 = 64 * 1024 * 1024;

/// What the process needs besides the analysis jobs (HTTP, pools, caches, compiled rules).
pub const PROCESS_BASELINE_BYTES: u64 = 128 * 1024 * 1024;

/// Where the container's memory limit is published (cgroup v2, then v1).
const CGROUP_MEMORY_LIMIT_FILES: [&str; 2] = [
    "/sys/fs/cgroup/memory.max",
    "/sys/fs/cgroup/memory/memory.limit_in_bytes",
];

/// The memory limit of the container this process runs in (the pod limit), if there is one.
pub fn container_memory_limit() -> Option<u64> {
    CGROUP_MEMORY_LIMIT_FILES.iter().find_map(|file| {
        let text = std::fs::read_to_string(file).ok()?;
        // "max" (v2) or a huge number (v1) mean no limit.
        let bytes: u64 = text.trim().parse().ok()?;
        (bytes < u64::MAX / 2).then_some(bytes)
    })
}

/// The job settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct JobSettings {
    /// Threads of the CPU pool that runs the engine on analyses (see `blocking_pool`); 0 means
    /// `analysis.workers` (one per analysis consumer). Retrohunts never run on it.
    pub cpu_threads: usize,
    /// Threads of the retrohunts' own CPU pool, and retrohunt consumers per process (each runs
    /// one chunk at a time, one scan at a time): the most CPU users' hunts can take (at least 1).
    pub hunt_threads: usize,
    /// Pieces of work that may wait for a pool thread; past it jobs are retried later.
    pub cpu_queue: usize,
    /// Bytes the analysis jobs of this process may hold at once (see the module docs).
    pub memory_budget_bytes: u64,
    /// How often the reconciliation loop looks for analyses and retrohunts whose job was lost.
    #[serde(with = "humantime_serde")]
    pub reconcile_interval: Duration,
    /// How long an analysis or retrohunt may stay `queued`, or `running` without progress,
    /// before the reconciliation loop checks whether its job still exists (and queues it again
    /// if not). Must exceed `bus.claim_idle`, so a job merely waiting for a reclaim is left
    /// alone.
    #[serde(with = "humantime_serde")]
    pub reconcile_after: Duration,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            cpu_threads: 0,
            hunt_threads: 1,
            cpu_queue: 4,
            memory_budget_bytes: 1024 * 1024 * 1024,
            reconcile_interval: Duration::from_secs(60),
            reconcile_after: Duration::from_secs(300),
        }
    }
}

impl JobSettings {
    /// Bytes a job reserves for a sample of `sample_bytes`.
    pub fn reservation_for(sample_bytes: u64) -> u64 {
        sample_bytes
            .saturating_mul(2)
            .saturating_add(JOB_FIXED_BYTES)
    }

    /// Analysis pool threads for `workers` analysis consumers (at least 1).
    pub fn threads_for(&self, workers: usize) -> usize {
        if self.cpu_threads == 0 {
            workers.max(1)
        } else {
            self.cpu_threads
        }
    }

    /// Retrohunt pool threads and consumers (at least 1).
    pub fn hunt_threads(&self) -> usize {
        self.hunt_threads.max(1)
    }

    /// Checks the budget against the container's memory limit (`None`: no limit): the jobs'
    /// budget plus the process baseline must fit, or the kernel kills the pod under load.
    pub fn check_against_limit(&self, limit: Option<u64>) -> Result<(), String> {
        let Some(limit) = limit else {
            return Ok(());
        };
        let needed = self
            .memory_budget_bytes
            .saturating_add(PROCESS_BASELINE_BYTES);
        if needed <= limit {
            return Ok(());
        }
        Err(format!(
            "analysis.jobs.memory_budget_bytes ({}) plus the process baseline ({PROCESS_BASELINE_BYTES}) \
             needs {needed} bytes, over the container's memory limit of {limit} bytes; lower \
             analysis.jobs.memory_budget_bytes (and analysis.max_upload_bytes) or raise the pod's \
             memory limit",
            self.memory_budget_bytes
        ))
    }

    /// Checks the values against each other and against the upload limit.
    pub fn validate(&self, max_upload_bytes: u64, problems: &mut Vec<String>) {
        if self.cpu_threads > 256 {
            problems.push("analysis.jobs.cpu_threads must be at most 256".into());
        }
        if self.hunt_threads > 64 {
            problems.push("analysis.jobs.hunt_threads must be at most 64".into());
        }
        if self.cpu_queue > 10_000 {
            problems.push("analysis.jobs.cpu_queue must be at most 10000".into());
        }
        let needed = Self::reservation_for(max_upload_bytes);
        if self.memory_budget_bytes < needed {
            problems.push(format!(
                "analysis.jobs.memory_budget_bytes ({}) must be at least {needed} \
                 (2 × analysis.max_upload_bytes + 64 MiB), or a sample of the largest accepted \
                 size could never be analysed",
                self.memory_budget_bytes
            ));
        }
        if self.reconcile_interval < Duration::from_millis(100) {
            problems.push("analysis.jobs.reconcile_interval must be at least 100ms".into());
        }
        if self.reconcile_after.is_zero() {
            problems.push("analysis.jobs.reconcile_after must be positive".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_over_the_pod_limit_is_refused_and_no_limit_is_fine() {
        let settings = JobSettings::default();
        assert!(settings.check_against_limit(None).is_ok());
        let pod = 512 * 1024 * 1024;
        let error = settings.check_against_limit(Some(pod)).unwrap_err();
        assert!(
            error.contains("analysis.jobs.memory_budget_bytes"),
            "{error}"
        );
        let fitting = JobSettings {
            memory_budget_bytes: 256 * 1024 * 1024,
            ..JobSettings::default()
        };
        assert!(fitting.check_against_limit(Some(pod)).is_ok());
    }

    #[test]
    fn a_memory_budget_below_one_largest_sample_is_refused_naming_both_keys() {
        let settings = JobSettings {
            memory_budget_bytes: 100 * 1024 * 1024,
            ..JobSettings::default()
        };
        let mut problems = Vec::new();
        settings.validate(256 * 1024 * 1024, &mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("analysis.jobs.memory_budget_bytes"));
        assert!(problems[0].contains("analysis.max_upload_bytes"));
        let mut none = Vec::new();
        JobSettings::default().validate(256 * 1024 * 1024, &mut none);
        assert!(none.is_empty(), "{none:?}");
    }
}
