// The inbox's client for Baton's HTTP API: same-origin fetch with the
// session cookie, the CSRF header on every change, one error shape.

const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message || "Request failed (" + status + ")");
    this.status = status;
    this.code = code || "";
    this.retryAfter = retryAfter;
  }
}

let csrf = "";
let onUnauthorized = null;
/** Server clock minus local clock, in ms, from the Date header. */
let skew = 0;

export function setCsrf(token) { csrf = token || ""; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }
/** Now on the server's clock, in ms. */
export function serverNow() { return Date.now() + skew; }

async function send(method, path, body, opts = {}) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (method !== "GET" && method !== "HEAD") {
    headers["Content-Type"] = "application/json";
    headers["X-CSRF-Token"] = csrf;
    init.body = JSON.stringify(body === undefined ? {} : body);
  }
  if (opts.signal) init.signal = opts.signal;
  let res;
  try {
    res = await fetch(BASE + path, init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "Cannot reach Baton. Check your connection.");
  }
  const date = res.headers.get("Date");
  if (date) {
    const t = Date.parse(date);
    // The header has whole seconds: keep the estimate within half a second.
    if (!Number.isNaN(t)) skew = t + 500 - Date.now();
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const ra = parseInt(res.headers.get("Retry-After") || "", 10);
    const err = new ApiError(res.status, e.code, e.message || res.statusText || "Request failed", Number.isNaN(ra) ? undefined : ra);
    if (res.status === 401 && !opts.allow401 && onUnauthorized) onUnauthorized(err);
    throw err;
  }
  return data;
}

/** A request; a refused CSRF header (a stale token) is renewed once. */
export async function api(method, path, body, opts = {}) {
  try {
    return await send(method, path, body, opts);
  } catch (err) {
    if (err instanceof ApiError && err.status === 403 && method !== "GET" && /csrf/i.test(err.message) && !opts.retried) {
      const s = await send("GET", "/session", undefined, { allow401: true }).catch(() => null);
      if (s && s.csrf_token && s.csrf_token !== csrf) {
        csrf = s.csrf_token;
        return api(method, path, body, { ...opts, retried: true });
      }
    }
    throw err;
  }
}

export const get = (path, opts) => api("GET", path, undefined, opts);
export const post = (path, body, opts) => api("POST", path, body, opts);
export const put = (path, body, opts) => api("PUT", path, body, opts);
export const del = (path, opts) => api("DELETE", path, undefined, opts);

export const enc = encodeURIComponent;
