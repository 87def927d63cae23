/**
 * One request inside the engine: its tokens, KV blocks, block hashes, context hash and stop rules.
 * Decides when generation ends (vLLM's check_stop order); never touches the block pool or queues.
 */
import { chainBlockHash, BLOCK_SIZE_TOKENS } from './kv-cache.js';
import { chooseToken, pushContextHash } from './generator.js';
import { EOS_TOKEN_ID, isSpecialTokenId, tokenText } from './tokenizer.js';
import type { EngineOutput, EngineRequest, FinishReason } from './types.js';

export type SequenceStatus = 'waiting' | 'running' | 'finished';

export class Sequence {
  readonly id: string;
  readonly arrivalSeq: number;
  readonly priority: number;
  readonly promptLen: number;
  /** Prompt ids followed by generated ids. */
  readonly tokens: number[];
  /** Tokens whose KV is computed (in blocks). */
  numComputed: number;
  readonly blocks: number[];
  /** Hashes of the full blocks of `tokens`, chained. */
  readonly blockHashes: number[];
  status: SequenceStatus;
  numPreemptions: number;
  /** Leading full blocks already registered in the prefix cache. */
  numRegisteredBlocks: number;
  #contextHash: number;
  readonly #maxTokens: number;
  readonly #maxModelLen: number;
  readonly #minTokens: number;
  readonly #ignoreEos: boolean;
  readonly #samplingSeed: number | null;
  readonly #stopTokenIds: ReadonlySet<number> | null;
  readonly #stop: readonly string[] | null;
  readonly #maxStopLen: number;
  #outputText: string;

  constructor(
    req: EngineRequest,
    arrivalSeq: number,
    contextHash: number,
    samplingSeed: number | null,
    maxModelLen: number,
  ) {
    this.id = req.id;
    this.arrivalSeq = arrivalSeq;
    this.priority = req.priority ?? 0;
    this.promptLen = req.promptTokenIds.length;
    this.tokens = req.promptTokenIds.slice();
    this.numComputed = 0;
    this.blocks = [];
    this.blockHashes = [];
    this.status = 'waiting';
    this.numPreemptions = 0;
    this.numRegisteredBlocks = 0;
    this.#contextHash = contextHash;
    this.#maxTokens = req.maxTokens;
    this.#maxModelLen = maxModelLen;
    this.#minTokens = req.minTokens ?? 0;
    this.#ignoreEos = req.ignoreEos === true;
    this.#samplingSeed = samplingSeed;
    this.#stopTokenIds =
      req.stopTokenIds !== undefined && req.stopTokenIds.length > 0 ? new Set(req.stopTokenIds) : null;
    const stop = req.stop?.filter((s) => s.length > 0) ?? [];
    this.#stop = stop.length > 0 ? stop : null;
    this.#maxStopLen = stop.reduce((m, s) => Math.max(m, s.length), 0);
    this.#outputText = '';
    this.#extendBlockHashes();
  }

  get numGenerated(): number {
    return this.tokens.length - this.promptLen;
  }

  /** Generated token ids so far. */
  outputTokenIds(): number[] {
    return this.tokens.slice(this.promptLen);
  }

  /** Samples the next token, appends it and reports whether generation ends. */
  generate(): EngineOutput {
    const choice = chooseToken(this.#contextHash, this.#samplingSeed);
    const n = this.numGenerated + 1;
    const mayStop = n > this.#minTokens;
    const tokenId = choice.eos && mayStop && !this.#ignoreEos ? EOS_TOKEN_ID : choice.tokenId;
    this.tokens.push(tokenId);
    this.#contextHash = pushContextHash(this.#contextHash, tokenId);
    this.#extendBlockHashes();
    let finishReason: FinishReason | null = null;
    let stopReason: string | number | null = null;
    let stopTextOffset: number | null = null;
    if (this.#stop !== null && !isSpecialTokenId(tokenId)) {
      const piece = tokenText(tokenId);
      this.#outputText += piece;
      if (mayStop) {
        const from = Math.max(0, this.#outputText.length - piece.length - this.#maxStopLen + 1);
        for (const s of this.#stop) {
          const at = this.#outputText.indexOf(s, from);
          if (at >= 0 && (stopTextOffset === null || at < stopTextOffset)) {
            stopTextOffset = at;
            stopReason = s;
          }
        }
      }
    }
    if (tokenId === EOS_TOKEN_ID) {
      finishReason = 'stop';
      stopReason = null;
      stopTextOffset = null;
    } else if (mayStop && this.#stopTokenIds?.has(tokenId) === true) {
      finishReason = 'stop';
      stopReason = tokenId;
      stopTextOffset = null;
    } else if (stopTextOffset !== null) {
      finishReason = 'stop';
    } else if (n >= this.#maxTokens || this.tokens.length >= this.#maxModelLen) {
      finishReason = 'length';
    }
    return { id: this.id, tokenId, numGenerated: n, finishReason, stopReason, stopTextOffset };
  }

  #extendBlockHashes(): void {
    const full = Math.floor(this.tokens.length / BLOCK_SIZE_TOKENS);
    while (this.blockHashes.length < full) {
      const i = this.blockHashes.length;
      this.blockHashes.push(chainBlockHash(this.blockHashes[i - 1] ?? 0, this.tokens, i * BLOCK_SIZE_TOKENS));
    }
  }
}
