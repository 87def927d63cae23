/**
 * Word lists behind the hard-negative guards: negation cues, directional and symmetric connectives,
 * units, number words, programming languages and frameworks, and groups of mutually exclusive terms
 * (antonyms, days, months). Data only; guards.ts and text-features.ts compile them once at load.
 */

/** Splits a whitespace-separated word list. */
function words(list: string): string[] {
  return list.trim().split(/\s+/);
}

/** Parses `canonical: alias alias; ...` into alias -> canonical (the canonical form maps to itself only if listed). */
function aliasMap(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of list.split(';')) {
    const [canonical, aliases] = entry.split(/:\s+/);
    if (canonical === undefined || aliases === undefined) continue;
    for (const a of words(aliases)) out[a] = canonical.trim();
  }
  return out;
}

function numberMap(list: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(aliasMap(list))) out[k] = Number(v);
  return out;
}

/** Words that negate (after splitting `n't` off contractions). */
export const NEGATIONS: readonly string[] = words(`
  not no never without none nothing nobody nowhere neither nor n't cannot excluding except lack lacks
  lacking absent neglect fail fails
`);

/** Connectives whose two sides play different roles: swapping them changes the question. */
export const DIRECTIONAL: readonly string[] = words(`
  to into from than onto towards toward -> => - / ^ > < over before after per minus divided by of on
  inherit inherits extends instead under
`);

/** Connectives whose two sides are interchangeable: `A and B` asks the same as `B and A`. */
export const SYMMETRIC: readonly string[] = words(`
  and or vs versus between with nor & plus times both compare
`);

/** Infinitive `to` after these words is not a direction (`how to install X on Y`). */
export const INFINITIVE_BEFORE_TO: readonly string[] = words(`
  how want wants need needs way ways trying try able going have has possible like best easiest fastest
  supposed used what where when order
`);

/** Function words: never content, never entities. */
export const STOPWORDS: readonly string[] = words(`
  a an the is are was were be been being am do does did done i me my mine we our you your he she it its
  they them their this that these those there here what what's which who whom whose why how when where
  can could would should will shall may might must in at for about as if so some any all just please
  tell explain give show get got make want need know way best good really also too very much many up out
  then than to into from of on by with and or but vs versus between over under per onto like have has
  had it's i'm im kind sort type one use using used way ways possible anyone someone something thing
  things does question help let lets let's say says mean means actually exactly currently
`);

/** Surface form -> canonical unit. Ambiguous one-letter forms are left out on purpose. */
export const UNITS: Readonly<Record<string, string>> = aliasMap(`
  km: km kilometer kilometers kilometre kilometres kms; mi: mile miles mi; m: meter meters metre metres;
  cm: cm centimeter centimeters; mm: mm millimeter millimeters; inch: inch inches; ft: ft foot feet; yd:
  yard yards; kg: kg kilo kilos kilogram kilograms; g: gram grams; lb: lb lbs pound pounds; oz: oz ounce
  ounces; t: ton tons tonnes; l: liter liters litre litres; ml: ml milliliters; gal: gallon gallons;
  cup: cup cups; degc: celsius °c centigrade; degf: fahrenheit °f; kelvin: kelvin; s: second seconds sec
  secs; ms: ms millisecond milliseconds; min: minute minutes mins; h: hour hours hrs hr; day: day days;
  week: week weeks; month: month months; year: year years; decade: decade decades; century: century
  centuries; usd: usd dollar dollars $; eur: eur euro euros €; gbp: gbp £ sterling; jpy: jpy yen ¥; inr:
  inr rupee rupees; cad: cad; aud: aud; chf: chf francs; cny: yuan cny; pct: percent % percentage; kb:
  kb kilobytes; mb: mb megabytes; gb: gb gigabytes; tb: tb terabytes; byte: bytes byte; bit: bits bit;
  hz: hz; khz: khz; mhz: mhz; ghz: ghz; mph: mph; kph: kph kmh; w: watts; kw: kw; kwh: kwh; deg: degrees
  degree; rad: radians radian; kcal: calories kcal; acre: acres; ha: hectares; knot: knots;
`);

/** Number words -> value. */
export const NUMBER_WORDS: Readonly<Record<string, number>> = numberMap(`
  0: zero; 2: two twice squared; 3: three thrice cubed; 4: four; 5: five; 6: six; 7: seven; 8: eight; 9: nine;
  10: ten; 11: eleven; 12: twelve dozen; 13: thirteen; 14: fourteen; 15: fifteen; 16: sixteen; 17:
  seventeen; 18: eighteen; 19: nineteen; 20: twenty; 30: thirty; 40: forty; 50: fifty; 60: sixty; 70:
  seventy; 80: eighty; 90: ninety;
`);

/** Ordinal words (`first` is handled with `one`: it may be an article-like word). */
export const ORDINAL_WORDS: Readonly<Record<string, number>> = numberMap(`
  2: second; 3: third; 4: fourth; 5: fifth; 6: sixth; 7: seventh; 8: eighth; 9: ninth; 10: tenth; 11: eleventh;
  12: twelfth
`);

/** Denominators of spelled fractions (`a third`, `three quarters`, `half`). */
export const FRACTION_WORDS: Readonly<Record<string, number>> = numberMap(`
  2: half halves; 3: third thirds; 4: quarter quarters fourths; 5: fifth fifths; 6: sixths; 8: eighths; 10: tenths
`);

/** Scale words multiply the running group (`two hundred` = 200). */
export const NUMBER_SCALES: Readonly<Record<string, number>> = numberMap(`
  100: hundred; 1000: thousand; 1000000: million; 1000000000: billion; 1000000000000: trillion;
`);

/** Programming languages, query languages, frameworks and platforms -> canonical name. */
export const LANGUAGES: Readonly<Record<string, string>> = aliasMap(`
  python: python py; javascript: javascript js; typescript: typescript ts; java: java; kotlin: kotlin;
  scala: scala; cpp: cpp; csharp: csharp; fsharp: fsharp; go: golang go; rust: rust; ruby: ruby; php:
  php; swift: swift; objc: objectivec; haskell: haskell; perl: perl; lua: lua; bash: bash shell; zsh:
  zsh; powershell: powershell; sql: sql; mysql: mysql; postgresql: postgres postgresql; sqlite: sqlite;
  mongodb: mongodb; html: html; css: css; dart: dart; elixir: elixir; erlang: erlang; clojure: clojure;
  julia: julia; matlab: matlab; fortran: fortran; cobol: cobol; zig: zig; ocaml: ocaml; r: r; c: c;
  react: react; vue: vue; angular: angular; svelte: svelte; django: django; flask: flask; fastapi:
  fastapi; rails: rails; laravel: laravel; nodejs: nodejs; deno: deno; nextjs: nextjs; numpy: numpy;
  pandas: pandas; polars: polars; pytorch: pytorch torch; tensorflow: tensorflow; keras: keras; jquery:
  jquery; dotnet: dotnet; springboot: springboot; jest: jest; vitest: vitest; pytest: pytest; junit:
  junit; webpack: webpack; vite: vite; tailwind: tailwind; bootstrap: bootstrap; docker: docker;
  kubernetes: kubernetes; terraform: terraform; linux: linux; windows: windows; macos: macos; ubuntu:
  ubuntu; debian: debian; android: android; ios: ios; git: git;
`);

/** Language names that are also ordinary words: they count only in a code context. */
export const AMBIGUOUS_LANGUAGES: readonly string[] = words(`
  go c r rust swift ruby dart java julia scala shell windows react rails ts py torch bootstrap
`);

/** Words that make the sentence about code, so ambiguous language names count. */
export const CODE_CUES: readonly string[] = words(`
  code function program script compile compiler library package variable array list loop class method
  syntax api install string int integer struct error exception module import lambda regex dictionary
  hashmap map closure pointer thread async await component hook runtime programming language file json
  parse print slice vector trait macro crate gem npm pip cargo implement write debug test tests callback
  interface generic enum tuple object
`);

/**
 * Groups of mutually exclusive terms. Each group lists classes separated by `|`; two texts that both
 * mention a group but different classes of it ask different questions.
 */
export const EXCLUSIVE_GROUPS: readonly string[] = [
  'min minimum minimal smallest lowest least fewest minimize minimise minima | max maximum maximal largest biggest highest most greatest maximize maximise maxima',
  'increase increases increasing increased raise raises grow grows growing rise rises rising up upgrade | decrease decreases decreasing decreased lower lowers reduce reduces shrink shrinks fall falls falling drop drops down downgrade',
  'before earlier prior | after later afterwards',
  'today tonight | yesterday | tomorrow',
  'derivative derivatives differentiate differentiation differentiating | integral integrals integrate integration integrating antiderivative',
  'buy buying bought purchase | sell selling sold',
  'when | where | who whom | why',
  'show showing shown display unhide | hide hiding',
  'stay staying | leave leaving quit',
  'happy happier | sad sadder unhappy',
  'closest nearest | farthest furthest',
  'love loves | hate hates',
  'remember | forget',
  'gainers winners gaining | losers losing',
  'first earliest | last latest final',
  'last previous past prior | next upcoming coming future | current currently now',
  'ascending increasing | descending decreasing',
  'add adding append insert | remove removing delete deleting drop',
  'enable enabling enabled | disable disabling disabled',
  'import importing | export exporting',
  'upload uploading | download downloading',
  'encode encoding | decode decoding',
  'encrypt encryption encrypting | decrypt decryption decrypting',
  'serialize serialization | deserialize deserialization',
  'compress compression | decompress decompression',
  'push | pull',
  'uppercase upper capital | lowercase lower',
  'start starting begin beginning | stop stopping end ending finish',
  'open opening | close closing',
  'true | false',
  'left leftmost | right rightmost',
  'above | below',
  'inside | outside',
  'input | output',
  'read reading | write writing',
  'more greater bigger larger higher longer heavier > | less fewer smaller lower shorter lighter <',
  'faster quicker | slower',
  'better | worse',
  'best | worst',
  'cheapest cheaper | expensive',
  'pros advantages benefits | cons disadvantages drawbacks',
  'win wins won winning | lose loses lost losing',
  'north northern northernmost northmost northbound northward northwards | south southern southernmost southmost southbound southward southwards | east eastern easternmost eastmost eastbound eastward eastwards | west western westernmost westmost westbound westward westwards',
  'male men man | female women woman',
  'accept accepted | reject rejected',
  'include including | exclude excluding',
  'positive | negative',
  'even | odd',
  'sum add plus addition + | subtract subtraction minus difference - | multiply multiplication times product * × | divide division divided quotient / ÷',
  'sine sin | cosine cos | tangent tan',
  'mean average | median | mode',
  'morning | afternoon | evening night tonight | now',
  'hot hottest warm | cold coldest cool',
  'sunrise | sunset',
  'high | low',
  'open opens | closed closes',
  'old older oldest ancient | new newer newest modern young younger youngest',
  'safe | unsafe dangerous',
  'legal | illegal',
  'sync synchronous | async asynchronous',
  'shallow | deep',
  'static | dynamic',
  'mutable | immutable',
  'public | private',
  'client | server',
  'frontend | backend',
  'monday | tuesday | wednesday | thursday | friday | saturday | sunday | weekend',
  'january jan | february feb | march mar | april apr | may | june jun | july jul | august aug | september sep sept | october oct | november nov | december dec',
  'spring | summer | autumn fall | winter',
  'weekly week | monthly month | yearly annual annually year | daily day | hourly hour',
  'gain gains gained | loss losses lost',
  'profit | loss',
  'bull bullish | bear bearish',
  'import imports | export exports',
  'succeed succeeded succeeds successor successors | precede preceded precedes predecessor predecessors',
  'upper uppermost | lower lowermost',
  'top topmost | bottom bottommost',
  'prepend prepending | append appending',
  'local locally | remote remotely',
  'inbound incoming ingress | outbound outgoing egress',
  'upstream | downstream',
  'upstairs | downstairs',
  'uphill | downhill',
  'forward forwards | backward backwards',
  'arrive arrival arrivals arriving | depart departure departures departing',
  'send sending sent | receive receiving received',
  'lend lending lent | borrow borrowing borrowed',
  'deposit deposits | withdraw withdrawal withdrawals',
  'credit | debit',
  'allow allowed allowlist whitelist permit | deny denied denylist blacklist blocklist forbid ban prohibit',
  'login log-in signin | logout log-out signout',
  'expand expanding | collapse collapsing',
  'attach attaching | detach detaching',
  'inhale | exhale',
  'heads | tails',
  'singular | plural',
  'vowel vowels | consonant consonants',
  'acid acidic | alkaline base',
  'rain rains raining rainy rainfall | snow snows snowing snowy snowfall',
  'strong stronger strongest | weak weaker weakest',
  'thick thicker thickest | thin thinner thinnest',
  'wide wider widest | narrow narrower narrowest',
  'early earlier earliest | late',
  'loud louder loudest | quiet quieter quietest',
  'wet wetter wettest | dry drier driest',
  'full | empty',
  'fastest quickest | slowest',
  'heaviest | lightest',
  'hardest | softest',
  'brightest | darkest dimmest',
  'majority | minority',
  'overestimate | underestimate',
  'overflow | underflow',
  'ceil ceiling | floor',
  'producer | consumer',
  'sender | receiver recipient',
  'request | response',
  'stack | queue',
  'ancestor ancestors | descendant descendants',
  'parent parents | child children',
  'teacher teachers | student students pupil pupils',
  'employer | employee',
  'landlord | tenant',
  'husband | wife',
  'grandmother grandma grandfather grandpa grandparent grandparents | grandson granddaughter grandchild grandchildren',
  'birth born | death died',
  'longest | shortest',
  'deepest | shallowest',
  'tallest | shortest',
  'richest | poorest',
  'hottest | coldest',
  'largest | smallest',
  'sunni | shia',
  'asc | desc',
  'inner innermost | outer outermost',
  'union | intersection',
  'convex | concave',
  'numerator | denominator',
  'horizontal | vertical',
  'clockwise | counterclockwise anticlockwise',
  'row rows | column columns',
  'prefix | suffix',
  'encrypt | decrypt',
];

/**
 * Generic evaluative adjectives: two texts that put different ones before the same noun (`fun fact`,
 * `interesting fact`) usually ask the same thing, so they never count as differing modifiers.
 */
export const GENERIC_MODIFIERS: readonly string[] = words(`
  good great nice fun funny interesting cool awesome simple easy quick fast short brief little small
  big large huge tiny new old main whole full entire real basic common typical general specific
  particular exact certain various different same other own right wrong proper correct quick fine
  best better top key major minor important useful helpful effective efficient free cheap quality
  reliable popular famous favorite favourite perfect ideal healthy proper nearby local extra more
  few several single multiple whole overall complete detailed official normal regular usual average
  modern current recent latest ultimate smart clever decent solid strong proper
`);

/** Prepositions that attach a noun's complement (`joke about cats`, `boiling point of water`). */
export const COMPLEMENT_PREPOSITIONS: readonly string[] = words(`of about for on in with from`);
