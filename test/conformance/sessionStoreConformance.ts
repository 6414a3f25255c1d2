// The checks every SessionStore must pass. Each implementation's test file calls
// `sessionStoreConformance(name, factory)` with a factory that makes a fresh, empty store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventInput, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { EventPayload, EVENT_SCHEMA_VERSION } from '../../src/core/events/sessionEvent.ts';
import { foldAll } from '../../src/core/session/logFold.ts';
import { TEXT_FOLD } from '../session/textFold.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { readSessionState } from '../../src/core/session/sessionStateFold.ts';
import type { SessionStore } from '../../src/core/session/sessionStore.ts';

export interface StoreUnderTest {
  store: SessionStore;
  dispose(): Promise<void>;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const THREAD = 'sthr_primary';

export function userMessage(text: string, thread = THREAD): EventInput {
  return { type: 'user.message', thread, content: [{ type: 'text', text }] };
}

function toolResult(toolUseId: string, text: string): EventInput {
  return {
    type: 'agent.tool_result',
    thread: THREAD,
    tool_use_id: toolUseId,
    content: [{ type: 'text', text }],
    is_error: false,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? `uncoded: ${String(error)}`;
  }
  return 'no error';
}

export function sessionStoreConformance(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`SessionStore conformance: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: SessionStore;
    before(async () => {
      subject = await factory();
      store = subject.store;
    });
    after(async () => {
      await subject.dispose();
    });

    it('creates a session with an id, times and metadata, and gets it back', async () => {
      const meta = await store.create({ title: 'Fix the parser', source: 'acme/app#12', metadata: { k: 'v' } });
      assert.match(meta.id, /^sesn_[A-Za-z0-9]+$/);
      assert.equal(meta.title, 'Fix the parser');
      assert.equal(meta.source, 'acme/app#12');
      assert.deepEqual(meta.metadata, { k: 'v' });
      assert.match(meta.created_at, RFC3339);
      assert.equal(meta.updated_at, meta.created_at);
      assert.deepEqual(await store.get(meta.id), meta);
      assert.ok((await store.list()).some((m) => m.id === meta.id));
    });

    it('takes a given id and refuses a second session with it', async () => {
      const meta = await store.create({ id: 'sesn_given1', title: 'given' });
      assert.equal(meta.id, 'sesn_given1');
      assert.deepEqual(meta.metadata, {});
      assert.equal(await codeOf(store.create({ id: 'sesn_given1', title: 'again' })), 'SESSION_EXISTS');
      assert.equal((await store.get('sesn_given1')).title, 'given');
    });

    it('refuses ids that are not safe names', async () => {
      for (const id of ['../x', 'a/b', '.hidden', '', 'a b']) {
        assert.equal(await codeOf(store.create({ id, title: 't' })), 'INVALID_ARGUMENT', id);
      }
    });

    it('lists every session, newest first', async () => {
      const a = await store.create({ title: 'a' });
      await new Promise((r) => setTimeout(r, 5));
      const b = await store.create({ title: 'b' });
      const ids = (await store.list()).map((m) => m.id);
      assert.ok(ids.includes(a.id) && ids.includes(b.id));
      assert.ok(ids.indexOf(b.id) < ids.indexOf(a.id));
    });

    it('reports an unknown session as SESSION_NOT_FOUND everywhere', async () => {
      const id = 'sesn_doesnotexist';
      assert.equal(await codeOf(store.get(id)), 'SESSION_NOT_FOUND');
      assert.equal(await codeOf(store.read(id)), 'SESSION_NOT_FOUND');
      assert.equal(await codeOf(store.openWriter(id)), 'SESSION_NOT_FOUND');
      assert.equal(await codeOf(store.updateMeta(id, { title: 'x' })), 'SESSION_NOT_FOUND');
      assert.equal(await codeOf(store.delete(id)), 'SESSION_NOT_FOUND');
      assert.equal(await codeOf(store.verify(id)), 'SESSION_NOT_FOUND');
    });

    it('updates title and metadata', async () => {
      const meta = await store.create({ title: 'before' });
      await new Promise((r) => setTimeout(r, 5));
      const updated = await store.updateMeta(meta.id, { title: 'after', metadata: { branch: 'agent-os/12' } });
      assert.equal(updated.title, 'after');
      assert.deepEqual(updated.metadata, { branch: 'agent-os/12' });
      assert.equal(updated.created_at, meta.created_at);
      assert.ok(updated.updated_at > meta.updated_at);
      assert.deepEqual(await store.get(meta.id), updated);
      assert.equal(
        await codeOf(
          store.updateMeta(meta.id, {
            metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
          }),
        ),
        'INVALID_ARGUMENT',
      );
    });

    it('deletes a session', async () => {
      const meta = await store.create({ title: 'gone soon' });
      const writer = await store.openWriter(meta.id);
      await writer.append(userMessage('hi'));
      assert.equal(await codeOf(store.delete(meta.id)), 'SESSION_LOCKED', 'a session being written is not deleted');
      await writer.close();
      await store.delete(meta.id);
      assert.equal(await codeOf(store.get(meta.id)), 'SESSION_NOT_FOUND');
      assert.equal(await codeOf(store.read(meta.id)), 'SESSION_NOT_FOUND');
      assert.ok(!(await store.list()).some((m) => m.id === meta.id));
    });

    it('appends events with seq 1..n, ids, times and schema version, and reads them back in order', async () => {
      const meta = await store.create({ title: 'log' });
      const writer = await store.openWriter(meta.id);
      assert.deepEqual(
        [writer.opened.events, writer.opened.truncatedTailBytes, writer.opened.state],
        [[], 0, foldSession(meta.id, [])],
      );
      const appended: SessionEvent[] = [];
      for (let i = 0; i < 5; i++) appended.push(await writer.append(userMessage(`m${i}`)));
      appended.push(...(await writer.appendMany([userMessage('x'), userMessage('y')], 'sync')));
      await writer.close();
      assert.deepEqual(
        appended.map((e) => e.seq),
        [1, 2, 3, 4, 5, 6, 7],
      );
      for (const e of appended) {
        assert.match(e.id, /^sevt_[A-Za-z0-9]+$/);
        assert.match(e.processed_at, RFC3339);
        assert.equal(e.schema_version, EVENT_SCHEMA_VERSION);
        assert.equal(e.thread, THREAD);
        assert.equal(e.type, 'user.message');
        assert.ok(EventPayload.safeParse(e).success);
      }
      assert.equal(new Set(appended.map((e) => e.id)).size, appended.length);
      const read = await store.read(meta.id);
      assert.deepEqual(read, appended);
      assert.deepEqual(await store.read(meta.id, { fromSeq: 6 }), appended.slice(5));
      assert.deepEqual(await store.read(meta.id, { fromSeq: 99 }), []);
    });

    it('keeps the payload exactly, without fields the schema does not know', async () => {
      const meta = await store.create({ title: 'payload' });
      const writer = await store.openWriter(meta.id);
      const input = {
        type: 'agent.tool_use',
        thread: THREAD,
        name: 'bash',
        input: { command: 'echo "ünïcødé ✓"\n', nested: [1, null, { a: true }] },
        model_tool_use_id: 'toolu_1',
        evaluated_permission: 'allow',
        stray: 'dropped',
      } as EventInput;
      const stored = await writer.append(input);
      await writer.close();
      const [read] = await store.read(meta.id);
      assert.deepEqual(read, stored);
      assert.ok(read && read.type === 'agent.tool_use');
      assert.deepEqual(read.input, { command: 'echo "ünïcødé ✓"\n', nested: [1, null, { a: true }] });
      assert.equal('stray' in read, false);
    });

    it('refuses an invalid payload with INVALID_EVENT and appends nothing', async () => {
      const meta = await store.create({ title: 'invalid' });
      const writer = await store.openWriter(meta.id);
      await writer.append(userMessage('ok'));
      const bad = [
        { type: 'user.message', thread: THREAD, content: 'not an array' },
        { type: 'no.such_type', thread: THREAD },
        { type: 'user.message', content: [] },
      ] as unknown as EventInput[];
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      bad.push(
        {
          type: 'agent.tool_use',
          thread: THREAD,
          name: 'x',
          input: { n: 1n },
          model_tool_use_id: 't',
          evaluated_permission: 'allow',
        } as EventInput,
        {
          type: 'agent.tool_use',
          thread: THREAD,
          name: 'x',
          input: cyclic,
          model_tool_use_id: 't',
          evaluated_permission: 'allow',
        } as EventInput,
      );
      for (const event of bad) assert.equal(await codeOf(writer.append(event)), 'INVALID_EVENT');
      // A batch with one bad event appends none of it.
      assert.equal(await codeOf(writer.appendMany([userMessage('fine'), bad[0] as EventInput])), 'INVALID_EVENT');
      const next = await writer.append(userMessage('after'));
      assert.equal(next.seq, 2, 'a refused event uses no seq');
      await writer.close();
      assert.deepEqual(
        (await store.read(meta.id)).map((e) => e.seq),
        [1, 2],
      );
    });

    it('allows one writer per session; the next writer gets a higher fence and the whole log', async () => {
      const meta = await store.create({ title: 'lock' });
      const first = await store.openWriter(meta.id);
      assert.equal(await codeOf(store.openWriter(meta.id)), 'SESSION_LOCKED');
      const a = await first.append(userMessage('one'));
      await first.close();
      await first.close(); // closing twice is harmless
      const second = await store.openWriter(meta.id);
      assert.ok(second.fence > first.fence);
      assert.deepEqual(second.opened.events, [a]);
      const b = await second.append(userMessage('two'));
      assert.equal(b.seq, 2);
      await second.close();
      await assert.rejects(first.append(userMessage('late')), 'a closed writer appends nothing');
      assert.equal((await store.read(meta.id)).length, 2);
    });

    it('makes batched appends visible at once and durable on flush', async () => {
      const meta = await store.create({ title: 'batch' });
      const writer = await store.openWriter(meta.id);
      for (let i = 0; i < 20; i++) await writer.append(userMessage(`delta ${i}`), 'batch');
      assert.equal((await store.read(meta.id)).length, 20);
      await writer.flush();
      const last = await writer.append(userMessage('turn end'), 'sync');
      assert.equal(last.seq, 21);
      await writer.close();
      assert.equal((await store.read(meta.id)).length, 21);
    });

    it('serializes appends that do not await each other', async () => {
      const meta = await store.create({ title: 'concurrent' });
      const writer = await store.openWriter(meta.id);
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => writer.append(userMessage(`c${i}`), i % 3 ? 'batch' : 'sync')),
      );
      await writer.close();
      assert.deepEqual(
        results.map((e) => e.seq),
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      const read = await store.read(meta.id);
      assert.deepEqual(
        read.map((e) => (e.type === 'user.message' ? e.content[0]?.text : '')),
        results.map((_, i) => `c${i}`),
      );
    });

    it('follows a log: existing events, then live ones, and ends on abort', async () => {
      const meta = await store.create({ title: 'follow' });
      const writer = await store.openWriter(meta.id);
      await writer.appendMany([userMessage('a'), userMessage('b'), userMessage('c')]);
      const controller = new AbortController();
      const seen: number[] = [];
      const done = (async () => {
        for await (const event of store.follow(meta.id, { fromSeq: 2, signal: controller.signal })) {
          seen.push(event.seq);
          if (seen.length === 2) {
            await writer.append(userMessage('d'));
            await writer.append(userMessage('e'), 'batch');
          }
          if (seen.length === 4) controller.abort();
        }
      })();
      await done;
      assert.deepEqual(seen, [2, 3, 4, 5]);
      await writer.close();
    });

    it('ends a follow that waits for events when it is aborted', async () => {
      const meta = await store.create({ title: 'idle follow' });
      const controller = new AbortController();
      const seen: SessionEvent[] = [];
      const done = (async () => {
        for await (const event of store.follow(meta.id, { signal: controller.signal })) seen.push(event);
      })();
      await new Promise((r) => setTimeout(r, 20));
      controller.abort();
      await done;
      assert.deepEqual(seen, []);
    });

    it('round-trips a 5 MiB event whole', async () => {
      const meta = await store.create({ title: 'big' });
      const writer = await store.openWriter(meta.id);
      const text = 'x'.repeat(5 * 1024 * 1024 - 7) + 'ünï';
      await writer.append(userMessage('before'));
      const big = await writer.append(toolResult('sevt_tool', text));
      await writer.append(userMessage('after'));
      await writer.close();
      const read = await store.read(meta.id);
      assert.equal(read.length, 3);
      assert.deepEqual(read[1], big);
      assert.ok(read[1]?.type === 'agent.tool_result' && read[1].content[0]?.text === text);
      const again = await store.openWriter(meta.id);
      assert.deepEqual(again.opened.events[1], big);
      await again.close();
      assert.deepEqual(await store.read(meta.id, { fromSeq: 2 }), read.slice(1));
      assert.equal((await store.verify(meta.id)).ok, true);
    });

    it('reads back what a writer appended since it opened, batched and 5 MiB records included, and nothing from before', async () => {
      const meta = await store.create({ title: 'since open' });
      const first = await store.openWriter(meta.id);
      await first.append(userMessage('before'));
      assert.equal(first.readSinceOpen().length, 1, 'a new log: everything is since open');
      await first.close();
      const writer = await store.openWriter(meta.id);
      assert.deepEqual(writer.readSinceOpen(), []);
      const big = await writer.append(toolResult('sevt_tool', 'y'.repeat(5 * 1024 * 1024)));
      const batched = await writer.append(userMessage('batched'), 'batch');
      assert.deepEqual(writer.readSinceOpen(), [big, batched]);
      assert.equal(writer.opened.events.length, 1, 'what was there at open stays apart');
      await writer.close();
    });

    it('verifies a whole log', async () => {
      const meta = await store.create({ title: 'verify' });
      assert.deepEqual({ ...(await store.verify(meta.id)), bytes: 0 }, { ok: true, records: 0, bytes: 0 });
      const writer = await store.openWriter(meta.id);
      await writer.appendMany([userMessage('a'), userMessage('b')]);
      await writer.close();
      const report = await store.verify(meta.id);
      assert.equal(report.ok, true);
      assert.equal(report.records, 2);
      assert.ok(report.bytes > 0);
      assert.equal(report.damage, undefined);
    });

    it('gives a log that folds into session state', async () => {
      const meta = await store.create({ title: 'fold' });
      const writer = await store.openWriter(meta.id);
      await writer.appendMany([
        {
          type: 'session.thread_created',
          thread: THREAD,
          session_thread_id: THREAD,
          agent_name: 'coordinator',
          parent_thread_id: null,
        },
        { type: 'session.status_running', thread: THREAD },
        {
          type: 'span.model_request_end',
          thread: THREAD,
          model_request_start_id: 'sevt_x',
          is_error: false,
          model_usage: {
            input_tokens: 10,
            output_tokens: 5,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
          cost_usd: 0.01,
        },
      ]);
      await writer.close();
      const state = foldSession(meta.id, await store.read(meta.id));
      assert.equal(state.primaryThreadId, THREAD);
      assert.equal(state.status, 'running');
      assert.equal(state.usage.output_tokens, 5);
      assert.equal(state.lastSeq, 3);
      const again = await store.openWriter(meta.id);
      assert.deepEqual(again.opened.state, state, 'a writer opens with the log folded');
      await again.close();
    });

    it('folds a log with a given fold, from where it says on, and follows on from where the fold ended', async () => {
      const meta = await store.create({ title: 'folded' });
      const writer = await store.openWriter(meta.id);
      const all = await writer.appendMany(Array.from({ length: 12 }, (_, i) => userMessage(`f${i}`)));
      const folded = await store.readFolded(meta.id, TEXT_FOLD);
      assert.deepEqual(folded.state, foldAll(TEXT_FOLD, meta.id, all));
      assert.deepEqual(folded.state.texts.at(-1), 'f11');
      assert.equal(folded.next.seq, 13);
      const { state } = await readSessionState(store, meta.id);
      assert.deepEqual(state, foldSession(meta.id, all));
      await writer.append(userMessage('after the fold'));
      const controller = new AbortController();
      for await (const event of store.follow(meta.id, { after: folded.next, signal: controller.signal })) {
        assert.equal(event.seq, 13, 'follow starts where the fold ended');
        controller.abort();
      }
      await writer.close();
    });

    it('pages through a log, and follows on from where a page ended without reading it again', async () => {
      const meta = await store.create({ title: 'pages' });
      const writer = await store.openWriter(meta.id);
      const all = await writer.appendMany(Array.from({ length: 25 }, (_, i) => userMessage(`p${i}`)));
      const pages: SessionEvent[][] = [];
      let page = await store.readPage(meta.id, { limit: 10 });
      while (page.events.length > 0) {
        pages.push(page.events);
        page = await store.readPage(meta.id, { fromSeq: page.next.seq, limit: 10 });
      }
      assert.deepEqual(
        pages.map((p) => p.map((e) => e.seq)),
        [
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
          [11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
          [21, 22, 23, 24, 25],
        ],
      );
      assert.deepEqual(pages.flat(), all);
      assert.equal(page.next.seq, 26);
      const middle = await store.readPage(meta.id, { fromSeq: 12, limit: 2 });
      assert.deepEqual(middle.events, all.slice(11, 13));
      assert.deepEqual((await store.readPage(meta.id)).events, all);

      const end = (await store.readPage(meta.id, { fromSeq: 21 })).next;
      await writer.append(userMessage('first after the page'));
      const controller = new AbortController();
      const seen: number[] = [];
      for await (const event of store.follow(meta.id, { after: end, signal: controller.signal })) {
        seen.push(event.seq);
        if (seen.length === 1) await writer.append(userMessage('second'));
        if (seen.length === 2) controller.abort();
      }
      assert.deepEqual(seen, [26, 27], 'follow starts where the page ended');
      await writer.close();
    });

    it('forks a session from one of its events: the copies are exact, the fork goes on alone, the source is untouched', async () => {
      const source = await store.create({ title: 'source', metadata: { k: 'v' } });
      const writer = await store.openWriter(source.id);
      const first = await writer.appendMany([userMessage('a'), userMessage('b'), userMessage('c'), userMessage('d')]);
      // The source's writer stays open: a fork only reads it.
      const fork = await store.fork(source.id, {
        throughSeq: 3,
        session: { title: 'fork', metadata: { forked_from: source.id } },
        append: [userMessage('forked')],
      });
      assert.notEqual(fork.id, source.id);
      assert.deepEqual(fork.metadata, { forked_from: source.id });
      const forked = await store.read(fork.id);
      assert.deepEqual(forked.slice(0, 3), first.slice(0, 3), 'ids, seq, times and payloads as the source stored them');
      assert.equal(forked.length, 4);
      assert.equal(forked[3]?.seq, 4);
      assert.equal(forked[3]?.type, 'user.message');
      assert.notEqual(forked[3]?.id, first[3]?.id);
      const forkWriter = await store.openWriter(fork.id);
      assert.deepEqual(forkWriter.opened.state, foldSession(fork.id, forked));
      assert.equal((await forkWriter.append(userMessage('on'))).seq, 5);
      await forkWriter.close();
      await writer.append(userMessage('e'));
      await writer.close();
      assert.deepEqual(
        (await store.read(source.id)).map((e) => e.seq),
        [1, 2, 3, 4, 5],
      );
      assert.equal((await store.read(fork.id)).length, 5);
      // A fork of a fork, from its first event.
      const again = await store.fork(fork.id, { throughSeq: 1, session: { title: 'again' } });
      assert.deepEqual(await store.read(again.id), first.slice(0, 1));
    });

    it('refuses a fork point outside the source, an unknown source, and a bad event to append, making nothing', async () => {
      const source = await store.create({ title: 'short' });
      const writer = await store.openWriter(source.id);
      await writer.appendMany([userMessage('a'), userMessage('b')]);
      await writer.close();
      const before = (await store.list()).length;
      for (const throughSeq of [0, 3, 1.5, -1]) {
        assert.equal(
          await codeOf(store.fork(source.id, { throughSeq, session: { title: 'x' } })),
          'INVALID_ARGUMENT',
          String(throughSeq),
        );
      }
      assert.equal(
        await codeOf(store.fork('sesn_nosuchsource', { throughSeq: 1, session: { title: 'x' } })),
        'SESSION_NOT_FOUND',
      );
      const bad = { type: 'user.message', thread: THREAD, content: 'not an array' } as unknown as EventInput;
      assert.equal(
        await codeOf(store.fork(source.id, { throughSeq: 1, session: { title: 'x' }, append: [bad] })),
        'INVALID_EVENT',
      );
      assert.equal(
        await codeOf(store.fork(source.id, { throughSeq: 1, session: { id: source.id, title: 'x' } })),
        'SESSION_EXISTS',
      );
      assert.equal((await store.list()).length, before);
    });
  });
}
