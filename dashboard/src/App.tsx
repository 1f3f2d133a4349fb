// Routes. Pages behind `RequireSession` need a signed-in account; the others are public.

import { useEffect, useState, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router-dom";
import { currentTokens, onSessionChange } from "./api/session";
import { Layout } from "./components/Layout";
import { LiveProvider } from "./live/LiveContext";
import { BountiesPage } from "./pages/Bounties";
import { AnalystProfilePage } from "./pages/AnalystProfile";
import { BountyDetailPage } from "./pages/BountyDetail";
import { ChainBountyPage } from "./pages/ChainBounty";
import { CreateBountyPage } from "./pages/bounty/CreateBounty";
import { HomePage } from "./pages/Home";
import { LeaderboardPage } from "./pages/Leaderboard";
import { MfaPage } from "./pages/Mfa";
import { NotificationsPage } from "./pages/Notifications";
import { RegisterPage } from "./pages/Register";
import { ReportPage } from "./pages/Report";
import { SignInPage } from "./pages/SignIn";
import { SubmitPage } from "./pages/Submit";
import { AdminAuditPage } from "./pages/admin/Audit";
import { ForgotPasswordPage, ResetPasswordPage } from "./pages/PasswordReset";
import { AdminPoliciesPage } from "./pages/admin/Policies";
import { AdminUsersPage } from "./pages/admin/Users";
import { ApiKeySettingsPage } from "./pages/settings/ApiKeys";
import { MfaSettingsPage } from "./pages/settings/Mfa";
import { NotificationSettingsPage } from "./pages/settings/Notifications";
import { WebhookSettingsPage } from "./pages/settings/Webhooks";
import { ProfileSettingsPage } from "./pages/settings/Profile";
import { WalletSettingsPage } from "./pages/settings/Wallets";
import { WsKeySettingsPage } from "./pages/settings/WsKeys";

export function useSignedIn(): boolean {
  const [signedIn, setSignedIn] = useState(() => currentTokens() !== null);
  useEffect(() => onSessionChange((tokens) => setSignedIn(tokens !== null)), []);
  return signedIn;
}

function RequireSession({ children }: { children: ReactNode }) {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) {
    return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  return <>{children}</>;
}

export function App() {
  return (
    <BrowserRouter>
      <LiveProvider>
        <Routes>
          <Route element={<Layout />}>
            <Route path="/sign-in" element={<SignInPage />} />
            <Route path="/sign-in/mfa" element={<MfaPage />} />
            <Route path="/register" element={<RegisterPage />} />
            <Route path="/forgot-password" element={<ForgotPasswordPage />} />
            <Route path="/reset-password" element={<ResetPasswordPage />} />
            <Route path="/" element={<RequireSession><HomePage /></RequireSession>} />
            <Route path="/submit" element={<RequireSession><SubmitPage /></RequireSession>} />
            <Route path="/analyses/:id" element={<RequireSession><ReportPage /></RequireSession>} />
            <Route path="/bounties" element={<RequireSession><BountiesPage /></RequireSession>} />
            <Route path="/bounties/new" element={<RequireSession><CreateBountyPage /></RequireSession>} />
            <Route path="/bounties/:id" element={<RequireSession><BountyDetailPage /></RequireSession>} />
            <Route path="/bounties/chain/:chainId" element={<RequireSession><ChainBountyPage /></RequireSession>} />
            {/* Reputation is public (chain facts): guests may read the board and profiles. */}
            <Route path="/notifications" element={<RequireSession><NotificationsPage /></RequireSession>} />
            <Route path="/leaderboard" element={<LeaderboardPage />} />
            <Route path="/analysts/:userId" element={<AnalystProfilePage />} />
            <Route path="/settings" element={<Navigate to="/settings/profile" replace />} />
            <Route path="/settings/profile" element={<RequireSession><ProfileSettingsPage /></RequireSession>} />
            <Route path="/settings/wallets" element={<RequireSession><WalletSettingsPage /></RequireSession>} />
            <Route path="/settings/ws-keys" element={<RequireSession><WsKeySettingsPage /></RequireSession>} />
            <Route path="/settings/api-keys" element={<RequireSession><ApiKeySettingsPage /></RequireSession>} />
            <Route path="/settings/mfa" element={<RequireSession><MfaSettingsPage /></RequireSession>} />
            <Route path="/settings/notifications" element={<RequireSession><NotificationSettingsPage /></RequireSession>} />
            <Route path="/settings/webhooks" element={<RequireSession><WebhookSettingsPage /></RequireSession>} />
            {/* Admin pages are routed for everyone signed in: the API refuses non-administrators. */}
            <Route path="/admin" element={<Navigate to="/admin/users" replace />} />
            <Route path="/admin/users" element={<RequireSession><AdminUsersPage /></RequireSession>} />
            <Route path="/admin/policies" element={<RequireSession><AdminPoliciesPage /></RequireSession>} />
            <Route path="/admin/audit" element={<RequireSession><AdminAuditPage /></RequireSession>} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </LiveProvider>
    </BrowserRouter>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page at this address. Go to <a href="/">the home page</a>.
      </p>
    </section>
  );
}
