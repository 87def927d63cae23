/**
 * The simulator's HTTP routes besides the server plumbing: generation (chat, completions),
 * embeddings, tokenize/detokenize, models, metrics and faults. Each handler validates, calls the engine
 * loop or tokenizer, and writes a vLLM-shaped answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { applyChatTemplate, BOS_TOKEN_ID, decode, encode, isValidTokenId } from '../core/engine/tokenizer.js';
import { embed } from './embeddings.js';
import type { EngineLoop } from './engine-loop.js';
import type { FaultState } from './faults.js';
import { GenerationResponse } from './generation-response.js';
import { readJsonObject, sendJson, SimHttpError } from './http-util.js';
import type { SimMetrics } from './metrics.js';
import { parseGeneration, parseMessages, parsePrompt } from './parse-request.js';
import type { GenerationKind } from './parse-request.js';

export interface SimContext {
  readonly model: string;
  readonly maxModelLen: number;
  readonly loop: EngineLoop;
  readonly metrics: SimMetrics;
  readonly faults: FaultState;
  readonly embeddingDim: number;
  readonly startedSec: number;
  nextId(prefix: string): string;
}

function checkModel(ctx: SimContext, body: Readonly<Record<string, unknown>>): void {
  const model = body.model;
  if (model === undefined || model === null || model === ctx.model) return;
  const name = typeof model === 'string' ? model : JSON.stringify(model);
  throw new SimHttpError(404, `The model \`${name}\` does not exist.`, 'model');
}

export async function handleGeneration(
  ctx: SimContext,
  kind: GenerationKind,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const startMs = performance.now();
  const body = await readJsonObject(req);
  checkModel(ctx, body);
  const plan = parseGeneration(kind, body, ctx.maxModelLen);
  if (ctx.faults.shouldFail()) throw new SimHttpError(500, 'Injected fault: simulated engine error');
  const id = ctx.nextId(kind === 'chat' ? 'chatcmpl-' : 'cmpl-');
  const response = new GenerationResponse(res, plan, {
    id,
    model: ctx.model,
    createdSec: Math.floor(Date.now() / 1000),
    startMs,
    metrics: ctx.metrics,
    faults: ctx.faults,
  });
  const added = ctx.loop.submit({ ...plan.request, id }, response);
  if (!added.ok) throw new SimHttpError(400, `The engine rejected the request (${added.reason})`);
  const abort = (): void => {
    if (response.finished) return;
    response.finished = true;
    ctx.loop.abort(id);
    ctx.metrics.finished('abort');
  };
  // The client may already be gone (it disconnected while the body was read).
  if (res.destroyed) abort();
  else res.on('close', abort);
}

export async function handleEmbeddings(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  checkModel(ctx, body);
  const input = body.input;
  let inputs: (string | number[])[];
  if (typeof input === 'string') inputs = [input];
  else if (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === 'number')) inputs = [input];
  else if (Array.isArray(input) && input.length > 0) inputs = input as (string | number[])[];
  else throw new SimHttpError(400, 'input must be a string, a list of strings or token ids', 'input');
  const dims = body.dimensions ?? ctx.embeddingDim;
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1 || dims > 8192) {
    throw new SimHttpError(400, 'dimensions must be an integer in [1, 8192]', 'dimensions');
  }
  const base64 = body.encoding_format === 'base64';
  let promptTokens = 0;
  const data = inputs.map((item, index) => {
    let ids: number[];
    if (typeof item === 'string') ids = encode(item, [BOS_TOKEN_ID]);
    else if (Array.isArray(item) && item.every((t) => typeof t === 'number' && isValidTokenId(t))) ids = item;
    else throw new SimHttpError(400, 'each input must be a string or a list of token ids', 'input');
    promptTokens += ids.length;
    const vec = embed(ids, dims);
    const embedding = base64
      ? Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength).toString('base64')
      : Array.from(vec);
    return { index, object: 'embedding', embedding };
  });
  sendJson(res, 200, {
    id: ctx.nextId('embd-'),
    object: 'list',
    created: Math.floor(Date.now() / 1000),
    model: ctx.model,
    data,
    usage: {
      prompt_tokens: promptTokens,
      total_tokens: promptTokens,
      completion_tokens: 0,
      prompt_tokens_details: null,
    },
  });
}

export async function handleTokenize(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  checkModel(ctx, body);
  let tokens: number[];
  if (body.messages !== undefined) {
    tokens = applyChatTemplate(parseMessages(body.messages), body.add_generation_prompt !== false);
  } else if (typeof body.prompt === 'string') {
    tokens = body.add_special_tokens === false ? encode(body.prompt) : encode(body.prompt, [BOS_TOKEN_ID]);
  } else {
    tokens = parsePrompt(body.prompt);
  }
  sendJson(res, 200, { count: tokens.length, max_model_len: ctx.maxModelLen, tokens, token_strs: null });
}

export async function handleDetokenize(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  checkModel(ctx, body);
  const tokens = body.tokens;
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'number' && isValidTokenId(t))) {
    throw new SimHttpError(400, 'tokens must be a list of valid token ids', 'tokens');
  }
  sendJson(res, 200, { prompt: decode(tokens as number[]) });
}

export function handleModels(ctx: SimContext, res: ServerResponse): void {
  sendJson(res, 200, {
    object: 'list',
    data: [
      {
        id: ctx.model,
        object: 'model',
        created: ctx.startedSec,
        owned_by: 'vllm',
        root: ctx.model,
        parent: null,
        max_model_len: ctx.maxModelLen,
        permission: [],
      },
    ],
  });
}

export function handleMetrics(ctx: SimContext, res: ServerResponse): void {
  const text = ctx.metrics.render(ctx.loop.engine.stats());
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  res.end(text);
}

export async function handleSetFaults(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  sendJson(res, 200, ctx.faults.set(body));
}
