import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GUARDS, checkPair, type GuardName } from '../../../src/core/cache/guards.js';
import { analyzeText } from '../../../src/core/cache/text-features.js';

describe('each guard on its own', () => {
  const only = (name: GuardName) => GUARDS.filter((g) => g.name === name);
  it.each<[GuardName, string, string, boolean]>([
    ['numbers', 'What is 2x faster?', 'What is 3x faster?', false],
    ['numbers', 'Install Python 3.11', 'Install Python 3.12', false],
    ['numbers', 'What happened on 2024-03-01?', 'What happened on 2024-03-02?', false],
    ['numbers', 'What is two plus two?', 'What is 2 plus 2?', true],
    ['numbers', 'Population of 1,000,000 people', 'Population of 1000000 people', true],
    ['numbers', 'Combine them into one', 'Combine them', true],
    ['numbers', 'When did World War I end?', 'When did World War II end?', false],
    ['numbers', 'What is 9 squared?', 'What is 9 to the power of 2?', true],
    ['units', 'Run 5 km', 'Run 5 miles', false],
    ['units', '5 miles in kilometers', 'How many km is 5 mi', true],
    ['negation', 'Why does it compile?', "Why doesn't it compile?", false],
    ['negation', "Why won't it compile?", "Why doesn't it compile?", true],
    ['negation', 'Run it with root', 'Run it without root', false],
    ['language', 'Read a file in Python', 'Read a file in Rust', false],
    ['language', 'Reverse a string in C++', 'Reverse a string in C#', false],
    ['language', 'How do I go from here to the station?', 'How can I get from here to the station?', true],
    ['language', 'Go to the settings page and log out', 'Open the settings page and log out', true],
    ['numbers', 'Set up CI for Henry', 'Set up continuous integration for Henry', true],
    ['numbers', 'Who succeeded Henry IV?', 'Who succeeded Henry V?', false],
    ['antonym', 'Find the max of a list', 'Find the minimum of a list', false],
    ['antonym', 'Weather today', 'Weather tomorrow', false],
    ['antonym', 'Derivative of x^2', 'Integral of x^2', false],
    ['antonym', 'Should I buy or rent?', 'Should I rent or buy?', true],
    ['antonym', 'Is it legal?', 'Is it illegal?', false],
    ['antonym', 'Who won last night?', 'Who won tonight?', false],
    ['direction', 'Convert Celsius to Fahrenheit', 'Convert Fahrenheit to Celsius', false],
    ['direction', 'Difference between TCP and UDP', 'Difference between UDP and TCP', true],
    ['direction', 'TCP vs UDP', 'UDP vs TCP', true],
    ['direction', 'How to install Docker on Ubuntu', 'On Ubuntu, how to install Docker', true],
    ['direction', 'Is Go faster than Rust?', 'Is Rust faster than Go?', false],
    ['direction', 'What is 10 divided by 4?', 'What is 4 divided by 10?', false],
    ['direction', 'Is 2^10 greater than 10^2?', 'Is 10^2 greater than 2^10?', false],
    ['direction', 'What is 2^3 times 3^2?', 'What is 3^2 times 2^3?', true],
    ['swap', 'Did Alice call Bob?', 'Did Bob call Alice?', false],
    ['swap', 'Should I drink tea or coffee?', 'Should I drink coffee or tea?', true],
    ['swap', 'cat food', 'food for cat', true],
    ['entity', 'Capital of France?', 'Capital of Spain?', false],
    ['entity', 'Who wrote Hamlet?', 'who is the author of hamlet', true],
  ])('%s: %j vs %j -> allowed=%s', (name, a, b, allowed) => {
    expect(checkPair(a, b, only(name)).ok).toBe(allowed);
    expect(checkPair(b, a, only(name)).ok).toBe(allowed);
  });

  it('reports which guard rejected and what it saw', () => {
    expect(checkPair('Convert 100 USD to EUR', 'Convert 100 EUR to USD')).toEqual({
      ok: false,
      guard: 'direction',
      detail: '[usd, 100, convert]->[eur] vs [eur, 100, convert]->[usd]',
    });
  });

  it('lets identical texts through every guard', () => {
    for (const t of ['Flights from Paris to Rome', 'Is 5 a factor of 25?', 'What is not prime?']) {
      expect(checkPair(t, t)).toEqual({ ok: true });
    }
  });

  it('extracts features without per-call regex surprises', () => {
    const f = analyzeText("Python3's list isn't sorted in JS, twenty five items, Louis XIV");
    expect(f.languages).toEqual(new Set(['python', 'javascript']));
    expect(f.numbers).toEqual(['14', '25', '3']);
    expect(f.negations).toBe(1);
  });
});

interface Row {
  readonly a: string;
  readonly b: string;
  readonly label: 0 | 1;
  readonly category: string;
  readonly kind: string;
}

const fixtureUrl = new URL('../../fixtures/cache/hard-negatives.jsonl', import.meta.url);
const rows: Row[] = readFileSync(fixtureUrl, 'utf8')
  .split('\n')
  .filter((l) => l.trim().length > 0)
  .map((l) => JSON.parse(l) as Row);

/**
 * Kinds the guards are built for. `changed-entity` is targeted only when the entity is a capitalized
 * name (entity guard); common-noun swaps (cats/dogs, water/ethanol) are left to the embedding and
 * are counted separately below.
 */
const UNTARGETED = new Set(['changed-entity']);

describe('hard-negative fixture (guards alone, no embedder)', () => {
  it('has at least 50 negatives and some paraphrases per default category, about 60/40', () => {
    for (const c of ['code', 'conversation', 'factual', 'volatile', 'math']) {
      const neg = rows.filter((r) => r.category === c && r.label === 0).length;
      const pos = rows.filter((r) => r.category === c && r.label === 1).length;
      expect(neg).toBeGreaterThanOrEqual(50);
      expect(pos).toBeGreaterThanOrEqual(30);
    }
    const share = rows.filter((r) => r.label === 0).length / rows.length;
    expect(share).toBeGreaterThan(0.55);
    expect(share).toBeLessThan(0.65);
  });

  const categories = [...new Set(rows.map((r) => r.category))];
  const table: string[] = [];
  it.each(categories)('%s: rejects >= 95%% of targeted negatives and accepts >= 90%% of paraphrases', (c) => {
    const mine = rows.filter((r) => r.category === c);
    const negatives = mine.filter((r) => r.label === 0);
    const targeted = negatives.filter((r) => !UNTARGETED.has(r.kind));
    const paraphrases = mine.filter((r) => r.label === 1);
    const rejected = (rs: Row[]) => rs.filter((r) => !checkPair(r.a, r.b).ok).length;
    const accepted = paraphrases.length - rejected(paraphrases);
    const tRej = rejected(targeted);
    const allRej = rejected(negatives);
    table.push(
      `${c.padEnd(13)} targeted negatives rejected ${tRej}/${targeted.length} (${((100 * tRej) / targeted.length).toFixed(1)}%)` +
        `  all negatives ${allRej}/${negatives.length} (${((100 * allRej) / negatives.length).toFixed(1)}%)` +
        `  paraphrases accepted ${accepted}/${paraphrases.length} (${((100 * accepted) / paraphrases.length).toFixed(1)}%)`,
    );
    if (table.length === categories.length)
      console.info(`guard results on ${fixtureUrl.pathname}:\n${table.join('\n')}`);
    expect(tRej / targeted.length).toBeGreaterThanOrEqual(0.95);
    expect(accepted / paraphrases.length).toBeGreaterThanOrEqual(0.9);
  });
});

/**
 * A second set written after the guards and lexicon were frozen and measured once, never tuned on:
 * an out-of-sample estimate (small: 30 negatives, 20 paraphrases). The bounds sit just under that
 * one measurement (25/27 = 92.6% targeted negatives, 19/20 = 95% paraphrases) so regressions show up.
 */
describe('held-out hard negatives (guards alone)', () => {
  const heldOut: Row[] = readFileSync(
    new URL('../../fixtures/cache/hard-negatives-holdout.jsonl', import.meta.url),
    'utf8',
  )
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as Row);

  it('rejects most targeted negatives and accepts most paraphrases it was not tuned on', () => {
    const targeted = heldOut.filter((r) => r.label === 0 && !UNTARGETED.has(r.kind));
    const paraphrases = heldOut.filter((r) => r.label === 1);
    const rejected = targeted.filter((r) => !checkPair(r.a, r.b).ok).length;
    const accepted = paraphrases.filter((r) => checkPair(r.a, r.b).ok).length;
    console.info(
      `held-out: targeted negatives rejected ${rejected}/${targeted.length}, paraphrases accepted ${accepted}/${paraphrases.length}`,
    );
    expect(rejected / targeted.length).toBeGreaterThanOrEqual(0.9);
    expect(accepted / paraphrases.length).toBeGreaterThanOrEqual(0.9);
  });
});
