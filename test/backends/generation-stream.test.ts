/** GenerationStream driven directly through its undici handler methods (no sockets). */
import { describe, expect, it } from 'vitest';
import { UpstreamConnectionError } from '../../src/backends/errors.js';
import { GenerationStream } from '../../src/backends/generation-stream.js';
import { asInstanceId } from '../../src/core/ids.js';
import type { GenerationDelta } from '../../src/core/ports.js';

class FakeController {
  aborted = false;
  paused = false;
  reason: Error | null = null;
  pauses = 0;
  resumes = 0;
  abort(reason: Error): void {
    this.aborted = true;
    this.reason = reason;
  }
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
    this.resumes++;
  }
}

const frame = (text: string, id: number, finish: string | null = null): Buffer =>
  Buffer.from(`data: ${JSON.stringify({ choices: [{ index: 0, text, token_ids: [id], finish_reason: finish }] })}\n\n`);

function open(signal?: AbortSignal) {
  const controller = new FakeController();
  let dispatched = 0;
  const stream = new GenerationStream({
    instanceId: asInstanceId('g'),
    endpoint: 'completions',
    model: 'm',
    timeouts: { connectMs: 1, headersMs: 2, bodyMs: 3 },
    signal,
    dispatch: () => {
      dispatched++;
    },
  });
  const begin = (): void => {
    stream.onRequestStart(controller);
    stream.onResponseStart(controller, 200);
  };
  return { stream, controller, begin, dispatched: () => dispatched };
}

async function drain(stream: GenerationStream): Promise<{ deltas: GenerationDelta[]; error: unknown }> {
  const deltas: GenerationDelta[] = [];
  try {
    for (;;) {
      const r = await stream.next();
      if (r.done === true) return { deltas, error: null };
      deltas.push(r.value);
    }
  } catch (error) {
    return { deltas, error };
  }
}

describe('GenerationStream', () => {
  it('dispatches only when iteration starts', () => {
    const { stream, dispatched } = open();
    expect(dispatched()).toBe(0);
    void stream.next();
    expect(dispatched()).toBe(1);
  });

  it('pauses the socket above the high-water mark and resumes once the consumer drains', async () => {
    const { stream, controller, begin } = open();
    const first = stream.next();
    begin();
    for (let i = 0; i < 300; i++) stream.onResponseData(controller, frame('x', i));
    expect(controller.pauses).toBeGreaterThan(0);
    expect((await first).done).toBe(false);
    for (let i = 1; i < 300; i++) await stream.next();
    expect(controller.resumes).toBe(1);
    expect(controller.paused).toBe(false);
  });

  it('delivers every delta received before a connection error, then the error', async () => {
    const { stream, controller, begin } = open();
    void stream.next().then(() => undefined);
    begin();
    stream.onResponseData(controller, Buffer.concat([frame('a', 1), frame('b', 2), frame('c', 3)]));
    const socketError = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    stream.onResponseError(controller, socketError);
    const { deltas, error } = await drain(stream);
    expect(deltas.map((d) => d.text)).toEqual(['b', 'c']);
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect((error as UpstreamConnectionError).midStream).toBe(true);
    expect((error as UpstreamConnectionError).code).toBe('UND_ERR_SOCKET');
  });

  it('classifies an error before headers as not mid-stream', async () => {
    const { stream, controller } = open();
    const pending = drain(stream);
    stream.onRequestStart(controller);
    stream.onResponseError(controller, Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    const { error } = await pending;
    expect(error).toMatchObject({ phase: 'connect', midStream: false });
  });

  it('aborts the upstream request on return() and ignores later callbacks', async () => {
    const { stream, controller, begin } = open();
    const first = stream.next();
    begin();
    stream.onResponseData(controller, frame('a', 1));
    await first;
    await stream.return();
    expect(controller.aborted).toBe(true);
    stream.onResponseData(controller, frame('b', 2));
    stream.onResponseError(controller, controller.reason!);
    expect((await stream.next()).done).toBe(true);
  });

  it('aborts on start when the signal fired before undici handed over its controller', async () => {
    const abort = new AbortController();
    const { stream, controller } = open(abort.signal);
    const pending = drain(stream);
    abort.abort();
    stream.onRequestStart(controller);
    expect(controller.aborted).toBe(true);
    expect((await pending).error).toMatchObject({ name: 'AbortError' });
  });

  it('holds the finishing delta until the body ends and attaches the usage to it', async () => {
    const { stream, controller, begin } = open();
    const pending = drain(stream);
    begin();
    stream.onResponseData(controller, frame('a', 1, 'stop'));
    stream.onResponseData(
      controller,
      Buffer.from('data: {"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}\n\n'),
    );
    stream.onResponseData(controller, Buffer.from('data: [DONE]\n\n'));
    stream.onResponseEnd();
    const { deltas, error } = await pending;
    expect(error).toBeNull();
    expect(deltas).toHaveLength(1);
    expect(deltas[0]).toMatchObject({ text: 'a', finishReason: 'stop', usage: { total_tokens: 3 } });
  });
});
