/**
 * The `http` embedder: any OpenAI-compatible `POST /v1/embeddings` endpoint (vLLM embedding
 * models, the simulator), one request per batch. Answers are checked for count and dims and
 * re-normalized; failures are FW_ERR_EMBEDDER_FAILED.
 */
import { Agent, request } from 'undici';
import { FairwayError } from '../../errors.js';
import { l2NormalizeInPlace } from './embedder.js';
import type { Embedder } from './embedder.js';

export interface HttpEmbedderOptions {
  /** Base URL up to and excluding `/v1/embeddings`, e.g. `http://127.0.0.1:8000`. */
  readonly baseUrl: string;
  readonly model: string;
  readonly dims: number;
  readonly apiKey?: string;
  readonly timeoutMs?: number;
  readonly maxConnections?: number;
}

interface EmbeddingsBody {
  data?: { index?: number; embedding?: unknown }[];
}

export class HttpEmbedder implements Embedder {
  readonly name = 'http';
  readonly dims: number;
  #options: HttpEmbedderOptions;
  #agent: Agent;
  #url: string;

  constructor(options: HttpEmbedderOptions) {
    this.dims = options.dims;
    this.#options = options;
    this.#agent = new Agent({ connections: options.maxConnections ?? 8 });
    this.#url = `${options.baseUrl.replace(/\/+$/, '')}/v1/embeddings`;
  }

  #fail(detail: string, cause?: unknown): FairwayError {
    return new FairwayError(
      'FW_ERR_EMBEDDER_FAILED',
      { embedder: 'http', detail },
      cause === undefined ? {} : { cause },
    );
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const timeoutMs = this.#options.timeoutMs ?? 10_000;
    let body: EmbeddingsBody;
    try {
      const res = await request(this.#url, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: {
          'content-type': 'application/json',
          ...(this.#options.apiKey === undefined ? {} : { authorization: `Bearer ${this.#options.apiKey}` }),
        },
        body: JSON.stringify({ model: this.#options.model, input: texts, encoding_format: 'float' }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      if (res.statusCode !== 200) {
        const text = await res.body.text();
        throw this.#fail(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
      }
      body = (await res.body.json()) as EmbeddingsBody;
    } catch (e) {
      if (e instanceof FairwayError) throw e;
      throw this.#fail(e instanceof Error ? e.message : String(e), e);
    }
    const data = body.data;
    if (!Array.isArray(data) || data.length !== texts.length) throw this.#fail(`expected ${texts.length} embeddings`);
    const out = new Array<Float32Array>(texts.length);
    data.forEach((item, position) => {
      const index = typeof item.index === 'number' ? item.index : position;
      const e = item.embedding;
      if (!Array.isArray(e) || e.length !== this.dims || index < 0 || index >= texts.length) {
        throw this.#fail(`malformed embedding at ${position} (expected ${this.dims} numbers)`);
      }
      out[index] = l2NormalizeInPlace(Float32Array.from(e as number[]));
    });
    for (let i = 0; i < out.length; i++) if (out[i] === undefined) throw this.#fail(`missing embedding ${i}`);
    return out;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

export const createHttpEmbedder = (options: HttpEmbedderOptions): Embedder => new HttpEmbedder(options);
