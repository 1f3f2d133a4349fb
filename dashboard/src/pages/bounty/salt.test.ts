import { describe, expect, it } from "vitest";
import { forgetAssertion, keepAssertion, keptAssertion, newSalt, type KeptAssertion } from "./salt";

/** A Storage over a Map (Vitest runs in Node, which has no localStorage). */
function memoryStorage(): Storage & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get length() {
      return entries.size;
    },
    clear: () => entries.clear(),
    getItem: (key) => entries.get(key) ?? null,
    key: (index) => [...entries.keys()][index] ?? null,
    removeItem: (key) => void entries.delete(key),
    setItem: (key, value) => void entries.set(key, String(value)),
  };
}

const BOUNTY = "0192f3a4-0000-7000-8000-000000000001";
const ANALYST = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

function assertion(salt: `0x${string}`, commitment: `0x${string}` = `0x${"cd".repeat(32)}`): KeptAssertion {
  return {
    verdict: "malicious",
    confidence: 90,
    metadata_hash: `0x${"11".repeat(32)}`,
    salt,
    commitment,
    stake: "1000000000000000000",
    committed_at: "2026-12-07T20:00:00.000Z",
  };
}

describe("newSalt", () => {
  it("is 32 bytes from the generator it is given, as 0x-hex", () => {
    const salt = newSalt((bytes) => bytes.map((_, index) => index));
    expect(salt).toBe(`0x${Array.from({ length: 32 }, (_, index) => index.toString(16).padStart(2, "0")).join("")}`);
  });

  it("differs between calls with the real generator", () => {
    const first = newSalt();
    expect(first).toMatch(/^0x[0-9a-f]{64}$/);
    expect(newSalt()).not.toBe(first);
  });

  it("refuses a generator that gives the wrong length", () => {
    expect(() => newSalt(() => new Uint8Array(16))).toThrow(/wrong number of bytes/);
  });
});

describe("keeping the sealed assertion", () => {
  it("keeps it per bounty and wallet, whatever the address's case", () => {
    const store = memoryStorage();
    const kept = assertion(newSalt());
    keepAssertion(store, BOUNTY, ANALYST, kept);
    expect(keptAssertion(store, BOUNTY, ANALYST.toLowerCase())).toEqual(kept);
    expect(keptAssertion(store, BOUNTY, "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")).toBeNull();
    expect(keptAssertion(store, "another-bounty", ANALYST)).toBeNull();
    expect([...store.entries.keys()]).toEqual([`nexus.salt.${BOUNTY}.${ANALYST.toLowerCase()}`]);
  });

  it("never overwrites another sealed assertion's salt, but accepts the same one again", () => {
    const store = memoryStorage();
    const first = assertion(newSalt());
    keepAssertion(store, BOUNTY, ANALYST, first);
    keepAssertion(store, BOUNTY, ANALYST, first);
    expect(() => keepAssertion(store, BOUNTY, ANALYST, assertion(newSalt(), `0x${"ef".repeat(32)}`))).toThrow(
      /would lose its salt/,
    );
    expect(keptAssertion(store, BOUNTY, ANALYST)?.salt).toBe(first.salt);
  });

  it("fails loudly when the browser does not keep it", () => {
    const store = memoryStorage();
    store.setItem = () => undefined;
    expect(() => keepAssertion(store, BOUNTY, ANALYST, assertion(newSalt()))).toThrow(/do not commit/);
  });

  it("reads damaged entries as none, and forgets on request", () => {
    const store = memoryStorage();
    store.setItem(`nexus.salt.${BOUNTY}.${ANALYST.toLowerCase()}`, "{not json");
    expect(keptAssertion(store, BOUNTY, ANALYST)).toBeNull();
    store.setItem(`nexus.salt.${BOUNTY}.${ANALYST.toLowerCase()}`, JSON.stringify({ ...assertion(newSalt()), salt: "0x12" }));
    expect(keptAssertion(store, BOUNTY, ANALYST)).toBeNull();
    keepAssertion(store, BOUNTY, ANALYST, assertion(newSalt()));
    forgetAssertion(store, BOUNTY, ANALYST);
    expect(keptAssertion(store, BOUNTY, ANALYST)).toBeNull();
  });

  it("refuses a key without a bounty or a wallet address", () => {
    const store = memoryStorage();
    expect(() => keepAssertion(store, "", ANALYST, assertion(newSalt()))).toThrow(/bounty/);
    expect(() => keptAssertion(store, BOUNTY, "0x1234")).toThrow(/not a wallet address/);
  });
});
