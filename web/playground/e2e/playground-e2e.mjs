// End-to-end test of the playground: Debian's Chromium, driven by
// playwright-core, against `riptide serve` and a loopback fixture site.
// cmd/riptide/playground_e2e_test.go starts both and runs this script
// with BASE (the server), KEY (its API key), SITE (the fixture site),
// CHROMIUM (the browser) and, optionally, SHOTS (a folder for the
// screenshots of docs/playground.md). It prints one JSON object with what
// it saw; the Go test checks it. A step that does not happen in time
// fails the script with the step's name.
import { chromium } from "playwright-core";

const { BASE, KEY, SITE, CHROMIUM = "/usr/bin/chromium", SHOTS = "", ELSEWHERE = "" } = process.env;
if (!BASE || !KEY || !SITE) throw new Error("set BASE, KEY and SITE");

const out = { steps: [], consoleErrors: [], cspViolations: [], keyInURL: [] };
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  // Root in CI containers: Chromium's sandbox needs user namespaces.
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
let step = "start";
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Generous: a loaded CI machine renders pages in seconds, not
  // milliseconds.
  page.setDefaultTimeout(90_000);
  page.on("console", (m) => {
    if (m.type() === "error") out.consoleErrors.push(m.text());
  });
  page.on("request", (r) => {
    if (r.url().includes(KEY)) out.keyInURL.push(r.url());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const shot = async (name) => {
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/playground-${name}.png`, fullPage: false });
  };
  // awaitResult waits for what a request shows, or for its error box
  // (role=alert), and then fails with the error's text.
  const awaitResult = async (locator) => {
    const alert = page.locator("main [role=alert]");
    await locator.or(alert).first().waitFor();
    if (await alert.count()) throw new Error(`the page shows an error: ${await alert.first().innerText()}`);
  };
  const select = async (op) => {
    await page.getByLabel("Operation").selectOption(op);
    await page.getByLabel("Target URL").fill(SITE + "/");
    // The code box follows the form after the input event: read it only
    // once it shows the URL (a loaded machine lets a read win the race).
    await page.locator("#code", { hasText: SITE + "/" }).waitFor();
  };

  step = "open the playground";
  const resp = await page.goto(BASE + "/");
  out.indexStatus = resp.status();
  out.indexCSP = resp.headers()["content-security-policy"] ?? "";
  await page.getByRole("heading", { name: "RipTide playground" }).waitFor();

  step = "type the API key";
  await page.getByLabel("API key").fill(KEY);
  out.keyStored = await page.evaluate(() => sessionStorage.getItem("riptide.apiKey"));
  out.keyInLocalStorage = await page.evaluate(() => JSON.stringify(localStorage).includes("riptide"));

  step = "crawl a fixture page and see its markdown";
  await select("crawl.batch");
  out.curl = await page.locator("#code").innerText();
  // The language tabs follow the arrow keys: curl → JavaScript → Python → Go.
  await page.getByRole("tab", { name: "curl" }).focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
  out.goTabSelected = await page.getByRole("tab", { name: "Go" }).getAttribute("aria-selected");
  out.goCode = await page.locator("#code").innerText();
  await page.getByRole("tab", { name: "Python" }).click();
  out.pythonCode = await page.locator("#code").innerText();
  await page.getByRole("tab", { name: "JavaScript" }).click();
  out.jsCode = await page.locator("#code").innerText();
  await page.getByRole("tab", { name: "curl" }).click();
  await page.getByRole("button", { name: "Send" }).click();
  const md = page.locator("#result .markdown").first();
  await awaitResult(md);
  out.crawlMarkdownHeading = await md.locator("h1").first().innerText();
  out.crawlMarkdown = await md.innerText();
  await shot("builder");
  out.steps.push("crawl");

  step = "stream a crawl (NDJSON) and watch it finish";
  await select("crawl.stream");
  await page.locator("#body").fill(JSON.stringify({ urls: [SITE + "/", SITE + "/about", SITE + "/contact"] }));
  await page.getByRole("button", { name: "Send" }).click();
  await awaitResult(page.locator("#stream-status", { hasText: "Stream finished" }));
  out.streamStatus = await page.locator("#stream-status").innerText();
  out.streamEventTypes = await page.locator("#stream .events li .badge").allInnerTexts();
  await shot("stream");
  out.steps.push("stream");

  step = "stream a crawl (SSE) and watch it finish";
  await select("crawl.sse");
  await page.getByRole("button", { name: "Send" }).click();
  await awaitResult(page.locator("#stream-status", { hasText: "Stream finished" }));
  out.sseStatus = await page.locator("#stream-status").innerText();
  out.steps.push("sse");

  step = "start a spider run and see pages arrive";
  await select("spider.crawl");
  await page.getByRole("button", { name: "Send" }).click();
  await awaitResult(page.locator("#spider .badge", { hasText: "completed" }));
  out.spiderCount = await page.locator("#spider-count").innerText();
  out.spiderPages = await page.locator("#spider-pages tr td:first-child").allInnerTexts();
  await shot("spider");
  out.steps.push("spider");

  step = "render a page: markdown and screenshot side by side";
  await select("render.render");
  await page.getByRole("button", { name: "Send" }).click();
  await awaitResult(page.locator("#screenshot"));
  out.renderScreenshotWidth = await page.locator("#screenshot").evaluate((img) => img.naturalWidth);
  out.renderMarkdown = await page.locator("#result .markdown").first().innerText();
  await shot("render");
  out.steps.push("render");

  step = "submit a job and see it in the jobs list";
  await select("workers.submit");
  await page.getByRole("button", { name: "Send" }).click();
  await awaitResult(page.locator("#result"));
  out.jobReply = await page.locator("#result .json pre").textContent();
  await page.getByRole("link", { name: "Jobs" }).click();
  await page.locator("#jobs tbody tr").first().waitFor();
  out.jobs = await page.locator("#jobs tbody tr").allInnerTexts();
  await shot("jobs");
  out.steps.push("jobs");

  step = "health and monitoring";
  await page.getByRole("link", { name: "Health" }).click();
  await page.locator("#components tbody tr").first().waitFor();
  await page.locator("#health-score").waitFor();
  out.components = await page.locator("#components tbody th").allInnerTexts();
  out.healthScore = await page.locator("#health-score").innerText();
  await shot("health");
  out.steps.push("health");

  step = "API reference (Swagger UI)";
  await page.getByRole("link", { name: "API reference" }).click();
  await page.locator("#swagger-ui .info .title").waitFor();
  out.referenceTitle = await page.locator("#swagger-ui .info .title").innerText();
  out.referenceTags = await page.locator("#swagger-ui .opblock-tag").allInnerTexts();
  out.referenceServer = await page.locator("#swagger-ui .servers select").inputValue();
  await shot("reference");
  out.steps.push("reference");

  if (ELSEWHERE) {
    // The page served from another origin with the API's URL in its
    // <meta name="riptide-api">, as the CDK deployment serves it from
    // CloudFront: calls go cross-origin (CORS) to the API.
    step = "the playground on another origin calls the API cross-origin";
    await page.goto(ELSEWHERE + "/");
    await page.getByLabel("API key").fill(KEY);
    await select("crawl.stream");
    out.elsewhereCurl = await page.locator("#code").innerText();
    await page.getByRole("button", { name: "Send" }).click();
    await awaitResult(page.locator("#stream-status", { hasText: "Stream finished" }));
    out.elsewhereStream = await page.locator("#stream .markdown").first().innerText();
    out.steps.push("elsewhere");
  }

  step = "keyboard: the views are reachable by Tab and Enter";
  await page.goto(BASE + "/");
  await page.keyboard.press("Tab"); // skip link
  let reached = "";
  for (let i = 0; i < 8 && reached !== "Jobs"; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.textContent ?? "");
  }
  await page.keyboard.press("Enter");
  await page.locator("#jobs-title").waitFor();
  out.keyboardFocusInMain = await page.evaluate(() => document.activeElement?.id ?? "");
  out.steps.push("keyboard");
} catch (e) {
  out.failedStep = step;
  out.error = String(e?.message ?? e).split("\n").slice(0, 6).join("\n");
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
