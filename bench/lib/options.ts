/**
 * How long and how often each part runs. The full run alternates rounds
 * (A B A B …) so that a drift of the machine (thermal, another process)
 * lands on both sides; the smoke run only proves every part still works.
 */
export interface BenchOptions {
  smoke: boolean;
  /** Rounds per side (A and B each). */
  rounds: number;
  /** Seconds of load per round for the HTTP comparisons. */
  loadSeconds: number;
  /** Seconds of load on each side before the first round, not recorded (JIT, pools, caches). */
  warmupSeconds: number;
  /** Connections wrk keeps open for the HTTP comparisons. */
  connections: number;
  /** Seconds of each probe storm. */
  stormSeconds: number;
  /** Connections of each probe storm. */
  stormConnections: number;
  /** Sequential scrapes per round. */
  scrapesPerRound: number;
  /** Seconds of each `select 1` loop. */
  queryLoopSeconds: number;
  /**
   * Rounds per side of the `select 1` loop: more and shorter than elsewhere,
   * since a latency-bound loop follows every drift of the machine.
   */
  queryLoopRounds: number;
  /** Whole run bound: past it every process is stopped and the run fails. */
  deadlineSeconds: number;
}

/** `--smoke` for the smoke settings; `--rounds <n>` for fewer or more rounds than the defaults. */
export function readOptions(argv: readonly string[]): BenchOptions {
  const options = defaults(argv.includes('--smoke'));
  const roundsArg = argv.indexOf('--rounds');
  if (roundsArg !== -1) {
    const value = argv[roundsArg + 1];
    const rounds = Number(value);
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds takes a whole number ≥ 1, not "${value}"`);
    options.rounds = rounds;
  }
  return options;
}

function defaults(smoke: boolean): BenchOptions {
  if (smoke) {
    return {
      smoke,
      rounds: 1,
      loadSeconds: 1,
      warmupSeconds: 0,
      connections: 10,
      stormSeconds: 1,
      stormConnections: 200,
      scrapesPerRound: 5,
      queryLoopSeconds: 1,
      queryLoopRounds: 1,
      deadlineSeconds: 180,
    };
  }
  return {
    smoke,
    rounds: 3,
    loadSeconds: 5,
    warmupSeconds: 2,
    connections: 32,
    stormSeconds: 10,
    stormConnections: 200,
    scrapesPerRound: 50,
    queryLoopSeconds: 1,
    queryLoopRounds: 10,
    deadlineSeconds: 1200,
  };
}
