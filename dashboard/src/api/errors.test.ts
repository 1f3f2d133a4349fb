import { describe, expect, it } from "vitest";
import { errorFrom } from "./client";
import { ApiError, adviseError } from "./errors";

const error = (status: number, code: string, message = "", request_id = "req-1", retryAfter?: number) =>
  new ApiError(status, { code, message, request_id }, retryAfter);

describe("adviseError", () => {
  it("turns stable codes into sentences that say what to do", () => {
    expect(adviseError(error(401, "invalid_credentials")).message).toMatch(/do not match/);
    expect(adviseError(error(401, "invalid_credentials")).signIn).toBe(false);
    expect(adviseError(error(409, "username_taken")).message).toMatch(/Choose another/);
    expect(adviseError(error(401, "mfa_code_invalid")).message).toMatch(/6-digit/);
  });

  it("keeps the API's message for field errors, which names the field", () => {
    const advice = adviseError(error(400, "password_too_weak", "password: add another word or two"));
    expect(advice.message).toBe("password: add another word or two");
  });

  it("ends the session on codes that mean the token is gone", () => {
    expect(adviseError(error(401, "token_revoked")).signIn).toBe(true);
    expect(adviseError(error(401, "some_new_auth_code")).signIn).toBe(true);
  });

  it("says when to retry after a rate limit", () => {
    expect(adviseError(error(429, "rate_limited", "", "r", 12)).message).toMatch(/try again in 12 seconds/);
    expect(adviseError(error(429, "login_throttled", "", "r", 1)).message).toMatch(/in 1 second\./);
  });

  it("hides 5xx details behind the request id to quote", () => {
    const advice = adviseError(error(500, "internal_error", "boom at line 3", "req-42"));
    expect(advice.message).not.toMatch(/boom/);
    expect(advice.reference).toBe("req-42");
    const unknown = adviseError(error(502, "brand_new_code", "upstream detail"));
    expect(unknown.message).toMatch(/our side/);
  });

  it("shows an unknown 4xx's own message, and a generic one for non-API failures", () => {
    expect(adviseError(error(422, "reward_above_cap", "reward: at most 10000 NXS")).message).toBe(
      "reward: at most 10000 NXS",
    );
    expect(adviseError(new TypeError("x is undefined")).message).toMatch(/Reload/);
    expect(adviseError(error(0, "network_error")).message).toMatch(/could not be reached/);
  });
});

describe("errorFrom", () => {
  it("reads the JSON body and Retry-After", () => {
    const parsed = errorFrom(429, '{"code":"rate_limited","message":"slow down","request_id":"abc"}', "7");
    expect([parsed.status, parsed.code, parsed.message, parsed.requestId, parsed.retryAfter]).toEqual([
      429,
      "rate_limited",
      "slow down",
      "abc",
      7,
    ]);
  });

  it("copes with bodies that are not the API's", () => {
    const parsed = errorFrom(502, "<html>Bad Gateway</html>", null);
    expect(parsed.code).toBe("http_502");
    expect(parsed.retryAfter).toBeUndefined();
    expect(adviseError(parsed).message).toMatch(/our side/);
  });
});

describe("settings and admin codes", () => {
  it("say what to do about wallets, keys and MFA", () => {
    expect(adviseError(error(409, "wallet_taken")).message).toMatch(/another account/);
    expect(adviseError(error(400, "siwe_challenge_expired")).message).toMatch(/sign at once/);
    expect(adviseError(error(400, "ws_key_signature_invalid")).message).toMatch(/128 hex digits/);
    expect(adviseError(error(400, "malformed_key")).message).toMatch(/64 hex digits or base64/);
    expect(adviseError(error(404, "api_key_not_found")).message).toMatch(/revoked already/);
    expect(adviseError(error(409, "mfa_already_enabled")).message).toMatch(/Disable it first/);
    expect(adviseError(error(403, "api_key_not_allowed")).message).toMatch(/password/);
  });

  it("say what to do about roles and policies", () => {
    expect(adviseError(error(400, "invalid_role")).message).toMatch(/user, analyst or admin/);
    expect(adviseError(error(404, "user_not_found")).message).toMatch(/UUID/);
    expect(adviseError(error(422, "policy_parse_failed")).message).toMatch(/line and column/);
    expect(adviseError(error(422, "policy_id_missing")).message).toMatch(/@id\("\.\.\."\)/);
  });

  it("keep the API's message for a profile field or a malformed sign-in message", () => {
    const advice = adviseError(error(400, "invalid_profile_field", "website: must start with https://"));
    expect(advice.message).toBe("website: must start with https://");
    expect(adviseError(error(400, "malformed_siwe_message", "line 3: not an address")).message).toBe(
      "line 3: not an address",
    );
  });
});
