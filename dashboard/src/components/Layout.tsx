// The frame of every page: skip link, navigation, the live connection badge, sign-out.

import { Link, NavLink, Outlet, useNavigate } from "react-router-dom";
import { api } from "../api/endpoints";
import { clearTokens, currentTokens } from "../api/session";
import { useSignedIn } from "../App";
import { useLiveState } from "../live/LiveContext";
import { useIsAdmin } from "../pages/admin/access";
import { UnreadBadge } from "../pages/NotificationsBadge";
import { ConnectionBadge } from "./ui";

export function Layout() {
  const signedIn = useSignedIn();
  const live = useLiveState();
  const admin = useIsAdmin();
  const navigate = useNavigate();
  const signOut = async () => {
    const tokens = currentTokens();
    // Sign-out ends the refresh token on the server too; the page signs out even if that fails.
    if (tokens) await api.logout(tokens.refresh_token).catch(() => undefined);
    clearTokens();
    navigate("/sign-in");
  };
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link className="brand" to="/">
          Nexus Security
        </Link>
        <nav aria-label="Main">
          {signedIn ? (
            <ul>
              <li><NavLink to="/" end>Home</NavLink></li>
              <li><NavLink to="/submit">Submit a file</NavLink></li>
              <li><NavLink to="/bounties" end>Bounties</NavLink></li>
              <li><NavLink to="/bounties/new">Post a bounty</NavLink></li>
              <li><NavLink to="/leaderboard">Leaderboard</NavLink></li>
              <li><NavLink to="/notifications">Notifications <UnreadBadge /></NavLink></li>
              <li><NavLink to="/settings">Settings</NavLink></li>
              {admin && <li><NavLink to="/admin">Admin</NavLink></li>}
            </ul>
          ) : (
            <ul>
              <li><NavLink to="/sign-in">Sign in</NavLink></li>
              <li><NavLink to="/register">Register</NavLink></li>
              <li><NavLink to="/leaderboard">Leaderboard</NavLink></li>
            </ul>
          )}
        </nav>
        <div className="top-right">
          <ConnectionBadge state={live} />
          {signedIn && (
            <button type="button" className="link-button" onClick={signOut}>
              Sign out
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
