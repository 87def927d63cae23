/**
 * Loads configuration once: YAML or JSON file, then environment overrides, then validation against
 * the one schema with defaults filled in. Reports every violation with its path; returns a frozen value.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { FairwayError } from '../errors.js';
import { ConfigSchema, type Config } from './schema.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, strict: false });
const validateConfig = ajv.compile<Config>(ConfigSchema);

/** One violation: a JSON-pointer-like path (`/backends/instances/0/url`) and what is wrong. */
export interface ConfigViolation {
  readonly path: string;
  readonly message: string;
}

function describe(error: ErrorObject): ConfigViolation {
  const base = error.instancePath === '' ? '/' : error.instancePath;
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      return { path: `${error.instancePath}/${extra}`, message: 'is not a known setting' };
    }
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      return { path: `${error.instancePath}/${missing}`, message: 'is required' };
    }
    default:
      return { path: base, message: error.message ?? 'is invalid' };
  }
}

/** Validates a raw config object; returns the violations (empty when valid). Fills defaults in place. */
export function checkConfig(raw: unknown): ConfigViolation[] {
  if (validateConfig(raw)) return [];
  const seen = new Set<string>();
  const out: ConfigViolation[] = [];
  for (const e of validateConfig.errors ?? []) {
    // anyOf/union noise: keep the leaf messages only once per path
    const v = describe(e);
    const key = `${v.path} ${v.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(v);
    }
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** Applies `FAIRWAY_HOST`, `FAIRWAY_PORT` and `FAIRWAY_LOG_LEVEL` over the parsed file. */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const server = { ...((raw.server as Record<string, unknown> | undefined) ?? {}) };
  if (env.FAIRWAY_HOST !== undefined) server.host = env.FAIRWAY_HOST;
  if (env.FAIRWAY_PORT !== undefined) server.port = Number(env.FAIRWAY_PORT);
  if (env.FAIRWAY_LOG_LEVEL !== undefined) server.logLevel = env.FAIRWAY_LOG_LEVEL;
  return { ...raw, server };
}

/** Builds a validated, frozen config from a raw object (file contents) and the environment. */
export function resolveConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): Config {
  const base = raw === null || raw === undefined ? {} : raw;
  if (typeof base !== 'object' || Array.isArray(base)) {
    throw new FairwayError('FW_ERR_CONFIG_INVALID', { detail: '  /: must be a mapping of settings' });
  }
  const merged = structuredClone(applyEnv(base as Record<string, unknown>, env));
  const violations = checkConfig(merged);
  if (violations.length > 0) {
    throw new FairwayError('FW_ERR_CONFIG_INVALID', {
      detail: violations.map((v) => `  ${v.path}: ${v.message}`).join('\n'),
    });
  }
  return deepFreeze(merged as Config);
}

/** Reads a YAML (or JSON) file into a raw object without validating it. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new FairwayError('FW_ERR_CONFIG_UNREADABLE', { path, detail: (cause as Error).message }, { cause });
  }
  try {
    return parseYaml(text) as unknown;
  } catch (cause) {
    throw new FairwayError('FW_ERR_CONFIG_UNREADABLE', { path, detail: (cause as Error).message }, { cause });
  }
}

export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  return resolveConfig(path === undefined ? {} : readConfigFile(path), env);
}
