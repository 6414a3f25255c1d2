// Writes a long session's log straight to disk, fast: the realistic record mix (realisticEvents.ts)
// serialized once per kind, each event's fixed fields first and the ones that change per record (id,
// seq, the tool use a result answers) last, so a record is a copy of its kind's bytes plus a short
// tail, and its checksum continues the kind's precomputed one over that tail only. A million events
// (gigabytes) take seconds, not the minutes a million appends would. The records parse to the same
// events the writer would keep (JSON key order aside). The fold checkpoint and the index points are
// saved with the store's own code (writeCheckpoint), as the writer saves them, and so is the record index
// a writer leaves on close once a thread was read through it. Used by the 1M-event
// test and the bench.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { initialSessionState, SessionFold } from '../../src/core/session/sessionState.ts';
import type { SessionState } from '../../src/core/session/sessionState.ts';
import type { LogCursor } from '../../src/core/session/sessionStore.ts';
import { stampEvent } from '../../src/core/session/storeRules.ts';
import type { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { SESSION_STATE_FOLD } from '../../src/core/session/sessionStateFold.ts';
import { writeCheckpoint } from '../../src/node/session/foldCheckpoint.ts';
import { writeFileAtomic } from '../../src/node/session/durableFiles.ts';
import { indexRecord, newRecordKeys, recordIndexData } from '../../src/node/session/recordIndex.ts';
import { RECORD_INDEX_FILE } from '../../src/node/session/recordIndexFile.ts';
import { agentCycle, CYCLE_RECORDS } from './realisticEvents.ts';

const VARIANTS = 16;
const CHUNK_BYTES = 32 * 1024 * 1024;
const INDEX_BYTES = 1024 * 1024;
const HEAD = Buffer.from('{"crc32":"', 'latin1');
const EVENT_KEY = Buffer.from('","event":', 'latin1');
const END = Buffer.from('}\n', 'latin1');

interface Kind {
  /** The event's JSON up to (not including) its changing fields, as bytes, and their checksum. */
  fixed: Buffer;
  fixedCrc: number;
  event: SessionEvent;
}

export interface LongSession {
  id: string;
  logPath: string;
  bytes: number;
  events: number;
  /** The state the whole log folds into (what a wake must come back with). */
  state: SessionState;
  /** How long making the record index's checkpoint took (a writer makes it on its append path). */
  recordIndexSaveMs: number;
}

function kinds(): Kind[][] {
  return Array.from({ length: VARIANTS }, (_, v) =>
    agentCycle(v * CYCLE_RECORDS + 3).map((input) => {
      const event = stampEvent(input, 1, new Date('2026-01-01T00:00:00Z'));
      const { id: _id, seq: _seq, ...fixedFields } = event as SessionEvent & { tool_use_id?: string };
      if ('tool_use_id' in fixedFields) delete fixedFields.tool_use_id;
      const json = JSON.stringify(fixedFields);
      const fixed = Buffer.from(`${json.slice(0, -1)},`, 'utf8');
      return { fixed, fixedCrc: crc32(fixed), event };
    }),
  );
}

/** Creates session `id` in `store` with `count` events of the realistic mix, and its fold checkpoint. */
export async function writeLongSession(store: FileSessionStore, count: number, id = 'sesn_long'): Promise<LongSession> {
  await store.create({ id, title: `${count} events` });
  const logPath = join(store.sessionDir(id), 'events.jsonl');
  const all = kinds();
  const fold = new SessionFold(initialSessionState(id));
  const index: LogCursor[] = [];
  const records = newRecordKeys();
  const fd = openSync(logPath, 'w');
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES + 1024 * 1024);
  let used = 0;
  let bytes = 0;
  let lastRecord = { offset: 0, crc32: '' };
  let toolUseId = '';
  try {
    for (let seq = 1; seq <= count; seq++) {
      const kind = all[Math.floor((seq - 1) / CYCLE_RECORDS) % VARIANTS]?.[(seq - 1) % CYCLE_RECORDS] as Kind;
      const eventId = `sevt_${seq.toString(36).padStart(12, '0')}`;
      let event: SessionEvent = { ...kind.event, seq, id: eventId };
      if (event.type === 'agent.tool_use') toolUseId = eventId;
      if (event.type === 'agent.tool_result') event = { ...event, tool_use_id: toolUseId };
      fold.apply(event);
      indexRecord(records, event, bytes);
      const tail = Buffer.from(
        `${event.type === 'agent.tool_result' ? `"tool_use_id":"${toolUseId}",` : ''}"id":"${eventId}","seq":${seq}}`,
        'latin1',
      );
      const sum = crc32(tail, kind.fixedCrc).toString(16).padStart(8, '0');
      if (index.length === 0 || bytes >= (index.at(-1) as LogCursor).offset + INDEX_BYTES)
        index.push({ offset: bytes, seq });
      lastRecord = { offset: bytes, crc32: sum };
      const start = used;
      used += HEAD.copy(chunk, used);
      used += chunk.write(sum, used, 'latin1');
      used += EVENT_KEY.copy(chunk, used);
      used += kind.fixed.copy(chunk, used);
      used += tail.copy(chunk, used);
      used += END.copy(chunk, used);
      bytes += used - start;
      if (used >= CHUNK_BYTES) used = flush(fd, chunk, used);
    }
    flush(fd, chunk, used);
  } finally {
    closeSync(fd);
  }
  const state = fold.state;
  await writeCheckpoint(store.sessionDir(id), SESSION_STATE_FOLD, {
    records: count,
    bytes,
    last: lastRecord,
    state: fold,
    index,
  });
  const started = performance.now();
  const indexData = recordIndexData(records, { records: count, bytes, last: lastRecord });
  const recordIndexSaveMs = performance.now() - started;
  await writeFileAtomic(join(store.sessionDir(id), RECORD_INDEX_FILE), indexData);
  return { id, logPath, bytes, events: count, state, recordIndexSaveMs };
}

function flush(fd: number, chunk: Buffer, used: number): number {
  for (let done = 0; done < used;) done += writeSync(fd, chunk, done, used - done);
  return 0;
}
