// What the person reading the page should do about an API error.
//
// Every non-2xx answer of the platform is `{code, message, request_id}` (docs/ERRORS.md). `code`
// is stable: this file maps the codes a page can meet to sentences a person can act on. The
// API's own `message` is kept when it names the field or the limit (validation errors), since it
// is written for people too; 5xx messages are opaque by design, so those say what to do instead
// and give the request id to quote. Pages never show raw codes or stack traces.

/** The JSON body of every API error. */
export interface ErrorBody {
  code: string;
  message: string;
  request_id?: string;
}

/** An API answer that was not 2xx (or no answer at all: `status` 0, code `network_error`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  /** Seconds to wait, from `Retry-After`, when the answer had one. */
  readonly retryAfter: number | undefined;

  constructor(status: number, body: ErrorBody, retryAfter?: number) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.requestId = body.request_id;
    this.retryAfter = retryAfter;
  }
}

/** How a page presents an error. */
export interface ErrorAdvice {
  /** One or two sentences: what happened and what to do. */
  message: string;
  /** True when the session is over: the app signs out and asks to sign in again. */
  signIn: boolean;
  /** The id to quote when reporting a server-side failure. */
  reference?: string;
}

/** Codes whose API message names the offending field or limit: shown as the API wrote it. */
const FIELD_CODES = new Set([
  "invalid_field",
  "invalid_webhook_endpoint",
  "invalid_interests",
  "invalid_email",
  "invalid_username",
  "password_too_short",
  "password_too_long",
  "password_too_weak",
  "invalid_filter",
  "invalid_query",
  "invalid_visibility",
  "invalid_amount",
  "invalid_address",
  "invalid_artifact",
  "payload_too_large",
  "sample_too_large",
  // Bounties: the API's message gives the governed bound the terms or stake missed.
  "reward_too_low",
  "min_stake_too_low",
  "deadline_outside_window",
  "stake_too_low",
  // Settings: the API's message names the profile field, or the line of a malformed message.
  "invalid_profile_field",
  "malformed_siwe_message",
]);

/** Codes that end the session: the stored token is no good any more. */
const SESSION_CODES = new Set([
  "unauthenticated",
  "token_missing",
  "token_revoked",
  "token_subject_invalid",
  "refresh_token_invalid",
  "refresh_token_reused",
]);

const MESSAGES: Record<string, string> = {
  network_error: "The platform could not be reached. Check your connection; the page retries when you try again.",
  invalid_credentials: "That login and password do not match. Check both, or reset your password.",
  account_locked: "Too many failed sign-ins locked this account for a while. Wait, then try again.",
  login_throttled: "Too many sign-in attempts from here. Wait a moment, then try again.",
  too_many_login_attempts: "Too many sign-in attempts. Wait a moment, then try again.",
  account_disabled: "This account is disabled. Contact an administrator if you think this is a mistake.",
  mfa_code_invalid: "That code is not valid. Enter the current 6-digit code from your authenticator app.",
  password_reset_token_invalid: "This reset link is used up or expired. Ask for a new one on the sign-in page.",
  current_password_invalid: "Your current password is wrong. Type it again (it is the one you signed in with).",
  mfa_confirmation_code_invalid: "That code is not valid. Enter the current 6-digit code from your authenticator app.",
  mfa_token_invalid: "The sign-in step expired. Sign in again with your password.",
  mfa_required: "This action needs two-factor authentication. Enrol an authenticator in settings first.",
  email_taken: "An account with this e-mail exists already. Sign in instead, or use another address.",
  username_taken: "This user name is taken. Choose another one.",
  unknown_referral_code: "That referral code is unknown. Check it, or leave the field empty.",
  unauthenticated: "Your session ended. Sign in again to continue.",
  token_missing: "Sign in to see this page.",
  token_revoked: "Your session was ended (signed out elsewhere, or your role or password changed). Sign in again.",
  token_subject_invalid: "Your session is not valid any more. Sign in again.",
  refresh_token_invalid: "Your session expired. Sign in again.",
  refresh_token_reused: "Your session was ended for safety. Sign in again.",
  forbidden: "Your account may not do this. Ask an administrator if you need access.",
  permission_denied: "Your account may not do this. Ask an administrator if you need access.",
  scope_insufficient: "This credential lacks the permission for this action.",
  rate_limited: "Too many requests. Wait a moment, then try again.",
  quota_exceeded: "You have used your quota for now. Wait, then try again.",
  hunts_per_day_exceeded: "You have started as many retrohunts as your role allows today. Wait until earlier hunts are a day old.",
  bytes_per_day_exceeded: "Your retrohunts have scanned as much as your role allows today. Wait until earlier hunts are a day old.",
  empty_sample: "The file is empty. Choose a file with content.",
  upload_interrupted: "The upload was interrupted. Check your connection and upload the file again.",
  sample_too_large: "The file is larger than the platform accepts.",
  unsupported_media_type: "This kind of upload is not accepted here.",
  not_found: "There is nothing at this address. Check the link.",
  bounty_not_found: "This bounty does not exist, or you may not see it.",
  file_not_found: "This file is not known, or you may not see it.",
  sample_not_found: "This file is not known, or you may not see it.",
  invalid_cursor: "The list changed its order. Start again from the first page.",
  invalid_path_parameter: "This address is malformed. Check the link.",
  database_unavailable: "The platform is having trouble storing data. Try again in a minute.",
  service_unavailable: "A part of the platform is unavailable. Try again in a minute.",
  upstream_unavailable: "A part of the platform is unavailable. Try again in a minute.",
  upstream_timeout: "The platform took too long to answer. Try again.",
  upstream_failed: "A part of the platform failed to answer. Try again in a minute.",
  analysis_service_unavailable: "The analysis service is unavailable. Try again in a minute.",
  user_service_unavailable: "The account service is unavailable. Try again in a minute.",
  auth_unavailable: "Signing in is unavailable right now. Try again in a minute.",
  redis_unavailable: "The platform is busy recovering. Try again in a minute.",
  not_ready: "The platform is starting. Try again in a minute.",
  // Settings: profile, wallets, WebSocket keys, API keys, MFA (nexus-user, nexus-auth).
  invalid_wallet_address: "That is not a wallet address. Use 0x and 40 hex digits, as your wallet shows it.",
  invalid_chain_id: "Your wallet reports a chain the platform cannot use. Switch networks in the wallet and try again.",
  siwe_message_mismatch: "The signed message is not the one the platform issued. Start linking the wallet again.",
  siwe_nonce_unknown: "This wallet challenge was used or has lapsed. Start linking the wallet again.",
  siwe_challenge_mismatch: "The signed challenge belongs to another account, address or chain. Start linking the wallet again.",
  siwe_challenge_expired: "The wallet challenge expired before it was signed. Start linking the wallet again and sign at once.",
  malformed_signature: "The wallet returned a signature the platform cannot read. Try again, or use another wallet.",
  wallet_signature_mismatch: "The signature is not from this address. Sign with the account you are linking.",
  wallet_taken: "This wallet is linked to another account already. Unlink it there first, or use another wallet.",
  too_many_wallets: "You have linked as many wallets as an account may. Unlink one first.",
  wallet_not_found: "This wallet is not linked to your account (any more). Reload the list.",
  malformed_key: "That is not an Ed25519 public key. Paste the 32-byte key as 64 hex digits or base64.",
  weak_key: "That key is unsafe (a small-order point). Generate a new Ed25519 key pair.",
  ws_key_proof_required: "Sign the registration message with the key, then register it with the signature.",
  ws_key_challenge_unknown: "The registration challenge was used or has expired. Get a new challenge and sign it again.",
  ws_key_signature_invalid: "The signature does not prove this key: sign the exact message shown with the key's private half (128 hex digits).",
  ws_key_taken: "This key is registered already. Generate a new key pair for another client.",
  too_many_ws_keys: "You have as many WebSocket keys as an account may. Revoke one first.",
  ws_key_not_found: "This key is not registered to you (any more). Reload the list.",
  api_key_not_allowed: "An API key cannot manage credentials. Sign in with your password to do this.",
  api_key_not_found: "This API key does not exist or was revoked already. Reload the list.",
  mfa_already_enabled: "Two-factor authentication is on already. Disable it first to enrol a new authenticator.",
  mfa_not_enrolled: "No authenticator is being enrolled. Start the enrolment again.",
  // Administration (nexus-user roles, nexus-auth policies and audit).
  invalid_role: "Choose one of the roles user, analyst or admin.",
  user_not_found: "No active account has this id. Check the id (a UUID, as the audit log shows it).",
  principal_mismatch: "Only administrators may ask about another account.",
  policy_parse_failed: "The policies do not parse. Validate them to see each error at its line and column.",
  policy_validation_failed: "The policies do not match the schema. Validate them to see each error at its line and column.",
  policy_id_missing: "Every policy needs an @id(\"...\") annotation. Validate to see which one lacks it.",
  policy_id_duplicate: "Two policies share an @id. Give each a unique one.",
  policy_template_unsupported: "Policy templates are not supported. Write each policy out in full.",
  // Bounties signed by a wallet (nexus-bounty).
  wallet_not_linked: "The wallet that signed is not linked to your account. Link it in settings (wallets), or sign with a linked one.",
  intent_signature_mismatch: "The signature does not match what was asked. Try again: the page fetches fresh data to sign.",
  intent_expired: "The signature expired before it reached the chain. Try again and sign at once.",
  amount_above_supply: "The amount is larger than all the NXS there is. Enter a smaller one.",
  bounty_not_on_chain: "The bounty is not confirmed on the chain yet. Wait until it shows open, then try again.",
  bounty_not_open: "The commit window of this bounty is closed: it takes no more commitments.",
  bounty_not_revealing: "Reveals are accepted only between the end of the commit window and the end of the reveal window. Try again then.",
  not_committed: "The chain has no commitment from this wallet on this bounty (yet). Wait for your commitment to be confirmed.",
  bounty_not_resolvable: "The bounty cannot be resolved yet: the reveal window is still open, or it is resolved already.",
  bounty_not_final: "Payouts are not open yet: the dispute window is still running. Claim once it is over.",
  nothing_to_claim: "There is nothing to claim for this wallet: no revealed winning verdict, or it was paid already.",
  bounty_not_refundable: "This bounty cannot be refunded: it ended with a valid outcome, is not final yet, or was refunded already.",
  not_a_participant: "Only the creator or an analyst who revealed may dispute this bounty.",
  chain_unavailable: "The chain cannot be reached right now. Try again in a minute; nothing was sent.",
  // Reputation (nexus-reputation): profiles, leaderboards, verdicts.
  reputation_not_found: "This account has no reputation yet: it has no settled assertions. Check the id, or come back after its first bounty settles.",
  invalid_query: "The filters in the address are not valid. Clear them and try again.",
  verdict_not_found: "No bounty has judged this file yet.",
  invalid_sha256: "That is not a SHA-256. Use the file's 64 hex digits.",
  // Notifications and webhooks (nexus-notification).
  notification_not_found: "This notice is not in your inbox any more. Reload the inbox.",
  notification_kind_mandatory: "Security notices cannot be turned off in the app or by e-mail: they tell you when someone may be using your account.",
  unknown_notification_kind: "That notification kind is unknown. Reload the page and choose again.",
  follow_not_found: "You do not follow this file.",
  webhook_endpoint_not_found: "This webhook endpoint does not exist any more. Reload the list.",
  webhook_message_not_found: "That message is gone (messages are kept for a limited time), so it cannot be replayed.",
  webhook_endpoint_disabled: "The endpoint is disabled. Enable it first, then replay.",
  webhook_endpoint_limit: "You have as many webhook endpoints as allowed. Delete one you no longer use first.",
  webhook_url_forbidden: "That address may not receive webhooks (private, local or an unusual port). Use a public https:// address on port 443.",
  unsubscribe_token_invalid: "This unsubscribe link is not valid. Change your e-mail choices in Settings → Notifications.",
  unsubscribe_token_expired: "This unsubscribe link expired. Change your e-mail choices in Settings → Notifications.",
  internal_error: "Something went wrong on our side. Try again; if it keeps failing, report it with the reference below.",
};

function seconds(value: number): string {
  return value === 1 ? "1 second" : `${value} seconds`;
}

/** The advice for any thrown value (API errors, network failures, bugs). */
export function adviseError(error: unknown): ErrorAdvice {
  if (!(error instanceof ApiError)) {
    return { message: "Something went wrong in this page. Reload it and try again.", signIn: false };
  }
  const signIn = SESSION_CODES.has(error.code);
  let message: string;
  if (FIELD_CODES.has(error.code) && error.message) {
    message = error.message;
  } else if (MESSAGES[error.code]) {
    message = MESSAGES[error.code] as string;
  } else if (error.status >= 500) {
    message = "Something went wrong on our side. Try again; if it keeps failing, report it with the reference below.";
  } else if (error.status === 401) {
    message = "Sign in again to continue.";
  } else if (error.status === 403) {
    message = "Your account may not do this.";
  } else if (error.status === 429) {
    message = "Too many requests. Wait a moment, then try again.";
  } else {
    // A 4xx this page does not know: the API's message says what to change.
    message = error.message || "The request was refused. Check what you entered.";
  }
  if (error.retryAfter !== undefined && error.retryAfter > 0) {
    message = `${message} You can try again in ${seconds(error.retryAfter)}.`;
  }
  const advice: ErrorAdvice = { message, signIn: signIn || (error.status === 401 && !MESSAGES[error.code]) };
  if (error.status >= 500 && error.requestId) advice.reference = error.requestId;
  return advice;
}
