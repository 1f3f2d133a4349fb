//! The cost the revocation check adds to every authenticated request at the gateway:
//! `Revocations::check` on a token's claims, with no marks and with 100,000 account marks and
//! 10,000 revoked API keys held in memory (about a day of revocations on a large platform).
//!
//! ```text
//! cargo bench -p nexus-runtime --bench revocation
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use nexus_http::token::{AccessClaims, Audience};
use nexus_runtime::revocation::{
    RevocationReason, RevocationSettings, Revocations, Revoked, now_ms,
};

fn claims(sub: &str) -> AccessClaims {
    let now = now_ms() / 1000;
    AccessClaims {
        iss: "http://bench.nexus".into(),
        sub: sub.into(),
        aud: Audience::One("nexus".into()),
        exp: now + 3600,
        nbf: now,
        iat: now,
        jti: uuid::Uuid::now_v7().to_string(),
        roles: vec!["user".into()],
        amr: vec!["pwd".into()],
        scope: None,
        status: None,
        api_key_id: None,
    }
}

fn filled(accounts: usize, keys: usize) -> Revocations {
    let revocations = Revocations::new(RevocationSettings::default());
    let mark = now_ms() - 60_000;
    for n in 0..accounts {
        revocations.apply(Revoked::Account {
            user_id: uuid::Uuid::from_u128(n as u128).to_string(),
            not_before_ms: mark,
            reason: RevocationReason::Other,
        });
    }
    for n in 0..keys {
        revocations.apply(Revoked::ApiKey {
            key_id: format!("key-{n}"),
            user_id: String::new(),
            revoked_at_ms: mark,
        });
    }
    revocations
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("revocation_check");
    let unmarked = claims(&uuid::Uuid::now_v7().to_string());
    // A marked account whose token was issued after the mark (the check reads the jti time).
    let marked = claims(&uuid::Uuid::from_u128(7).to_string());
    let mut api_key = claims(&uuid::Uuid::now_v7().to_string());
    api_key.amr = vec!["api_key".into()];
    api_key.api_key_id = Some("key-not-revoked".into());

    // resync() is what marks the copy fresh; here the copy is never synced, so time
    // is_revoked (what check() does before its staleness test, one atomic load).
    let empty = filled(0, 0);
    group.bench_function("no marks", |b| {
        b.iter(|| black_box(empty.is_revoked(black_box(&unmarked))))
    });
    let full = filled(100_000, 10_000);
    group.bench_function("100k marks, unmarked account", |b| {
        b.iter(|| black_box(full.is_revoked(black_box(&unmarked))))
    });
    group.bench_function("100k marks, marked account, newer token", |b| {
        b.iter(|| black_box(full.is_revoked(black_box(&marked))))
    });
    group.bench_function("100k marks, API-key token", |b| {
        b.iter(|| black_box(full.is_revoked(black_box(&api_key))))
    });
    group.bench_function("100k marks, check() incl. staleness", |b| {
        b.iter(|| black_box(full.check(black_box(&unmarked))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
