//! The matrix's one table: every public route on every kind of object, with the status each
//! kind of caller must get. Columns (see [`crate::CALLERS`]): guest, owner, other, analyst,
//! admin, key (`bounty:read`), key2 (`file:read`), disabled, banned.
//!
//! Placeholders: `{private}`/`{public}`: the owner's private and public samples;
//! `{private_analysis}`/`{public_analysis}`: their analyses; `{hunt}`/`{analyst_hunt}`: the
//! owner's and the analyst's retrohunts; `{ruleset}`/`{admin_ruleset}`: the analyst's and the
//! admin's rulesets (private); `{public_bounty}`/`{private_bounty}`: the owner's open bounties;
//! `{public_comment}`/`{private_comment}`: the owner's comments on them; `{owner_id}`,
//! `{owner_wallet}`; `{admin_wallet}`, `{admin_key}`, `{admin_ws_key}`: the admin's linked
//! wallet, an API key and a WebSocket key of its; `{wallet}`: the caller's own linked wallet
//! (the owner's for its keys, an unlinked address for guests, the disabled and the banned
//! account); `{unlinked}`: a wallet
//! nobody linked; `{nobody}`: an id nothing has; `{who}`: the caller's column name;
//! `{signature}`: a valid signature by a key nobody linked; `{suffix}`: this run's;
//! `{proposal}`: a proposal id nobody made; `{deadline}`: a valid commit deadline;
//! `{chain_id}`.
//!
//! 404 on a private object means "hidden": a caller who may not read it cannot learn that it
//! exists. A refused scope or role is 403; an allowed caller whose request then fails a later
//! check (a state, a signature) gets that check's status (409, 422, ...), which is what shows
//! that the authorization let it through.

/// What a request sends besides its path.
#[derive(Debug, Clone, Copy)]
pub enum Body {
    None,
    /// A fresh sample's bytes (`POST /files`).
    Sample,
    /// A fresh sample as a multipart form's `file` part (`POST /analyze`).
    Form,
    /// JSON with placeholders.
    Json(&'static str),
}

/// One route on one object: `path` names the object through a placeholder.
pub struct Row {
    pub method: &'static str,
    pub path: &'static str,
    pub body: Body,
    /// guest, owner, other, analyst, admin, key, key2, disabled, banned.
    pub expect: [u16; 9],
}

const fn row(method: &'static str, path: &'static str, body: Body, expect: [u16; 9]) -> Row {
    Row {
        method,
        path,
        body,
        expect,
    }
}

/// A signed intent whose signature (`{signature}`: a stranger's key over another digest) cannot
/// be the caller's: an allowed caller with a linked wallet gets past the policies and the wallet
/// check to the signature check (422 `intent_signature_mismatch`).
macro_rules! intent {
    () => {
        r#"{"signer":"{wallet}","nonce":"0","deadline":"{deadline}","signature":"{signature}"}"#
    };
}

#[rustfmt::skip]
pub const TABLE: &[Row] = &[
    //                                                                    guest owner other analyst admin key key2 disabled banned
    // Samples: metadata and latest report.
    row("GET",  "/api/v1/files/{private}",                    Body::None, [404, 200, 404, 404, 200, 403, 200, 401, 404]),
    row("GET",  "/api/v1/files/{public}",                     Body::None, [200, 200, 200, 200, 200, 403, 200, 401, 200]),
    // Similar files.
    row("GET",  "/api/v1/files/{private}/similar",            Body::None, [404, 200, 404, 404, 200, 403, 200, 401, 404]),
    row("GET",  "/api/v1/files/{public}/similar",             Body::None, [200, 200, 200, 200, 200, 403, 200, 401, 200]),
    // Bytes: uploaders and analysts who may read the sample; never guests.
    row("GET",  "/api/v1/files/{private}/download",           Body::None, [404, 200, 404, 404, 200, 403, 403, 401, 404]),
    row("GET",  "/api/v1/files/{public}/download",            Body::None, [401, 200, 403, 200, 200, 403, 403, 401, 403]),
    // Analyses.
    // The caller's own analyses: any account, its own rows only (listing.rs checks whose).
    row("GET",  "/api/v1/analyses",                           Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("GET",  "/api/v1/analyses/{private_analysis}",        Body::None, [404, 200, 404, 404, 200, 403, 403, 401, 404]),
    row("GET",  "/api/v1/analyses/{public_analysis}",         Body::None, [200, 200, 200, 200, 200, 403, 403, 401, 200]),
    // Exports (STIX, MISP): exactly as readable as the analysis.
    row("GET",  "/api/v1/analyses/{private_analysis}/export?format=stix", Body::None, [404, 200, 404, 404, 200, 403, 403, 401, 404]),
    row("GET",  "/api/v1/analyses/{public_analysis}/export?format=misp",  Body::None, [200, 200, 200, 200, 200, 403, 403, 401, 200]),
    // Re-analysis: the uploaders (and admins) of a sample they may read.
    row("POST", "/api/v1/analyses/{private_analysis}/reanalyse", Body::None, [401, 202, 404, 404, 202, 403, 403, 401, 404]),
    row("POST", "/api/v1/analyses/{public_analysis}/reanalyse",  Body::None, [401, 202, 403, 403, 202, 403, 403, 401, 403]),
    // Uploads: any active account, not a key limited to reading.
    row("POST", "/api/v1/files",                              Body::Sample, [401, 202, 202, 202, 202, 403, 403, 401, 403]),
    row("POST", "/api/v1/analyze",                            Body::Form,   [401, 202, 202, 202, 202, 403, 403, 401, 403]),
    // Retrohunts: any account may hunt over what it may read; only the owner reads the hunt.
    row("POST", "/api/v1/retrohunts",                         Body::Json(r#"{"source":"rule r { condition: false }"}"#), [401, 202, 202, 202, 202, 403, 403, 401, 403]),
    row("GET",  "/api/v1/retrohunts/{hunt}",                  Body::None, [401, 200, 404, 404, 200, 403, 403, 401, 404]),
    row("GET",  "/api/v1/retrohunts/{analyst_hunt}",          Body::None, [401, 404, 404, 200, 200, 403, 403, 401, 404]),
    // Rulesets: written by analysts, read by their author (and admins).
    row("POST", "/api/v1/rulesets",                           Body::Json(r#"{"name":"matrix_{who}","source":"rule r { condition: false }"}"#), [401, 403, 403, 201, 201, 403, 403, 401, 403]),
    row("GET",  "/api/v1/rulesets/{ruleset}",                 Body::None, [404, 404, 404, 200, 200, 403, 403, 401, 404]),
    row("GET",  "/api/v1/rulesets/{admin_ruleset}",           Body::None, [404, 404, 404, 404, 200, 403, 403, 401, 404]),

    // Bounties: listed and read as public + own (users), all (analysts, admins).
    row("GET",  "/api/v1/bounties",                           Body::None, [200, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("GET",  "/api/v1/bounties/{public_bounty}",           Body::None, [200, 200, 200, 200, 200, 200, 403, 401, 200]),
    row("GET",  "/api/v1/bounties/{private_bounty}",          Body::None, [404, 200, 404, 200, 200, 200, 403, 401, 404]),
    // Posting: any active account, with its own wallet; the bogus signature is the 422.
    row("GET",  "/api/v1/bounties/intents/create?signer={wallet}&artifact_kind=file&sha256={public}&reward=100000000000000000000&min_stake=1000000000000000000&assertion_deadline={deadline}",
                                                              Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 403]),
    row("POST", "/api/v1/bounties",                           Body::Json(concat!(r#"{"artifact":{"kind":"file","sha256":"{public}"},"reward":"100000000000000000000","min_stake":"1000000000000000000","assertion_deadline":{deadline},"is_public":true,"intent":"#, intent!(), r#","permit":{"nonce":"0","deadline":"{deadline}","signature":"{signature}"}}"#)),
                                                                          [401, 422, 422, 422, 422, 403, 403, 401, 403]),
    // An account's own views.
    row("GET",  "/api/v1/me/bounties",                        Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("GET",  "/api/v1/me/assertions",                      Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("GET",  "/api/v1/me/earnings",                        Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 200]),
    // Comments: read with the bounty; written by whoever may read it (not keys, not banned);
    // deleted by admins (moderation).
    row("GET",  "/api/v1/bounties/{public_bounty}/comments",  Body::None, [200, 200, 200, 200, 200, 200, 403, 401, 200]),
    row("GET",  "/api/v1/bounties/{private_bounty}/comments", Body::None, [404, 200, 404, 200, 200, 200, 403, 401, 404]),
    row("POST", "/api/v1/bounties/{public_bounty}/comments",  Body::Json(r#"{"body":"matrix {who}"}"#), [401, 201, 201, 201, 201, 403, 403, 401, 403]),
    row("POST", "/api/v1/bounties/{private_bounty}/comments", Body::Json(r#"{"body":"matrix {who}"}"#), [401, 201, 404, 201, 201, 403, 403, 401, 404]),
    row("DELETE", "/api/v1/bounties/{public_bounty}/comments/{public_comment}",   Body::None, [401, 403, 403, 403, 204, 403, 403, 401, 403]),
    row("DELETE", "/api/v1/bounties/{private_bounty}/comments/{private_comment}", Body::None, [401, 403, 404, 403, 204, 403, 403, 401, 404]),
    // Assertions (commit, reveal): analysts and admins, never on their own bounty. The bounty
    // is open: committing reaches the signature check (422), revealing the state check (409).
    row("GET",  "/api/v1/bounties/intents/commit?bounty={public_bounty}&signer={wallet}&commitment=0x3333333333333333333333333333333333333333333333333333333333333333&stake=1000000000000000000",
                                                              Body::None, [401, 403, 403, 200, 200, 403, 403, 401, 403]),
    row("GET",  "/api/v1/bounties/intents/commit?bounty={private_bounty}&signer={wallet}&commitment=0x3333333333333333333333333333333333333333333333333333333333333333&stake=1000000000000000000",
                                                              Body::None, [404, 403, 404, 200, 200, 403, 403, 401, 404]),
    row("POST", "/api/v1/bounties/{public_bounty}/commitments", Body::Json(concat!(r#"{"commitment":"0x3333333333333333333333333333333333333333333333333333333333333333","stake":"1000000000000000000","intent":"#, intent!(), "}")),
                                                                          [401, 403, 403, 422, 422, 403, 403, 401, 403]),
    row("GET",  "/api/v1/bounties/intents/reveal?bounty={public_bounty}&signer={wallet}",
                                                              Body::None, [401, 403, 403, 409, 409, 403, 403, 401, 403]),
    row("POST", "/api/v1/bounties/{public_bounty}/reveals",   Body::Json(r#"{"analyst":"{wallet}","verdict":"malicious","confidence":80,"metadata_hash":"0x3333333333333333333333333333333333333333333333333333333333333333","salt":"0x3333333333333333333333333333333333333333333333333333333333333333"}"#),
                                                                          [401, 403, 403, 409, 409, 403, 403, 401, 403]),
    // Disputes: the owner or an analyst once resolved, admins always (then the state: 409).
    row("GET",  "/api/v1/bounties/intents/dispute?bounty={public_bounty}&signer={wallet}",
                                                              Body::None, [401, 403, 403, 403, 409, 403, 403, 401, 403]),
    row("POST", "/api/v1/bounties/{public_bounty}/disputes",  Body::Json(concat!(r#"{"intent":"#, intent!(), "}")),
                                                                          [401, 403, 403, 403, 409, 403, 403, 401, 403]),
    // Resolution, claims and refunds: anyone signed in who may read the bounty; open: 409.
    row("POST", "/api/v1/bounties/{public_bounty}/resolve",   Body::Json("{}"), [401, 409, 409, 409, 409, 403, 403, 401, 403]),
    row("POST", "/api/v1/bounties/{private_bounty}/resolve",  Body::Json("{}"), [401, 409, 404, 409, 409, 403, 403, 401, 404]),
    row("POST", "/api/v1/bounties/{public_bounty}/claims",    Body::Json(r#"{"analyst":"{wallet}"}"#), [401, 409, 409, 409, 409, 403, 403, 401, 403]),
    row("POST", "/api/v1/bounties/{public_bounty}/refunds",   Body::Json("{}"), [401, 409, 409, 409, 409, 403, 403, 401, 403]),
    // Staking through the relayer: any active account, with its own wallet.
    row("GET",  "/api/v1/bounties/intents/stake?signer={wallet}&amount=1000000000000000000",   Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 403]),
    row("GET",  "/api/v1/bounties/intents/unstake?signer={wallet}&amount=1000000000000000000", Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 403]),
    row("POST", "/api/v1/bounties/stakes",                    Body::Json(concat!(r#"{"amount":"1000000000000000000","intent":"#, intent!(), "}")), [401, 422, 422, 422, 422, 403, 403, 401, 403]),
    row("POST", "/api/v1/bounties/unstakes",                  Body::Json(concat!(r#"{"amount":"1000000000000000000","intent":"#, intent!(), "}")), [401, 422, 422, 422, 422, 403, 403, 401, 403]),
    // Nothing is cooling down for anyone here: 404 once allowed.
    row("POST", "/api/v1/bounties/unstakes/withdrawals",      Body::Json(r#"{"account":"{wallet}"}"#), [401, 404, 404, 404, 404, 403, 403, 401, 403]),

    // Confirmed chain state: public facts (`chain:read`), guests and banned accounts included
    // (platform.cedar's banned-read-only lists `chain:read`).
    row("GET",  "/api/v1/chain/status",                       Body::None, [200, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("GET",  "/api/v1/chain/parameters",                   Body::None, [200, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("GET",  "/api/v1/chain/accounts/{owner_wallet}",      Body::None, [200, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("GET",  "/api/v1/chain/proposals",                    Body::None, [200, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("GET",  "/api/v1/chain/proposals/{proposal}",           Body::None, [404, 404, 404, 404, 404, 403, 403, 401, 404]),
    row("GET",  "/api/v1/chain/proposals/{proposal}/votes",     Body::None, [404, 404, 404, 404, 404, 403, 403, 401, 404]),
    // Analyst engines online: any signed-in account (`presence:read`); an API key only with that
    // scope, which neither narrow key has.
    row("GET",  "/api/v1/presence",                           Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 200]),
    // Reputation (nexus-reputation): reads of public chain facts, `user:read_public` like a
    // public profile: guests and banned accounts included, a key only with that scope, which
    // neither narrow key has (403 `scope_insufficient`, decided by the service's Caller before
    // any lookup). Once allowed: an account without settled work is 404 `reputation_not_found`,
    // its history an empty page, a file no bounty named 404 `verdict_not_found`.
    row("GET",  "/api/v1/reputation/{nobody}",                Body::None, [404, 404, 404, 404, 404, 403, 403, 401, 404]),
    row("GET",  "/api/v1/reputation/{owner_id}",              Body::None, [404, 404, 404, 404, 404, 403, 403, 401, 404]),
    row("GET",  "/api/v1/reputation/{owner_id}/history",      Body::None, [200, 200, 200, 200, 200, 403, 403, 401, 200]),
    // Referral bonuses are private: `user:read_private`, the owner and admins.
    row("GET",  "/api/v1/reputation/{owner_id}/referrals",    Body::None, [401, 200, 403, 403, 200, 403, 403, 401, 403]),
    row("GET",  "/api/v1/leaderboards",                       Body::None, [200, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("GET",  "/api/v1/leaderboards?period=week&kind=pe",   Body::None, [200, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("GET",  "/api/v1/files/{public}/verdict",             Body::None, [404, 404, 404, 404, 404, 403, 403, 401, 404]),
    row("GET",  "/api/v1/files/{private}/verdict",            Body::None, [404, 404, 404, 404, 404, 403, 403, 401, 404]),

    // Accounts.
    row("POST", "/api/v1/users",                              Body::Json(r#"{"email":"new_{who}_{suffix}@nexus.test","username":"new_{who}_{suffix}","password":"correct horse battery staple 42!"}"#),
                                                                          [201, 201, 201, 201, 201, 201, 201, 401, 201]),
    row("GET",  "/api/v1/users/me",                           Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("PATCH", "/api/v1/users/me",                          Body::Json(r#"{"display_name":"matrix {who}"}"#), [401, 200, 200, 200, 200, 403, 403, 401, 403]),
    row("GET",  "/api/v1/users/{owner_id}",                   Body::None, [200, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("PUT",  "/api/v1/users/{owner_id}/role",              Body::Json(r#"{"role":"analyst"}"#), [401, 403, 403, 403, 403, 403, 403, 401, 403]),
    // A method the user service does not route there: its 405 for anyone signed in.
    row("POST", "/api/v1/users/{owner_id}/role",              Body::Json(r#"{"role":"analyst"}"#), [401, 405, 405, 405, 405, 405, 405, 401, 405]),
    // Status changes are privilege changes: administrators with a second factor only.
    row("PUT",  "/api/v1/users/{owner_id}/status",            Body::Json(r#"{"status":"banned"}"#), [401, 403, 403, 403, 403, 403, 403, 401, 403]),
    row("POST", "/api/v1/users/{owner_id}/disable",           Body::None, [401, 403, 403, 403, 403, 403, 403, 401, 403]),
    // Wallets: one's own; linking needs the signed challenge.
    row("GET",  "/api/v1/users/me/wallets",                   Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("POST", "/api/v1/users/me/wallets/challenge",         Body::Json(r#"{"address":"{unlinked}","chain_id":{chain_id}}"#), [401, 201, 201, 201, 201, 403, 403, 401, 403]),
    row("POST", "/api/v1/users/me/wallets",                   Body::Json(r#"{"message":"not a challenge","signature":"0x00"}"#), [401, 400, 400, 400, 400, 403, 403, 401, 403]),
    row("DELETE", "/api/v1/users/me/wallets/{unlinked}",      Body::None, [401, 404, 404, 404, 404, 403, 403, 401, 403]),
    // The admin's wallet: `me` is always the caller, so nobody else reaches it (404) before
    // the admin unlinks it (after every row that signs with it).
    row("DELETE", "/api/v1/users/me/wallets/{admin_wallet}",  Body::None, [401, 404, 404, 404, 204, 403, 403, 401, 403]),
    // WebSocket keys: registered with proof of possession only.
    row("GET",  "/api/v1/users/me/ws-keys",                   Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("POST", "/api/v1/users/me/ws-keys/challenge",         Body::None, [401, 201, 201, 201, 201, 403, 403, 401, 403]),
    row("POST", "/api/v1/users/me/ws-keys",                   Body::Json(r#"{"public_key":"3333333333333333333333333333333333333333333333333333333333333333"}"#), [401, 400, 400, 400, 400, 403, 403, 401, 403]),
    row("DELETE", "/api/v1/users/me/ws-keys/{nobody}",        Body::None, [401, 404, 404, 404, 404, 403, 403, 401, 403]),
    row("DELETE", "/api/v1/users/me/ws-keys/{admin_ws_key}",  Body::None, [401, 404, 404, 404, 204, 403, 403, 401, 403]),
    row("GET",  "/api/v1/users/me/referrals",                 Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 200]),
    // A wrong current password is 403, not 401: a client told 401 would sign its user out.
    row("POST", "/api/v1/users/me/password",                  Body::Json(r#"{"current_password":"not the password at all","new_password":"another correct horse battery 43!"}"#), [401, 403, 403, 403, 403, 403, 403, 401, 403]),
    // Password reset: open to anyone, the same answer whether the address exists or not.
    row("POST", "/api/v1/users/password-reset",               Body::Json(r#"{"email":"nobody_{suffix}@nexus.test"}"#), [202, 202, 202, 202, 202, 202, 202, 401, 202]),
    row("POST", "/api/v1/users/password-reset/confirm",       Body::Json(r#"{"token":"not a reset token","new_password":"another correct horse battery 43!"}"#), [400, 400, 400, 400, 400, 400, 400, 401, 400]),

    // Sign-in: open; wrong credentials are 401 for everyone (a login per caller: a second
    // attempt on one login within a second is 429 `login_throttled`).
    row("POST", "/api/v1/auth/login",                         Body::Json(r#"{"login":"nobody_{who}_{suffix}","password":"not the password at all"}"#), [401, 401, 401, 401, 401, 401, 401, 401, 401]),
    row("POST", "/api/v1/auth/login/mfa",                     Body::Json(r#"{"mfa_token":"not an mfa token","code":"000000"}"#), [401, 401, 401, 401, 401, 401, 401, 401, 401]),
    row("POST", "/api/v1/auth/refresh",                       Body::Json(r#"{"refresh_token":"not a refresh token"}"#), [401, 401, 401, 401, 401, 401, 401, 401, 401]),
    row("POST", "/api/v1/auth/logout",                        Body::Json(r#"{"refresh_token":"not a refresh token"}"#), [204, 204, 204, 204, 204, 204, 204, 401, 204]),
    // Second factor: one's own, never with an API key. A wrong code or password is 403
    // (`mfa_confirmation_code_invalid`, `current_password_invalid`, docs/ERRORS.md): the
    // session is valid, and a client told 401 signs its user out.
    row("POST", "/api/v1/auth/mfa/totp",                      Body::None, [401, 201, 201, 201, 201, 403, 403, 401, 403]),
    row("POST", "/api/v1/auth/mfa/totp/confirm",              Body::Json(r#"{"code":"000000"}"#), [401, 403, 403, 403, 403, 403, 403, 401, 403]),
    row("POST", "/api/v1/auth/mfa/totp/disable",              Body::Json(r#"{"password":"not the password at all"}"#), [401, 403, 403, 403, 403, 403, 403, 401, 403]),
    // Credentials: API keys are never made or revoked with an API key.
    row("GET",  "/api/v1/api-keys",                           Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("POST", "/api/v1/api-keys",                           Body::Json(r#"{"name":"matrix","scopes":["bounty:read"]}"#), [401, 201, 201, 201, 201, 403, 403, 401, 403]),
    row("DELETE", "/api/v1/api-keys/{nobody}",                Body::None, [401, 404, 404, 404, 404, 403, 403, 401, 403]),
    // The admin's key: not the others' to revoke (404, as if it did not exist), then the admin's.
    row("DELETE", "/api/v1/api-keys/{admin_key}",             Body::None, [401, 404, 404, 404, 204, 403, 403, 401, 403]),
    // Policy questions (any access token, an API key's included: the answer is the policies'
    // about the key's own account): about oneself or a guest; about someone else,
    // administrators only (`principal_mismatch`).
    row("POST", "/api/v1/authorize",                          Body::Json(r#"{"principal":{"type":"guest"},"action":"bounty:list","resource":{"type":"platform"},"context":{"mfa":false}}"#),
                                                                          [401, 200, 200, 200, 200, 200, 200, 401, 200]),
    row("POST", "/api/v1/authorize",                          Body::Json(r#"{"principal":{"type":"user","id":"{owner_id}","role":"user","is_banned":false},"action":"bounty:list","resource":{"type":"platform"},"context":{"mfa":false}}"#),
                                                                          [401, 200, 403, 403, 200, 200, 200, 401, 403]),
    // Notifications (nexus-notification): an account's own inbox, preferences, follows and
    // webhook endpoints only; another account's objects are not found. Reads are
    // `notification:list` / `user:read_private`, changes `notification:update` / `user:update`
    // on the caller's own account (a banned account reads its settings, not its inbox).
    row("GET",  "/api/v1/notifications",                      Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 403]),
    row("GET",  "/api/v1/notifications/unread-count",         Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 403]),
    // A notice is looked up before its owner is asked about it: none is 404 to everybody.
    row("POST", "/api/v1/notifications/{nobody}/read",        Body::None, [401, 404, 404, 404, 404, 404, 404, 401, 404]),
    row("POST", "/api/v1/notifications/read-all",             Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 403]),
    row("GET",  "/api/v1/notifications/preferences",          Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("PUT",  "/api/v1/notifications/preferences",          Body::Json(r#"{"kinds":[{"kind":"bounty.opened","in_app":true,"email":false,"webhook":false,"digest":false}]}"#),
                                                                          [401, 200, 200, 200, 200, 403, 403, 401, 403]),
    // The unsubscribe link's token is the credential: no sign-in, a bad token is refused.
    row("GET",  "/api/v1/notifications/unsubscribe?token=forged", Body::None, [400, 400, 400, 400, 400, 400, 400, 401, 400]),
    // Nobody follows it yet: 404 `follow_not_found` once allowed.
    row("GET",  "/api/v1/files/{public}/follow",              Body::None, [401, 404, 404, 404, 404, 403, 403, 401, 404]),
    row("POST", "/api/v1/files/{public}/follow",              Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 403]),
    row("DELETE", "/api/v1/files/{public}/follow",            Body::None, [401, 204, 204, 204, 204, 403, 403, 401, 403]),
    row("GET",  "/api/v1/webhooks/endpoints",                 Body::None, [401, 200, 200, 200, 200, 403, 403, 401, 200]),
    row("POST", "/api/v1/webhooks/endpoints",                 Body::Json(r#"{"url":"http://127.0.0.1/hook-{who}","description":"matrix {who}","event_types":["bounty.resolved"]}"#),
                                                                          [401, 201, 201, 201, 201, 403, 403, 401, 403]),
    row("GET",  "/api/v1/webhooks/endpoints/{nobody}",        Body::None, [401, 404, 404, 404, 404, 403, 403, 401, 404]),
    row("PATCH", "/api/v1/webhooks/endpoints/{nobody}",       Body::Json(r#"{"enabled":false}"#), [401, 404, 404, 404, 404, 403, 403, 401, 403]),
    row("DELETE", "/api/v1/webhooks/endpoints/{nobody}",      Body::None, [401, 404, 404, 404, 404, 403, 403, 401, 403]),
    row("POST", "/api/v1/webhooks/endpoints/{nobody}/rotate-secret", Body::None, [401, 404, 404, 404, 404, 403, 403, 401, 403]),
    row("GET",  "/api/v1/webhooks/endpoints/{nobody}/deliveries", Body::None, [401, 404, 404, 404, 404, 403, 403, 401, 404]),
    row("POST", "/api/v1/webhooks/messages/{nobody}/replay",  Body::None, [401, 404, 404, 404, 404, 403, 403, 401, 403]),
    // Administration. Policy management needs a second factor, which the admin column has not
    // passed.
    row("POST", "/api/v1/policies/validate",                  Body::Json(r#"{"sources":[{"name":"empty.cedar","text":""}]}"#), [401, 403, 403, 403, 403, 403, 403, 401, 403]),
    row("POST", "/api/v1/policies",                           Body::Json(r#"{"sources":[{"name":"empty.cedar","text":""}]}"#), [401, 403, 403, 403, 403, 403, 403, 401, 403]),
    row("GET",  "/api/v1/audit",                              Body::None, [401, 403, 403, 403, 200, 403, 403, 401, 403]),
    // Last: signing out everywhere revokes the caller's tokens.
    row("POST", "/api/v1/auth/logout-all",                    Body::None, [401, 204, 204, 204, 204, 403, 403, 401, 204]),
];
