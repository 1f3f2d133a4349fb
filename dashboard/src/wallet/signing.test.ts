import { describe, expect, it } from "vitest";
import { SigningError, signedIntent, signedPermit, signingRequest, type TypedDataJson } from "./signing";

const SIGNER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

/** The shape nexus-chain's typed_data.rs serves for a create intent (numbers as strings). */
function createIntent(): TypedDataJson {
  return {
    types: {
      EIP712Domain: [
        { name: "name", type: "string" },
        { name: "version", type: "string" },
        { name: "chainId", type: "uint256" },
        { name: "verifyingContract", type: "address" },
      ],
      CreateBounty: [
        { name: "creator", type: "address" },
        { name: "reward", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "CreateBounty",
    domain: { name: "NexusBounty", version: "1", chainId: 31337, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
    message: { creator: SIGNER, reward: "1000000000000000000000", nonce: "3", deadline: "1800000000" },
  };
}

const SIGNATURE = `0x${"ab".repeat(65)}`;

describe("signingRequest", () => {
  it("gives viem the typed data without EIP712Domain and the checksummed signer", () => {
    const request = signingRequest(createIntent(), SIGNER, 31337);
    expect(request.account).toBe("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    expect(Object.keys(request.types)).toEqual(["CreateBounty"]);
    expect(request.primaryType).toBe("CreateBounty");
    expect(request.message.reward).toBe("1000000000000000000000");
    expect(request.domain.chainId).toBe(31337);
  });

  it("refuses typed data for another chain, a missing type or field, or a bad signer", () => {
    expect(() => signingRequest(createIntent(), SIGNER, 1)).toThrow(/chain 31337, not 1/);
    const noType = { ...createIntent(), primaryType: "Commit" };
    expect(() => signingRequest(noType, SIGNER, 31337)).toThrow(SigningError);
    const missing = createIntent();
    delete missing.message.deadline;
    expect(() => signingRequest(missing, SIGNER, 31337)).toThrow(/deadline/);
    expect(() => signingRequest(createIntent(), "0x1234", 31337)).toThrow(/not an address/);
    expect(() => signingRequest(null, SIGNER, 31337)).toThrow(/nothing to sign/);
  });
});

describe("the bodies sent back", () => {
  it("carry the nonce and deadline that were signed, and the signature", () => {
    const request = signingRequest(createIntent(), SIGNER, 31337);
    expect(signedIntent(request, SIGNATURE)).toEqual({
      signer: SIGNER,
      nonce: "3",
      deadline: "1800000000",
      signature: SIGNATURE,
    });
    expect(signedPermit(request, SIGNATURE)).toEqual({ nonce: "3", deadline: "1800000000", signature: SIGNATURE });
  });

  it("refuse malformed signatures and numbers", () => {
    const request = signingRequest(createIntent(), SIGNER, 31337);
    expect(() => signedIntent(request, "0x1234")).toThrow(/malformed signature/);
    const odd = { ...request, message: { ...request.message, nonce: "-1" } };
    expect(() => signedIntent(odd, SIGNATURE)).toThrow(/nonce/);
  });
});
