import { diffIndices } from 'node-diff3';
import type { MergeLabels } from './types.js';

/** The result of a three-way merge of text: conflicts is the number of marker blocks written. */
export interface TextMerge {
  text: string;
  conflicts: number;
}

/**
 * A line-based three-way merge that gives what `git merge-file -p --diff3
 * -L yours -L base -L theirs` gives, because git is what users compare an
 * upgrade to: the same conflicts, the same markers (with CRLF markers in CRLF
 * files), and the same change made on both sides taken once. node-diff3 finds
 * the longest common subsequence; on top of it this module slides each change
 * as git does (down as far as it goes, unless that aligns it with a change on
 * the other side), then pairs the two sides' changes by git's rules: changes
 * that overlap or touch conflict, unless they are identical.
 */
export function mergeText(base: string, yours: string, theirs: string, labels: MergeLabels): TextMerge {
  const o = splitLines(base);
  const a = splitLines(yours);
  const b = splitLines(theirs);
  const ours = changes(o, a);
  const others = changes(o, b);
  if (ours.length === 0) return { text: theirs, conflicts: 0 };
  if (others.length === 0) return { text: yours, conflicts: 0 };
  const regions = pairChanges(ours, others, a.length - o.length, b.length - o.length, a, b);
  return render(regions, o, a, b, labels);
}

/** Lines with their end-of-line kept: `a\r\n`, and a last line without one stays without. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** One change of a two-way diff: `chg0` lines of base at `i0` become `chg1` lines of the other side at `i1`. */
interface Change {
  i0: number;
  chg0: number;
  i1: number;
  chg1: number;
}

/** The changes from `o` to `x`, compacted the way git compacts them before merging. */
function changes(o: string[], x: string[]): Change[] {
  const changedO = Array.from({ length: o.length + 1 }, () => false);
  const changedX = Array.from({ length: x.length + 1 }, () => false);
  for (const hunk of diffIndices(o, x)) {
    changedO.fill(true, hunk.buffer1[0], hunk.buffer1[0] + hunk.buffer1[1]);
    changedX.fill(true, hunk.buffer2[0], hunk.buffer2[0] + hunk.buffer2[1]);
  }
  compact(o, changedO, changedX);
  compact(x, changedX, changedO);
  return script(changedO, o.length, changedX, x.length);
}

/**
 * git's xdl_change_compact without the indent heuristic (merge-file does not
 * use it): each group of changed lines slides up as far as it can, then down
 * as far as it can, and back up to the last place where it lined up with a
 * change in the other file, if it ever did. This is what makes an insertion
 * of a line equal to its neighbour land where git puts it.
 */
function compact(recs: string[], changed: boolean[], otherChanged: boolean[]): void {
  const nrec = recs.length;
  let start = 0;
  let end = groupEnd(changed, 0);
  // The group of the other file that corresponds to this one, as [start, end).
  let oStart = 0;
  let oEnd = groupEnd(otherChanged, 0);
  const next = (): boolean => {
    if (end === nrec) return false;
    start = end + 1;
    end = groupEnd(changed, start);
    oStart = oEnd + 1;
    oEnd = groupEnd(otherChanged, oStart);
    return true;
  };
  const previousOther = (): void => {
    oEnd = oStart - 1;
    oStart = oEnd;
    while (oStart > 0 && otherChanged[oStart - 1]) oStart--;
  };
  const nextOther = (): void => {
    oStart = oEnd + 1;
    oEnd = groupEnd(otherChanged, oStart);
  };
  const slideUp = (): boolean => {
    if (start === 0 || recs[start - 1] !== recs[end - 1]) return false;
    changed[--start] = true;
    changed[--end] = false;
    while (start > 0 && changed[start - 1]) start--;
    return true;
  };
  const slideDown = (): boolean => {
    if (end === nrec || recs[start] !== recs[end]) return false;
    changed[start++] = false;
    changed[end++] = true;
    end = groupEnd(changed, end);
    return true;
  };
  for (;;) {
    if (end !== start) {
      let size: number;
      let earliestEnd: number;
      let endMatchingOther: number;
      do {
        size = end - start;
        endMatchingOther = -1;
        while (slideUp()) previousOther();
        earliestEnd = end;
        if (oEnd > oStart) endMatchingOther = end;
        while (slideDown()) {
          nextOther();
          if (oEnd > oStart) endMatchingOther = end;
        }
      } while (size !== end - start);
      if (end !== earliestEnd && endMatchingOther !== -1) {
        while (oEnd === oStart) {
          slideUp();
          previousOther();
        }
      }
    }
    if (!next()) break;
  }
}

function groupEnd(changed: boolean[], from: number): number {
  let end = from;
  while (changed[end]) end++;
  return end;
}

/** The compacted flags as a list of changes, in order. */
function script(changedO: boolean[], no: number, changedX: boolean[], nx: number): Change[] {
  const result: Change[] = [];
  let i0 = 0;
  let i1 = 0;
  while (i0 < no || i1 < nx) {
    if (changedO[i0] || changedX[i1]) {
      const start0 = i0;
      const start1 = i1;
      while (changedO[i0]) i0++;
      while (changedX[i1]) i1++;
      result.push({ i0: start0, chg0: i0 - start0, i1: start1, chg1: i1 - start1 });
    } else {
      i0++;
      i1++;
    }
  }
  return result;
}

/** A merged region, in git's terms: mode 0 is a conflict, 1 takes yours, 2 takes theirs. */
interface Region {
  mode: 0 | 1 | 2;
  i0: number;
  chg0: number;
  i1: number;
  chg1: number;
  i2: number;
  chg2: number;
}

/** git's xdl_do_merge at the EAGER level (what `--diff3` uses): overlapping or touching changes conflict unless identical. */
function pairChanges(
  ours: Change[],
  others: Change[],
  growA: number,
  growB: number,
  a: string[],
  b: string[],
): Region[] {
  const regions: Region[] = [];
  const append = (region: Region): void => {
    const last = regions.at(-1);
    if (last && (region.i1 <= last.i1 + last.chg1 || region.i2 <= last.i2 + last.chg2)) {
      if (region.mode !== last.mode) last.mode = 0;
      last.chg0 = region.i0 + region.chg0 - last.i0;
      last.chg1 = region.i1 + region.chg1 - last.i1;
      last.chg2 = region.i2 + region.chg2 - last.i2;
    } else {
      regions.push(region);
    }
  };
  let x = 0;
  let y = 0;
  while (x < ours.length && y < others.length) {
    const s1 = ours[x]!;
    const s2 = others[y]!;
    if (s1.i0 + s1.chg0 < s2.i0) {
      append({ mode: 1, i0: s1.i0, chg0: s1.chg0, i1: s1.i1, chg1: s1.chg1, i2: s2.i1 - s2.i0 + s1.i0, chg2: s1.chg0 });
      x++;
      continue;
    }
    if (s2.i0 + s2.chg0 < s1.i0) {
      append({ mode: 2, i0: s2.i0, chg0: s2.chg0, i1: s1.i1 - s1.i0 + s2.i0, chg1: s2.chg0, i2: s2.i1, chg2: s2.chg1 });
      y++;
      continue;
    }
    if (!sameChange(s1, s2, a, b)) {
      const off = s1.i0 - s2.i0;
      const ffo = off + s1.chg0 - s2.chg0;
      let i0 = s1.i0;
      let i1 = s1.i1;
      let i2 = s2.i1;
      if (off > 0) {
        i0 -= off;
        i1 -= off;
      } else {
        i2 += off;
      }
      let chg0 = s1.i0 + s1.chg0 - i0;
      let chg1 = s1.i1 + s1.chg1 - i1;
      let chg2 = s2.i1 + s2.chg1 - i2;
      if (ffo < 0) {
        chg0 -= ffo;
        chg1 -= ffo;
      } else {
        chg2 += ffo;
      }
      append({ mode: 0, i0, chg0, i1, chg1, i2, chg2 });
    }
    const end1 = s1.i0 + s1.chg0;
    const end2 = s2.i0 + s2.chg0;
    if (end1 >= end2) y++;
    if (end2 >= end1) x++;
  }
  for (const s1 of ours.slice(x)) {
    append({ mode: 1, i0: s1.i0, chg0: s1.chg0, i1: s1.i1, chg1: s1.chg1, i2: s1.i0 + growB, chg2: s1.chg0 });
  }
  for (const s2 of others.slice(y)) {
    append({ mode: 2, i0: s2.i0, chg0: s2.chg0, i1: s2.i0 + growA, chg1: s2.chg0, i2: s2.i1, chg2: s2.chg1 });
  }
  return regions;
}

function sameChange(s1: Change, s2: Change, a: string[], b: string[]): boolean {
  if (s1.i0 !== s2.i0 || s1.chg0 !== s2.chg0 || s1.chg1 !== s2.chg1) return false;
  for (let k = 0; k < s1.chg1; k++) if (a[s1.i1 + k] !== b[s2.i1 + k]) return false;
  return true;
}

/** git's xdl_fill_merge_buffer in diff3 style, with the base's label on the `|||||||` line. */
function render(regions: Region[], o: string[], a: string[], b: string[], labels: MergeLabels): TextMerge {
  let text = '';
  let conflicts = 0;
  let i = 0;
  for (const m of regions) {
    if (m.mode === 0) {
      conflicts++;
      const eol = crNeeded(o, a, b, m) ? '\r\n' : '\n';
      text += a.slice(i, m.i1).join('');
      text += `<<<<<<< ${labels.yours}${eol}`;
      text += copyLines(a, m.i1, m.chg1, eol);
      text += `||||||| ${labels.base}${eol}`;
      text += copyLines(o, m.i0, m.chg0, eol);
      text += `=======${eol}`;
      text += copyLines(b, m.i2, m.chg2, eol);
      text += `>>>>>>> ${labels.theirs}${eol}`;
    } else if (m.mode === 1) {
      text += a.slice(i, m.i1 + m.chg1).join('');
    } else {
      text += b.slice(m.i2 - m.i1 + i, m.i2 + m.chg2).join('');
    }
    i = m.i1 + m.chg1;
  }
  text += a.slice(i).join('');
  return { text, conflicts };
}

/** Lines of one side of a conflict; a last line without end-of-line gets one, so the marker after it stays a line of its own. */
function copyLines(lines: string[], from: number, count: number, eol: string): string {
  const text = lines.slice(from, from + count).join('');
  return count > 0 && !text.endsWith('\n') ? text + eol : text;
}

/** git's is_cr_needed: CRLF markers when the lines around the conflict on both sides, and the base, end in CRLF. */
function crNeeded(o: string[], a: string[], b: string[], m: Region): boolean {
  let needed = eolIsCrlf(a, m.i1 > 0 ? m.i1 - 1 : 0);
  if (needed !== false) needed = eolIsCrlf(b, m.i2 > 0 ? m.i2 - 1 : 0);
  if (needed !== false) needed = eolIsCrlf(o, 0);
  return needed === true;
}

/** Whether line `i` ends in CRLF; undefined when that cannot be told (an empty file, one line without end-of-line). */
function eolIsCrlf(lines: string[], i: number): boolean | undefined {
  const line = lines[i];
  if (line === undefined) return undefined;
  if (i < lines.length - 1 || line.endsWith('\n')) return line.endsWith('\r\n');
  if (i === 0) return undefined;
  return lines[i - 1]!.endsWith('\r\n');
}
