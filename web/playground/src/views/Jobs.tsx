import { useEffect, useState } from "preact/hooks";
import { getJSON } from "../api";
import { ErrorBox, JSONView, StatusBadge } from "./common";

type Job = { job_id: string; type: string; status: string; priority: string; created_at: string; completed_at?: string; attempts: number };

// Jobs lists the async jobs (GET /api/v1/workers/jobs) with their status,
// refreshed every few seconds while the view is open.
export function Jobs() {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [total, setTotal] = useState(0);
  const [status, setStatus] = useState("");
  const [error, setError] = useState<unknown>(null);

  async function load() {
    try {
      const q = status ? `?status=${encodeURIComponent(status)}` : "";
      const page = await getJSON<{ jobs: Job[]; total: number }>(`/api/v1/workers/jobs${q}`);
      setJobs(page.jobs);
      setTotal(page.total);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }
  useEffect(() => {
    void load();
    const t = setInterval(load, 3000);
    return () => clearInterval(t);
  }, [status]);

  return (
    <section aria-labelledby="jobs-title" class="view">
      <h2 id="jobs-title">Jobs</h2>
      <div class="row">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            {["queued", "running", "retrying", "completed", "failed", "dead_letter", "cancelled"].map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={load}>Refresh</button>
        <span class="muted" aria-live="polite">{jobs ? `${total} job(s)` : "loading…"}</span>
      </div>
      <ErrorBox error={error} />
      {jobs && jobs.length === 0 ? <p>No jobs yet: submit one from the request builder ("Submit a job").</p> : null}
      {jobs && jobs.length > 0 ? (
        <table id="jobs">
          <thead>
            <tr><th scope="col">Job</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Priority</th><th scope="col">Created</th><th scope="col">Attempts</th></tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.job_id}>
                <td><code>{j.job_id}</code></td>
                <td>{j.type}</td>
                <td><StatusBadge status={j.status} /></td>
                <td>{j.priority}</td>
                <td>{j.created_at}</td>
                <td>{j.attempts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {jobs && jobs.length > 0 ? <JSONView value={jobs} label="Raw JSON" /> : null}
    </section>
  );
}
