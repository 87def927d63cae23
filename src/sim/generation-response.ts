/**
 * Renders one generation (chat or completions) as vLLM's OpenAI server does: SSE chunks written as
 * tokens arrive, or one JSON body at the end; `return_token_ids` placement, stop-string holdback and
 * truncation, usage, latency metrics and stream stalls. Receives engine outputs; decides nothing.
 */
import type { ServerResponse } from 'node:http';
import { decode, isSpecialTokenId, tokenText } from '../core/engine/tokenizer.js';
import type { EngineOutput } from '../core/engine/types.js';
import type { OutputSink } from './engine-loop.js';
import type { FaultState } from './faults.js';
import type { SimMetrics } from './metrics.js';
import type { GenerationPlan } from './parse-request.js';

/** A frame held back by a stall fault; null frame = end of the response. */
interface HeldFrame {
  readonly frame: string | null;
  readonly isToken: boolean;
}

export interface ResponseContext {
  readonly id: string;
  readonly model: string;
  readonly createdSec: number;
  readonly startMs: number;
  readonly metrics: SimMetrics;
  readonly faults: FaultState;
}

export class GenerationResponse implements OutputSink {
  finished: boolean;
  readonly #res: ServerResponse;
  readonly #plan: GenerationPlan;
  readonly #ctx: ResponseContext;
  readonly #prefix: string;
  readonly #tokenIds: number[];
  #text: string;
  #sentChars: number;
  #lastTokenMs: number;
  readonly #held: HeldFrame[];
  #stalled: boolean;
  /** Token frames written to the socket (stall faults count these). */
  #writtenTokens: number;

  constructor(res: ServerResponse, plan: GenerationPlan, ctx: ResponseContext) {
    this.finished = false;
    this.#res = res;
    this.#plan = plan;
    this.#ctx = ctx;
    const object = plan.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    this.#prefix = `data: {"id":${JSON.stringify(ctx.id)},"object":"${object}","created":${ctx.createdSec},"model":${JSON.stringify(ctx.model)},`;
    this.#tokenIds = [];
    this.#text = '';
    this.#sentChars = 0;
    this.#lastTokenMs = ctx.startMs;
    this.#held = [];
    this.#stalled = false;
    this.#writtenTokens = 0;
    if (plan.stream) this.#startStream();
  }

  onOutput(out: EngineOutput, nowMs: number): void {
    const m = this.#ctx.metrics;
    if (this.#tokenIds.length === 0) m.ttft.observe((nowMs - this.#ctx.startMs) / 1000);
    else m.itl.observe((nowMs - this.#lastTokenMs) / 1000);
    this.#lastTokenMs = nowMs;
    this.#tokenIds.push(out.tokenId);
    const done = out.finishReason !== null;
    if (done) {
      this.finished = true;
      m.e2e.observe((nowMs - this.#ctx.startMs) / 1000);
      m.finished(out.finishReason);
    }
    if (!this.#plan.stream) {
      if (done) this.#sendFull(out);
      return;
    }
    this.#emit(this.#chunk(this.#delta(out), out, [out.tokenId]), true);
    if (done) {
      if (this.#plan.includeUsage)
        this.#emit(`${this.#prefix}"choices":[],"usage":${JSON.stringify(this.#usage())}}\n\n`, false);
      this.#emit('data: [DONE]\n\n', false);
      this.#emit(null, false);
    }
  }

  /** New visible text for this token, holding back what could still become a stop string. */
  #delta(out: EngineOutput): string {
    const piece = isSpecialTokenId(out.tokenId) ? '' : tokenText(out.tokenId);
    if ((this.#plan.request.stop?.length ?? 0) === 0) return piece;
    this.#text += piece;
    const limit =
      out.finishReason !== null
        ? (out.stopTextOffset ?? this.#text.length)
        : this.#text.length - this.#plan.stopHoldbackChars;
    if (limit <= this.#sentChars) return '';
    const delta = this.#text.slice(this.#sentChars, limit);
    this.#sentChars = limit;
    return delta;
  }

  #startStream(): void {
    this.#res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    if (this.#plan.kind !== 'chat') return;
    const promptIds = this.#plan.returnTokenIds
      ? `,"prompt_token_ids":${JSON.stringify(this.#plan.promptTokenIds)}`
      : '';
    this.#emit(
      `${this.#prefix}"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${promptIds}}\n\n`,
      false,
    );
  }

  #chunk(text: string, out: EngineOutput, ids: number[]): string {
    const choice: Record<string, unknown> =
      this.#plan.kind === 'chat'
        ? { index: 0, delta: { content: text }, logprobs: null, finish_reason: out.finishReason }
        : { index: 0, text, logprobs: null, finish_reason: out.finishReason };
    if (out.finishReason !== null || this.#plan.kind === 'completions') choice.stop_reason = out.stopReason;
    if (this.#plan.returnTokenIds) {
      choice.token_ids = ids;
      if (this.#plan.kind === 'completions' && this.#tokenIds.length === 1) {
        choice.prompt_token_ids = this.#plan.promptTokenIds;
      }
    }
    return `${this.#prefix}"choices":[${JSON.stringify(choice)}]}\n\n`;
  }

  #usage(): { prompt_tokens: number; total_tokens: number; completion_tokens: number; prompt_tokens_details: null } {
    const p = this.#plan.promptTokenIds.length;
    const c = this.#tokenIds.length;
    return { prompt_tokens: p, total_tokens: p + c, completion_tokens: c, prompt_tokens_details: null };
  }

  #sendFull(out: EngineOutput): void {
    const full = decode(this.#tokenIds, { skipSpecialTokens: true });
    const text = out.stopTextOffset === null ? full : full.slice(0, out.stopTextOffset);
    const base = { index: 0, logprobs: null, finish_reason: out.finishReason, stop_reason: out.stopReason };
    const withIds = this.#plan.returnTokenIds;
    const choice =
      this.#plan.kind === 'chat'
        ? {
            ...base,
            message: { role: 'assistant', content: text, reasoning_content: null, tool_calls: [] },
            ...(withIds ? { token_ids: this.#tokenIds } : {}),
          }
        : {
            ...base,
            text,
            prompt_logprobs: null,
            ...(withIds ? { prompt_token_ids: this.#plan.promptTokenIds, token_ids: this.#tokenIds } : {}),
          };
    const body = {
      id: this.#ctx.id,
      object: this.#plan.kind === 'chat' ? 'chat.completion' : 'text_completion',
      created: this.#ctx.createdSec,
      model: this.#ctx.model,
      choices: [choice],
      usage: this.#usage(),
      ...(withIds && this.#plan.kind === 'chat' ? { prompt_token_ids: this.#plan.promptTokenIds } : {}),
    };
    const payload = JSON.stringify(body);
    this.#res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    this.#res.end(payload);
  }

  /** Writes a frame (null = end), unless a stall fault holds the stream; may start a stall. */
  #emit(frame: string | null, isToken: boolean): void {
    if (this.#stalled) {
      this.#held.push({ frame, isToken });
      return;
    }
    if (frame === null) {
      this.#res.end();
      return;
    }
    this.#res.write(frame);
    if (isToken && this.#ctx.faults.shouldStall(++this.#writtenTokens)) this.#stall();
  }

  #stall(): void {
    this.#stalled = true;
    setTimeout(() => {
      this.#stalled = false;
      if (this.#res.destroyed) return;
      const held = this.#held.splice(0);
      for (let i = 0; i < held.length; i++) {
        const h = held[i] as HeldFrame;
        this.#emit(h.frame, h.isToken);
        if (this.#stalled) {
          this.#held.push(...held.slice(i + 1));
          return;
        }
      }
    }, this.#ctx.faults.settings.stallMs).unref();
  }
}
