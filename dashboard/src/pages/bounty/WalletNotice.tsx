// What a page says about the wallet when it cannot sign yet.

import { Link } from "react-router-dom";
import { ErrorNotice } from "../../components/ui";
import type { WalletState } from "./useWallet";

export function WalletNotice({ state }: { state: WalletState }) {
  switch (state.kind) {
    case "missing":
      return (
        <p className="notice" role="alert">
          No browser wallet was found. Install or unlock an Ethereum wallet (for example MetaMask), then try again.
        </p>
      );
    case "unlinked":
      return (
        <p className="notice" role="alert">
          The wallet <code>{state.address}</code> is not linked to your account, so the platform would refuse its
          signatures. Link it on the <Link to="/settings/wallets">wallets page of your settings</Link>, then come back.
        </p>
      );
    case "connecting":
      return <p role="status">Waiting for the wallet…</p>;
    case "failed":
      return <ErrorNotice error={state.error} />;
    case "ready":
      return (
        <p role="status">
          Signing with <code>{state.address}</code>.
        </p>
      );
    default:
      return null;
  }
}
