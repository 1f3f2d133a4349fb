// The API's shapes as the services define them (crates/nexus-proto: auth.rs, user.rs,
// analysis.rs, report*.rs, bounty.rs, bounty_me.rs). Amounts of NXS are wei as decimal strings.

export interface TokenPair {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

export interface MfaChallenge {
  mfa_required: true;
  mfa_token: string;
  expires_in: number;
}

export type LoginResponse = TokenPair | MfaChallenge;

export function needsMfa(answer: LoginResponse): answer is MfaChallenge {
  return (answer as MfaChallenge).mfa_required === true;
}

export interface RegisterRequest {
  email: string;
  username: string;
  password: string;
  referral_code?: string;
}

export interface PrivateProfile {
  user_id: string;
  username: string;
  email?: string;
  roles: string[];
  display_name?: string | null;
}

export type AnalysisStatus = "queued" | "running" | "completed" | "partial" | "failed";
export type Verdict = "malicious" | "suspicious" | "benign" | "unknown";

export function isTerminal(status: AnalysisStatus): boolean {
  return status === "completed" || status === "partial" || status === "failed";
}

export interface UploadAccepted {
  analysis_id: string;
  sha256: string;
  duplicate: boolean;
  status: AnalysisStatus;
  size: number;
  visibility: "private" | "public";
}

export interface Section {
  name: string;
  entropy: number;
  size?: number;
  raw_size?: number;
  virtual_size?: number;
  characteristics?: string[];
  section_type?: string;
  flags?: string;
}

export interface PeImportLibrary {
  library: string;
  delayed: boolean;
  functions: { name?: string | null; ordinal?: number | null }[];
}

export interface Indicator {
  id: string;
  severity: "info" | "low" | "medium" | "high" | "critical";
  description: string;
  mitre_attack?: string | null;
  evidence: string[];
}

export interface YaraMatch {
  rule: string;
  namespace: string;
  tags: string[];
  metadata: Record<string, unknown>;
  strings: { identifier: string; count: number; offsets: number[] }[];
}

export interface AnalysisReport {
  schema_version: string;
  engine_version: string;
  file: { size: number; mime: string; file_type: string; subtype?: string | null; description: string };
  hashes: {
    md5: string;
    sha1: string;
    sha256: string;
    ssdeep?: string | null;
    tlsh?: string | null;
    imphash?: string | null;
  };
  entropy: number;
  pe?: {
    machine: string;
    is_64: boolean;
    is_dll: boolean;
    subsystem: string;
    compile_time?: string | null;
    sections: Section[];
    imports: PeImportLibrary[];
    warnings: string[];
  } | null;
  elf?: {
    class: string;
    machine: string;
    elf_type: string;
    interpreter?: string | null;
    sections: Section[];
    needed: string[];
    imported_symbols: { name: string }[];
  } | null;
  macho?: {
    is_fat: boolean;
    architectures: { cpu_type: string; file_type: string; dylibs: string[]; segments: Section[] }[];
  } | null;
  strings: { total: number; truncated: boolean; items: { offset: number; encoding: string; value: string }[] };
  iocs: Record<string, string[]>;
  yara: YaraMatch[];
  indicators: Indicator[];
  score: number;
  verdict: Verdict;
  verdict_reasons: string[];
  stages: { name: string; ms: number; error?: string | null; error_code?: string | null }[];
}

/** GET /v1/analyses: one page of the caller's analyses, newest first. */
export interface AnalysisPage {
  analyses: AnalysisView[];
  next_cursor?: string;
}

export interface AnalysisView {
  id: string;
  sha256: string;
  status: AnalysisStatus;
  stage?: string | null;
  ruleset_version: string;
  verdict?: Verdict | null;
  score?: number | null;
  error?: string | null;
  created_at: string;
  started_at?: string | null;
  completed_at?: string | null;
  report?: AnalysisReport | null;
}

export interface SimilarFiles {
  sha256: string;
  matches: { sha256: string; ssdeep_score?: number | null; tlsh_distance?: number | null; imphash_match: boolean; score: number }[];
}

export const BOUNTY_STATUSES = [
  "draft",
  "pending",
  "open",
  "revealing",
  "resolving",
  "resolved",
  "disputed",
  "decided",
  "expired",
  "refunded",
] as const;
export type BountyStatus = (typeof BOUNTY_STATUSES)[number];
export const ARTIFACT_KINDS = ["file", "url", "contract"] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];
export const BOUNTY_SORTS = ["newest", "reward", "deadline"] as const;
export type BountySort = (typeof BOUNTY_SORTS)[number];

export interface BountyView {
  id: string;
  creator: string;
  creator_address: string;
  artifact: { kind: ArtifactKind; hash: string; sha256?: string; url?: string; chain_id?: number; address?: string };
  reward: string;
  min_stake: string;
  assertion_deadline: string;
  reveal_deadline: string;
  is_public: boolean;
  status: BountyStatus;
  chain_bounty_id?: number | null;
  commitment_count: number;
  reveal_count: number;
  outcome?: string | null;
  created_at: string;
  transactions?: { id: string; kind: string; status: string; tx_hash?: string | null; last_error?: string | null }[];
  assertions?: { analyst: string; stake: string; verdict?: string | null; claimed: boolean }[];
}

export interface BountyPage {
  bounties: BountyView[];
  next_cursor?: string | null;
}

export interface BountyQuery {
  status?: BountyStatus;
  artifact_kind?: ArtifactKind;
  sort?: BountySort;
  limit?: number;
  cursor?: string;
}

/** `BountyUpdated`, the payload of events on `bounties` and `bounty:{id}`. */
export interface BountyUpdated {
  bounty_id: string;
  status: BountyStatus;
  previous_status: BountyStatus;
  commitment_count: number;
  reveal_count: number;
  outcome?: string | null;
  reward: string;
  cause: string;
}

export interface EarningsAmounts {
  claimable: string;
  claimed: string;
  staked: string;
  slashed: string;
  forfeited: string;
  rewards: string;
  refunded: string;
}

export interface MyEarnings {
  period: "day" | "week" | "month";
  totals: EarningsAmounts;
  periods: { start: string; amounts: EarningsAmounts }[];
}

/** The envelope of a live event (`{"type":"event","topic","event"}`). */
export interface EventEnvelope<P = unknown> {
  id: string;
  name: string;
  version: number;
  occurred_at: string;
  payload: P;
}

// ---- Settings and admin (crates/nexus-proto: user.rs, auth.rs) ----

/** `GET /v1/users/me` in full (`PrivateProfile` with its flattened `PublicProfile`). */
export interface OwnProfile extends PrivateProfile {
  email: string;
  bio?: string | null;
  avatar_url?: string | null;
  website?: string | null;
  full_name?: string | null;
  status: "active" | "banned" | "disabled";
  referral_code: string;
  created_at: string;
  updated_at: string;
}

/** `PATCH /v1/users/me`: absent = unchanged, `null` = cleared, a string = set. */
export type ProfileUpdate = Partial<Record<"display_name" | "bio" | "avatar_url" | "website" | "full_name", string | null>>;

/** `GET /v1/users/{id}` (`PublicProfile`). */
export interface PublicProfile {
  user_id: string;
  username: string;
  roles: string[];
  display_name?: string | null;
  bio?: string | null;
  avatar_url?: string | null;
  website?: string | null;
  created_at: string;
}

export const ROLES = ["user", "analyst", "admin"] as const;
export type RoleName = (typeof ROLES)[number];

export interface WalletChallenge {
  /** The EIP-4361 message to sign with `personal_sign`. */
  message: string;
  nonce: string;
  expires_at: string;
}

export interface Wallet {
  address: string;
  chain_id: number;
  linked_at: string;
}

export interface WsKeyChallenge {
  challenge: string;
  expires_at: string;
}

export interface WsKey {
  key_id: string;
  public_key_hex: string;
  label?: string | null;
  created_at: string;
}

export interface RegisterWsKeyRequest {
  public_key: string;
  label?: string;
  challenge: string;
  signature: string;
}

export interface TotpEnrolment {
  secret: string;
  otpauth_uri: string;
  /** The otpauth URI as an SVG QR code, rendered by nexus-auth. */
  qr_svg: string;
}

export interface CreateApiKeyRequest {
  name: string;
  scopes: string[];
  tier?: string;
  expires_in_days?: number;
}

export interface ApiKeyInfo {
  key_id: string;
  name: string;
  prefix: string;
  scopes: string[];
  tier: string;
  created_at: string;
  last_used_at?: string | null;
  expires_at?: string | null;
  revoked_at?: string | null;
}

/** `POST /v1/api-keys`'s answer: the only time `key` is shown. */
export interface CreatedApiKey extends ApiKeyInfo {
  key: string;
}

export interface PolicySource {
  name: string;
  text: string;
}

export interface PolicyProblem {
  code: string;
  source_name: string;
  policy_id?: string | null;
  message: string;
  /** 1-based. */
  line?: number | null;
  /** 1-based. */
  column?: number | null;
}

export interface PolicyValidation {
  valid: boolean;
  errors: PolicyProblem[];
  digest?: string | null;
}

export interface PublishedPolicies {
  version: number;
  digest: string;
}

export interface AuditQuery {
  kind?: string;
  subject?: string;
  before?: string;
  limit?: number;
}

export interface AuditEntry {
  id: string;
  occurred_at: string;
  kind: string;
  actor?: string | null;
  subject?: string | null;
  ip?: string | null;
  detail: unknown;
}

/** `PUT /v1/users/{id}/role`'s answer. */
export interface AccountSummary {
  user_id: string;
  username: string;
  email: string;
  roles: string[];
  status: string;
}
