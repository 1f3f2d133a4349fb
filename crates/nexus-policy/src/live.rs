//! [`LivePolicies`]: the policy set in use, swapped atomically when a new version is published.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::policies::Policies;

/// A published policy set and its version number (the auth service's `policy_versions` row).
#[derive(Debug)]
pub struct PublishedPolicies {
    /// The publication number: 1 for the seeded shipped policies, then one more per publish.
    pub revision: i64,
    /// The validated set.
    pub policies: Policies,
}

/// Holds the current [`PublishedPolicies`] for concurrent readers.
///
/// Readers take an `Arc` snapshot without a lock ([`LivePolicies::current`]) and decide with it, so a swap
/// never changes the policies under a decision in progress. [`LivePolicies::replace`] only moves
/// forward: a reload that arrives late (an older revision) is ignored, which makes the order of
/// concurrent reloads irrelevant.
#[derive(Debug)]
pub struct LivePolicies {
    current: ArcSwap<PublishedPolicies>,
}

impl LivePolicies {
    /// Starts with `policies` as `revision`.
    pub fn new(revision: i64, policies: Policies) -> Self {
        Self {
            current: ArcSwap::from_pointee(PublishedPolicies { revision, policies }),
        }
    }

    /// The set in use now.
    pub fn current(&self) -> Arc<PublishedPolicies> {
        self.current.load_full()
    }

    /// The revision in use now.
    pub fn revision(&self) -> i64 {
        self.current().revision
    }

    /// Installs `policies` as `revision` if it is newer than the current one; returns whether
    /// it was installed.
    pub fn replace(&self, revision: i64, policies: Policies) -> bool {
        let newer = Arc::new(PublishedPolicies { revision, policies });
        // `rcu` retries if another reload swapped in between, so the revision check and the
        // swap act as one step without a writer lock.
        let previous = self.current.rcu(|current| {
            if revision > current.revision {
                Arc::clone(&newer)
            } else {
                Arc::clone(current)
            }
        });
        revision > previous.revision
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policies::PolicySource;

    fn only(text: &str) -> Policies {
        Policies::from_sources(&[PolicySource::new("t.cedar", text)]).unwrap()
    }

    #[test]
    fn only_newer_revisions_replace_the_current_set() {
        let live = LivePolicies::new(1, Policies::shipped().unwrap());
        let snapshot = live.current();
        let newer = only("@id(\"a\") permit(principal, action, resource);");
        assert!(live.replace(2, newer));
        assert_eq!(live.revision(), 2);
        // A reader that took a snapshot before the swap keeps deciding with it.
        assert_eq!(snapshot.revision, 1);
        assert!(!live.replace(2, Policies::shipped().unwrap()));
        assert!(!live.replace(1, Policies::shipped().unwrap()));
        assert_eq!(live.current().policies.policy_ids(), ["a"]);
    }

    #[test]
    fn live_policies_are_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<LivePolicies>();
    }
}
