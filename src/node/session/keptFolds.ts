// The folds a session's writer keeps current as it appends, and checkpoints together: the session's
// state (what a wake needs) and the folds its store was given (the Overview's, the person's waits…), so
// that a reader opening a long session finds a checkpoint near the end of the log, however long the run.
//
// At a wake each fold starts from its own checkpoint, and the log is scanned once, from the earliest of
// them, each event going to the folds whose checkpoint is before it. A given fold whose checkpoint is
// missing or far behind the session's is left to the readers (they fold it, and checkpoint it, when they
// open the session): a wake never folds a long log for them.
import type { FileHandle } from 'node:fs/promises';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import type { LogFold } from '../../core/session/logFold.ts';
import type { SessionFold } from '../../core/session/sessionState.ts';
import { SESSION_STATE_FOLD } from '../../core/session/sessionStateFold.ts';
import type { LogCursor } from '../../core/session/sessionStore.ts';
import {
  afterCheckpoint,
  assertFoldName,
  checkpointFile,
  checkpointMatches,
  checkpointText,
  readCheckpoint,
  type CheckpointPosition,
  type FoldCheckpoint,
} from './foldCheckpoint.ts';
import { LOG_START } from './logScan.ts';
import { RECORD_INDEX_NAME } from './recordIndexFile.ts';

/** How far (in bytes of log) a given fold's checkpoint may be behind the session's and still be brought
 * along by a wake. */
const TAKE_ALONG_BYTES = 8 * 1024 * 1024;

/** The folds a store was given, checked: safe names, none twice, none the writer's own. */
export function checkedFolds(folds: readonly LogFold<unknown>[]): readonly LogFold<unknown>[] {
  for (const fold of folds) assertFoldName(fold.name);
  const names = [SESSION_STATE_FOLD.name, RECORD_INDEX_NAME, ...folds.map((f) => f.name)];
  if (new Set(names).size < names.length)
    throw new Error(`a session store's folds need names of their own: ${names.join(', ')}`);
  return folds;
}

interface Kept {
  fold: LogFold<unknown>;
  state: unknown;
  /** Seq of the last record already in `state`. */
  after: number;
  /** Records in its latest checkpoint (0: none yet). */
  saved: number;
}

export class KeptFolds {
  private constructor(private readonly kept: Kept[]) {}

  /**
   * The folds as a wake starts them, and where the scan that brings them up to the log's end starts.
   * `given` are the store's folds; the session's state is always kept, first.
   */
  static async wake(dir: string, sessionId: string, file: FileHandle, given: readonly LogFold<unknown>[]) {
    const checkpoint = async (fold: LogFold<unknown>): Promise<FoldCheckpoint<unknown> | undefined> => {
      const saved = readCheckpoint(dir, sessionId, fold);
      return saved && (await checkpointMatches(file, saved)) ? saved : undefined;
    };
    const session = (await checkpoint(SESSION_STATE_FOLD as LogFold<unknown>)) as
      | FoldCheckpoint<SessionFold>
      | undefined;
    const sessionAt = session?.bytes ?? 0;
    const kept: Kept[] = [
      {
        fold: SESSION_STATE_FOLD as LogFold<unknown>,
        state: session?.state ?? SESSION_STATE_FOLD.start(sessionId),
        after: session?.records ?? 0,
        saved: session?.records ?? 0,
      },
    ];
    let from: LogCursor = session ? afterCheckpoint(session) : LOG_START;
    for (const fold of given) {
      const saved = await checkpoint(fold);
      const at = saved?.bytes ?? 0;
      if (sessionAt - at > TAKE_ALONG_BYTES) continue;
      const records = saved?.records ?? 0;
      kept.push({ fold, state: saved?.state ?? fold.start(sessionId), after: records, saved: records });
      const start = saved ? afterCheckpoint(saved) : LOG_START;
      if (start.offset < from.offset) from = start;
    }
    return {
      folds: new KeptFolds(kept),
      from,
      index: session?.index ?? [],
      checkpointed: session?.records ?? 0,
      last: session?.last,
    };
  }

  /** Takes an event in, in log order: each fold that does not have it yet. */
  apply(event: SessionEvent): void {
    for (const k of this.kept) {
      if (event.seq <= k.after) continue;
      k.fold.apply(k.state, event);
      k.after = event.seq;
    }
  }

  /** The session's state as of the last event taken in (a copy). */
  get sessionState() {
    return ((this.kept[0] as Kept).state as SessionFold).state;
  }

  /** Records in the oldest of the folds' latest checkpoints: what a close checkpoints up from. */
  get savedThrough(): number {
    return Math.min(...this.kept.map((k) => k.saved));
  }

  /** The checkpoint texts due as of `at`, made now (the folds move on; the texts are written later): every
   * fold's, but a fold that grows with the log only when `closing` or once the log has doubled since its last. */
  checkpoints(
    at: CheckpointPosition,
    index: readonly LogCursor[],
    closing: boolean,
  ): Array<{ file: string; data: string }> {
    const session = this.kept[0] as Kept;
    const due = this.kept.filter((k) => k === session || !k.fold.growsWithLog || closing || at.records >= 2 * k.saved);
    return due.map((k) => {
      k.saved = at.records;
      return {
        file: checkpointFile(k.fold.name),
        data: checkpointText(k.fold, k.state, at, k === session ? index : []),
      };
    });
  }
}
