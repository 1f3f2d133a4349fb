//! Decision latency of the shipped policies over the role × action × resource matrix.
//!
//! `cargo bench -p nexus-policy --bench decision_latency` prints p50/p90/p99/p99.9 of single
//! `Policies::authorize` calls (each call timed on its own), and the time to build a policy set
//! from text, which is what a cache reload after a publish costs. Goal: p99 ≤ 50 µs.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use nexus_core::Role;
use nexus_policy::{
    Action, BountyStatus, Policies, Principal, Request, RequestContext, Resource, ResourceKind,
    Visibility,
};

/// Representative resources of a kind: owned by the caller ("alice") or by someone else,
/// public or private.
fn resources(kind: ResourceKind) -> Vec<Resource> {
    let owners = ["alice", "bob"];
    match kind {
        ResourceKind::Platform => vec![Resource::Platform],
        ResourceKind::Bounty => owners
            .iter()
            .flat_map(|owner| {
                [
                    (BountyStatus::Open, true),
                    (BountyStatus::Open, false),
                    (BountyStatus::Revealing, true),
                    (BountyStatus::Resolved, true),
                ]
                .map(|(status, is_public)| Resource::Bounty {
                    id: "0190f3a2-bounty".to_owned(),
                    owner: (*owner).to_owned(),
                    status,
                    is_public,
                })
            })
            .collect(),
        ResourceKind::Analysis => owners
            .iter()
            .flat_map(|owner| {
                [Visibility::Public, Visibility::Private].map(|visibility| Resource::Analysis {
                    id: "0190f3a2-analysis".to_owned(),
                    uploaders: vec![(*owner).to_owned()],
                    visibility,
                    is_bounty_artifact: false,
                })
            })
            .collect(),
        ResourceKind::File => owners
            .iter()
            .flat_map(|owner| {
                [Visibility::Public, Visibility::Private].map(|visibility| Resource::File {
                    id: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                        .to_owned(),
                    uploaders: vec![(*owner).to_owned()],
                    visibility,
                    is_bounty_artifact: false,
                })
            })
            .collect(),
        ResourceKind::Retrohunt => owners
            .iter()
            .map(|owner| Resource::Retrohunt {
                id: "0190f3a2-retrohunt".to_owned(),
                owner: (*owner).to_owned(),
            })
            .collect(),
        ResourceKind::Ruleset => owners
            .iter()
            .flat_map(|owner| {
                [true, false].map(|is_public| Resource::Ruleset {
                    id: "0190f3a2-ruleset".to_owned(),
                    owner: (*owner).to_owned(),
                    is_public,
                })
            })
            .collect(),
        ResourceKind::UserAccount => owners
            .iter()
            .map(|owner| Resource::UserAccount {
                id: (*owner).to_owned(),
            })
            .collect(),
        ResourceKind::Notification => owners
            .iter()
            .map(|owner| Resource::Notification {
                id: "0190f3a2-notification".to_owned(),
                recipient: (*owner).to_owned(),
            })
            .collect(),
    }
}

fn matrix() -> Vec<Request> {
    let mut requests = Vec::new();
    for role in Role::ALL {
        let principal = match role {
            Role::Guest => Principal::Guest,
            _ => Principal::user("alice", role),
        };
        for action in Action::ALL {
            for resource in resources(action.resource_kind()) {
                for mfa in [false, true] {
                    requests.push(Request {
                        principal: principal.clone(),
                        action: *action,
                        resource: resource.clone(),
                        context: RequestContext {
                            mfa,
                            ip: Some("203.0.113.7".parse().unwrap()),
                        },
                    });
                }
            }
        }
    }
    requests
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() - 1) as f64 * fraction).round() as usize;
    sorted[index]
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn main() {
    let build_started = Instant::now();
    let policies = Policies::shipped().expect("the shipped policies validate");
    let build = build_started.elapsed();

    let requests = matrix();
    let rounds = 200;
    // Warm caches and the allocator.
    for request in &requests {
        black_box(policies.authorize(black_box(request)));
    }

    let mut samples = Vec::with_capacity(requests.len() * rounds);
    let mut allowed = 0usize;
    let started = Instant::now();
    for _ in 0..rounds {
        for request in &requests {
            let before = Instant::now();
            let decision = policies.authorize(black_box(request));
            samples.push(before.elapsed());
            allowed += usize::from(black_box(decision).allowed);
        }
    }
    let total = started.elapsed();
    samples.sort_unstable();

    println!(
        "nexus-policy decision latency: {} requests (roles × actions × resources × mfa) × {rounds} rounds = {} decisions, {:.1}% allowed",
        requests.len(),
        samples.len(),
        100.0 * allowed as f64 / samples.len() as f64
    );
    println!(
        "  p50 {:.2} µs   p90 {:.2} µs   p99 {:.2} µs   p99.9 {:.2} µs   max {:.2} µs",
        micros(percentile(&samples, 0.50)),
        micros(percentile(&samples, 0.90)),
        micros(percentile(&samples, 0.99)),
        micros(percentile(&samples, 0.999)),
        micros(samples[samples.len() - 1]),
    );
    println!(
        "  throughput {:.0} decisions/s on one thread (timer overhead included)",
        samples.len() as f64 / total.as_secs_f64()
    );
    println!(
        "  building the shipped policy set (parse + validate + hash): {:.2} ms",
        build.as_secs_f64() * 1e3
    );
    let p99 = percentile(&samples, 0.99);
    println!(
        "  goal p99 ≤ 50 µs: {}",
        if p99 <= Duration::from_micros(50) {
            "met"
        } else {
            "NOT met"
        }
    );
}
