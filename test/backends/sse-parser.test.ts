import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SSE_DONE, SseParser } from '../../src/backends/sse-parser.js';

const encoder = new TextEncoder();

function parseAll(chunks: readonly (Uint8Array | string)[]): string[] {
  const parser = new SseParser();
  const out: string[] = [];
  for (const chunk of chunks) out.push(...parser.push(chunk));
  parser.end();
  return out;
}

/** Splits `bytes` at the given (sorted, deduplicated) cut points. */
function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const p of points) {
    parts.push(bytes.subarray(start, p));
    start = p;
  }
  parts.push(bytes.subarray(start));
  return parts;
}

describe('SseParser', () => {
  it('yields the data of each event terminated by a blank line', () => {
    expect(parseAll(['data: {"a":1}\n\ndata: {"b":2}\n\n'])).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('passes [DONE] through as a payload', () => {
    expect(parseAll(['data: x\n\ndata: [DONE]\n\n'])).toEqual(['x', SSE_DONE]);
  });

  it('joins multi-line data fields with newlines', () => {
    expect(parseAll(['data: one\ndata: two\ndata:three\n\n'])).toEqual(['one\ntwo\nthree']);
  });

  it('ignores comments, other fields and blank lines without data', () => {
    expect(parseAll([': keep-alive\n\nevent: ping\nid: 7\nretry: 10\n\ndata: real\n\n'])).toEqual(['real']);
  });

  it('accepts CRLF and lone CR line endings, including a CRLF split across chunks', () => {
    expect(parseAll(['data: a\r\n\r\ndata: b\r\rdata: c\r', '\n\r', '\n'])).toEqual(['a', 'b', 'c']);
  });

  it('reassembles UTF-8 sequences split across chunks', () => {
    const bytes = encoder.encode('data: 日本語 é 🚀\n\n');
    const parts = [bytes.subarray(0, 7), bytes.subarray(7, 8), bytes.subarray(8, 20), bytes.subarray(20)];
    expect(parseAll(parts)).toEqual(['日本語 é 🚀']);
  });

  it('treats a bare "data" line as an empty data field', () => {
    expect(parseAll(['data\ndata: x\n\n'])).toEqual(['\nx']);
  });

  it('discards an unterminated event at the end and reports the stream as cut', () => {
    const parser = new SseParser();
    expect(parser.push('data: whole\n\ndata: part')).toEqual(['whole']);
    expect(parser.end()).toBe(true);
    const clean = new SseParser();
    clean.push('data: whole\n\n');
    expect(clean.end()).toBe(false);
  });

  it('gives the same events for every way of splitting the byte stream (property)', () => {
    const payload = fc.stringMatching(/^[^\r\n]*$/).filter((s) => s.length < 40);
    const event = fc.record({
      lines: fc.array(payload, { minLength: 1, maxLength: 3 }),
      comment: fc.boolean(),
      eol: fc.constantFrom('\n', '\r\n', '\r'),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (events, cuts) => {
        let text = '';
        for (const e of events) {
          if (e.comment) text += `: comment${e.eol}`;
          for (const line of e.lines) text += `data: ${line}${e.eol}`;
          text += e.eol;
        }
        const bytes = encoder.encode(text);
        const whole = parseAll([bytes]);
        expect(whole).toEqual(events.map((e) => e.lines.join('\n')));
        expect(parseAll(splitAt(bytes, cuts))).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });
});
