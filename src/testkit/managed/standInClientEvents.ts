// What a client may send a stand-in session (`events.send`), checked as the platform checks it: a message
// (not while the session is paused at its budget), an interrupt, and answers only to the calls that wait for
// that kind of answer. Bad input is a 400 naming the field.
import { badRequest } from './platformHttp.ts';
import type { Thread, Waiter } from './standInThread.ts';

export function checkClientEvent(
  raw: unknown,
  session: { primary: Thread; waiters: ReadonlyMap<string, Waiter>; budgetReached: boolean },
): { event: { type: string; [key: string]: unknown }; thread: Thread } {
  if (typeof raw !== 'object' || raw === null) throw badRequest('events[]: each event must be an object');
  const event = raw as { type?: unknown; [key: string]: unknown };
  switch (event.type) {
    case 'user.message': {
      if (!Array.isArray(event.content) || event.content.length === 0)
        throw badRequest('user.message: content must be a non-empty array');
      if (session.budgetReached) throw badRequest('user.message: the session is paused at its budget (budget_reached)');
      return { event: event as { type: string }, thread: session.primary };
    }
    case 'user.interrupt':
      return { event: event as { type: string }, thread: session.primary };
    case 'user.tool_result':
    case 'user.custom_tool_result':
    case 'user.tool_confirmation': {
      const idField = event.type === 'user.custom_tool_result' ? 'custom_tool_use_id' : 'tool_use_id';
      const id = event[idField];
      if (typeof id !== 'string') throw badRequest(`${event.type}: ${idField} is required`);
      const waiter = session.waiters.get(id);
      const expected =
        event.type === 'user.tool_confirmation'
          ? 'confirmation'
          : event.type === 'user.tool_result'
            ? 'tool_result'
            : 'custom_tool_result';
      if (!waiter || waiter.kind !== expected)
        throw badRequest(
          `${event.type}: ${idField} ${id} is not waiting for this answer (answered already, or unknown)`,
        );
      if (event.type === 'user.tool_confirmation' && event.result !== 'allow' && event.result !== 'deny') {
        throw badRequest('user.tool_confirmation: result must be "allow" or "deny"');
      }
      return { event: event as { type: string }, thread: waiter.thread };
    }
    default:
      throw badRequest(`events[]: event type ${JSON.stringify(event.type)} cannot be sent by a client`);
  }
}
