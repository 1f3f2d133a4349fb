// Signing the platform's intents with the browser's wallet (EIP-1193, e.g. MetaMask) through viem.
//
// The bounty service serves each intent as the exact argument of `eth_signTypedData_v4`
// (`GET /v1/bounties/intents/{kind}` -> `IntentToSign`, built by nexus-chain's typed_data.rs), so
// the dashboard never builds EIP-712 data by hand: `signingRequest` checks the served object and
// turns it into viem's `signTypedData` parameters, and `signedIntent`/`signedPermit` build the
// bodies the API takes back. Pages that create bounties or commit (later issues) call
// `signIntent` with the injected provider.

import {
  createWalletClient,
  custom,
  getAddress,
  isAddress,
  type EIP1193Provider,
  type Hex,
  type SignTypedDataParameters,
} from "viem";

/** `IntentToSign` (crates/nexus-proto/src/bounty.rs). */
export interface IntentToSign {
  kind: string;
  signer: string;
  chain_id: number;
  typed_data: TypedDataJson | null;
  permit: TypedDataJson | null;
  submit: string;
}

/** EIP-712 typed data as JSON (`types` including `EIP712Domain`). */
export interface TypedDataJson {
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  domain: { name?: string; version?: string; chainId?: number; verifyingContract?: string };
  message: Record<string, unknown>;
}

/** viem's `signTypedData` parameters (without `EIP712Domain`, which viem derives). */
export interface SigningRequest {
  account: `0x${string}`;
  domain: TypedDataJson["domain"];
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown>;
}

export class SigningError extends Error {}

/** Checks `typed` against the intent's signer and chain, and shapes it for viem. */
export function signingRequest(typed: TypedDataJson | null, signer: string, chainId: number): SigningRequest {
  if (!typed || typeof typed !== "object") throw new SigningError("This action has nothing to sign.");
  if (!isAddress(signer, { strict: false })) throw new SigningError(`The signer ${signer} is not an address.`);
  const { EIP712Domain: _domainType, ...types } = typed.types ?? {};
  if (!typed.primaryType || !types[typed.primaryType]) {
    throw new SigningError(`The typed data has no type ${typed.primaryType}.`);
  }
  if (typed.domain?.chainId !== chainId) {
    throw new SigningError(
      `The intent is for chain ${String(typed.domain?.chainId)}, not ${chainId}: reload the page and try again.`,
    );
  }
  for (const field of types[typed.primaryType] ?? []) {
    if (!(field.name in (typed.message ?? {}))) {
      throw new SigningError(`The message lacks the field ${field.name}.`);
    }
  }
  return {
    account: getAddress(signer),
    domain: typed.domain,
    types,
    primaryType: typed.primaryType,
    message: typed.message,
  };
}

function decimal(value: unknown, name: string): string {
  const text = typeof value === "bigint" || typeof value === "number" ? value.toString() : value;
  if (typeof text !== "string" || !/^[0-9]+$/.test(text)) {
    throw new SigningError(`The typed data's ${name} is not a whole number.`);
  }
  return text;
}

function signature(value: string): Hex {
  if (!/^0x[0-9a-fA-F]{130}$/.test(value)) throw new SigningError("The wallet returned a malformed signature.");
  return value as Hex;
}

/** `SignedIntent`: the signer, the nonce and deadline the typed data carried, the signature. */
export function signedIntent(request: SigningRequest, sig: string) {
  return {
    signer: request.account.toLowerCase(),
    nonce: decimal(request.message.nonce, "nonce"),
    deadline: decimal(request.message.deadline, "deadline"),
    signature: signature(sig),
  };
}

/** `SignedPermit`: the permit's nonce and deadline and its signature. */
export function signedPermit(request: SigningRequest, sig: string) {
  return {
    nonce: decimal(request.message.nonce, "nonce"),
    deadline: decimal(request.message.deadline, "deadline"),
    signature: signature(sig),
  };
}

/** The injected wallet (`window.ethereum`), when there is one. */
export function injectedWallet(): EIP1193Provider | undefined {
  return (globalThis as { ethereum?: EIP1193Provider }).ethereum;
}

/** Asks the wallet to sign the intent (and its permit, when one is needed). */
export async function signIntent(provider: EIP1193Provider, intent: IntentToSign) {
  const wallet = createWalletClient({ transport: custom(provider) });
  const intentRequest = signingRequest(intent.typed_data, intent.signer, intent.chain_id);
  const sign = (request: SigningRequest) =>
    // The typed data is only known at run time: viem's compile-time inference has nothing to
    // check, signingRequest checked it instead.
    wallet.signTypedData({
      account: request.account,
      domain: request.domain,
      types: request.types,
      primaryType: request.primaryType,
      message: request.message,
    } as unknown as SignTypedDataParameters);
  const result: { intent: ReturnType<typeof signedIntent>; permit?: ReturnType<typeof signedPermit> } = {
    intent: signedIntent(intentRequest, await sign(intentRequest)),
  };
  if (intent.permit) {
    const permitRequest = signingRequest(intent.permit, intent.signer, intent.chain_id);
    result.permit = signedPermit(permitRequest, await sign(permitRequest));
  }
  return result;
}
