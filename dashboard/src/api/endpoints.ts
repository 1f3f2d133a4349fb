// One function per API call the pages make, so a page never spells a path or a shape itself.

import { request, uploadFile, type UploadProgress } from "./client";
import type {
  AnalysisPage,
  AnalysisView,
  BountyPage,
  BountyQuery,
  BountyView,
  LoginResponse,
  MyEarnings,
  PrivateProfile,
  RegisterRequest,
  SimilarFiles,
  TokenPair,
  UploadAccepted,
} from "./types";
import type {
  AccountSummary,
  ApiKeyInfo,
  AuditEntry,
  AuditQuery,
  CreateApiKeyRequest,
  CreatedApiKey,
  OwnProfile,
  PolicySource,
  PolicyValidation,
  ProfileUpdate,
  PublicProfile,
  PublishedPolicies,
  RegisterWsKeyRequest,
  RoleName,
  TotpEnrolment,
  Wallet,
  WalletChallenge,
  WsKey,
  WsKeyChallenge,
} from "./types";

export const api = {
  login: (login: string, password: string) =>
    request<LoginResponse>("/auth/login", { method: "POST", body: { login, password }, anonymous: true }),
  loginMfa: (mfa_token: string, code: string) =>
    request<TokenPair>("/auth/login/mfa", { method: "POST", body: { mfa_token, code }, anonymous: true }),
  logout: (refresh_token: string) => request<void>("/auth/logout", { method: "POST", body: { refresh_token } }),
  register: (body: RegisterRequest) =>
    request<PrivateProfile>("/users", { method: "POST", body, anonymous: true }),
  me: () => request<PrivateProfile>("/users/me"),
  requestPasswordReset: (email: string) =>
    request<void>("/users/password-reset", { method: "POST", body: { email }, anonymous: true }),
  confirmPasswordReset: (token: string, new_password: string) =>
    request<void>("/users/password-reset/confirm", { method: "POST", body: { token, new_password }, anonymous: true }),
  analysis: (id: string) => request<AnalysisView>(`/analyses/${encodeURIComponent(id)}`),
  /** The analyses of the caller's uploads, newest first (reports left out). */
  analyses: (limit = 100, cursor?: string) => request<AnalysisPage>("/analyses", { query: { limit, cursor } }),
  similar: (sha256: string) => request<SimilarFiles>(`/files/${encodeURIComponent(sha256)}/similar`),
  upload: (file: Blob, visibility: "private" | "public", onProgress: UploadProgress) =>
    uploadFile<UploadAccepted>(file, visibility, onProgress),
  bounties: (query: BountyQuery) => request<BountyPage>("/bounties", { query: { ...query } }),
  bounty: (id: string) => request<BountyView>(`/bounties/${encodeURIComponent(id)}`),
  earnings: (period: "day" | "week" | "month", periods: number) =>
    request<MyEarnings>("/me/earnings", { query: { period, periods } }),
};

/** Settings (nexus-user's own account, nexus-auth's credentials). */
export const settingsApi = {
  profile: () => request<OwnProfile>("/users/me"),
  updateProfile: (body: ProfileUpdate) => request<OwnProfile>("/users/me", { method: "PATCH", body }),
  wallets: () => request<{ wallets: Wallet[] }>("/users/me/wallets"),
  walletChallenge: (address: string, chain_id: number) =>
    request<WalletChallenge>("/users/me/wallets/challenge", { method: "POST", body: { address, chain_id } }),
  linkWallet: (message: string, signature: string) =>
    request<Wallet>("/users/me/wallets", { method: "POST", body: { message, signature } }),
  unlinkWallet: (address: string) =>
    request<void>(`/users/me/wallets/${encodeURIComponent(address)}`, { method: "DELETE" }),
  wsKeys: () => request<{ keys: WsKey[] }>("/users/me/ws-keys"),
  wsKeyChallenge: () => request<WsKeyChallenge>("/users/me/ws-keys/challenge", { method: "POST" }),
  registerWsKey: (body: RegisterWsKeyRequest) => request<WsKey>("/users/me/ws-keys", { method: "POST", body }),
  revokeWsKey: (keyId: string) => request<void>(`/users/me/ws-keys/${encodeURIComponent(keyId)}`, { method: "DELETE" }),
  apiKeys: () => request<ApiKeyInfo[]>("/api-keys"),
  createApiKey: (body: CreateApiKeyRequest) => request<CreatedApiKey>("/api-keys", { method: "POST", body }),
  revokeApiKey: (keyId: string) => request<void>(`/api-keys/${encodeURIComponent(keyId)}`, { method: "DELETE" }),
  enrolTotp: () => request<TotpEnrolment>("/auth/mfa/totp", { method: "POST" }),
  confirmTotp: (code: string) =>
    request<{ recovery_codes: string[] }>("/auth/mfa/totp/confirm", { method: "POST", body: { code } }),
  disableTotp: (password: string) => request<void>("/auth/mfa/totp/disable", { method: "POST", body: { password } }),
};

/** Administration (the API refuses everyone but administrators with a second factor). */
export const adminApi = {
  user: (id: string) => request<PublicProfile>(`/users/${encodeURIComponent(id)}`),
  changeRole: (id: string, role: RoleName) =>
    request<AccountSummary>(`/users/${encodeURIComponent(id)}/role`, { method: "PUT", body: { role } }),
  validatePolicies: (sources: PolicySource[]) =>
    request<PolicyValidation>("/policies/validate", { method: "POST", body: { sources } }),
  publishPolicies: (sources: PolicySource[], comment?: string) =>
    request<PublishedPolicies>("/policies", { method: "POST", body: { sources, comment } }),
  audit: (query: AuditQuery) => request<{ entries: AuditEntry[] }>("/audit", { query: { ...query } }),
};
