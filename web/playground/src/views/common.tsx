import { renderMarkdown } from "../markdown";

export function Markdown({ source, label }: { source: string; label: string }) {
  return <div class="markdown" role="region" aria-label={label} tabIndex={0} dangerouslySetInnerHTML={{ __html: renderMarkdown(source) }} />;
}

export function JSONView({ value, label }: { value: unknown; label: string }) {
  return (
    <details class="json">
      <summary>{label}</summary>
      <pre tabIndex={0}>{typeof value === "string" ? value : JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as { status?: number; type?: string; message?: string; requestId?: string };
  return (
    <div class="error" role="alert">
      <strong>{e.type ?? "error"}</strong>
      {e.status ? ` (HTTP ${e.status})` : ""}: {e.message ?? String(error)}
      {e.requestId ? <span class="muted"> request {e.requestId}</span> : null}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.replace(/[^a-z_]/g, "")}`}>{status}</span>;
}
