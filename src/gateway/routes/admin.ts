/**
 * The admin API, behind the admin key: read the scheduler's queues, counters and in-flight requests,
 * list instances, and drain or undrain an instance (its requests migrate away).
 */
import type { FastifyInstance } from 'fastify';
import { FairwayError } from '../../errors.js';
import type { GatewayDeps } from '../deps.js';

export function registerAdminRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.register((admin, _opts, done) => {
    admin.addHook('onRequest', (request, _reply, next) => {
      deps.tenants.authorizeAdmin(request.headers);
      next();
    });
    admin.get('/admin/scheduler', () => deps.dispatcher.snapshot());
    admin.get('/admin/instances', () => ({ instances: deps.admin?.instances() ?? [] }));
    for (const action of ['drain', 'undrain'] as const) {
      admin.post<{ Params: { id: string } }>(`/admin/instances/:id/${action}`, (request) => {
        const ok = deps.admin?.setDraining(request.params.id, action === 'drain') ?? false;
        if (!ok) {
          throw new FairwayError(
            'FW_ERR_VALIDATION',
            { detail: `Unknown instance '${request.params.id}'` },
            { param: 'id' },
          );
        }
        return { instance: request.params.id, draining: action === 'drain' };
      });
    }
    done();
  });
}
