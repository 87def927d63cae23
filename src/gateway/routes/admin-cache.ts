/**
 * The cache admin API, behind the admin key: list categories with their policy, live stats and the
 * adaptive threshold/TTL in force; replace a category's policy live (schema-checked, then checked by
 * the policy validator; the next lookup uses it; kept across restarts when the cache has a data
 * directory) and drop such an override again; invalidate by category, tenant or entry id.
 */
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';
import type { CategoryConfig } from '../../core/cache/index.js';
import { GENERIC_CATEGORY } from '../../core/cache/index.js';
import { CacheSchema } from '../../config/schema.js';
import { FairwayError } from '../../errors.js';
import type { SemanticCache } from '../../cache/semantic-cache.js';
import type { GatewayDeps } from '../deps.js';

const CATEGORY_SCHEMA = CacheSchema.properties.categories.additionalProperties as TSchema;
const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

const invalid = (detail: string, param?: string): FairwayError =>
  new FairwayError('FW_ERR_VALIDATION', { detail }, param === undefined ? {} : { param });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A partial category merged over the current one (nested objects merged one level deep). */
function merged(base: CategoryConfig, patch: Record<string, unknown>): unknown {
  const out: Record<string, unknown> = structuredClone(base) as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    const held = out[k];
    out[k] = isObject(v) && isObject(held) ? { ...held, ...v } : v;
  }
  return out;
}

function cacheOf(deps: GatewayDeps): SemanticCache {
  if (deps.cache === undefined) throw invalid('The semantic cache is disabled (cache.enabled: false)');
  return deps.cache;
}

export function registerCacheAdminRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.register((admin, _opts, done) => {
    admin.addHook('onRequest', (request, _reply, next) => {
      deps.tenants.authorizeAdmin(request.headers);
      next();
    });
    admin.get('/admin/cache/categories', async () => {
      const cache = cacheOf(deps);
      const stats = await cache.stats();
      const categories: Record<string, unknown> = {};
      for (const name of cache.policy.categoryNames) {
        categories[name] = { policy: cache.policy.category(name), stats: stats.categories[name] };
      }
      return {
        load: stats.load,
        tiers: stats.tiers,
        embedder: stats.embedder,
        overrides: cache.overrides(),
        categories,
      };
    });
    admin.delete<{ Params: { name: string } }>('/admin/cache/categories/:name/override', async (request) => {
      const cache = cacheOf(deps);
      const name = request.params.name;
      const outcome = await cache.resetCategory(name);
      if (outcome === 'not-overridden') {
        throw invalid(`category ${name} has no live override`, 'name');
      }
      return { category: name, outcome, policy: cache.policy.category(name) ?? null };
    });
    admin.put<{ Params: { name: string } }>('/admin/cache/categories/:name', async (request) => {
      const cache = cacheOf(deps);
      const name = request.params.name;
      if (!NAME.test(name)) throw invalid(`category name must match ${NAME.source}`, 'name');
      if (!isObject(request.body)) throw invalid('body must be a JSON object (a full or partial category)');
      const next = merged(cache.policy.category(name) ?? GENERIC_CATEGORY, request.body);
      const schemaErrors = [...Value.Errors(CATEGORY_SCHEMA, next)].map((e) => `${e.path}: ${e.message}`);
      if (schemaErrors.length > 0) throw invalid(schemaErrors.slice(0, 10).join('; '));
      const problems = await cache.updateCategory(name, next as CategoryConfig);
      if (problems.length > 0) throw invalid(problems.join('; '));
      return { category: name, policy: cache.policy.category(name) };
    });
    admin.post('/admin/cache/invalidate', async (request) => {
      const cache = cacheOf(deps);
      const body = isObject(request.body) ? request.body : {};
      const pick = (k: 'category' | 'tenant' | 'id'): string | undefined => {
        const v = body[k];
        if (v === undefined) return undefined;
        if (typeof v !== 'string' || v.length === 0) throw invalid(`${k} must be a non-empty string`, k);
        return v;
      };
      const category = pick('category');
      const tenant = pick('tenant');
      const id = pick('id');
      if (category === undefined && tenant === undefined && id === undefined && body.all !== true) {
        throw invalid('give category, tenant or id (or "all": true)');
      }
      if (category !== undefined && cache.policy.category(category) === undefined) {
        throw new FairwayError(
          'FW_ERR_UNKNOWN_CATEGORY',
          { category, known: cache.policy.categoryNames.join(', ') },
          { param: 'category' },
        );
      }
      const removed = await cache.invalidate({
        ...(category === undefined ? {} : { category }),
        ...(tenant === undefined ? {} : { tenant }),
        ...(id === undefined ? {} : { id }),
      });
      return { removed };
    });
    done();
  });
}
