/**
 * Renders the configuration reference (docs/config.md) from the one schema, so the document can never
 * drift from the validator: test/config/doc.test.ts fails when the committed file is stale.
 */
import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from './schema.js';

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
}

function typeOf(node: SchemaNode): string {
  if (node.anyOf !== undefined) {
    const consts = node.anyOf.filter((n) => n.const !== undefined).map((n) => JSON.stringify(n.const));
    if (consts.length === node.anyOf.length) return consts.join(' \\| ');
    return node.anyOf.map(typeOf).join(' \\| ');
  }
  if (node.type === 'array' && node.items !== undefined) return `${typeOf(node.items)}[]`;
  return node.type ?? 'any';
}

function range(node: SchemaNode): string {
  if (node.minimum !== undefined && node.maximum !== undefined) return ` (${node.minimum}..${node.maximum})`;
  if (node.minimum !== undefined) return ` (>= ${node.minimum})`;
  return '';
}

function walk(node: SchemaNode, path: string, rows: string[]): void {
  const isObject = node.type === 'object' && node.properties !== undefined;
  if (isObject && path !== '') {
    if (node.description !== undefined) rows.push(`| \`${path}\` | object | | ${node.description} |`);
  }
  if (isObject) {
    for (const [key, child] of Object.entries(node.properties ?? {}))
      walk(child, path === '' ? key : `${path}.${key}`, rows);
    return;
  }
  if (node.type === 'array' && node.items?.type === 'object') {
    rows.push(`| \`${path}\` | list | ${JSON.stringify(node.default ?? [])} | ${node.description ?? ''} |`);
    walk(node.items, `${path}[]`, rows);
    return;
  }
  const def = node.default === undefined ? '' : `\`${JSON.stringify(node.default)}\``;
  rows.push(`| \`${path}\` | ${typeOf(node)}${range(node)} | ${def} | ${node.description ?? ''} |`);
}

export function renderConfigDoc(schema: TSchema = ConfigSchema): string {
  const rows: string[] = [];
  walk(schema, '', rows);
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs:config`. Do not edit by hand. -->',
    '',
    'One YAML file, validated by one schema; unknown keys are errors. `fairway config check FILE` lists',
    'every violation with its path. Environment overrides: `FAIRWAY_HOST`, `FAIRWAY_PORT`, `FAIRWAY_LOG_LEVEL`.',
    '',
    '| setting | type | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
