// The log at length: read in windows (here made tiny, so every path crosses many window edges and
// meets lines longer than a window), the fold checkpoint that makes a wake the checkpoint plus the
// tail (and is ignored when damaged or when the log no longer agrees with it), and the index a page
// starts from (and falls back from when it is stale).
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { EventInput, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { foldSession, SessionFold, type SessionState } from '../../src/core/session/sessionState.ts';
import { SESSION_STATE_FOLD } from '../../src/core/session/sessionStateFold.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { checkpointFile, readCheckpoint, writeCheckpoint } from '../../src/node/session/foldCheckpoint.ts';
import { userMessage } from '../conformance/sessionStoreConformance.ts';
import { agentCycle } from './realisticEvents.ts';
import { makeTempDir } from './tempDir.ts';
import { logBytes } from './logBytes.ts';

let temp: { dir: string; remove(): void };
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

/** `count` events of the realistic mix (threads, model spans, tool uses and results, statuses). */
async function sessionOf(store: FileSessionStore, count: number): Promise<{ id: string; events: SessionEvent[] }> {
  const { id } = await store.create({ title: 'long' });
  const writer = await store.openWriter(id);
  const events: SessionEvent[] = [];
  for (let i = 0; events.length < count; i++) {
    // The tool use first, so that its result answers it by its real id, as the harness's would.
    const use = await writer.appendMany(agentCycle(i).slice(0, Math.min(3, count - events.length)), 'batch');
    events.push(...use);
    const rest: EventInput[] = agentCycle(i, use[2]?.id).slice(3, 3 + count - events.length);
    if (rest.length > 0) events.push(...(await writer.appendMany(rest, 'batch')));
  }
  await writer.close();
  return { id, events };
}

describe('a log read in windows', () => {
  it('reads, pages, verifies, opens and follows the same as in one piece, across window edges', async () => {
    const whole = new FileSessionStore(temp.dir);
    const { id, events } = await sessionOf(whole, 300);
    const tiny = new FileSessionStore(temp.dir, { readWindowBytes: 700 });
    assert.deepEqual(await tiny.read(id), events);
    assert.deepEqual(await tiny.read(id, { fromSeq: 250 }), events.slice(249));
    assert.deepEqual((await tiny.readPage(id, { fromSeq: 100, limit: 7 })).events, events.slice(99, 106));
    const report = await tiny.verify(id);
    assert.deepEqual(
      [report.ok, report.records, report.bytes],
      [true, 300, readFileSync(join(temp.dir, id, 'events.jsonl')).length],
    );
    const writer = await tiny.openWriter(id);
    assert.deepEqual(writer.opened.events, events);
    assert.deepEqual(writer.opened.state, foldSession(id, events));
    const controller = new AbortController();
    const seen: SessionEvent[] = [];
    for await (const event of tiny.follow(id, { fromSeq: 290, signal: controller.signal })) {
      seen.push(event);
      if (seen.length === 11) await writer.append(userMessage('live'));
      if (seen.length === 12) controller.abort();
    }
    await writer.close();
    assert.deepEqual(seen.slice(0, 11), events.slice(289));
    assert.equal(seen[11]?.seq, 301);
  });

  it('reports damage deep in a long log at its offset', async () => {
    const store = new FileSessionStore(temp.dir, { readWindowBytes: 1024 });
    const { id } = await sessionOf(store, 200);
    const log = join(temp.dir, id, 'events.jsonl');
    const bytes = readFileSync(log);
    let at = 0;
    for (let line = 0; line < 150; line++) at = bytes.indexOf(0x0a, at) + 1;
    bytes[at + 70] = (bytes[at + 70] as number) ^ 0x01;
    writeFileSync(log, bytes);
    await assert.rejects(store.read(id), (error: { byteOffset?: number }) => error.byteOffset === at);
    assert.equal((await store.verify(id)).damage?.byteOffset, at);
  });
});

const CHECKPOINT_FILE = checkpointFile(SESSION_STATE_FOLD.name);

/** The session's state as its checkpoint in `dir` has it, if there is one of this build. */
function checkpointed(dir: string, id: string) {
  const saved = readCheckpoint(dir, id, SESSION_STATE_FOLD);
  return saved && { ...saved, state: saved.state.state };
}

/** Replaces the checkpoint with one that says `state` at the same place in the log. */
async function forge(
  dir: string,
  saved: NonNullable<ReturnType<typeof checkpointed>>,
  state: SessionState,
): Promise<void> {
  await writeCheckpoint(dir, SESSION_STATE_FOLD, { ...saved, state: new SessionFold(state) });
}

describe('the fold checkpoint', () => {
  const CHECKPOINTED = 5000; // more than a checkpoint's period

  it('is written as the log grows and makes a wake the checkpoint plus the tail', async () => {
    const store = new FileSessionStore(temp.dir);
    const { id, events } = await sessionOf(store, CHECKPOINTED);
    const dir = join(temp.dir, id);
    const saved = checkpointed(dir, id);
    assert.ok(saved && saved.records >= 4096 && saved.records <= CHECKPOINTED, `checkpoint at ${saved?.records}`);
    assert.deepEqual(saved.state, foldSession(id, events.slice(0, saved.records)));
    // A checkpoint that says something the log does not: if the writer starts from it, its state shows it.
    await forge(dir, saved, { ...saved.state, errors: 1000 });
    const writer = await store.openWriter(id);
    assert.equal(
      writer.opened.state.errors,
      1000 + foldSession(id, events.slice(saved.records)).errors,
      'the wake started from the checkpoint',
    );
    assert.equal(writer.opened.state.lastSeq, CHECKPOINTED);
    await writer.close();
  });

  for (const [what, spoil] of [
    [
      'damaged',
      (dir: string) => {
        const bytes = readFileSync(join(dir, CHECKPOINT_FILE));
        bytes[40] = (bytes[40] as number) ^ 0x01;
        writeFileSync(join(dir, CHECKPOINT_FILE), bytes);
      },
    ],
    [
      'ahead of a log cut shorter',
      (dir: string) => {
        const log = join(dir, 'events.jsonl');
        const bytes = readFileSync(log);
        writeFileSync(log, bytes.subarray(0, bytes.indexOf(0x0a, 1000) + 1));
      },
    ],
    [
      'of a log rewritten since',
      (dir: string) => {
        // The same records with other ids: same seqs, same length, other checksums.
        const log = join(dir, 'events.jsonl');
        const text = readFileSync(log, 'utf8').replace(/"id":"sevt_/g, '"id":"sevu_');
        const lines = text
          .split('\n')
          .filter((l) => l.length > 0)
          .map((l) => {
            const body = l.slice(l.indexOf('"event":') + 8, -1);
            return `{"crc32":"${(require('node:zlib') as typeof import('node:zlib')).crc32(body).toString(16).padStart(8, '0')}","event":${body}}\n`;
          });
        writeFileSync(log, lines.join(''));
      },
    ],
  ] as const) {
    it(`is ignored when ${what}, the log folded from its start, and written again`, async () => {
      const store = new FileSessionStore(temp.dir);
      const { id } = await sessionOf(store, CHECKPOINTED);
      const dir = join(temp.dir, id);
      const saved = checkpointed(dir, id);
      assert.ok(saved);
      await forge(dir, saved, { ...saved.state, errors: 1000 });
      spoil(dir);
      const events = await store.read(id);
      const writer = await store.openWriter(id);
      assert.deepEqual(writer.opened.state, foldSession(id, events), 'never trusted');
      await writer.close();
      if (events.length >= 4096) {
        assert.deepEqual(checkpointed(dir, id)?.state, foldSession(id, events), 'rebuilt on close');
      }
    });
  }
});

describe('the index', () => {
  it('pages from the middle of a long log, and from the start again when its points are stale', async () => {
    const store = new FileSessionStore(temp.dir, { readWindowBytes: 4096 });
    const { id, events } = await sessionOf(store, 2000);
    assert.deepEqual((await store.readPage(id, { fromSeq: 1500, limit: 3 })).events, events.slice(1499, 1502));
    // Someone replaces the log with one whose records sit elsewhere: the points this store keeps are stale.
    const log = join(temp.dir, id, 'events.jsonl');
    const other = new FileSessionStore(join(temp.dir, 'other'));
    const { id: otherId } = await other.create({ id, title: 'other' });
    const writer = await other.openWriter(otherId);
    const replaced = await writer.appendMany(
      Array.from({ length: 1600 }, (_, i) => userMessage(`short ${i}`)),
      'batch',
    );
    await writer.close();
    writeFileSync(log, readFileSync(join(temp.dir, 'other', id, 'events.jsonl')));
    assert.deepEqual((await store.readPage(id, { fromSeq: 1500, limit: 3 })).events, replaced.slice(1499, 1502));
    // A cursor that does not point at a record is not trusted either.
    const seen: SessionEvent[] = [];
    const controller = new AbortController();
    for await (const event of store.follow(id, { after: { offset: 17, seq: 1598 }, signal: controller.signal })) {
      seen.push(event);
      if (seen.length === 3) controller.abort();
    }
    assert.deepEqual(seen, replaced.slice(1597, 1600));
  });
});

describe('the size a session may hold', () => {
  it('is said long before it is reached, and an append past it is refused whole with LOG_FULL, losing nothing', async () => {
    const store = new FileSessionStore(temp.dir, { maxLogBytes: 8 * 1024 });
    const { id } = await store.create({ title: 'full' });
    let writer = await store.openWriter(id);
    assert.equal(writer.opened.sizeWarning, undefined);
    // Said once, as the appends take the log past three quarters of its limit.
    const said: { message: string; bytes: number }[] = [];
    const bytesOfLog = (): number => logBytes(join(temp.dir, id, 'events.jsonl'));
    writer.onSizeWarning?.((message) => said.push({ message, bytes: bytesOfLog() }));
    const kept: SessionEvent[] = [];
    let refused: (Error & { code?: string }) | undefined;
    while (!refused) {
      try {
        kept.push(await writer.append(userMessage(`message ${kept.length} ${'-'.repeat(200)}`)));
      } catch (error) {
        refused = error as Error & { code?: string };
      }
    }
    assert.equal(said.length, 1, 'said once');
    assert.ok(said[0]!.bytes >= 0.75 * 8 * 1024 && said[0]!.bytes < 0.8 * 8 * 1024, `said at ${said[0]!.bytes} bytes`);
    assert.match(said[0]!.message, /of the 8\.0 KiB a session may hold; at the limit appends are refused/);
    assert.equal(refused.code, 'LOG_FULL');
    assert.match(refused.message, /Start a new session/);
    // A batch that does not fit is refused whole, and the writer still works for what fits.
    await assert.rejects(writer.appendMany([userMessage('a'), userMessage('b'.repeat(300))]), { code: 'LOG_FULL' });
    // The records that say how a run ended still fit: the log keeps its last eighth (up to 64 KiB) for them.
    const thread = kept[0]!.thread;
    kept.push(
      ...(await writer.appendMany([
        {
          type: 'session.error',
          thread,
          error: { type: 'unknown_error', message: refused.message, retry_status: { type: 'exhausted' } },
        },
        { type: 'session.status_idle', thread, stop_reason: { type: 'retries_exhausted' } },
      ])),
    );
    assert.ok(statSync(join(temp.dir, id, 'events.jsonl')).size <= 8 * 1024);
    await writer.close();
    assert.deepEqual(await store.read(id), kept);
    writer = await store.openWriter(id);
    assert.match(
      writer.opened.sizeWarning ?? '',
      /of the 8\.0 KiB a session may hold; at the limit appends are refused/,
    );
    await writer.close();
    // A writer that said it at its opening (here with a larger limit, so there is room) does not say it again.
    writer = await new FileSessionStore(temp.dir, { maxLogBytes: 9 * 1024 }).openWriter(id);
    assert.match(writer.opened.sizeWarning ?? '', /of the 9\.0 KiB a session may hold/);
    writer.onSizeWarning?.((message) => said.push({ message, bytes: bytesOfLog() }));
    kept.push(await writer.append(userMessage('one more')));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(said.length, 1);
    await writer.close();
    assert.deepEqual(await store.read(id), kept);
    assert.equal((await store.verify(id)).ok, true);
  });
});
