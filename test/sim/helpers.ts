/* eslint-disable @typescript-eslint/no-explicit-any -- tests inspect parsed JSON response bodies structurally */
/** Shared helpers for simulator integration tests: JSON posts and SSE frame collection over fetch. */

export async function postJson(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : JSON.parse(text) };
}

/** Posts a streaming request and returns the parsed `data:` payloads (the literal `[DONE]` kept as a string). */
export async function postSse(url: string, body: unknown): Promise<{ status: number; frames: any[] }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const frames = text
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => f.slice(6))
    .map((d) => (d === '[DONE]' ? d : JSON.parse(d)));
  return { status: res.status, frames };
}

/** Reads one Prometheus sample value `name{...}` from metrics text. */
export function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name + '{'));
  if (line === undefined) throw new Error(`metric ${name} not found`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}
