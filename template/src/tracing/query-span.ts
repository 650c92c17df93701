import { SpanStatusCode, type Span, type SpanStatus } from '@opentelemetry/api';
import type { PgRequestHookInformation } from '@opentelemetry/instrumentation-pg';

/**
 * The table a statement works on, as knex writes it (`from "greetings"`,
 * `insert into "greetings"`, `update "greetings"`); schema-qualified names keep
 * the schema. Statements it does not recognise keep pg's own span name.
 */
const TABLE =
  /^\s*(?:select\b[\s\S]*?\bfrom|insert\s+into|update|delete\s+from)\s+((?:"[^"]{1,63}"|[A-Za-z_]\w{0,62})(?:\.(?:"[^"]{1,63}"|[A-Za-z_]\w{0,62}))?)/i;

const OPERATION = /^\s*([A-Za-z]+)/;

/**
 * pg's request hook: names a query span by its operation and table, as
 * OpenTelemetry's database conventions ask (`SELECT greetings`), and keeps
 * the error's message off the span's status, where PostgreSQL's messages can
 * quote a value (`invalid input syntax for type integer: "…"`); the exception
 * event pg records carries only the error's name and SQLSTATE.
 *
 * The statement text (`db.query.text`) stays: knex sends values as bound
 * parameters (`$1`), which are never recorded.
 */
export function describeQuery(span: Span, { query }: PgRequestHookInformation): void {
  const operation = OPERATION.exec(query.text)?.[1]?.toUpperCase();
  const table = TABLE.exec(query.text)?.[1]?.replaceAll('"', '');
  if (operation !== undefined) {
    span.setAttribute('db.operation.name', operation);
    if (table !== undefined) {
      span.setAttribute('db.collection.name', table);
      span.updateName(`${operation} ${table}`);
    }
  }
  const setStatus = span.setStatus.bind(span);
  span.setStatus = (status: SpanStatus) =>
    setStatus(status.code === SpanStatusCode.ERROR ? { code: SpanStatusCode.ERROR } : status);
}
