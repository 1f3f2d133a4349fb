import { describe, expect, it } from "vitest";
import { perDay } from "../api/history";
import { registerProblems, safeNext, signInProblems, totpProblem } from "./validation";

describe("form checks before sending", () => {
  const good = { email: "ana@example.com", username: "ana.analyst", password: "a long pass phrase", confirm: "a long pass phrase" };

  it("accept what the user service accepts", () => {
    expect(registerProblems(good)).toEqual({});
    expect(signInProblems("ana", "x")).toEqual({});
    expect(totpProblem(" 123456 ")).toBeUndefined();
  });

  it("name each field that the user service would refuse", () => {
    expect(Object.keys(registerProblems({ email: "ana", username: "_x", password: "short", confirm: "other" })).sort()).toEqual([
      "confirm",
      "email",
      "password",
      "username",
    ]);
    expect(registerProblems({ ...good, username: "a".repeat(33) }).username).toMatch(/3 to 32/);
    expect(signInProblems(" ", "").login).toMatch(/Enter your e-mail/);
    expect(totpProblem("12345")).toMatch(/6 digits/);
  });
});

describe("safeNext", () => {
  it("returns to pages of this site only", () => {
    expect(safeNext("/bounties?status=open")).toBe("/bounties?status=open");
    expect(safeNext("//evil.example/")).toBe("/");
    expect(safeNext("/\\evil.example")).toBe("/");
    expect(safeNext("https://evil.example/")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});

describe("perDay", () => {
  it("counts per UTC day over the window, zeros included, oldest first", () => {
    const now = new Date("2026-12-07T12:00:00Z");
    const days = perDay(["2026-12-07T01:00:00Z", "2026-12-07T23:00:00Z", "2026-12-05T10:00:00Z", "2026-11-01T00:00:00Z"], 3, now);
    expect(days).toEqual([
      { day: "2026-12-05", count: 1 },
      { day: "2026-12-06", count: 0 },
      { day: "2026-12-07", count: 2 },
    ]);
  });
});
