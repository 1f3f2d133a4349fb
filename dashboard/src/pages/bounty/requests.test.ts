import { keccak256, recoverTypedDataAddress, type EIP1193Provider, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { adviseError, ApiError } from "../../api/errors";
import { signIntent, type IntentToSign, type TypedDataJson } from "../../wallet/signing";
import { commitBody, commitmentOf, createBountyBody, createIntentQuery, metadataHash, nxsToWei, revealBody } from "./requests";
import { createProblems } from "./validation";

// anvil's second well-known development key (public; local chains only).
const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const account = privateKeyToAccount(KEY);
const SHA = "ab".repeat(32);

/** An EIP-1193 provider that signs with `account`, as an injected wallet does. */
function testWallet(): EIP1193Provider & { calls: string[] } {
  const calls: string[] = [];
  const provider = {
    calls,
    request: async ({ method, params }: { method: string; params?: unknown[] }) => {
      calls.push(method);
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [account.address];
      if (method === "eth_chainId") return "0x7a69";
      if (method === "eth_signTypedData_v4") {
        const [from, json] = params as [string, string];
        expect(from.toLowerCase()).toBe(account.address.toLowerCase());
        const typed = JSON.parse(json);
        const { EIP712Domain: _domain, ...types } = typed.types;
        return account.signTypedData({ domain: typed.domain, types, primaryType: typed.primaryType, message: typed.message });
      }
      throw new Error(`unexpected ${method}`);
    },
    on: () => undefined,
    removeListener: () => undefined,
  };
  return provider as unknown as EIP1193Provider & { calls: string[] };
}

const DOMAIN_TYPE = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
];

/** What GET /v1/bounties/intents/create serves (nexus-chain typed_data.rs; numbers as strings). */
function createIntent(): IntentToSign {
  const create: TypedDataJson = {
    types: {
      EIP712Domain: DOMAIN_TYPE,
      CreateBounty: [
        { name: "creator", type: "address" },
        { name: "artifactHash", type: "bytes32" },
        { name: "reward", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "CreateBounty",
    domain: { name: "NexusBounty", version: "1", chainId: 31337, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
    message: { creator: account.address, artifactHash: `0x${SHA}`, reward: "25000000000000000000", nonce: "7", deadline: "1800000000" },
  };
  const permit: TypedDataJson = {
    types: {
      EIP712Domain: DOMAIN_TYPE,
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "Permit",
    domain: { name: "Nexus", version: "1", chainId: 31337, verifyingContract: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" },
    message: {
      owner: account.address,
      spender: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      value: "25000000000000000000",
      nonce: "2",
      deadline: "1800000600",
    },
  };
  return { kind: "create", signer: account.address.toLowerCase(), chain_id: 31337, typed_data: create, permit, submit: "POST /api/v1/bounties" };
}

async function signer(typed: TypedDataJson, signature: Hex) {
  const { EIP712Domain: _domain, ...types } = typed.types;
  return recoverTypedDataAddress({
    domain: typed.domain as never,
    types,
    primaryType: typed.primaryType,
    message: typed.message,
    signature,
  } as never);
}

describe("intent -> signatures -> POST /v1/bounties body", () => {
  it("signs the intent and the permit with the wallet and sends back what was signed", async () => {
    const wallet = testWallet();
    const intent = createIntent();
    const terms = { sha256: SHA.toUpperCase(), reward: nxsToWei("25"), min_stake: nxsToWei("1"), assertion_deadline: 1_800_003_600, is_public: true };
    const signed = await signIntent(wallet, intent);
    expect(wallet.calls.filter((call) => call === "eth_signTypedData_v4")).toHaveLength(2);
    const body = createBountyBody(terms, signed);
    expect(body).toMatchObject({
      artifact: { kind: "file", sha256: SHA },
      reward: "25000000000000000000",
      min_stake: "1000000000000000000",
      assertion_deadline: 1_800_003_600,
      is_public: true,
      intent: { signer: account.address.toLowerCase(), nonce: "7", deadline: "1800000000" },
      permit: { nonce: "2", deadline: "1800000600" },
    });
    expect(await signer(intent.typed_data as TypedDataJson, body.intent.signature)).toBe(account.address);
    expect(await signer(intent.permit as TypedDataJson, body.permit.signature)).toBe(account.address);
    expect(createIntentQuery(account.address, terms)).toEqual({
      signer: account.address,
      artifact_kind: "file",
      sha256: SHA,
      reward: "25000000000000000000",
      min_stake: "1000000000000000000",
      assertion_deadline: 1_800_003_600,
    });
  });

  it("refuses to post without the reward's permit", async () => {
    const intent = { ...createIntent(), permit: null };
    const signed = await signIntent(testWallet(), intent);
    expect(() => createBountyBody({ sha256: SHA, reward: "1", min_stake: "1", assertion_deadline: 1, is_public: false }, signed)).toThrow(/permit/);
    expect(commitBody(`0x${"01".repeat(32)}`, "5", signed)).toEqual({ commitment: `0x${"01".repeat(32)}`, stake: "5", intent: signed.intent });
  });
});

describe("the sealed commitment", () => {
  const salt: Hex = `0x${"22".repeat(32)}`;
  const meta = metadataHash("");

  it("is keccak256 of the six 32-byte ABI words, as BountyContract.commitmentOf computes it", () => {
    const word = (hex: string) => hex.replace(/^0x/, "").toLowerCase().padStart(64, "0");
    const words = `0x${word("2a")}${word(account.address)}${word("02")}${word((90).toString(16))}${word(meta)}${word(salt)}` as Hex;
    expect(commitmentOf(42n, account.address, "malicious", 90, meta, salt)).toBe(keccak256(words));
  });

  it("changes with the verdict, the salt and the bounty", () => {
    const base = commitmentOf(42n, account.address, "malicious", 90, meta, salt);
    expect(commitmentOf(42n, account.address, "benign", 90, meta, salt)).not.toBe(base);
    expect(commitmentOf(42n, account.address, "malicious", 90, meta, `0x${"23".repeat(32)}`)).not.toBe(base);
    expect(commitmentOf(43n, account.address, "malicious", 90, meta, salt)).not.toBe(base);
  });

  it("is revealed with the kept preimage, the analyst in lower case", () => {
    expect(revealBody(account.address, { verdict: "benign", confidence: 70, metadata_hash: meta, salt })).toEqual({
      analyst: account.address.toLowerCase(),
      verdict: "benign",
      confidence: 70,
      metadata_hash: meta,
      salt,
    });
  });
});

describe("amounts and the form's checks", () => {
  it("turns NXS into wei and refuses anything else", () => {
    expect(nxsToWei("2.5")).toBe("2500000000000000000");
    expect(nxsToWei(" 100 ")).toBe("100000000000000000000");
    expect(() => nxsToWei("1e3")).toThrow(/like 25/);
    expect(() => nxsToWei("-1")).toThrow();
  });

  it("names each bad field", () => {
    expect(createProblems({ sha256: "abc", reward: "0", minStake: "x", windowHours: "1" })).toEqual({
      sha256: expect.stringMatching(/SHA-256/),
      reward: expect.stringMatching(/more than 0/),
      minStake: expect.stringMatching(/like 25/),
      windowHours: expect.stringMatching(/between 2 and 168/),
    });
    expect(createProblems({ sha256: SHA, reward: "25", minStake: "1", windowHours: "24" })).toEqual({});
  });

  it("maps the bounty refusals to advice, with the API's bound where it gives one", () => {
    const unlinked = new ApiError(403, { code: "wallet_not_linked", message: "signer not linked" });
    expect(adviseError(unlinked).message).toMatch(/Link it in settings/);
    const window = new ApiError(422, { code: "deadline_outside_window", message: "between 3900 and 604800 seconds" });
    expect(adviseError(window).message).toBe("between 3900 and 604800 seconds");
    expect(adviseError(new ApiError(409, { code: "bounty_not_revealing", message: "" })).message).toMatch(/reveal window/);
  });
});
