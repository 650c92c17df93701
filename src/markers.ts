import { PlanError } from './plan.js';

/**
 * Inserts `line` just above the line holding `marker`, with the marker's
 * indentation. A marker that is missing or appears twice is an error: an
 * insertion that silently does nothing is how generators break services.
 */
export function insertAtMarker(content: string, marker: string, line: string, file: string): string {
  const lines = content.split('\n');
  const found = lines.flatMap((text, index) => (text.includes(marker) ? [index] : []));
  if (found.length !== 1) {
    throw new PlanError(
      found.length === 0
        ? `marker "${marker}" not found in ${file}; put it back where new lines belong, or add the code by hand`
        : `marker "${marker}" appears ${found.length} times in ${file}; keep exactly one`,
    );
  }
  const index = found[0]!;
  const indent = /^\s*/.exec(lines[index]!)![0];
  lines.splice(index, 0, `${indent}${line}`);
  return lines.join('\n');
}
