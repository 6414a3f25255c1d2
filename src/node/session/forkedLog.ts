// The log of a fork, written into the folder of a session still being made (fileSessionStore.ts renames it
// into place afterwards, so no reader ever sees half a fork): the source's records through the fork point,
// page by page as stored (ids, seq, times), then the events the fork starts with. Large events go to the
// fork's own blobs, so the fork never depends on the source's files.
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { EventInput, SessionEvent } from '../../core/events/sessionEvent.ts';
import { stampEvent } from '../../core/session/storeRules.ts';
import { BlobStore } from './blobStore.ts';
import { fsyncInPool, writeAllSync } from './durableFiles.ts';
import { RecordEncoder, recordFor } from './recordCodec.ts';
import { BLOBS, LOG } from './sessionLayout.ts';

const PAGE = 1024;

export interface ForkedLogInput {
  sessionId: string;
  /** The folder being made; its `events.jsonl` must not exist yet. */
  dir: string;
  blobThresholdBytes: number;
  throughSeq: number;
  /** The source's events from a seq on, at most `limit` of them (SessionStore.readPage). */
  readPage(fromSeq: number, limit: number): Promise<SessionEvent[]>;
  append: readonly EventInput[];
}

export async function writeForkedLog(input: ForkedLogInput): Promise<void> {
  // Stamped first: a bad event to append refuses the fork before anything is written.
  const now = new Date();
  const appended = input.append.map((e, i) => stampEvent(e, input.throughSeq + 1 + i, now));
  const blobs = new BlobStore(input.sessionId, join(input.dir, BLOBS));
  const fd = openSync(join(input.dir, LOG), 'wx');
  const encoder = new RecordEncoder();
  try {
    const write = (event: SessionEvent): void => {
      const { kind, json } = recordFor(event, input.blobThresholdBytes, (bytes) => blobs.put(bytes));
      writeAllSync(fd, encoder.encode(kind, json));
    };
    for (let seq = 1; seq <= input.throughSeq;) {
      const page = await input.readPage(seq, Math.min(PAGE, input.throughSeq - seq + 1));
      if (page.length === 0) throw new Error(`the source log ended at ${seq - 1}, before ${input.throughSeq}`);
      for (const event of page) write(event);
      seq += page.length;
    }
    for (const event of appended) write(event);
    await fsyncInPool(fd);
  } finally {
    closeSync(fd);
  }
}
