import { z } from 'zod';
import type { ApiDocs } from '../http/openapi.js';

/** `GET /metrics` (`metrics/routes.ts`), where the app serves it. */
export function documentMetricsRoute(docs: ApiDocs): void {
  docs.registerPath({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tags: ['metrics'],
    responses: {
      200: {
        description: 'The Prometheus text exposition format.',
        content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: z.string() } },
      },
    },
  });
}
