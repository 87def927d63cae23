import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/gateway/tenancy.js';
import { MODEL, ScriptedScheduler, dispatchTo } from './fakes.js';
import { buildTestGateway } from './harness.js';

const tenants = [
  { id: 'team-a', weight: 3, maxPriority: 2, apiKeySha256: [sha256Hex('key-a')] },
  { id: 'team-b', weight: 1, maxPriority: 0, defaultPriority: 0, apiKeySha256: [sha256Hex('key-b')] },
];
const payload = { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 };

function recordingScheduler() {
  return new ScriptedScheduler((e) => (e.type === 'arrive' ? [dispatchTo(e.request.id, 'a', false)] : []));
}

describe('tenancy and the admin API', () => {
  let gw = buildTestGateway();
  afterEach(async () => {
    await gw.app.close();
  });

  it('answers 401 without a key or with an unknown key once tenants have keys, and serves a known key', async () => {
    gw = buildTestGateway({ config: { tenants } });
    const post = (headers: Record<string, string>) =>
      gw.app.inject({ method: 'POST', url: '/v1/chat/completions', payload, headers });
    const none = await post({});
    expect(none.statusCode).toBe(401);
    expect(none.json<{ error: { code: string } }>().error.code).toBe('FW_ERR_UNAUTHORIZED');
    expect((await post({ authorization: 'Bearer nope' })).statusCode).toBe(401);
    expect((await post({ authorization: 'Bearer key-a' })).statusCode).toBe(200);
    expect((await post({ 'x-api-key': 'key-b' })).statusCode).toBe(200);
  });

  it('takes the tenant and a priority capped by its ceiling from the request', async () => {
    const scheduler = recordingScheduler();
    gw = buildTestGateway({ config: { tenants }, scheduler });
    const post = (headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
      gw.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { ...payload, ...extra }, headers });
    await post({ authorization: 'Bearer key-a' }, { priority: 5 });
    await post({ authorization: 'Bearer key-a', 'x-priority': '1' });
    await post({ authorization: 'Bearer key-b', 'x-priority': '9' });
    const arrivals = scheduler.events.flatMap((e) => (e.type === 'arrive' ? [e.request] : []));
    expect(arrivals.map((r) => [r.tenant, r.priority])).toEqual([
      ['team-a', 2],
      ['team-a', 1],
      ['team-b', 0],
    ]);
    const bad = await post({ authorization: 'Bearer key-a', 'x-priority': 'high' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { param: string } }>().error.param).toBe('x-priority');
  });

  it('keeps the admin API closed unless an admin key is configured, and checks the key', async () => {
    gw = buildTestGateway();
    expect((await gw.app.inject({ method: 'GET', url: '/admin/scheduler' })).statusCode).toBe(403);
    await gw.app.close();
    gw = buildTestGateway({ adminKey: 'secret' });
    expect((await gw.app.inject({ method: 'GET', url: '/admin/scheduler' })).statusCode).toBe(401);
    const res = await gw.app.inject({
      method: 'GET',
      url: '/admin/scheduler',
      headers: { authorization: 'Bearer secret' },
    });
    expect(res.statusCode).toBe(200);
    expect(typeof res.json()).toBe('object');
    const drain = await gw.app.inject({
      method: 'POST',
      url: '/admin/instances/nope/drain',
      headers: { authorization: 'Bearer secret' },
    });
    expect(drain.statusCode).toBe(400);
  });
});
