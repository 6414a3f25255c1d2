// The folds the views read a session with (SessionStore.readFolded), which the extension and the CLI give
// to their session store so that its writers keep them current and checkpointed as a session runs: the
// first opening of a long session then folds only the records after the last checkpoint.
import type { LogFold } from '../core/session/logFold.ts';
import { EVENT_LOG_INDEX_FOLD } from './eventLogIndex.ts';
import { PERSON_WAITS_FOLD } from './personWaits.ts';
import { OVERVIEW_FOLD } from './sessionOverview.ts';

export const VIEW_FOLDS: readonly LogFold<unknown>[] = [
  OVERVIEW_FOLD as LogFold<unknown>,
  PERSON_WAITS_FOLD as LogFold<unknown>,
  EVENT_LOG_INDEX_FOLD as LogFold<unknown>,
];
