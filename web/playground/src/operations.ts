// The operations the request builder offers, with a starting body for
// each (the route table's examples, shared/routes/routes.go). "{url}" in a
// template is replaced by the target URL field.

export type Kind = "json" | "ndjson" | "sse" | "spider" | "render";

export interface Operation {
  id: string;
  label: string;
  group: string;
  method: "GET" | "POST";
  path: string;
  kind: Kind;
  // template is the body (POST) with {url}; for GET, the query string.
  template: string;
  doc: string;
}

export const operations: Operation[] = [
  {
    id: "crawl.batch", label: "Crawl (batch)", group: "Crawl", method: "POST", path: "/api/v1/crawl", kind: "json",
    template: `{"urls":["{url}"],"options":{"concurrency":4}}`, doc: "docs/crawl.md",
  },
  {
    id: "crawl.stream", label: "Crawl stream (NDJSON)", group: "Crawl", method: "POST", path: "/api/v1/crawl/stream", kind: "ndjson",
    template: `{"urls":["{url}"],"options":{"concurrency":4}}`, doc: "docs/crawl.md",
  },
  {
    id: "crawl.sse", label: "Crawl stream (SSE)", group: "Crawl", method: "POST", path: "/api/v1/crawl/sse", kind: "sse",
    template: `{"urls":["{url}"],"options":{"concurrency":4}}`, doc: "docs/crawl.md",
  },
  {
    id: "crawl.extract", label: "Extract one URL", group: "Crawl", method: "POST", path: "/api/v1/extract", kind: "json",
    template: `{"url":"{url}"}`, doc: "docs/crawl.md",
  },
  {
    id: "render.render", label: "Render (headless Chromium)", group: "Render", method: "POST", path: "/api/v1/render", kind: "render",
    template: `{"url":"{url}","mode":"dynamic","artifacts":{"screenshot":{}}}`, doc: "docs/render.md",
  },
  {
    id: "spider.crawl", label: "Spider run", group: "Spider", method: "POST", path: "/api/v1/spider/crawl", kind: "spider",
    template: `{"seed_urls":["{url}"],"options":{"max_pages":50,"max_depth":2}}`, doc: "docs/spider.md",
  },
  {
    id: "spider.map", label: "Map a site", group: "Spider", method: "POST", path: "/api/v1/spider/map", kind: "json",
    template: `{"url":"{url}","options":{"limit":100}}`, doc: "docs/spider.md",
  },
  {
    id: "strategies.crawl", label: "Extraction strategy", group: "Strategies", method: "POST", path: "/api/v1/strategies/crawl", kind: "json",
    template: `{"url":"{url}","extraction":{"strategy":"css","params":{"fields":{"title":"h1"}}}}`, doc: "docs/strategies.md",
  },
  {
    id: "strategies.info", label: "Strategy catalogue", group: "Strategies", method: "GET", path: "/api/v1/strategies/info", kind: "json",
    template: "", doc: "docs/strategies.md",
  },
  {
    id: "deepsearch.search", label: "Deep search", group: "Search", method: "POST", path: "/api/v1/deepsearch", kind: "json",
    template: `{"query":"rust web crawler","limit":5}`, doc: "docs/search.md",
  },
  {
    id: "deepsearch.stream", label: "Deep search stream (NDJSON)", group: "Search", method: "POST", path: "/api/v1/deepsearch/stream", kind: "ndjson",
    template: `{"query":"rust web crawler","limit":5}`, doc: "docs/search.md",
  },
  {
    id: "workers.submit", label: "Submit a job", group: "Jobs", method: "POST", path: "/api/v1/workers/jobs", kind: "json",
    template: `{"type":"batch_crawl","urls":["{url}"],"priority":"high"}`, doc: "docs/jobs.md",
  },
  {
    id: "workers.list", label: "List jobs", group: "Jobs", method: "GET", path: "/api/v1/workers/jobs", kind: "json",
    template: "", doc: "docs/jobs.md",
  },
];

export function byId(id: string): Operation {
  return operations.find((o) => o.id === id) ?? operations[0];
}

// fill puts the target URL into a template, JSON-escaped.
export function fill(template: string, url: string): string {
  const escaped = JSON.stringify(url).slice(1, -1);
  const body = template.replaceAll("{url}", escaped);
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
