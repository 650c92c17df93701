/**
 * Runs two sides in alternating rounds, A B A B …, so that whatever drifts
 * during a run (CPU frequency, caches, the other processes on the machine)
 * is spread over both sides instead of favouring the one measured first.
 */
export async function alternate<A, B>(
  rounds: number,
  sideA: (round: number) => Promise<A>,
  sideB: (round: number) => Promise<B>,
): Promise<{ a: A[]; b: B[] }> {
  const a: A[] = [];
  const b: B[] = [];
  for (let round = 0; round < rounds; round++) {
    a.push(await sideA(round));
    b.push(await sideB(round));
  }
  return { a, b };
}

/** `alternate` for any number of sides: each round runs every side once, in order. */
export async function rotate<T>(rounds: number, sides: readonly ((round: number) => Promise<T>)[]): Promise<T[][]> {
  const results = sides.map((): T[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, side] of sides.entries()) results[index]!.push(await side(round));
  }
  return results;
}

/** The median: the middle value, or the mean of the two middle ones. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median of one field over rounds. */
export function medianOf<T>(results: readonly T[], field: (result: T) => number): number {
  return median(results.map(field));
}
