//! TOTP enrolment and confirmation (the MFA sign-in itself is in the e2e identity tests).

use nexus_auth::domain::totp::{base32_decode, code_at_step, step_at};
use nexus_proto::auth::TotpConfirmRequest;
use nexus_testkit::nexus_client::CallContext;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{START, expect, spawn_auth};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_is_confirmed_by_a_current_code_and_yields_single_copy_recovery_codes() {
    let auth = spawn_auth(|_| {}).await;
    let (user_id, token) = auth.user_token(&["user"]);

    let as_user = CallContext::bearer(&token);
    let enrolment = auth.api().enrol_totp(&as_user).await.unwrap();
    let secret = base32_decode(&enrolment.secret).unwrap();
    assert_eq!(secret.len(), 20);
    let uri = &enrolment.otpauth_uri;
    assert!(uri.starts_with("otpauth://totp/Nexus%20Security:"), "{uri}");
    assert!(
        uri.contains(&format!("secret={}", enrolment.secret)),
        "{uri}"
    );
    let svg = &enrolment.qr_svg;
    assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");

    // A wrong code, and a code two steps old, are refused: 403, never 401, as the access token
    // is fine and a client told 401 signs its user out.
    let wrong = auth
        .post(
            "/v1/auth/mfa/totp/confirm",
            Some(&token),
            &json!({"code": "000000"}),
        )
        .await;
    expect(
        wrong,
        StatusCode::FORBIDDEN,
        Some("mfa_confirmation_code_invalid"),
    )
    .await;
    let stale = code_at_step(&secret, step_at(START) - 2, 6);
    let stale = auth
        .post(
            "/v1/auth/mfa/totp/confirm",
            Some(&token),
            &json!({"code": stale}),
        )
        .await;
    expect(
        stale,
        StatusCode::FORBIDDEN,
        Some("mfa_confirmation_code_invalid"),
    )
    .await;

    // Time moves on by one step: the code of the new step confirms.
    auth.clock.advance(std::time::Duration::from_secs(30));
    let step = step_at(START) + 1;
    let code = code_at_step(&secret, step, 6);
    let codes = auth
        .api()
        .confirm_totp(&as_user, &TotpConfirmRequest { code: code.clone() })
        .await
        .unwrap()
        .recovery_codes;
    assert_eq!(codes.len(), 10);
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 10);

    // Stored only as 32-byte keyed hashes.
    let stored = sqlx::query_scalar!(
        "SELECT code_hash FROM auth.recovery_codes WHERE user_id = $1",
        user_id,
    )
    .fetch_all(&auth.ctx.database.pool)
    .await
    .unwrap();
    assert_eq!(stored.len(), 10);
    assert!(stored.iter().all(|hash| hash.len() == 32));
    // The confirming code's step is remembered, so it cannot sign anyone in later.
    let last_step = sqlx::query_scalar!(
        "SELECT last_used_step FROM auth.totp_secrets WHERE user_id = $1",
        user_id,
    )
    .fetch_one(&auth.ctx.database.pool)
    .await
    .unwrap();
    assert_eq!(last_step, Some(step));

    let again = auth
        .post(
            "/v1/auth/mfa/totp/confirm",
            Some(&token),
            &json!({"code": code}),
        )
        .await;
    expect(again, StatusCode::CONFLICT, Some("mfa_already_enabled")).await;
    let re_enrol = auth
        .post("/v1/auth/mfa/totp", Some(&token), &json!({}))
        .await;
    expect(re_enrol, StatusCode::CONFLICT, Some("mfa_already_enabled")).await;

    let rows = auth.audit_rows("mfa_enabled").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1.as_deref(), Some(user_id.to_string().as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirming_without_an_enrolment_is_a_conflict() {
    let auth = spawn_auth(|_| {}).await;
    let (_, token) = auth.user_token(&["user"]);
    let response = auth
        .post(
            "/v1/auth/mfa/totp/confirm",
            Some(&token),
            &json!({"code": "123456"}),
        )
        .await;
    expect(response, StatusCode::CONFLICT, Some("mfa_not_enrolled")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_secrets_are_encrypted_at_rest_and_re_encrypted_under_a_rotated_key() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use nexus_auth::AuthService;
    use nexus_auth::clock::ClockHandle;
    use nexus_auth::settings::{AuthSettings, SigningAlgorithm};

    let auth = spawn_auth(|_| {}).await;
    let (user_id, token) = auth.user_token(&["user"]);
    let enrolment = expect(
        auth.post("/v1/auth/mfa/totp", Some(&token), &json!({}))
            .await,
        StatusCode::CREATED,
        None,
    )
    .await;
    let secret = base32_decode(enrolment["secret"].as_str().unwrap()).unwrap();
    let pool = &auth.ctx.database.pool;
    let read = |id: uuid::Uuid| async move {
        let row = sqlx::query!(
            "SELECT secret, secret_kid, secret_ciphertext FROM auth.totp_secrets \
             WHERE user_id = $1",
            id,
        )
        .fetch_one(pool)
        .await
        .unwrap();
        (row.secret, row.secret_kid, row.secret_ciphertext)
    };
    let (plain, first_kid, ciphertext) = read(user_id).await;
    assert!(plain.is_none(), "the plaintext column is empty");
    let ciphertext = ciphertext.unwrap();
    assert!(
        !ciphertext
            .windows(secret.len())
            .any(|window| window == secret.as_slice()),
        "the stored bytes do not contain the secret"
    );
    let first_kid = first_kid.unwrap();

    // A row from before encryption, and a new envelope key that sorts last (so it is active).
    let legacy_user = uuid::Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO auth.totp_secrets (user_id, secret) VALUES ($1, $2)",
        legacy_user,
        vec![7u8; 20],
    )
    .execute(pool)
    .await
    .unwrap();
    let totp_dir = auth.keys_dir.join("totp");
    std::fs::write(
        totp_dir.join("totp-zz-rotated.key"),
        URL_SAFE_NO_PAD.encode([9u8; 32]),
    )
    .unwrap();
    let mut settings = auth.ctx.settings::<AuthSettings>();
    settings.service.keys_dir = auth.keys_dir.clone();
    settings.service.signing_algorithm = SigningAlgorithm::Eddsa;
    settings.service.clock = ClockHandle(auth.clock.clone());
    settings.service.user_url = "http://127.0.0.1:9".into();
    let rotated = auth.ctx.spawn_with::<AuthService>(settings).await.unwrap();

    for id in [user_id, legacy_user] {
        let (plain, kid, _) = read(id).await;
        assert!(plain.is_none());
        assert_eq!(kid.as_deref(), Some("totp-zz-rotated"), "was {first_kid}");
    }
    // The re-encrypted secret still confirms the enrolment.
    auth.clock.advance(std::time::Duration::from_secs(30));
    let code = code_at_step(&secret, step_at(START) + 1, 6);
    let confirmed = auth
        .http
        .post(format!("{}/v1/auth/mfa/totp/confirm", rotated.base_url()))
        .bearer_auth(&token)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    expect(confirmed, StatusCode::OK, None).await;
}
