// The API client of the playground: same origin as the page, the API key
// from the key field (sessionStorage), sent in the X-API-Key header only:
// never in a URL, never logged.

const keyItem = "riptide.apiKey";

// apiBase is where the API answers: the page's own origin under `riptide
// serve`; the API Gateway URL when the playground is served from S3 and
// CloudFront (the CDK deployment fills in <meta name="riptide-api">).
export const apiBase: string = (
  document.querySelector<HTMLMetaElement>('meta[name="riptide-api"]')?.content.trim() || location.origin
).replace(/\/+$/, "");

const at = (path: string) => apiBase + path;

export function loadKey(): string {
  try {
    return sessionStorage.getItem(keyItem) ?? "";
  } catch {
    return "";
  }
}

export function saveKey(key: string): void {
  try {
    if (key) sessionStorage.setItem(keyItem, key);
    else sessionStorage.removeItem(keyItem);
  } catch {
    // Storage disabled: the key lives for this page only.
  }
}

export interface Reply {
  status: number;
  ok: boolean;
  requestId: string;
  body: unknown;
  text: string;
}

// ApiError carries the unified error shape ({"error":{type,message,...}}).
export class ApiError extends Error {
  constructor(
    public status: number,
    public type: string,
    message: string,
    public requestId = "",
  ) {
    super(message);
  }
}

function headers(extra?: Record<string, string>): Headers {
  const h = new Headers(extra);
  const key = loadKey();
  if (key) h.set("X-API-Key", key);
  return h;
}

export async function send(method: string, path: string, body?: string, accept = "application/json"): Promise<Reply> {
  const init: RequestInit = { method, headers: headers({ Accept: accept }) };
  if (body !== undefined && body !== "") {
    (init.headers as Headers).set("Content-Type", "application/json");
    init.body = body;
  }
  const resp = await fetch(at(path), init);
  const text = await resp.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics, NDJSON): keep the text
  }
  return { status: resp.status, ok: resp.ok, requestId: resp.headers.get("X-Request-ID") ?? "", body: parsed, text };
}

// getJSON fetches a JSON document or throws an ApiError.
export async function getJSON<T>(path: string): Promise<T> {
  const r = await send("GET", path);
  if (!r.ok) throw toError(r);
  return r.body as T;
}

export function toError(r: Reply): ApiError {
  const e = (r.body as { error?: { type?: string; message?: string } } | null)?.error;
  return new ApiError(r.status, e?.type ?? "http_error", e?.message ?? `HTTP ${r.status}`, r.requestId);
}

export interface StreamEvent {
  type: string;
  data: Record<string, unknown>;
}

// stream POSTs body and calls onEvent for every NDJSON line or SSE event
// as it arrives. It resolves when the server closes the stream and
// rejects (ApiError) when the request is refused before it starts.
export async function stream(
  path: string,
  body: string,
  format: "ndjson" | "sse",
  onEvent: (e: StreamEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const accept = format === "sse" ? "text/event-stream" : "application/x-ndjson";
  const resp = await fetch(at(path), {
    method: "POST",
    headers: headers({ Accept: accept, "Content-Type": "application/json" }),
    body,
    signal,
  });
  if (!resp.ok || !resp.body) {
    const text = await resp.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* keep text */
    }
    throw toError({ status: resp.status, ok: false, requestId: resp.headers.get("X-Request-ID") ?? "", body: parsed, text });
  }
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const parse = format === "sse" ? parseSSE : parseNDJSON;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    buf = parse(buf, onEvent);
  }
  parse(buf + "\n\n", onEvent);
}

// parseNDJSON emits every complete line and returns the rest.
function parseNDJSON(buf: string, onEvent: (e: StreamEvent) => void): string {
  let nl: number;
  while ((nl = buf.indexOf("\n")) >= 0) {
    const line = buf.slice(0, nl).trim();
    buf = buf.slice(nl + 1);
    if (!line) continue;
    try {
      const data = JSON.parse(line) as Record<string, unknown>;
      onEvent({ type: String(data.type ?? "message"), data });
    } catch {
      onEvent({ type: "error", data: { type: "error", message: `not JSON: ${line.slice(0, 200)}` } });
    }
  }
  return buf;
}

// parseSSE emits every complete event (blank-line terminated) and returns
// the rest; comments (keep-alives) are skipped.
function parseSSE(buf: string, onEvent: (e: StreamEvent) => void): string {
  buf = buf.replace(/\r\n?/g, "\n");
  let end: number;
  while ((end = buf.indexOf("\n\n")) >= 0) {
    const block = buf.slice(0, end);
    buf = buf.slice(end + 2);
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length === 0) continue;
    try {
      onEvent({ type: event, data: JSON.parse(data.join("\n")) as Record<string, unknown> });
    } catch {
      onEvent({ type: event, data: { message: data.join("\n") } });
    }
  }
  return buf;
}
