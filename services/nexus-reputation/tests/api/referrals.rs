//! Referrals: an account's first assertion judged right completes its pending referral in
//! nexus-user (through the internal route) and records the referrer's bonus with
//! `ReferralBonusRecorded` for the referrer's topic, once; an account nobody referred, or a
//! wrong assertion, earns nobody a bonus.

use nexus_proto::chain::{Outcome, Verdict};
use nexus_proto::user::ReferralList;
use nexus_testkit::nexus_client::{CallContext, ClientError};

use crate::helpers::{TestApp, now, opened, resolved, revealed, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referred_analysts_first_right_assertion_completes_the_referral_once() {
    let app = TestApp::spawn_with_users().await;
    let ada = app.member("ada", 0xad).await;
    let bob = app
        .member_referred("bob", 0xb0, Some(&ada.referral_code))
        .await;
    let cy = app
        .member_referred("cy", 0xc0, Some(&ada.referral_code))
        .await;
    let at = now() - 60;
    // Bounty 1: Bob right, Cy wrong (Cy's referral stays pending). Bounty 2: Bob right again.
    for id in [1_u64, 2] {
        app.publish(&opened(id, at)).await;
        app.publish(&revealed(id, &bob.wallet, Verdict::Malicious, 90, at + 1))
            .await;
        app.publish(&revealed(id, &cy.wallet, Verdict::Benign, 90, at + 1))
            .await;
        app.publish(&resolved(
            id,
            Outcome::Malicious,
            &[
                (&bob.wallet, Verdict::Malicious),
                (&cy.wallet, Verdict::Benign),
            ],
            at + 2,
        ))
        .await;
    }
    app.wait_counted("applied", 8.0).await;
    let pool = &app.context.database.pool;
    let answered = wait_for(|| async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM reputation.referral_checks WHERE completed",
        )
        .fetch_one(pool)
        .await
        .expect("checks")
            == 1
    })
    .await;
    assert!(answered, "bob's referral was never completed");
    let row: (String, i64, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT user_id::text, bounty_id, referrer_id::text, bonus \
         FROM reputation.referral_checks WHERE completed",
    )
    .fetch_one(pool)
    .await
    .expect("bob's check");
    assert_eq!(
        row,
        (
            bob.id.clone(),
            1,
            Some(ada.id.clone()),
            Some("10000000000000000000".to_owned())
        )
    );
    // Cy was never right: no check at all. Ada's bonus is announced once.
    let cys: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM reputation.referral_checks WHERE user_id::text = $1",
    )
    .bind(&cy.id)
    .fetch_one(pool)
    .await
    .expect("cy");
    assert_eq!(cys, 0);
    assert_eq!(app.outbox_count("ReferralBonusRecorded", &ada.id).await, 1);

    // Ada reads her bonus with her earnings; Bob may not read Ada's, guests neither.
    let ada_id: nexus_proto::UserId = ada.id.parse().expect("ada's id");
    let earned = app
        .client()
        .referrals(
            &CallContext::bearer(app.context.access_token(&ada.id, &["user"])),
            ada_id,
        )
        .await
        .expect("ada's referral bonuses");
    assert_eq!(
        (earned.completed, earned.total.as_str()),
        (1, "10000000000000000000")
    );
    for (who, context) in [
        (
            "bob",
            CallContext::bearer(app.context.access_token(&bob.id, &["user"])),
        ),
        ("a guest", CallContext::none()),
    ] {
        match app.client().referrals(&context, ada_id).await {
            Err(ClientError::Api { status, .. }) => {
                assert!(matches!(status.as_u16(), 401 | 403), "{who}: {status}");
            }
            other => panic!("{who} read ada's bonuses: {other:?}"),
        }
    }

    // nexus-user shows Bob's referral completed and Cy's pending.
    let user = app.user.as_ref().expect("nexus-user");
    let token = app.context.access_token(&ada.id, &["user"]);
    let list: ReferralList = user
        .client
        .get(&CallContext::bearer(token), "/v1/users/me/referrals")
        .await
        .expect("ada's referrals");
    let status = |id: &str| {
        list.referrals
            .iter()
            .find(|referral| referral.referred_user_id.to_string() == id)
            .map(|referral| referral.status.clone())
    };
    assert_eq!(status(&bob.id).as_deref(), Some("completed"), "{list:?}");
    assert_eq!(status(&cy.id).as_deref(), Some("pending"), "{list:?}");
    app.stop().await;
}
