// The settings forms' checks before sending, mirroring nexus-user's profile and key rules and
// nexus-auth's API-key rules (crates/nexus-proto user.rs and auth.rs), so a person sees the
// problem beside its field at once; the API checks again. Also the pieces of the WebSocket-key
// proof a person signs with their own tool, and the one-time display of a new API key.

import type { ApiKeyInfo, CreatedApiKey, ProfileUpdate } from "../../api/types";
import type { Problems } from "../validation";

export type ProfileField = "display_name" | "bio" | "avatar_url" | "website" | "full_name";
export type ProfileValues = Record<ProfileField, string>;

const LIMITS: Record<ProfileField, number> = {
  display_name: 64,
  bio: 500,
  avatar_url: 512,
  website: 512,
  full_name: 128,
};
// Control characters other than a line break (what the service refuses).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.:-]+([/?#]\S*)?$/;

export function profileProblems(values: ProfileValues): Problems<ProfileField> {
  const problems: Problems<ProfileField> = {};
  for (const field of Object.keys(LIMITS) as ProfileField[]) {
    const value = values[field].trim();
    if ([...value].length > LIMITS[field]) problems[field] = `Use at most ${LIMITS[field]} characters.`;
    else if (CONTROL.test(value)) problems[field] = "Remove the control characters.";
    else if ((field === "avatar_url" || field === "website") && value && !HTTPS_URL.test(value)) {
      problems[field] = "Use an address starting with https://, like https://example.com.";
    }
  }
  return problems;
}

/** The `PATCH` body: only changed fields; an emptied field is sent as `null` (cleared). */
export function profileChanges(before: ProfileValues, after: ProfileValues): ProfileUpdate {
  const changes: ProfileUpdate = {};
  for (const field of Object.keys(LIMITS) as ProfileField[]) {
    const value = after[field].trim();
    if (value !== before[field].trim()) changes[field] = value === "" ? null : value;
  }
  return changes;
}

/** Every action name an API key may carry (nexus-policy's `Action`, request.rs). */
export const ACTIONS = [
  "analysis:list", "analysis:read", "analysis:submit", "analysis:delete",
  "file:upload", "file:read", "file:download", "file:delete", "file:attach_evidence",
  "bounty:list", "bounty:read", "bounty:create", "bounty:update", "bounty:delete", "bounty:assert",
  "bounty:resolve", "bounty:dispute", "bounty:comment", "bounty:delete_comment", "bounty:stake",
  "ruleset:list", "ruleset:read", "ruleset:create", "ruleset:update", "ruleset:delete",
  "retrohunt:create", "retrohunt:read",
  "user:read_public", "user:read_private", "user:update",
  "notification:list", "notification:read", "notification:update",
  "chain:read", "presence:read",
] as const;

export interface ApiKeyForm {
  name: string;
  scopes: string[];
  /** Days as typed; empty means no expiry. */
  expiresInDays: string;
}

export function apiKeyProblems(form: ApiKeyForm): Problems<"name" | "scopes" | "expiresInDays"> {
  const problems: Problems<"name" | "scopes" | "expiresInDays"> = {};
  const name = form.name.trim();
  if (!name) problems.name = "Name the key after where you will use it, e.g. \"CI scanner\".";
  else if ([...name].length > 100) problems.name = "Use at most 100 characters.";
  else if (name.includes("\0")) problems.name = "Remove the NUL character.";
  if (form.scopes.length === 0) problems.scopes = "Choose at least one action the key may be used for.";
  else if (form.scopes.length > 32) problems.scopes = "Choose at most 32 actions.";
  const days = form.expiresInDays.trim();
  if (days && (!/^[0-9]+$/.test(days) || Number(days) < 1 || Number(days) > 3650)) {
    problems.expiresInDays = "Enter a whole number of days from 1 to 3650, or leave it empty for no expiry.";
  }
  return problems;
}

/**
 * A new API key's one-time display: the secret exists only in this value, which the page drops
 * when the person confirms they stored it; from then on only the prefix is shown (the list).
 */
export interface OneTimeSecret {
  key: string;
  info: ApiKeyInfo;
  copied: boolean;
}

export function revealOnce(created: CreatedApiKey): OneTimeSecret {
  const { key, ...info } = created;
  return { key, info, copied: false };
}

/** How a key is shown once its secret is gone: the prefix and an ellipsis, never more. */
export function maskedKey(info: Pick<ApiKeyInfo, "prefix">): string {
  return `${info.prefix}…`;
}

/** An Ed25519 public key as nexus-user reads it (64 hex digits or base64 of 32 bytes), in lower-case hex. */
export function publicKeyHex(text: string): string | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return value.toLowerCase();
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) return undefined;
  try {
    const binary = atob(value.replace(/-/g, "+").replace(/_/g, "/").replace(/=*$/, "="));
    if (binary.length !== 32) return undefined;
    return [...binary].map((char) => char.charCodeAt(0).toString(16).padStart(2, "0")).join("");
  } catch {
    return undefined;
  }
}

/** The exact text the key signs to prove possession (nexus-proto `RegisterWsKeyRequest`). */
export function wsKeyMessage(userId: string, keyHex: string, challenge: string): string {
  return `nexus-ws-key-registration\nuser:${userId}\nkey:${keyHex}\nchallenge:${challenge}`;
}

export function wsKeyProblems(values: { publicKey: string; label: string; signature: string }, needSignature: boolean) {
  const problems: Problems<"publicKey" | "label" | "signature"> = {};
  if (!publicKeyHex(values.publicKey)) {
    problems.publicKey = "Paste the 32-byte Ed25519 public key as 64 hex digits or base64.";
  }
  if ([...values.label.trim()].length > 64) problems.label = "Use at most 64 characters.";
  if (needSignature && !/^[0-9a-fA-F]{128}$/.test(values.signature.trim())) {
    problems.signature = "Paste the signature as 128 hex digits.";
  }
  return problems;
}
