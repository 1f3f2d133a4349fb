// Settings → wallets: nexus-user's linked wallets. Linking is Sign-In-With-Ethereum style: the
// service issues an EIP-4361 message for the wallet's address and chain
// (`POST /v1/users/me/wallets/challenge`), the injected wallet signs it with `personal_sign`
// (viem's `signMessage` on an EIP-1193 account), and the service checks the signature
// (`POST /v1/users/me/wallets`). The private key never leaves the wallet.

import { useCallback, useEffect, useState } from "react";
import { createWalletClient, custom, getAddress } from "viem";
import { settingsApi } from "../../api/endpoints";
import type { Wallet } from "../../api/types";
import { formatDate } from "../../components/format";
import { EmptyState, ErrorNotice } from "../../components/ui";
import { injectedWallet } from "../../wallet/signing";
import { SettingsFrame } from "./SettingsNav";

export function WalletSettingsPage() {
  const [wallets, setWallets] = useState<Wallet[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | undefined>();
  const [step, setStep] = useState<string | undefined>();

  const load = useCallback(() => {
    settingsApi.wallets().then((list) => setWallets(list.wallets), setError);
  }, []);
  useEffect(load, [load]);

  const link = async () => {
    setError(null);
    setProblem(undefined);
    const provider = injectedWallet();
    if (!provider) {
      setProblem("No browser wallet was found. Install or unlock one (for example MetaMask), then reload this page.");
      return;
    }
    try {
      const client = createWalletClient({ transport: custom(provider) });
      setStep("Choose the account in your wallet…");
      const [address] = await client.requestAddresses();
      if (!address) throw new Error("no account");
      const chainId = await client.getChainId();
      setStep("Sign the message in your wallet…");
      const challenge = await settingsApi.walletChallenge(getAddress(address), chainId);
      const signature = await client.signMessage({ account: address, message: challenge.message });
      setStep("Checking the signature…");
      await settingsApi.linkWallet(challenge.message, signature);
      load();
    } catch (caught) {
      // A wallet's refusal (EIP-1193 code 4001) is the person's choice, not a failure to explain.
      if ((caught as { code?: number }).code === 4001 || /rejected/i.test(String((caught as Error).message))) {
        setProblem("The wallet did not sign. Nothing was linked.");
      } else {
        setError(caught);
      }
    } finally {
      setStep(undefined);
    }
  };

  const unlink = async (address: string) => {
    setError(null);
    try {
      await settingsApi.unlinkWallet(address);
      load();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <SettingsFrame title="Wallets">
      <p>Linked wallets can sign bounties and receive rewards for your account.</p>
      <ErrorNotice error={error} />
      {problem && <div className="notice notice-error" role="alert"><p>{problem}</p></div>}
      <button type="button" onClick={link} disabled={step !== undefined}>Link the wallet in this browser</button>
      {step && <p role="status" aria-busy="true">{step}</p>}
      {wallets === null ? (
        !error && <p aria-busy="true">Loading wallets…</p>
      ) : wallets.length === 0 ? (
        <EmptyState title="No wallet linked">
          <p>Link the wallet in this browser with the button above: it asks your wallet to sign a message, no transaction.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table data-testid="wallet-list">
            <caption className="sr-only">Linked wallets</caption>
            <thead><tr><th scope="col">Address</th><th scope="col">Chain</th><th scope="col">Linked</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {wallets.map((wallet) => (
                <tr key={wallet.address}>
                  <td><code>{wallet.address}</code></td>
                  <td>{wallet.chain_id}</td>
                  <td>{formatDate(wallet.linked_at)}</td>
                  <td><button type="button" className="secondary" onClick={() => unlink(wallet.address)}
                    aria-label={`Unlink ${wallet.address}`}>Unlink</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </SettingsFrame>
  );
}
