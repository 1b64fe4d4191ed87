import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { apiBase, loadKey, saveKey } from "./api";
import "./style.css";
import { Builder } from "./views/Builder";
import { Health } from "./views/Health";
import { Jobs } from "./views/Jobs";
import { Reference } from "./views/Reference";

const views = [
  { id: "builder", label: "Request builder", view: Builder },
  { id: "jobs", label: "Jobs", view: Jobs },
  { id: "health", label: "Health", view: Health },
  { id: "reference", label: "API reference", view: Reference },
];

function current(): string {
  const id = location.hash.replace(/^#\/?/, "");
  return views.some((v) => v.id === id) ? id : "builder";
}

function KeyField() {
  const [key, setKey] = useState(loadKey);
  return (
    <form class="key" onSubmit={(e) => e.preventDefault()}>
      <label>
        API key
        <input id="api-key" type="password" autocomplete="off" spellcheck={false} value={key} aria-describedby="key-help"
          onInput={(e) => {
            const v = (e.target as HTMLInputElement).value;
            setKey(v);
            saveKey(v);
          }} />
      </label>
      <span id="key-help" class="muted">Kept in this tab only (sessionStorage); sent as X-API-Key.</span>
    </form>
  );
}

function App() {
  const [view, setView] = useState(current);
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    const onHash = () => {
      setView(current());
      // Move focus to the new view, so keyboard and screen-reader users
      // land on it.
      requestAnimationFrame(() => main.current?.focus());
    };
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  const View = views.find((v) => v.id === view)!.view;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); main.current?.focus(); }}>Skip to content</a>
      <header>
        <h1>RipTide playground</h1>
        <KeyField />
        <nav aria-label="Views">
          <ul>
            {views.map((v) => (
              <li key={v.id}>
                <a href={`#/${v.id}`} aria-current={v.id === view ? "page" : undefined}>{v.label}</a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <View />
      </main>
      <footer class="muted">
        <a href={`${apiBase}/api/v1/openapi.json`}>OpenAPI document</a> · <a href="/assets/third-party-licenses.txt">Third-party licences</a>
      </footer>
    </>
  );
}

render(<App />, document.getElementById("app")!);
