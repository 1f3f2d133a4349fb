// The typed client over fetch: every call goes to `/api/v1` on this origin with the session's
// bearer token, and every failure becomes an `ApiError` with the API's stable code (see
// errors.ts for the words a page shows). One refresh is tried when the access token was refused.

import { ApiError, type ErrorBody } from "./errors";
import { clearTokens, currentTokens, saveTokens } from "./session";
import type { TokenPair } from "./types";

export const API_BASE = "/api/v1";

type Query = Record<string, string | number | undefined>;

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  query?: Query;
  /** Send without the session's token (sign-in, registration). */
  anonymous?: boolean;
}

/** `/api/v1<path>?<query>` with empty values left out. */
export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return `${API_BASE}${path}${text ? `?${text}` : ""}`;
}

/** The `ApiError` for a non-2xx answer, whatever its body. */
export function errorFrom(status: number, text: string, retryAfterHeader: string | null): ApiError {
  let body: ErrorBody;
  try {
    const parsed = JSON.parse(text) as Partial<ErrorBody>;
    body = {
      code: typeof parsed.code === "string" ? parsed.code : `http_${status}`,
      message: typeof parsed.message === "string" ? parsed.message : "",
      request_id: typeof parsed.request_id === "string" ? parsed.request_id : undefined,
    };
  } catch {
    body = { code: `http_${status}`, message: "" };
  }
  const retryAfter = retryAfterHeader ? Number.parseInt(retryAfterHeader, 10) : undefined;
  return new ApiError(status, body, Number.isFinite(retryAfter) ? retryAfter : undefined);
}

let refreshing: Promise<boolean> | null = null;

/** Trades the refresh token for a new pair once, however many calls were refused at once. */
export async function refresh(): Promise<boolean> {
  const tokens = currentTokens();
  if (!tokens) return false;
  refreshing ??= (async () => {
    try {
      const answer = await fetch(apiUrl("/auth/refresh"), {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ refresh_token: tokens.refresh_token }),
      });
      if (!answer.ok) return false;
      saveTokens((await answer.json()) as TokenPair);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const send = async (): Promise<Response> => {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const token = options.anonymous ? undefined : currentTokens()?.access_token;
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      return await fetch(apiUrl(path, options.query), {
        method: options.method ?? "GET",
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch {
      throw new ApiError(0, { code: "network_error", message: "" });
    }
  };
  let answer = await send();
  if (answer.status === 401 && !options.anonymous && currentTokens()) {
    if (await refresh()) {
      answer = await send();
    }
    if (answer.status === 401) clearTokens();
  }
  if (!answer.ok) {
    throw errorFrom(answer.status, await answer.text(), answer.headers.get("retry-after"));
  }
  if (answer.status === 204) return undefined as T;
  return (await answer.json()) as T;
}

/** Upload progress: bytes sent so far of the total. */
export type UploadProgress = (sent: number, total: number) => void;

/**
 * `POST /api/v1/files` with the file as the raw body, through XMLHttpRequest: fetch has no upload
 * progress events. Resolves with the parsed 202 answer.
 */
export function uploadFile<T>(file: Blob, visibility: "private" | "public", onProgress: UploadProgress): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", apiUrl("/files", { visibility }));
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.setRequestHeader("accept", "application/json");
    const token = currentTokens()?.access_token;
    if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onerror = () => reject(new ApiError(0, { code: "network_error", message: "" }));
    xhr.onabort = () => reject(new ApiError(0, { code: "upload_interrupted", message: "" }));
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        try {
          resolve(JSON.parse(xhr.responseText) as T);
        } catch {
          reject(errorFrom(xhr.status, xhr.responseText, null));
        }
      } else {
        reject(errorFrom(xhr.status, xhr.responseText, xhr.getResponseHeader("retry-after")));
      }
    };
    xhr.send(file);
  });
}
