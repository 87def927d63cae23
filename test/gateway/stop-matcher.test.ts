import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StopMatcher, stopStringsOf } from '../../src/gateway/stop-matcher.js';

/** Feeds `pieces` and returns what the client saw and the stop that ended it. */
function run(m: StopMatcher, pieces: readonly string[], minPieces = 0): { text: string; stop: string | null } {
  let text = '';
  for (let i = 0; i < pieces.length; i++) {
    const r = m.push(pieces[i]!, i + 1 > minPieces);
    text += r.emit;
    if (r.stop !== null) return { text, stop: r.stop };
  }
  return { text: text + m.flush(), stop: null };
}

describe('gateway stop strings', () => {
  it('cuts the output before a stop string that spans two pushes', () => {
    expect(run(new StopMatcher(['END']), ['one E', 'ND two'])).toEqual({ text: 'one ', stop: 'END' });
  });

  it('holds back only what could still become a stop string', () => {
    const m = new StopMatcher(['\n\n', 'STOP']);
    expect(m.push('abcdef', true)).toEqual({ emit: 'abc', stop: null });
    expect(m.push('g', true)).toEqual({ emit: 'd', stop: null });
    expect(m.flush()).toBe('efg');
  });

  it('takes the earliest match when several stops end in the same push', () => {
    expect(run(new StopMatcher(['cd', 'bcde']), ['abcdef'])).toEqual({ text: 'a', stop: 'bcde' });
  });

  it('keeps the stop string when include_stop_str_in_output asks for it', () => {
    expect(run(new StopMatcher(['END'], true), ['one E', 'ND two'])).toEqual({ text: 'one END', stop: 'END' });
  });

  it('does not stop before min_tokens, and never looks back at text already past', () => {
    // "END" completes in the first push, which is still under min_tokens; later pushes do not revisit it.
    expect(run(new StopMatcher(['END']), ['xEND', 'yy', 'zz'], 1)).toEqual({ text: 'xENDyyzz', stop: null });
  });

  it('reads stop as a string or a list and ignores empty strings', () => {
    expect(stopStringsOf({ stop: 'x' })).toEqual(['x']);
    expect(stopStringsOf({ stop: ['a', '', 'b'] })).toEqual(['a', 'b']);
    expect(stopStringsOf({ stop: '' })).toEqual([]);
    expect(stopStringsOf({})).toEqual([]);
  });

  it('ends where the first stop string completes, however the text is split into pushes (tokens, seams)', () => {
    const unit = fc.constantFrom('a', 'b', 'c', '\n');
    fc.assert(
      fc.property(
        fc.string({ unit, maxLength: 40 }),
        fc.array(fc.string({ unit, minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(40), { maxLength: 8 }),
        (text, stops, cuts) => {
          const ends = [...new Set(cuts.filter((c) => c > 0 && c < text.length)), text.length].sort((x, y) => x - y);
          const pieces = ends.map((e, i) => text.slice(i === 0 ? 0 : ends[i - 1], e));
          // Reference on the whole text: the first push in which some occurrence ends; the earliest start there.
          let expected = text;
          for (let i = 0, from = 0; i < ends.length; from = ends[i]!, i++) {
            let best = Infinity;
            for (const s of stops) {
              for (let at = text.indexOf(s); at >= 0; at = text.indexOf(s, at + 1)) {
                const end = at + s.length;
                if (end > from && end <= ends[i]!) best = Math.min(best, at);
              }
            }
            if (best < Infinity) {
              expected = text.slice(0, best);
              break;
            }
          }
          expect(run(new StopMatcher(stops), pieces).text).toBe(expected);
        },
      ),
    );
  });
});
