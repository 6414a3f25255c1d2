// A thread's transcript built event by event (TranscriptBuilder, what each model request uses) is the
// transcript built from scratch at every point of the recorded logs, a compaction arriving late included;
// a transcript handed out earlier never changes when later events come in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { COMPACTED_RESULT, TranscriptBuilder, buildTranscript } from '../../src/core/harness/threadContext.ts';

const dir = join(__dirname, '..', 'fixtures', 'logs');
const threadsOf = (name: string): SessionEvent[][] => {
  const events = readFileSync(join(dir, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SessionEvent);
  const byThread = new Map<string, SessionEvent[]>();
  for (const e of events) byThread.set(e.thread, [...(byThread.get(e.thread) ?? []), e]);
  return [...byThread.values()].filter((t) => t.some((e) => e.type === 'span.model_request_end'));
};
const corpus = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));

/** Feeds one builder the thread's events as they grow and checks it against a rebuild at every point. */
function checkEveryPoint(thread: readonly SessionEvent[], label: string): number {
  const builder = new TranscriptBuilder();
  const growing: SessionEvent[] = [];
  const handedOut: { at: number; copy: unknown; transcript: unknown }[] = [];
  for (const event of thread) {
    growing.push(event);
    const incremental = builder.update(growing);
    assert.deepEqual(incremental, new TranscriptBuilder().update(growing.slice()), `${label} at seq ${event.seq}`);
    handedOut.push({ at: event.seq, copy: structuredClone(incremental), transcript: incremental });
  }
  for (const h of handedOut) assert.deepEqual(h.transcript, h.copy, `${label}: the transcript of seq ${h.at} changed`);
  return growing.length;
}

test('built event by event, a transcript is the one built from scratch at every point of the recorded logs', () => {
  let checked = 0;
  for (const name of corpus) for (const thread of threadsOf(name)) checked += checkEveryPoint(thread, name);
  assert.ok(checked > 100, `${checked} points`);
});

test('a compaction arriving after the builder has taken the thread clears what it covers, as a rebuild does', () => {
  let compacted = 0;
  for (const name of corpus) {
    for (const thread of threadsOf(name)) {
      const results = thread.filter((e) => e.type === 'agent.tool_result');
      const through = results[Math.floor(results.length / 2)];
      if (!through) continue;
      const at = thread.indexOf(through) + 1;
      const compaction = {
        ...thread[at - 1],
        id: `${through.id}-compacted`,
        type: 'agent.thread_context_compacted',
        pre_compaction_tokens: 1000,
        summary: 'What matters so far.',
        through_seq: through.seq,
      } as unknown as SessionEvent;
      const withCompaction = [...thread.slice(0, at), compaction, ...thread.slice(at)];
      checkEveryPoint(withCompaction, `${name} compacted`);
      const built = buildTranscript(withCompaction);
      const texts = JSON.stringify(built.messages);
      assert.ok(texts.includes(COMPACTED_RESULT), 'an earlier result is cleared');
      assert.ok(texts.includes('What matters so far.'), 'the summary stands in');
      compacted++;
    }
  }
  assert.ok(compacted >= 2, `${compacted} threads compacted`);
});

test('a list that is not the one the builder grew (shorter) is built again from its first event', () => {
  const [thread] = threadsOf(corpus[0] as string);
  assert.ok(thread && thread.length > 4);
  const builder = new TranscriptBuilder();
  builder.update(thread);
  const shorter = thread.slice(0, 3);
  assert.deepEqual(builder.update(shorter), buildTranscript(shorter));
});
