import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { apiBase, getJSON, send, stream, toError, type Reply, type StreamEvent } from "../api";
import { generate, langs, type Lang } from "../codegen";
import { byId, fill, operations } from "../operations";
import { ErrorBox, JSONView, Markdown, StatusBadge } from "./common";

type Doc = { url?: string; final_url?: string; status?: number; document?: { title?: string; markdown?: string }; error?: { type: string; message: string } };

// Builder is the request builder: pick an operation, set the target URL,
// edit the body, read the code for it, send it, see the result.
export function Builder() {
  const [opId, setOpId] = useState(() => remembered("riptide.op") ?? "crawl.batch");
  const op = byId(opId);
  const [url, setUrl] = useState("https://example.com/");
  const [body, setBody] = useState(() => fill(op.template, url));
  const [lang, setLang] = useState<Lang>("curl");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [reply, setReply] = useState<Reply | null>(null);
  const abort = useRef<AbortController | null>(null);
  const [events, setEvents] = useState<StreamEvent[]>([]);
  const [spider, setSpider] = useState<{ id: string; status?: Record<string, unknown>; pages: Doc[] } | null>(null);

  useEffect(() => {
    setBody(fill(op.template, url));
    remember("riptide.op", opId);
    // The URL field rewrites the body; editing the body by hand keeps it
    // until the operation or the URL changes.
  }, [opId, url]);

  const code = useMemo(() => generate(lang, op, apiBase, body), [lang, op, body]);
  const bodyError = useMemo(() => {
    if (op.method !== "POST") return "";
    try {
      JSON.parse(body);
      return "";
    } catch (e) {
      return `The body is not valid JSON: ${(e as Error).message}`;
    }
  }, [body, op]);

  async function submit(ev: Event) {
    ev.preventDefault();
    if (bodyError) return;
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    setBusy(true);
    setError(null);
    setReply(null);
    setEvents([]);
    setSpider(null);
    try {
      if (op.kind === "ndjson" || op.kind === "sse") {
        await stream(op.path, body, op.kind, (e) => setEvents((prev) => [...prev, e]), ctl.signal);
      } else if (op.kind === "spider") {
        await runSpider(ctl.signal);
      } else {
        const r = await send(op.method, op.path, op.method === "POST" ? body : undefined);
        if (!r.ok) throw toError(r);
        setReply(r);
      }
    } catch (e) {
      if ((e as Error).name !== "AbortError") setError(e);
    } finally {
      setBusy(false);
    }
  }

  // runSpider starts a run, then polls its status and reads its results
  // page by page (the cursor is an offset) until the run ends.
  async function runSpider(signal: AbortSignal) {
    const r = await send("POST", op.path, body);
    if (!r.ok) throw toError(r);
    const accepted = r.body as { spider_id: string; results?: Doc[]; status?: unknown };
    if (Array.isArray(accepted.results)) {
      // A synchronous run answered with its results at once.
      setSpider({ id: accepted.spider_id, status: { status: "completed" }, pages: accepted.results });
      return;
    }
    const id = accepted.spider_id;
    let pages: Doc[] = [];
    setSpider({ id, pages });
    for (;;) {
      if (signal.aborted) return;
      const st = await getJSON<Record<string, unknown>>(`/api/v1/spider/${encodeURIComponent(id)}`);
      for (;;) {
        const page = await getJSON<{ results: Doc[]; next_cursor: string | null }>(
          `/api/v1/spider/${encodeURIComponent(id)}/results?cursor=${pages.length}&limit=100`,
        );
        pages = [...pages, ...page.results];
        if (!page.next_cursor || page.results.length === 0) break;
      }
      setSpider({ id, status: st, pages });
      if (["completed", "stopped", "failed"].includes(String(st.status))) return;
      await new Promise((res) => setTimeout(res, 600));
    }
  }

  function stop() {
    abort.current?.abort();
    if (spider) void send("POST", "/api/v1/spider/control", JSON.stringify({ spider_id: spider.id, action: "stop" }));
  }

  // tabKeys moves between the language tabs with the arrow keys, Home
  // and End (the WAI-ARIA tabs pattern); Tab leaves the tab list.
  function tabKeys(e: KeyboardEvent) {
    const i = langs.findIndex((l) => l.id === lang);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: langs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const l = langs[(next + langs.length) % langs.length];
    setLang(l.id);
    document.getElementById(`lang-${l.id}`)?.focus();
  }

  const groups = [...new Set(operations.map((o) => o.group))];
  return (
    <section aria-labelledby="builder-title" class="view">
      <h2 id="builder-title">Request builder</h2>
      <div class="builder-grid">
      <form class="builder" onSubmit={submit}>
        <div class="row">
          <label>
            Operation
            <select id="op" value={opId} onChange={(e) => setOpId((e.target as HTMLSelectElement).value)}>
              {groups.map((g) => (
                <optgroup label={g} key={g}>
                  {operations.filter((o) => o.group === g).map((o) => (
                    <option value={o.id} key={o.id}>{o.label}</option>
                  ))}
                </optgroup>
              ))}
            </select>
          </label>
          <label class="grow">
            Target URL
            <input id="target-url" type="url" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
          </label>
        </div>
        <p class="muted">
          <code>{op.method} {op.path}</code> · {op.doc}
        </p>
        {op.method === "POST" ? (
          <label>
            Request body (JSON)
            <textarea id="body" rows={10} spellcheck={false} value={body} aria-invalid={bodyError ? "true" : "false"} aria-describedby="body-error"
              onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
          </label>
        ) : null}
        <p id="body-error" class="error-text" aria-live="polite">{bodyError}</p>
        <div class="row">
          <button type="submit" id="send" disabled={busy || !!bodyError}>{busy ? "Running…" : "Send"}</button>
          {busy ? <button type="button" onClick={stop}>Stop</button> : null}
        </div>
      </form>

      <div class="code" role="group" aria-label="Code for this request">
        <div role="tablist" aria-label="Language" onKeyDown={tabKeys}>
          {langs.map((l) => (
            <button type="button" role="tab" id={`lang-${l.id}`} aria-selected={lang === l.id} aria-controls="code"
              tabIndex={lang === l.id ? 0 : -1} key={l.id} onClick={() => setLang(l.id)}>{l.label}</button>
          ))}
        </div>
        <pre role="tabpanel" aria-labelledby={`lang-${lang}`} tabIndex={0} id="code"><code>{code}</code></pre>
        <button type="button" onClick={() => navigator.clipboard?.writeText(code)}>Copy</button>
      </div>
      </div>

      <ErrorBox error={error} />
      {reply ? <ReplyView op={op.id} kind={op.kind} reply={reply} /> : null}
      {op.kind === "ndjson" || op.kind === "sse" ? <StreamView events={events} busy={busy} started={busy || events.length > 0} /> : null}
      {spider ? <SpiderView run={spider} busy={busy} /> : null}
    </section>
  );
}

// remembered and remember keep the chosen operation for the tab; storage
// may be disabled, and then nothing is remembered.
function remembered(item: string): string | null {
  try {
    return sessionStorage.getItem(item);
  } catch {
    return null;
  }
}

function remember(item: string, value: string) {
  try {
    sessionStorage.setItem(item, value);
  } catch {
    /* storage disabled */
  }
}

function docs(body: unknown): Doc[] {
  const b = body as { results?: Doc[]; document?: Doc["document"]; url?: string } | null;
  if (!b || typeof b !== "object") return [];
  if (Array.isArray(b.results)) return b.results;
  if (b.document) return [b as Doc];
  return [];
}

function ReplyView({ reply, kind }: { op: string; kind: string; reply: Reply }) {
  const list = docs(reply.body);
  const shot = (reply.body as { artifacts?: { screenshot?: { data_base64?: string; format?: string } } })?.artifacts?.screenshot;
  return (
    <section class="result" aria-label="Response" id="result">
      <p class="muted">HTTP {reply.status} · request {reply.requestId}</p>
      {kind === "render" ? (
        <div class="side-by-side">
          <div>
            <h3>Markdown</h3>
            <Markdown source={list[0]?.document?.markdown ?? ""} label="Rendered markdown" />
          </div>
          <div>
            <h3>Screenshot</h3>
            {shot?.data_base64 ? (
              <img id="screenshot" src={`data:image/${shot.format ?? "png"};base64,${shot.data_base64}`} alt={`Screenshot of ${list[0]?.url ?? "the page"}`} />
            ) : (
              <p class="muted">No screenshot: ask for one with "artifacts": {"{"}"screenshot": {"{}"}{"}"}.</p>
            )}
          </div>
        </div>
      ) : (
        list.map((d, i) => <DocView doc={d} key={i} />)
      )}
      <JSONView value={reply.body} label="Raw JSON" />
    </section>
  );
}

function DocView({ doc }: { doc: Doc }) {
  return (
    <article class="doc">
      <h3>
        {doc.document?.title || doc.url} <span class="muted">{doc.final_url ?? doc.url} · HTTP {doc.status}</span>
      </h3>
      {doc.error ? <ErrorBox error={doc.error} /> : null}
      {doc.document?.markdown ? <Markdown source={doc.document.markdown} label={`Markdown of ${doc.url}`} /> : null}
    </article>
  );
}

function StreamView({ events, busy, started }: { events: StreamEvent[]; busy: boolean; started: boolean }) {
  if (!started) return null;
  const progress = [...events].reverse().find((e) => e.data.progress || e.type === "progress");
  const p = (progress?.data.progress ?? progress?.data) as { completed?: number; total?: number } | undefined;
  const meta = events.find((e) => e.type === "metadata")?.data as { total_urls?: number } | undefined;
  const total = p?.total ?? meta?.total_urls ?? 0;
  const done = p?.completed ?? events.filter((e) => e.type === "result").length;
  const summary = events.find((e) => e.type === "summary");
  const results = events.filter((e) => e.type === "result");
  return (
    <section class="result" aria-label="Stream" id="stream">
      <label>
        Progress
        <progress max={total || 1} value={done} />
      </label>
      <p id="stream-status" aria-live="polite">
        {summary ? `Stream finished: ${results.length} result(s).` : busy ? `Streaming… ${done} of ${total || "?"}` : `Stream ended after ${events.length} event(s).`}
      </p>
      <ol class="events">
        {events.map((e, i) => (
          <li key={i}>
            <StatusBadge status={e.type} /> {describe(e)}
          </li>
        ))}
      </ol>
      {results.map((e, i) => {
        const r = e.data.result as Doc | undefined;
        return r ? <DocView doc={r} key={i} /> : null;
      })}
    </section>
  );
}

function describe(e: StreamEvent): string {
  const d = e.data as Record<string, any>;
  switch (e.type) {
    case "metadata":
      return `${d.total_urls ?? "?"} URL(s), request ${d.request_id ?? ""}`;
    case "result":
      return `${d.result?.url ?? d.url ?? ""} → HTTP ${d.result?.status ?? d.status ?? "?"}${d.result?.error ? " " + d.result.error.type : ""}`;
    case "progress":
      return `${d.completed}/${d.total}`;
    case "summary": {
      const st = d.stats ?? {};
      return `${st.successful ?? "?"} of ${st.total_urls ?? "?"} succeeded, ${st.failed ?? 0} failed, ${st.elapsed_ms ?? "?"} ms`;
    }
    case "error":
      return `${d.error?.type ?? d.type}: ${d.error?.message ?? d.message ?? ""}`;
    default:
      return JSON.stringify(d).slice(0, 200);
  }
}

function SpiderView({ run, busy }: { run: { id: string; status?: Record<string, unknown>; pages: Doc[] }; busy: boolean }) {
  const st = run.status ?? {};
  return (
    <section class="result" aria-label="Spider run" id="spider">
      <p>
        Run <code>{run.id}</code> <StatusBadge status={String(st.status ?? "starting")} />{" "}
        <span id="spider-count" aria-live="polite">{run.pages.length} page(s)</span>
        {busy ? " · polling" : ""}
      </p>
      <dl class="figures">
        {["pages_crawled", "pages_failed", "pages_queued", "pages_in_flight", "current_depth", "elapsed_ms"].map((k) =>
          st[k] !== undefined ? (
            <div key={k}>
              <dt>{k.replaceAll("_", " ")}</dt>
              <dd>{String(st[k])}</dd>
            </div>
          ) : null,
        )}
      </dl>
      <table>
        <caption class="sr-only">Pages of the run</caption>
        <thead>
          <tr><th scope="col">URL</th><th scope="col">HTTP</th><th scope="col">depth</th></tr>
        </thead>
        <tbody id="spider-pages">
          {run.pages.map((p, i) => (
            <tr key={i}>
              <td>{(p as { url?: string }).url}</td>
              <td>{p.status}</td>
              <td>{(p as { depth?: number }).depth}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <JSONView value={st} label="Status JSON" />
    </section>
  );
}
