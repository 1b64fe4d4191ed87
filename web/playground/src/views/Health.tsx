import { useEffect, useState } from "preact/hooks";
import { getJSON, send } from "../api";
import { ErrorBox, JSONView, StatusBadge } from "./common";

type Component = { status: string; required: boolean; latency_ms: number; detail?: string; error?: string };
type Detailed = { status: string; version: string; uptime_ms: number; components: Record<string, Component>; build?: Record<string, unknown>; process?: Record<string, unknown> };
type Score = { health_score: number; status: string; summary: string };

// Health shows the service's health (public) and the monitoring group's
// figures (authenticated), refreshed every five seconds.
export function Health() {
  const [health, setHealth] = useState<Detailed | null>(null);
  const [score, setScore] = useState<Score | null>(null);
  const [metrics, setMetrics] = useState<unknown>(null);
  const [alerts, setAlerts] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);

  async function load() {
    // /health/detailed answers 503 with the same report when a required
    // dependency is down: show it either way.
    const h = await send("GET", "/api/v1/health/detailed").catch(() => null);
    if ((h?.body as Detailed | undefined)?.components) setHealth(h!.body as Detailed);
    try {
      const [s, m, a] = await Promise.all([
        getJSON<Score>("/api/v1/monitoring/health-score"),
        getJSON("/api/v1/monitoring/metrics/current"),
        getJSON("/api/v1/monitoring/alerts/active"),
      ]);
      setScore(s);
      setMetrics(m);
      setAlerts(a);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }
  useEffect(() => {
    void load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, []);

  return (
    <section aria-labelledby="health-title" class="view">
      <h2 id="health-title">Health and monitoring</h2>
      {health ? (
        <>
          <p id="health-status">
            Service <StatusBadge status={health.status} /> · version {health.version} · up {Math.round(health.uptime_ms / 1000)} s
          </p>
          <table id="components">
            <caption>Dependencies</caption>
            <thead>
              <tr><th scope="col">Component</th><th scope="col">Status</th><th scope="col">Required</th><th scope="col">Latency</th><th scope="col">Detail</th></tr>
            </thead>
            <tbody>
              {Object.entries(health.components).map(([name, c]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td><StatusBadge status={c.status} /></td>
                  <td>{c.required ? "yes" : "no"}</td>
                  <td>{c.latency_ms} ms</td>
                  <td>{c.error ?? c.detail ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <p>loading…</p>
      )}
      <h3>Monitoring</h3>
      <ErrorBox error={error} />
      {score ? (
        <p id="health-score">
          Health score <strong>{score.health_score.toFixed(0)}</strong>/100 <StatusBadge status={score.status} /> {score.summary}
        </p>
      ) : null}
      {metrics ? <Figures metrics={(metrics as { metrics?: Record<string, unknown> }).metrics ?? {}} /> : null}
      {metrics ? <JSONView value={metrics} label="Current metrics JSON" /> : null}
      {alerts ? <JSONView value={alerts} label="Active alerts" /> : null}
      {health ? <JSONView value={health} label="Detailed health JSON" /> : null}
    </section>
  );
}

// The figures of /monitoring/metrics/current worth a glance.
const shown: [string, string, (v: number) => string][] = [
  ["total_requests", "requests", (v) => String(v)],
  ["requests_per_second", "requests/s", (v) => v.toFixed(2)],
  ["error_rate", "error rate", (v) => `${(v * 100).toFixed(1)} %`],
  ["total_extractions", "extractions", (v) => String(v)],
  ["p50_extraction_time_ms", "p50 extraction", (v) => `${v.toFixed(0)} ms`],
  ["p95_extraction_time_ms", "p95 extraction", (v) => `${v.toFixed(0)} ms`],
  ["cache_hit_ratio", "cache hits", (v) => `${(v * 100).toFixed(0)} %`],
  ["spider_pages", "spider pages", (v) => String(v)],
  ["memory_usage_bytes", "memory", (v) => `${(v / 1048576).toFixed(0)} MiB`],
];

function Figures({ metrics }: { metrics: Record<string, unknown> }) {
  return (
    <dl class="figures" id="metrics">
      {shown.map(([k, label, fmt]) =>
        typeof metrics[k] === "number" ? (
          <div key={k}>
            <dt>{label}</dt>
            <dd>{fmt(metrics[k] as number)}</dd>
          </div>
        ) : null,
      )}
    </dl>
  );
}
