// A long session for the Event Log's paging tests, written quickly through a real file store's writer: two
// threads trading messages and `read` calls, plus what only an early event explains — a `write` whose
// path is written again at the end (its diff needs the first), and a `bash` call whose result comes last.
import type { EventInput, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import type { SessionMeta, SessionStore, SessionWriter } from '../../src/core/session/sessionStore.ts';

export const CODER = 'sthr_coder';
export const REVIEWER = 'sthr_reviewer';
export const FAR_PATH = 'src/far.ts';

export interface LongSession {
  meta: SessionMeta;
  /** The early `bash` call whose result is the last event. */
  farUse: SessionEvent;
}

/** A session of exactly `count` events (at least 16). */
export async function writeLongSession(store: SessionStore, count: number): Promise<LongSession> {
  const meta = await store.create({ title: `${count} events` });
  const w = await store.openWriter(meta.id);
  try {
    const now = (events: EventInput[]) => w.appendNow(events, 'batch').events;
    now([created(CODER, 'Coder'), created(REVIEWER, 'Reviewer')]);
    await toolCall(w, CODER, 'write', { file_path: FAR_PATH, content: 'one\ntwo\n' });
    const [farUse] = now([toolUse(REVIEWER, 'bash', { command: 'sleep 1000' })]);
    // Rounds of four: a message each, a `read` and its result; the last three events come after.
    let last = farUse!.seq;
    for (let i = 0; last + 4 <= count - 3; i++) {
      const [, use] = now([message(CODER, `message ${i}`), toolUse(REVIEWER, 'read', { file_path: `src/f${i}.ts` })]);
      last = now([result(REVIEWER, use!.id, `contents of f${i}`), message(REVIEWER, `read f${i}`)])[1]!.seq;
    }
    while (last < count - 3) last = now([message(CODER, `filler ${last}`)])[0]!.seq;
    await toolCall(w, CODER, 'write', { file_path: FAR_PATH, content: 'one\nthree\n' });
    await w.appendMany([result(REVIEWER, farUse!.id, 'slept')], 'sync');
    return { meta, farUse: farUse! };
  } finally {
    await w.close();
  }
}

async function toolCall(w: SessionWriter, thread: string, name: string, input: unknown): Promise<void> {
  const [use] = w.appendNow([toolUse(thread, name, input)], 'batch').events;
  w.appendNow([result(thread, use!.id, 'done')], 'batch');
}

function created(id: string, agent: string): EventInput {
  return {
    type: 'session.thread_created',
    thread: id,
    session_thread_id: id,
    agent_name: agent,
    agent_version: 1,
    parent_thread_id: null,
  } as EventInput;
}

function message(thread: string, text: string): EventInput {
  return { type: 'agent.message', thread, content: [{ type: 'text', text }] } as EventInput;
}

function toolUse(thread: string, name: string, input: unknown): EventInput {
  return {
    type: 'agent.tool_use',
    thread,
    name,
    input,
    model_tool_use_id: `toolu_${name}_${Math.random().toString(36).slice(2)}`,
    evaluated_permission: 'allow',
  } as EventInput;
}

function result(thread: string, useId: string, text: string): EventInput {
  return {
    type: 'agent.tool_result',
    thread,
    tool_use_id: useId,
    content: [{ type: 'text', text }],
    is_error: false,
  } as EventInput;
}
