import { Counter, type Registry } from 'prom-client';

/**
 * An example of a module's own metrics: built from the container's registry,
 * so they appear in `/metrics` next to the service's, and registered in the
 * container (`greetingMetrics`) so that any module can resolve them.
 */
export interface GreetingMetrics {
  greetings: Counter<'greeting_source'>;
}

export function createGreetingMetrics({ metrics }: { metrics: Registry }): GreetingMetrics {
  return {
    greetings: new Counter({
      name: 'greetings_total',
      help: 'Greetings served, by how the name was given.',
      labelNames: ['greeting_source'],
      registers: [metrics],
    }),
  };
}
