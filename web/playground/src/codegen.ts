// Code generation for the request in the builder. The key is never
// written into the code: every snippet reads RIPTIDE_API_KEY from the
// environment.

import type { Operation } from "./operations";

export type Lang = "curl" | "javascript" | "python" | "go";
export const langs: { id: Lang; label: string }[] = [
  { id: "curl", label: "curl" },
  { id: "javascript", label: "JavaScript" },
  { id: "python", label: "Python" },
  { id: "go", label: "Go" },
];

function compact(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body));
  } catch {
    return body;
  }
}

function accept(op: Operation): string {
  if (op.kind === "sse") return "text/event-stream";
  if (op.kind === "ndjson") return "application/x-ndjson";
  return "application/json";
}

const streaming = (op: Operation) => op.kind === "ndjson" || op.kind === "sse";

export function generate(lang: Lang, op: Operation, base: string, body: string): string {
  const url = base + op.path;
  const hasBody = op.method === "POST" && body.trim() !== "";
  const json = hasBody ? compact(body) : "";
  switch (lang) {
    case "curl": {
      const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
      const lines = [`curl -sS${streaming(op) ? "N" : ""} -X ${op.method} ${q(url)}`, `  -H "X-API-Key: $RIPTIDE_API_KEY"`];
      if (streaming(op)) lines.push(`  -H ${q("Accept: " + accept(op))}`);
      if (hasBody) lines.push(`  -H 'Content-Type: application/json'`, `  -d ${q(json)}`);
      return lines.join(" \\\n");
    }
    case "javascript": {
      const init = [`  method: "${op.method}",`, `  headers: {`, `    "X-API-Key": process.env.RIPTIDE_API_KEY,`, `    Accept: "${accept(op)}",`];
      if (hasBody) init.push(`    "Content-Type": "application/json",`);
      init.push(`  },`);
      if (hasBody) init.push(`  body: JSON.stringify(${json}),`);
      const head = `const resp = await fetch(${JSON.stringify(url)}, {\n${init.join("\n")}\n});\nif (!resp.ok) throw new Error((await resp.json()).error.message);\n`;
      if (streaming(op)) {
        return head + `// One ${op.kind === "sse" ? "event" : "JSON line"} per result, then a summary.\nfor await (const chunk of resp.body.pipeThrough(new TextDecoderStream())) {\n  process.stdout.write(chunk);\n}\n`;
      }
      return head + `console.log(JSON.stringify(await resp.json(), null, 2));\n`;
    }
    case "python": {
      const args = [`    ${JSON.stringify(url)},`, `    headers={"X-API-Key": os.environ["RIPTIDE_API_KEY"], "Accept": "${accept(op)}"},`];
      if (hasBody) args.push(`    json=json.loads(${pyString(json)}),`);
      if (streaming(op)) args.push(`    stream=True,`);
      args.push(`    timeout=300,`);
      const head = `import json\nimport os\n\nimport requests\n\nresp = requests.${op.method.toLowerCase()}(\n${args.join("\n")}\n)\nresp.raise_for_status()\n`;
      if (streaming(op)) {
        return head + `for line in resp.iter_lines(decode_unicode=True):\n    if line:\n        print(line)\n`;
      }
      return head + `print(json.dumps(resp.json(), indent=2))\n`;
    }
    case "go": {
      const bodyExpr = hasBody ? `strings.NewReader(${goString(json)})` : "nil";
      const imports = ["fmt", "net/http", "os", streaming(op) ? "bufio" : "io"];
      if (hasBody) imports.push("strings");
      imports.sort();
      const lines = [
        `package main`,
        ``,
        `import (`,
        ...imports.map((i) => `\t"${i}"`),
        `)`,
        ``,
        `func main() {`,
        `\treq, err := http.NewRequest("${op.method}", ${JSON.stringify(url)}, ${bodyExpr})`,
        `\tif err != nil {`,
        `\t\tpanic(err)`,
        `\t}`,
        `\treq.Header.Set("X-API-Key", os.Getenv("RIPTIDE_API_KEY"))`,
        `\treq.Header.Set("Accept", "${accept(op)}")`,
      ];
      if (hasBody) lines.push(`\treq.Header.Set("Content-Type", "application/json")`);
      lines.push(`\tresp, err := http.DefaultClient.Do(req)`, `\tif err != nil {`, `\t\tpanic(err)`, `\t}`, `\tdefer resp.Body.Close()`);
      if (streaming(op)) {
        lines.push(`\tsc := bufio.NewScanner(resp.Body)`, `\tsc.Buffer(make([]byte, 0, 1<<20), 64<<20)`, `\tfor sc.Scan() {`, `\t\tfmt.Println(sc.Text())`, `\t}`);
      } else {
        lines.push(`\tb, _ := io.ReadAll(resp.Body)`, `\tfmt.Println(resp.Status, string(b))`);
      }
      lines.push(`}`);
      return lines.join("\n") + "\n";
    }
  }
}

function pyString(s: string): string {
  return "'" + s.replaceAll("\\", "\\\\").replaceAll("'", "\\'") + "'";
}

function goString(s: string): string {
  return s.includes("`") ? JSON.stringify(s) : "`" + s + "`";
}
