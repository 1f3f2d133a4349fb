//! `GET|PATCH /v1/users/me` and `GET /v1/users/{id}`: private and public views.

use nexus_proto::user::UpdateProfileRequest;
use nexus_testkit::nexus_client::CallContext;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_sees_and_edits_private_fields_and_others_see_only_public_ones() {
    let app = TestApp::spawn().await;
    let (ada, ada_token) = app.signed_up("ada").await;
    let (_, bob_token) = app.signed_up("bob").await;

    let users = app.service.client.users();
    let as_ada = CallContext::bearer(&ada_token);
    let set = |text: &str| Some(Some(text.to_owned()));
    let update = UpdateProfileRequest {
        display_name: set(" Ada L. "),
        bio: set("Counts things."),
        website: set("https://ada.example.org"),
        full_name: set("Augusta Ada King"),
        ..UpdateProfileRequest::default()
    };
    let updated = users.update_me(&as_ada, &update).await.unwrap();
    assert_eq!(updated.public.display_name.as_deref(), Some("Ada L."));
    assert_eq!(updated.full_name.as_deref(), Some("Augusta Ada King"));

    let mine = users.get_me(&as_ada).await.unwrap();
    assert_eq!(mine.email, "ada@example.org");
    assert_eq!(mine.full_name.as_deref(), Some("Augusta Ada King"));
    assert_eq!(mine.public.bio.as_deref(), Some("Counts things."));

    // Raw: what the JSON does not carry is the point.

    let (status, public) = app
        .call_as(&bob_token, Method::GET, &format!("/v1/users/{ada}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(public["username"], "ada");
    assert_eq!(public["display_name"], "Ada L.");
    assert_eq!(public["website"], "https://ada.example.org");
    for private in [
        "email",
        "full_name",
        "referral_code",
        "status",
        "updated_at",
    ] {
        assert!(public.get(private).is_none(), "{private} leaked: {public}");
    }

    // null clears, absent keeps.
    let clear_bio = UpdateProfileRequest {
        bio: Some(None),
        ..UpdateProfileRequest::default()
    };
    let cleared = users.update_me(&as_ada, &clear_bio).await.unwrap();
    assert_eq!(cleared.public.bio, None);
    assert_eq!(cleared.public.display_name.as_deref(), Some("Ada L."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_profile_fields_and_missing_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let (_, token) = app.signed_up("ada").await;

    for body in [
        json!({"website": "http://plain.example.org"}),
        json!({"avatar_url": "javascript:alert(1)"}),
        json!({"bio": "x".repeat(501)}),
        json!({"display_name": "x".repeat(65)}),
    ] {
        let (status, error) = app
            .call_as(&token, Method::PATCH, "/v1/users/me", Some(body.clone()))
            .await;
        assert_eq!(
            (status, error["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_profile_field")),
            "{body}"
        );
    }
    let (status, error) = app
        .call_as(
            &token,
            Method::PATCH,
            "/v1/users/me",
            Some(json!({"email": "x@y.org"})),
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invalid_request_body")
        )
    );
    // serde's positional form of the same object: refused, and the profile is left alone.
    let before = app
        .call_as(&token, Method::GET, "/v1/users/me", None)
        .await
        .1;
    let (status, error) = app
        .call_as(
            &token,
            Method::PATCH,
            "/v1/users/me",
            Some(json!([null, null])),
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invalid_request_body")
        )
    );
    let after = app
        .call_as(&token, Method::GET, "/v1/users/me", None)
        .await
        .1;
    assert_eq!(before, after);

    let (status, error) = app.get("/v1/users/me").await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token_missing"))
    );

    let (status, error) = app
        .call_as(
            &token,
            Method::GET,
            "/v1/users/0190a0a0-0000-7000-8000-000000000000",
            None,
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("user_not_found"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banned_account_may_read_its_own_account_but_not_change_it() {
    let app = TestApp::spawn().await;
    let (user_id, _) = app.signed_up("ada").await;
    let mut claims = app.context.claims(&user_id, &["user"]);
    claims.status = Some("banned".into());
    let banned = app.context.sign(&claims);

    let (status, me) = app
        .call_as(&banned, Method::GET, "/v1/users/me", None)
        .await;
    assert_eq!(
        (status, me["user_id"].as_str()),
        (StatusCode::OK, Some(user_id.as_str()))
    );
    let (status, _) = app
        .call_as(&banned, Method::GET, "/v1/users/me/ws-keys", None)
        .await;
    assert_eq!(status, StatusCode::OK);

    // The Cedar forbid `banned-read-only` decides, not a hand-written check: every change to
    // the own account is refused before anything is looked up or written.
    for (method, path, body) in [
        (
            Method::PATCH,
            "/v1/users/me".to_owned(),
            Some(json!({"bio": "Still here."})),
        ),
        (
            Method::DELETE,
            format!("/v1/users/me/ws-keys/{}", uuid::Uuid::new_v4()),
            None,
        ),
        (
            Method::DELETE,
            "/v1/users/me/wallets/0x0000000000000000000000000000000000000001".to_owned(),
            None,
        ),
    ] {
        let (status, error) = app.call_as(&banned, method, &path, body).await;
        assert_eq!(
            (status, error["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{path}: {error}"
        );
    }
    let (_, me) = app
        .call_as(&banned, Method::GET, "/v1/users/me", None)
        .await;
    assert_eq!(me["bio"], serde_json::Value::Null);
}
