/** What an upgrade prints: one line per file that changes, counts, release notes and the next step. */
import type { FileOutcome, UpgradeStatus } from './types.js';

export const STATUSES: readonly UpgradeStatus[] = [
  'unchanged',
  'updated',
  'merged',
  'conflict',
  'added',
  'deleted',
  'kept-deleted',
  'kept-modified',
];

/** Whether the user must look at this file: markers were written, or a package.json key kept theirs aside. */
export const needsAttention = (outcome: FileOutcome): boolean =>
  outcome.status === 'conflict' || (outcome.conflicts ?? 0) > 0;

/** `updated       src/app.ts`, for every file that is not unchanged, in path order. */
export function statusLines(
  outcomes: readonly FileOutcome[],
  provenanceChanged: boolean,
  provenanceFile: string,
): string[] {
  const lines = outcomes
    .filter((outcome) => outcome.status !== 'unchanged' || needsAttention(outcome))
    .map((outcome) => {
      const details = [
        outcome.movedFrom !== undefined ? `moved from ${outcome.movedFrom}` : undefined,
        (outcome.conflicts ?? 0) > 0 ? `${outcome.conflicts} conflict${outcome.conflicts === 1 ? '' : 's'}` : undefined,
        outcome.note,
      ].filter((detail) => detail !== undefined);
      return {
        path: outcome.path,
        line: `${outcome.status.padEnd(13)} ${outcome.path}${details.length > 0 ? ` (${details.join('; ')})` : ''}`,
      };
    });
  if (provenanceChanged)
    lines.push({ path: provenanceFile, line: `${'updated'.padEnd(13)} ${provenanceFile} (the new template)` });
  return lines.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((entry) => entry.line);
}

/** `12 unchanged, 3 updated, 1 conflict`: every status that occurs, in a fixed order. */
export function countsLine(outcomes: readonly FileOutcome[]): string {
  const counts = STATUSES.map(
    (status) => [status, outcomes.filter((outcome) => outcome.status === status).length] as const,
  );
  const parts = counts.filter(([, count]) => count > 0).map(([status, count]) => `${count} ${status}`);
  return parts.length > 0 ? parts.join(', ') : 'no files';
}

export interface SummaryInput {
  dir: string;
  from: string;
  to: string;
  releaseNotes: readonly string[];
  outcomes: readonly FileOutcome[];
  provenanceChanged: boolean;
  provenanceFile: string;
  install: string;
  warnings: readonly string[];
}

/** The report after an upgrade is written. */
export function summary(input: SummaryInput): string[] {
  const attention = input.outcomes.filter(needsAttention).map((outcome) => outcome.path);
  const lines = [`Upgraded ${input.dir} from ${input.from} to ${input.to}.`];
  if (input.releaseNotes.length > 0) {
    lines.push('', 'What changed in the template:', ...input.releaseNotes.map((subject) => `  - ${subject}`));
  }
  const files = statusLines(input.outcomes, input.provenanceChanged, input.provenanceFile);
  if (files.length > 0) lines.push('', 'Files:', ...files.map((line) => `  ${line}`));
  lines.push('', `Counts: ${countsLine(input.outcomes)}.`, `npm install: ${input.install}.`, ...input.warnings);
  if (attention.length > 0) {
    lines.push(
      `Conflicts in ${attention.length} file${attention.length === 1 ? '' : 's'}: ${attention.join(', ')}.`,
      `Next: resolve each <<<<<<< yours … >>>>>>> template block in those files (keep what both sides need, remove the markers), review with git diff -- ${input.dir}, run the tests, then commit.`,
    );
  } else {
    lines.push(`Next: review with git diff -- ${input.dir}, run the tests, then commit.`);
  }
  return lines;
}
