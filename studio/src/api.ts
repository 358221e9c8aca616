// The API client: bearer token from sessionStorage, JSON in and out, errors as ApiFailure.
import type { components } from "./api-types";

export type Schemas = components["schemas"];
type ErrorBody = Schemas["ApiError"] & { request_id?: string };

const TOKEN_KEY = "designer-bff-token";

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** A non-2xx answer, carrying the API's error body when there was one. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | null,
    readonly retryAfter: string | null = null,
  ) {
    super(body?.message ?? `The server answered ${status}.`);
  }
  get field(): string | null {
    return this.body?.field ?? null;
  }
}

/** Called when any request is refused with 401, so the app can return to sign-in. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

async function send(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (res.ok) return res;
  let err: ErrorBody | null = null;
  try {
    err = (await res.json()) as ErrorBody;
  } catch {
    err = null;
  }
  if (res.status === 401) onUnauthorized();
  throw new ApiFailure(res.status, err, res.headers.get("Retry-After"));
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await send("GET", path, undefined, signal)).json() as Promise<T>;
}

export async function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return (await send("POST", path, body, signal)).json() as Promise<T>;
}

/** Fetches an image with the bearer header and hands back a blob: URL (revoked with the page). */
export async function imageUrl(path: string, signal: AbortSignal): Promise<string> {
  const blob = await (await send("GET", path, undefined, signal)).blob();
  const url = URL.createObjectURL(blob);
  signal.addEventListener("abort", () => URL.revokeObjectURL(url), { once: true });
  return url;
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === "AbortError";
}

/** The message to show for a failed call. */
export function describe(e: unknown): string {
  if (e instanceof ApiFailure) {
    const retry = e.retryAfter ? ` Try again in ${e.retryAfter} s.` : "";
    return `${e.message}${retry}`;
  }
  return e instanceof Error ? e.message : String(e);
}
