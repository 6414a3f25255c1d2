// A fold for tests of SessionStore.readFolded and its checkpoints: the texts of the user's messages, and
// how many events it saw.
import type { LogFold } from '../../src/core/session/logFold.ts';

export const TEXT_FOLD: LogFold<{ sessionId: string; events: number; texts: string[] }> = {
  name: 'test-texts',
  version: 1,
  start: (sessionId) => ({ sessionId, events: 0, texts: [] }),
  apply: (state, event) => {
    state.events += 1;
    if (event.type === 'user.message') state.texts.push(event.content.map((b) => b.text).join(''));
  },
  save: (state) => state,
  load: (saved, sessionId) => {
    const s = saved as { sessionId?: unknown; events?: unknown; texts?: unknown } | null;
    return s?.sessionId === sessionId && typeof s.events === 'number' && Array.isArray(s.texts)
      ? { sessionId, events: s.events, texts: s.texts as string[] }
      : undefined;
  },
};
