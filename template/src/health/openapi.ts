import { z } from 'zod';
import { problemResponses, type ApiDocs } from '../http/openapi.js';

/** A health+json body (IETF draft-inadarei-api-health-check), as `health-body.ts` writes it. */
const HealthBody = z
  .object({
    status: z.enum(['pass', 'warn', 'fail']),
    version: z.string(),
    releaseId: z.string().optional(),
    output: z.string().optional(),
    serviceId: z.string(),
    description: z.string().optional(),
    checks: z
      .record(
        z.string(),
        z.array(
          z
            .object({
              componentId: z.string().optional(),
              componentType: z.string().optional(),
              status: z.enum(['pass', 'warn', 'fail']),
              time: z.string(),
              observedValue: z.unknown().optional(),
              observedUnit: z.string().optional(),
              output: z.string().optional(),
            })
            .loose(),
        ),
      )
      .optional()
      .meta({ description: 'Each check by name, or `name:measurementName`.' }),
  })
  .loose()
  .meta({ id: 'HealthBody' });

const ProbeQuery = z.object({
  exclude: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .meta({ description: 'A check to skip; repeatable (kube-apiserver).' }),
  verbose: z.string().optional().meta({ description: 'Present: answer the plain-text list of checks instead.' }),
});

const health = (description: string) => ({
  description,
  content: {
    'application/health+json': { schema: HealthBody },
    'text/plain': { schema: z.string().meta({ description: 'With `?verbose`.' }) },
  },
});

/** The probes' paths (`health/routes.ts`): they take no body, so they validate nothing with zod. */
export function documentHealthRoutes(docs: ApiDocs): void {
  docs.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process answers; checks no dependency',
    tags: ['probes'],
    request: { query: ProbeQuery.pick({ verbose: true }) },
    responses: { 200: health('Alive.') },
  });
  docs.registerPath({
    method: 'get',
    path: '/ready',
    summary: 'Readiness: every registered check',
    tags: ['probes'],
    request: { query: ProbeQuery },
    responses: { 200: health('Ready (pass or warn).'), 503: health('Not ready: a critical check fails.') },
  });
  docs.registerPath({
    method: 'get',
    path: '/ready/{check}',
    summary: 'One readiness check',
    tags: ['probes'],
    request: { params: z.object({ check: z.string() }) },
    responses: {
      200: {
        description: 'The check passes or warns.',
        content: { 'application/health+json': { schema: HealthBody } },
      },
      503: { description: 'The check fails.', content: { 'application/health+json': { schema: HealthBody } } },
      ...problemResponses(404),
    },
  });
}
