// The injected wallet (EIP-1193) and whether its account is linked to the signed-in account.
//
// Why the link matters: the bounty service relays an intent only when its signer is one of the
// caller's wallets linked in nexus-user (`wallet_not_linked` otherwise), so a page says so before
// asking for a signature that would be refused.

import { useCallback, useState } from "react";
import { getAddress, type EIP1193Provider, type Hex } from "viem";
import { bountyActions } from "../../api/bountyActions";
import { injectedWallet } from "../../wallet/signing";

export type WalletState =
  | { kind: "idle" }
  | { kind: "connecting" }
  | { kind: "missing" }
  | { kind: "unlinked"; address: Hex }
  | { kind: "ready"; address: Hex; provider: EIP1193Provider }
  | { kind: "failed"; error: unknown };

/** `connect()` asks the wallet for its account and checks it against the linked wallets. */
export function useWallet() {
  const [state, setState] = useState<WalletState>({ kind: "idle" });
  const connect = useCallback(async (): Promise<WalletState> => {
    const provider = injectedWallet();
    if (!provider) {
      const missing: WalletState = { kind: "missing" };
      setState(missing);
      return missing;
    }
    setState({ kind: "connecting" });
    try {
      const accounts = (await provider.request({ method: "eth_requestAccounts" })) as string[];
      const first = accounts[0];
      if (!first) throw new Error("The wallet shared no account.");
      const address = getAddress(first);
      const { wallets } = await bountyActions.linkedWallets();
      const linked = wallets.some((wallet) => wallet.address.toLowerCase() === address.toLowerCase());
      const next: WalletState = linked ? { kind: "ready", address, provider } : { kind: "unlinked", address };
      setState(next);
      return next;
    } catch (error) {
      const failed: WalletState = { kind: "failed", error };
      setState(failed);
      return failed;
    }
  }, []);
  return { state, connect };
}
