/**
 * Incremental Server-Sent Events parser: byte chunks in, complete `data` payloads out. Owns line
 * splitting (`\n`, `\r\n`, lone `\r`, even split across chunks), UTF-8 sequences split across chunks,
 * multi-line `data:` fields and comments. It does not interpret payloads (`[DONE]` is passed through).
 */

/** The payload vLLM and OpenAI send as the last event of a stream. */
export const SSE_DONE = '[DONE]';

const NO_EVENTS: readonly string[] = Object.freeze([]);

export class SseParser {
  /** Bytes after the last line terminator seen so far (an unterminated line), or null. */
  #pending: Buffer | null;
  /** `data` lines of the event being assembled, joined with `\n` (spec), or null when none yet. */
  #data: string | null;
  /** The previous chunk ended in `\r`: a leading `\n` in the next chunk belongs to that line break. */
  #skipLeadingLf: boolean;

  constructor() {
    this.#pending = null;
    this.#data = null;
    this.#skipLeadingLf = false;
  }

  /**
   * Feeds bytes (or text); returns the data payloads of the events completed by them. Only whole
   * lines are decoded: a line terminator byte never occurs inside a UTF-8 sequence, so a sequence
   * split across chunks is simply carried over with the rest of its line.
   */
  push(chunk: Uint8Array | string): readonly string[] {
    let buf: Buffer =
      typeof chunk === 'string'
        ? Buffer.from(chunk, 'utf8')
        : Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#pending !== null) {
      buf = Buffer.concat([this.#pending, buf]);
      this.#pending = null;
    }
    if (this.#skipLeadingLf && buf.length > 0) {
      this.#skipLeadingLf = false;
      if (buf[0] === 10) buf = buf.subarray(1);
    }
    if (buf.length === 0) return NO_EVENTS;
    const lastLf = buf.lastIndexOf(10);
    const lastCr = buf.lastIndexOf(13);
    const lastTerminator = lastLf > lastCr ? lastLf : lastCr;
    if (lastTerminator === -1) {
      this.#pending = Buffer.from(buf);
      return NO_EVENTS;
    }
    if (lastTerminator + 1 < buf.length) this.#pending = Buffer.from(buf.subarray(lastTerminator + 1));
    // A trailing `\r` may be the first half of a `\r\n` split across chunks.
    else if (lastCr === lastTerminator) this.#skipLeadingLf = true;
    return this.#lines(buf.toString('utf8', 0, lastTerminator + 1), lastCr !== -1);
  }

  /**
   * Ends the stream. Per the SSE spec an event without its terminating blank line is discarded;
   * returns true when such an incomplete event (or line) was pending, i.e. the stream was cut.
   */
  end(): boolean {
    const cut = this.#pending !== null || this.#data !== null;
    this.#pending = null;
    this.#data = null;
    this.#skipLeadingLf = false;
    return cut;
  }

  /** Processes text made of complete lines (it ends with a terminator). */
  #lines(text: string, hasCr: boolean): readonly string[] {
    let events: string[] | null = null;
    let start = 0;
    const length = text.length;
    while (start < length) {
      let end: number;
      let next: number;
      if (!hasCr) {
        end = text.indexOf('\n', start);
        next = end + 1;
      } else {
        end = start;
        for (;;) {
          const c = text.charCodeAt(end);
          if (c === 10 || c === 13) break;
          end++;
        }
        next = end + 1;
        if (text.charCodeAt(end) === 13 && text.charCodeAt(next) === 10) next++;
      }
      const event = this.#line(text, start, end);
      if (event !== null) (events ??= []).push(event);
      start = next;
    }
    return events ?? NO_EVENTS;
  }

  /** Handles one line `text[start, end)`; returns a payload when the line is the blank event terminator. */
  #line(text: string, start: number, end: number): string | null {
    if (start === end) {
      const data = this.#data;
      this.#data = null;
      return data;
    }
    const first = text.charCodeAt(start);
    if (first === 58 /* ':' comment */) return null;
    // Fast path: "data:" / "data: " prefix without slicing the field name.
    if (
      first === 100 /* d */ &&
      end - start >= 5 &&
      text.charCodeAt(start + 1) === 97 &&
      text.charCodeAt(start + 2) === 116 &&
      text.charCodeAt(start + 3) === 97 &&
      text.charCodeAt(start + 4) === 58
    ) {
      let valueStart = start + 5;
      if (valueStart < end && text.charCodeAt(valueStart) === 32) valueStart++;
      this.#appendData(text.slice(valueStart, end));
      return null;
    }
    const colon = text.indexOf(':', start);
    if (colon === -1 || colon >= end) {
      if (end - start === 4 && text.startsWith('data', start)) this.#appendData('');
    }
    // Other fields (event, id, retry) carry nothing the gateway uses.
    return null;
  }

  #appendData(value: string): void {
    this.#data = this.#data === null ? value : `${this.#data}\n${value}`;
  }
}
