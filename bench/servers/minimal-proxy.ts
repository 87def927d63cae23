/** The baseline: a minimal pass-through proxy (fastify + undici), no validation, no parsing of streams. */
import Fastify from 'fastify';
import { Pool } from 'undici';

const upstream = process.argv[2] ?? 'http://127.0.0.1:8101';
const port = Number(process.argv[3] ?? 8090);
const pool = new Pool(upstream, { connections: 256 });
const app = Fastify();
app.post('/v1/*', async (request, reply) => {
  const res = await pool.request({
    method: 'POST',
    path: request.url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request.body),
  });
  reply.code(res.statusCode).header('content-type', String(res.headers['content-type']));
  return reply.send(res.body);
});
await app.listen({ host: '127.0.0.1', port });
process.stdout.write('ready\n');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
