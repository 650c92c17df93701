import type { Context } from 'koa';
import type { z } from 'zod';

/** At most this many fields are named in one 400, each message cut to MESSAGE_MAX characters. */
const ERRORS_MAX = 10;
const MESSAGE_MAX = 200;

/** One invalid field of an input: its path (`name`, `items.0.price`) and why. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * The input parsed by `schema`, or a 400 problem+json that names each field
 * that is wrong, in `detail` (one line) and in `errors` (one entry per field).
 * Routes validate their params, query and body with it, with the schemas they
 * also register in the OpenAPI document.
 */
export function validate<Schema extends z.ZodType>(ctx: Context, schema: Schema, value: unknown): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.slice(0, ERRORS_MAX).map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)',
    message: issue.message.slice(0, MESSAGE_MAX),
  }));
  return ctx.throw(400, errors.map(({ field, message }) => `${field}: ${message}`).join('; '), { errors });
}
