// Runs the unmodified Firecrawl JS SDK (its v1 client, FirecrawlAppV1, and
// its default v2 client, Firecrawl)
// against RipTide's Firecrawl-compatible facade and prints one JSON object
// with what each call returned; cmd/riptide/firecrawl_e2e_test.go checks it.
// Environment: FIRECRAWL_API_URL (riptide serve), FIRECRAWL_API_KEY, SITE
// (a loopback fixture site).
"use strict";
const { FirecrawlAppV1, Firecrawl } = require("@mendable/firecrawl-js");

async function main() {
  const app = new FirecrawlAppV1({ apiKey: process.env.FIRECRAWL_API_KEY, apiUrl: process.env.FIRECRAWL_API_URL });
  const site = process.env.SITE;
  const out = {};

  out.scrape = await app.scrapeUrl(site + "/", { formats: ["markdown", "html", "links"] });

  // crawlUrl starts the crawl and polls GET /v1/crawl/{id} until completed,
  // following next to gather every document.
  out.crawl = await app.crawlUrl(site + "/", { limit: 5, scrapeOptions: { formats: ["markdown"] } }, 1);

  out.map = await app.mapUrl(site + "/", { limit: 20 });

  // batchScrapeUrls polls /v1/crawl/{id} too.
  out.batch = await app.batchScrapeUrls([site + "/about", site + "/contact"], { formats: ["markdown"] }, 1);

  // The async form, status paging through next, and cancel.
  const started = await app.asyncCrawlUrl(site + "/slow/", { limit: 4, maxConcurrency: 1 });
  out.asyncStarted = started;
  out.cancel = await app.cancelCrawl(started.id);
  out.afterCancel = await app.checkCrawlStatus(started.id);

  // A refused option comes back as the SDK's error with our message.
  try {
    await app.scrapeUrl(site + "/", { formats: ["changeTracking", "markdown"] });
    out.refused = { thrown: false };
  } catch (e) {
    out.refused = { thrown: true, message: String(e.message), statusCode: e.statusCode };
  }

  // The default client of firecrawl-js 3: Firecrawl's v2 API.
  const v2 = new Firecrawl({ apiKey: process.env.FIRECRAWL_API_KEY, apiUrl: process.env.FIRECRAWL_API_URL });
  out.v2 = {};
  out.v2.scrape = await v2.scrape(site + "/about", { formats: ["markdown", "links"] });
  out.v2.crawl = await v2.crawl(site + "/", { limit: 5, sitemap: "skip", pollInterval: 1 });
  out.v2.map = await v2.map(site + "/", { limit: 20 });
  out.v2.batch = await v2.batchScrape([site + "/about", site + "/contact"], { options: { formats: ["markdown"] }, pollInterval: 1 });
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write("sdk-e2e failed: " + (e && e.stack ? e.stack : String(e)) + "\n");
  process.exit(1);
});
