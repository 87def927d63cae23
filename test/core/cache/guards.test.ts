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

describe('general rules (sentences that are in no fixture)', () => {
  it.each<[string, string, string, string | null]>([
    // opposite pairs from the lexicon
    ['show/hide', 'Show the sidebar in Eclipse', 'Hide the sidebar in Eclipse', 'antonym'],
    ['show me is a request', 'Show me how to hide the sidebar', 'How do I hide the sidebar?', null],
    [
      'superlative -most',
      'What is the northernmost town in Norway?',
      'What is the southernmost town in Norway?',
      'antonym',
    ],
    ['compass -bound', 'Is the eastbound M4 closed?', 'Is the westbound M4 closed?', 'antonym'],
    ['succeed/precede', 'Who succeeded Louis XIV?', 'Who preceded Louis XIV?', 'antonym'],
    ['prepend/append', 'Prepend an item to a list in Kotlin', 'Append an item to a list in Kotlin', 'antonym'],
    ['lend/borrow', 'Should I lend money to my cousin?', 'Should I borrow money from my cousin?', 'antonym'],
    ['rain/snow', 'Is it snowing in Quebec?', 'Is it raining in Quebec?', 'antonym'],
    ['now vs a part of the day', 'How busy is the gym right now?', 'How busy is the gym this evening?', 'antonym'],
    ['tonight is evening', 'Where should we eat tonight?', 'Where should we eat this evening?', null],
    // question words at the start of the sentence
    ['when/where', 'When did the Suez Canal open?', 'Where is the Suez Canal?', 'antonym'],
    ['relative who/when', 'How do I help a friend who is grieving?', 'What can I say when a friend is grieving?', null],
    // differing noun modifiers of one head noun
    ['compound head', 'Suggest a strategy game for my nephew', 'Suggest a puzzle game for my nephew', 'entity'],
    ['complement about', 'Write a story about pirates', 'Write a story about robots', 'entity'],
    [
      'complement of a unit head',
      'How much caffeine is in a cup of tea?',
      'How much caffeine is in a cup of coffee?',
      'entity',
    ],
    ['complement after -ing', 'What is the melting point of iron?', 'What is the melting point of copper?', 'entity'],
    ['modifier after an adjective', 'Best cheap cat food brands', 'Best cheap dog food brands', 'entity'],
    ['generic adjectives', 'Share a fun fact about owls', 'Tell me an interesting fact about owls', null],
    ['forms of one word', 'Recommend some fiction books', 'Recommend some fictional books', null],
    ['verb complements', 'What do you think about remote work?', 'What do you think about working from home?', null],
    ['plural meets singular', 'Tell me a joke about penguins', 'Can you tell me a penguin joke?', null],
    [
      'verb forms do not count',
      'What is the working principle of a pump?',
      'What is the operating principle of a pump?',
      null,
    ],
  ])('%s: %j vs %j -> %s', (_rule, a, b, guard) => {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const v = checkPair(x, y);
      expect(v.ok ? null : v.guard).toBe(guard);
    }
  });

  it('names the head noun and both modifiers', () => {
    expect(checkPair('Recommend a trivia game', 'Recommend a dice game')).toEqual({
      ok: false,
      guard: 'entity',
      detail: 'trivia vs dice (game)',
    });
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
 * name or a noun narrowing a shared head noun (`board game` / `card game`, `boiling point of water` /
 * `of ethanol`, entity guard); other common-noun swaps (get a dog / get a cat) are left to the
 * embedding and are counted separately below.
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

/**
 * A third set (hard-negatives-holdout2.jsonl, 101 pairs), written before this round's thresholds
 * were chosen. Guards alone on it, measured once: targeted negatives rejected 45/45, all negatives
 * 53/61, paraphrases accepted 38/40. Its author also extended the lexicon in the same round, so it
 * is not blind to the guards' word lists; the bounds sit under that measurement.
 */
describe('second held-out set (guards alone)', () => {
  const heldOut: Row[] = readFileSync(
    new URL('../../fixtures/cache/hard-negatives-holdout2.jsonl', import.meta.url),
    'utf8',
  )
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as Row);

  it('has at least 10 negatives and 6 paraphrases per default category', () => {
    for (const c of ['code', 'conversation', 'factual', 'volatile', 'math']) {
      expect(heldOut.filter((r) => r.category === c && r.label === 0).length).toBeGreaterThanOrEqual(10);
      expect(heldOut.filter((r) => r.category === c && r.label === 1).length).toBeGreaterThanOrEqual(6);
    }
  });

  it('rejects the targeted negatives and accepts most paraphrases', () => {
    const targeted = heldOut.filter((r) => r.label === 0 && !UNTARGETED.has(r.kind));
    const paraphrases = heldOut.filter((r) => r.label === 1);
    const rejected = targeted.filter((r) => !checkPair(r.a, r.b).ok).length;
    const accepted = paraphrases.filter((r) => checkPair(r.a, r.b).ok).length;
    console.info(
      `held-out 2: targeted negatives rejected ${rejected}/${targeted.length}, paraphrases accepted ${accepted}/${paraphrases.length}`,
    );
    expect(rejected / targeted.length).toBeGreaterThanOrEqual(0.95);
    expect(accepted / paraphrases.length).toBeGreaterThanOrEqual(0.9);
  });
});
