/**
 * The KV block pool with automatic prefix caching, modelled on vLLM V1's BlockPool: fixed 16-token
 * blocks with reference counts, a hash -> block map for full blocks, and an LRU free queue in which
 * freed blocks keep their hash until reallocated. Owns block bookkeeping only; no scheduling policy.
 */

export const BLOCK_SIZE_TOKENS = 16;
const NO_HASH = -1;
const NONE = -1;

/** Chains a block hash (53-bit, non-negative) from the parent's hash and 16 tokens starting at `start`. */
export function chainBlockHash(parentHash: number, tokens: readonly number[], start: number): number {
  let h1 = (parentHash >>> 0) ^ 0x9e3779b9;
  let h2 = Math.floor(parentHash / 4294967296) ^ 0x85ebca6b;
  for (let i = start; i < start + BLOCK_SIZE_TOKENS; i++) {
    const t = tokens[i] ?? 0;
    h1 = Math.imul(h1 ^ t, 0xcc9e2d51);
    h1 = (h1 << 15) | (h1 >>> 17);
    h2 = Math.imul(h2 ^ t, 0x1b873593) + h1;
    h2 = (h2 << 13) | (h2 >>> 19);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  return (h2 & 0x1fffff) * 4294967296 + (h1 >>> 0);
}

export class KvBlockPool {
  readonly numBlocks: number;
  #refCount: Int32Array;
  #hash: Float64Array;
  #prev: Int32Array;
  #next: Int32Array;
  #head: number;
  #tail: number;
  #numFree: number;
  #cached: Map<number, number>;

  constructor(numBlocks: number) {
    this.numBlocks = numBlocks;
    this.#refCount = new Int32Array(numBlocks);
    this.#hash = new Float64Array(numBlocks).fill(NO_HASH);
    this.#prev = new Int32Array(numBlocks);
    this.#next = new Int32Array(numBlocks);
    this.#head = NONE;
    this.#tail = NONE;
    this.#numFree = 0;
    this.#cached = new Map();
    for (let b = 0; b < numBlocks; b++) this.#append(b);
  }

  /** Blocks in the free queue (including freed blocks that still hold a cached prefix). */
  get numFree(): number {
    return this.#numFree;
  }

  get numUsed(): number {
    return this.numBlocks - this.#numFree;
  }

  /** The block caching `hash`, if any. */
  lookup(hash: number): number | undefined {
    return this.#cached.get(hash);
  }

  isFree(block: number): boolean {
    return this.#refCount[block] === 0;
  }

  /** Takes a reference on a cached block (a prefix hit), pulling it out of the free queue if needed. */
  touch(block: number): void {
    if (this.#refCount[block] === 0) this.#unlink(block);
    this.#refCount[block] = (this.#refCount[block] ?? 0) + 1;
  }

  /** Takes the least recently freed block, evicting its cached hash. Caller checks `numFree > 0`. */
  allocate(): number {
    const block = this.#head;
    if (block === NONE) throw new Error('KvBlockPool.allocate: no free block');
    this.#unlink(block);
    const h = this.#hash[block] ?? NO_HASH;
    if (h !== NO_HASH) {
      if (this.#cached.get(h) === block) this.#cached.delete(h);
      this.#hash[block] = NO_HASH;
    }
    this.#refCount[block] = 1;
    return block;
  }

  /** Marks a full, computed block as holding `hash` unless another block already caches it. */
  register(block: number, hash: number): void {
    if (this.#hash[block] !== NO_HASH || this.#cached.has(hash)) return;
    this.#cached.set(hash, block);
    this.#hash[block] = hash;
  }

  /** Drops one reference on each block, tail first, so a request's prefix is evicted last. */
  release(blocks: readonly number[]): void {
    for (let i = blocks.length - 1; i >= 0; i--) {
      const b = blocks[i] ?? NONE;
      const rc = (this.#refCount[b] ?? 0) - 1;
      this.#refCount[b] = rc;
      if (rc === 0) this.#append(b);
    }
  }

  #append(block: number): void {
    this.#prev[block] = this.#tail;
    this.#next[block] = NONE;
    if (this.#tail === NONE) this.#head = block;
    else this.#next[this.#tail] = block;
    this.#tail = block;
    this.#numFree++;
  }

  #unlink(block: number): void {
    const p = this.#prev[block] ?? NONE;
    const n = this.#next[block] ?? NONE;
    if (p === NONE) this.#head = n;
    else this.#next[p] = n;
    if (n === NONE) this.#tail = p;
    else this.#prev[n] = p;
    this.#numFree--;
  }
}
