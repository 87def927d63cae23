/**
 * A tiny OpenAI-compatible streaming stub on 127.0.0.1 for replay integration tests: streams
 * `max_tokens` content deltas `tokenGapMs` apart, then usage and [DONE]. Records what it received.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown>;
}

export interface SseStub {
  readonly url: string;
  readonly received: StubRequest[];
  close(): Promise<void>;
}

export interface StubOptions {
  readonly tokenGapMs?: number;
  /** Requests with this bearer key get a 500. */
  readonly failKey?: string;
  /** Requests with this bearer key stream one token and then hang. */
  readonly hangKey?: string;
}

export async function startSseStub(options: StubOptions = {}): Promise<SseStub> {
  const received: StubRequest[] = [];
  const gap = options.tokenGapMs ?? 1;
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'stub-model', object: 'model', max_model_len: 4096 }] }));
      return;
    }
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      const authorization = req.headers.authorization;
      received.push({ path: req.url ?? '', authorization, body });
      if (options.failKey !== undefined && authorization === `Bearer ${options.failKey}`) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'stub failure', type: 'server_error' } }));
        return;
      }
      const chat = req.url === '/v1/chat/completions';
      const n = Number(body.max_tokens);
      const hang = options.hangKey !== undefined && authorization === `Bearer ${options.hangKey}`;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let i = 0;
      const chunk = (text: string, finish: string | null): string =>
        JSON.stringify(
          chat
            ? {
                object: 'chat.completion.chunk',
                choices: [{ index: 0, delta: { content: text }, finish_reason: finish }],
              }
            : { object: 'text_completion', choices: [{ index: 0, text, finish_reason: finish }] },
        );
      const step = (): void => {
        if (res.destroyed) return;
        if (i < n) {
          i++;
          res.write(`data: ${chunk(` w${i}`, i === n ? 'length' : null)}\n\n`);
          if (hang) return;
          setTimeout(step, gap);
          return;
        }
        res.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: n } })}\n\n`);
        res.end('data: [DONE]\n\n');
      };
      step();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
