import { describe, expect, it } from "vitest";
import {
  apiKeyProblems,
  maskedKey,
  profileChanges,
  profileProblems,
  publicKeyHex,
  revealOnce,
  wsKeyMessage,
  wsKeyProblems,
  type ProfileValues,
} from "./checks";

const empty: ProfileValues = { display_name: "", bio: "", avatar_url: "", website: "", full_name: "" };

describe("profile", () => {
  it("checks lengths, control characters and https addresses", () => {
    expect(profileProblems(empty)).toEqual({});
    expect(profileProblems({ ...empty, display_name: "x".repeat(65) }).display_name).toMatch(/64/);
    expect(profileProblems({ ...empty, bio: "line\nbreak is fine" })).toEqual({});
    expect(profileProblems({ ...empty, bio: "bell\u0007" }).bio).toMatch(/control/);
    expect(profileProblems({ ...empty, website: "http://example.com" }).website).toMatch(/https/);
    expect(profileProblems({ ...empty, website: " https://example.com/me " })).toEqual({});
  });

  it("sends only changed fields, an emptied one as null", () => {
    const before = { ...empty, display_name: "Ana", bio: "old" };
    expect(profileChanges(before, { ...before, bio: "", website: "https://a.example" })).toEqual({
      bio: null,
      website: "https://a.example",
    });
    expect(profileChanges(before, { ...before, display_name: " Ana " })).toEqual({});
  });
});

describe("API keys", () => {
  it("checks the name, the scopes and the expiry", () => {
    expect(apiKeyProblems({ name: "CI", scopes: ["analysis:submit"], expiresInDays: "" })).toEqual({});
    const problems = apiKeyProblems({ name: " ", scopes: [], expiresInDays: "0" });
    expect(Object.keys(problems).sort()).toEqual(["expiresInDays", "name", "scopes"]);
    expect(apiKeyProblems({ name: "k", scopes: ["a"], expiresInDays: "3651" }).expiresInDays).toMatch(/3650/);
    expect(apiKeyProblems({ name: "k", scopes: ["a"], expiresInDays: "1.5" }).expiresInDays).toBeDefined();
  });

  it("shows the secret once and only the prefix afterwards", () => {
    const shown = revealOnce({
      key: "nxs_secretsecret",
      key_id: "k1",
      name: "CI",
      prefix: "nxs_secr",
      scopes: ["analysis:submit"],
      tier: "standard",
      created_at: "2026-12-07T00:00:00Z",
    });
    expect(shown.key).toBe("nxs_secretsecret");
    expect(JSON.stringify(shown.info)).not.toContain("secretsecret");
    expect(maskedKey(shown.info)).toBe("nxs_secr…");
  });
});

describe("WebSocket keys", () => {
  const hex = "ab".repeat(32);
  it("reads hex and base64 public keys as lower-case hex", () => {
    expect(publicKeyHex(hex.toUpperCase())).toBe(hex);
    const base64 = btoa(String.fromCharCode(...new Array(32).fill(0xab)));
    expect(publicKeyHex(base64)).toBe(hex);
    expect(publicKeyHex(base64.replace(/=$/, "").replace(/\+/g, "-").replace(/\//g, "_"))).toBe(hex);
    expect(publicKeyHex("ab".repeat(31))).toBeUndefined();
    expect(publicKeyHex("not a key")).toBeUndefined();
  });

  it("builds the registration message the key signs", () => {
    expect(wsKeyMessage("u-1", hex, "c0ffee")).toBe(`nexus-ws-key-registration\nuser:u-1\nkey:${hex}\nchallenge:c0ffee`);
  });

  it("checks the key, the label and the signature", () => {
    expect(wsKeyProblems({ publicKey: hex, label: "", signature: "" }, false)).toEqual({});
    expect(wsKeyProblems({ publicKey: hex, label: "", signature: "12" }, true).signature).toMatch(/128/);
    expect(wsKeyProblems({ publicKey: "x", label: "l".repeat(65), signature: "" }, false)).toHaveProperty("label");
  });
});
