import { describe, expect, it } from "vitest";
import { rolesOf, signedInWithMfa } from "./access";
import { locate, locateAll, nextBefore, offsetOf } from "./policyProblems";

const token = (claims: unknown) => `h.${btoa(JSON.stringify(claims)).replace(/=+$/, "")}.s`;

describe("rolesOf", () => {
  it("reads the roles claim and nothing else", () => {
    expect(rolesOf(token({ sub: "u", roles: ["admin"] }))).toEqual(["admin"]);
    expect(rolesOf(token({ sub: "u", roles: ["user", 3] }))).toEqual(["user"]);
    expect(rolesOf(token({ sub: "u" }))).toEqual([]);
    expect(rolesOf("not-a-token")).toEqual([]);
    expect(rolesOf(undefined)).toEqual([]);
  });

  it("tells whether the session passed a second factor", () => {
    expect(signedInWithMfa(token({ amr: ["pwd", "mfa"] }))).toBe(true);
    expect(signedInWithMfa(token({ amr: ["pwd"] }))).toBe(false);
    expect(signedInWithMfa(token({ roles: ["admin"] }))).toBe(false);
  });
});

const text = 'permit (\n  principal,\n  action == Action::"nope",\n  resource\n);';

describe("policy problem positions", () => {
  it("turns 1-based line and column into an offset in the text", () => {
    expect(offsetOf(text, 1, 1)).toBe(0);
    expect(offsetOf(text, 3, 13)).toBe(text.indexOf("Action"));
    expect(offsetOf(text, 9, 1)).toBeUndefined();
    expect(offsetOf(text, 2, 40)).toBeUndefined();
    expect(offsetOf(text, 0, 1)).toBeUndefined();
  });

  it("shows the line with a caret under the column", () => {
    const located = locate(
      { code: "policy_validation_failed", source_name: "a.cedar", message: "unknown action", line: 3, column: 13 },
      text,
    );
    expect(located.where).toBe("a.cedar:3:13");
    expect(located.lineText).toBe('  action == Action::"nope",');
    expect(located.caret).toBe(`${" ".repeat(12)}^`);
    expect(located.lineText?.[located.caret!.length - 1]).toBe("A");
  });

  it("keeps problems without a position, or outside the text, readable", () => {
    expect(locate({ code: "policy_id_missing", source_name: "", message: "m" }, undefined).where).toBe("policies");
    const outside = locate({ code: "c", source_name: "a.cedar", message: "m", line: 40, column: 2 }, text);
    expect(outside.where).toBe("a.cedar:40:2");
    expect(outside.lineText).toBeUndefined();
  });

  it("orders problems by source, line and column", () => {
    const sources = [
      { name: "b.cedar", text },
      { name: "a.cedar", text },
    ];
    const ordered = locateAll(
      [
        { code: "c", source_name: "a.cedar", message: "3", line: 2, column: 1 },
        { code: "c", source_name: "b.cedar", message: "2", line: 3, column: 5 },
        { code: "c", source_name: "b.cedar", message: "1", line: 3, column: 2 },
      ],
      sources,
    );
    expect(ordered.map((problem) => problem.message)).toEqual(["1", "2", "3"]);
  });
});

describe("nextBefore", () => {
  it("pages on only after a full page", () => {
    expect(nextBefore([{ id: "a" }, { id: "b" }], 2)).toBe("b");
    expect(nextBefore([{ id: "a" }], 2)).toBeUndefined();
    expect(nextBefore([], 2)).toBeUndefined();
  });
});
