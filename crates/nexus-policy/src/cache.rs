//! [`DecisionCache`]: remembered decisions, exact for the policy revision they were made with.
//!
//! A decision is a pure function of the [`Request`] and the policy set: the Cedar entities are
//! built from the request alone (principal, resource attributes, context), nothing is read from
//! a clock or a store. So a remembered decision is not an approximation: for the same request
//! and revision Cedar would answer the same. A new revision empties the cache. Decisions whose
//! evaluation reported errors are never remembered, so each such request keeps being logged.
//!
//! Why: evaluating the policy set costs ~10 µs, the largest part of a proxied request in the
//! gateway once the token check is cached; a hit costs one hash of the request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::decision::Decision;
use crate::live::PublishedPolicies;
use crate::request::Request;

/// A bounded map from request to decision for one policy revision.
#[derive(Debug)]
pub struct DecisionCache {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    revision: Option<i64>,
    decisions: HashMap<Request, Arc<Decision>>,
}

impl DecisionCache {
    /// A cache of at most `capacity` decisions (emptied when full: simple, and a full cache
    /// refills at the rate requests arrive).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            state: Mutex::default(),
        }
    }

    /// The decision of `published` for `request`, remembered or made now.
    pub fn decide(&self, published: &PublishedPolicies, request: &Request) -> Arc<Decision> {
        {
            let state = self.lock();
            if state.revision == Some(published.revision)
                && let Some(decision) = state.decisions.get(request)
            {
                return decision.clone();
            }
        }
        let decision = Arc::new(published.policies.authorize(request));
        if decision.errors.is_empty() {
            let mut state = self.lock();
            match state.revision {
                Some(revision) if revision > published.revision => return decision,
                Some(revision) if revision == published.revision => {}
                _ => {
                    state.decisions.clear();
                    state.revision = Some(published.revision);
                }
            }
            if state.decisions.len() >= self.capacity {
                state.decisions.clear();
            }
            state.decisions.insert(request.clone(), decision.clone());
        }
        decision
    }

    /// Decisions remembered now.
    pub fn len(&self) -> usize {
        self.lock().decisions.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use nexus_core::Role;

    use super::*;
    use crate::policies::{Policies, PolicySource};
    use crate::request::{Action, Principal, RequestContext, Resource};

    fn published(revision: i64, text: &str) -> PublishedPolicies {
        PublishedPolicies {
            revision,
            policies: Policies::from_sources(&[PolicySource::new("t.cedar", text)]).unwrap(),
        }
    }

    fn read_private(who: &str, whose: &str) -> Request {
        Request {
            principal: Principal::user(who, Role::User),
            action: Action::UserReadPrivate,
            resource: Resource::UserAccount {
                id: whose.to_owned(),
            },
            context: RequestContext::default(),
        }
    }

    #[test]
    fn remembered_decisions_equal_fresh_ones_for_every_request() {
        let cache = DecisionCache::new(100);
        let shipped = PublishedPolicies {
            revision: 1,
            policies: Policies::shipped().unwrap(),
        };
        for (who, whose) in [("a", "a"), ("a", "b"), ("b", "b"), ("a", "a"), ("a", "b")] {
            let request = read_private(who, whose);
            let fresh = shipped.policies.authorize(&request);
            assert_eq!(
                *cache.decide(&shipped, &request),
                fresh,
                "{who} reading {whose}"
            );
        }
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn a_new_revision_is_decided_afresh_and_an_older_one_is_not_remembered() {
        let cache = DecisionCache::new(100);
        let allow_all = published(1, "@id(\"all\") permit(principal, action, resource);");
        let request = read_private("a", "b");
        assert!(cache.decide(&allow_all, &request).allowed);
        let deny_all = published(2, "@id(\"none\") forbid(principal, action, resource);");
        let decision = cache.decide(&deny_all, &request);
        assert!(!decision.allowed);
        assert_eq!(decision.determining_policies, ["none"]);
        // A reader still holding revision 1 gets revision 1's answer, without evicting 2's.
        assert!(cache.decide(&allow_all, &request).allowed);
        assert!(!cache.decide(&deny_all, &request).allowed);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn the_cache_never_grows_past_its_capacity() {
        let cache = DecisionCache::new(4);
        let allow_all = published(1, "@id(\"all\") permit(principal, action, resource);");
        for index in 0..10 {
            let id = index.to_string();
            assert!(cache.decide(&allow_all, &read_private(&id, "x")).allowed);
            assert!(cache.len() <= 4);
        }
        assert!(!cache.is_empty());
    }
}
