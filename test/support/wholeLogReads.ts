// Watches every writer the file store opens while `run` runs: a read of its whole log (`opened.events`, what
// `SessionLog.events` and `get` build on) is recorded with the stack it came from. What the tests of a long
// session's reads assert empty: a run reads its log through the writer's selections only.
import type { OpenedLog } from '../../src/core/session/sessionStore.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';

export async function recordWholeLogReads(run: () => Promise<void>): Promise<string[]> {
  const wholeReads: string[] = [];
  const openWriter = FileSessionStore.prototype.openWriter;
  FileSessionStore.prototype.openWriter = async function (this: FileSessionStore, sessionId: string) {
    const writer = await openWriter.call(this, sessionId);
    const opened = writer.opened;
    const watched: OpenedLog = {
      state: opened.state,
      truncatedTailBytes: opened.truncatedTailBytes,
      ...(opened.sizeWarning === undefined ? {} : { sizeWarning: opened.sizeWarning }),
      get events() {
        wholeReads.push(new Error('the whole log was read').stack ?? '');
        return opened.events;
      },
    };
    Object.defineProperty(writer, 'opened', { value: watched });
    return writer;
  };
  try {
    await run();
  } finally {
    FileSessionStore.prototype.openWriter = openWriter;
  }
  return wholeReads;
}
