// One function per API call the pages make, so a page never spells a path or a shape itself.

import { request, uploadFile, type UploadProgress } from "./client";
import type {
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

export const api = {
  login: (login: string, password: string) =>
    request<LoginResponse>("/auth/login", { method: "POST", body: { login, password }, anonymous: true }),
  loginMfa: (mfa_token: string, code: string) =>
    request<TokenPair>("/auth/login/mfa", { method: "POST", body: { mfa_token, code }, anonymous: true }),
  logout: (refresh_token: string) => request<void>("/auth/logout", { method: "POST", body: { refresh_token } }),
  register: (body: RegisterRequest) =>
    request<PrivateProfile>("/users", { method: "POST", body, anonymous: true }),
  me: () => request<PrivateProfile>("/users/me"),
  analysis: (id: string) => request<AnalysisView>(`/analyses/${encodeURIComponent(id)}`),
  similar: (sha256: string) => request<SimilarFiles>(`/files/${encodeURIComponent(sha256)}/similar`),
  upload: (file: Blob, visibility: "private" | "public", onProgress: UploadProgress) =>
    uploadFile<UploadAccepted>(file, visibility, onProgress),
  bounties: (query: BountyQuery) => request<BountyPage>("/bounties", { query: { ...query } }),
  bounty: (id: string) => request<BountyView>(`/bounties/${encodeURIComponent(id)}`),
  earnings: (period: "day" | "week" | "month", periods: number) =>
    request<MyEarnings>("/me/earnings", { query: { period, periods } }),
};
