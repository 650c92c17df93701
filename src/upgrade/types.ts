/** Files of a service, by path relative to the service directory, '/' separators. */
export type Tree = ReadonlyMap<string, string | Buffer>;

/** What an upgrade does to one file; `--dry-run` prints exactly these words. */
export type UpgradeStatus =
  'unchanged' | 'updated' | 'merged' | 'conflict' | 'added' | 'deleted' | 'kept-deleted' | 'kept-modified';

/** The decision for one path of the template, as `mergeTrees` returns it. */
export interface FileOutcome {
  /** Where the file is (or would be) after the upgrade. */
  path: string;
  status: UpgradeStatus;
  /** The new content to write when the upgrade writes this path; undefined when nothing is written here. */
  content?: string | Buffer;
  /** Delete this path (for 'deleted'). */
  remove?: boolean;
  /** For a file the template renamed: its old path, which is removed. */
  movedFrom?: string;
  /** Why, in a few words, for the summary: "you changed it; the template removed it". */
  note?: string;
  /**
   * Conflict hunks written (text) or keys kept (package.json). Greater than 0
   * means the user must look at this file, whatever the status.
   */
  conflicts?: number;
}

/** The three trees of a three-way upgrade, and the names its conflict markers carry. */
export interface MergeTreesInput {
  /** The recorded template rendered with the recorded answers and history replayed. */
  base: Tree;
  /** The current template rendered the same way. */
  theirs: Tree;
  /** The service directory as it is now (only files, no node_modules/dist/.data). */
  yours: Tree;
  /** For example 'yours', 'template 1a2b3c4', 'template 5d6e7f8'. */
  labels: MergeLabels;
}

/** The names on conflict markers: `<<<<<<< yours`, `||||||| base`, `>>>>>>> theirs`. */
export interface MergeLabels {
  yours: string;
  base: string;
  theirs: string;
}
