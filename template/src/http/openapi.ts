import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import type { ServiceIdentity } from '../service.js';

/**
 * The routes' documentation, collected while the app is built: each router
 * factory registers its paths with the same zod schemas it validates with,
 * so `/openapi.json` cannot describe an input the route would refuse. One per
 * app, passed in, never global: two apps in one process (the tests build
 * many) keep their own.
 */
export type ApiDocs = OpenAPIRegistry;

export function createApiDocs(): ApiDocs {
  return new OpenAPIRegistry();
}

/** The body of every error response (RFC 9457), as the error handler writes it. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'On a 400 for an invalid input: one entry per field that is wrong.' }),
    requestId: z.string(),
  })
  .meta({ id: 'Problem', description: 'An error, as application/problem+json (RFC 9457).' });

/** `{ 400: …, 404: … }`: problem+json responses for these statuses, for a path's `responses`. */
export function problemResponses(...statuses: number[]): Record<number, ResponseConfig> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: STATUS_CODES[status] ?? 'Error',
        content: { 'application/problem+json': { schema: Problem } },
      },
    ]),
  );
}

/** The OpenAPI 3.1 document of every path registered in `docs`. */
export function openApiDocument(docs: ApiDocs, service: ServiceIdentity): object {
  return new OpenApiGeneratorV31(docs.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: service.name,
      version: service.version,
      ...(service.description !== undefined && { description: service.description }),
    },
  });
}
