// A coordinator's \`send_to_agent\` on the stand-in platform (§6.3): the roster agent's thread is made, or
// reused under the same thread key (threads persist), the message crosses as sent/received events on both
// threads, the child runs its turn on its own chain, and its final text comes back the same way.
import type { BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents';
import type { PlatformEvent, Thread } from './standInThread.ts';

/** What delegation needs of the session it runs in. */
export interface DelegatingSession {
  primaryId: string;
  emit(thread: Thread, payload: { type: string; [key: string]: unknown }): PlatformEvent;
  newThread(agent: BetaManagedAgentsAgent, parent: string): Thread;
  runTurn(thread: Thread): Promise<{ text: string; isError: boolean }>;
  updateStatus(): void;
}

export async function delegateToRoster(
  session: DelegatingSession,
  parent: Thread,
  input: Record<string, unknown>,
  roster: BetaManagedAgentsAgent[],
): Promise<{ text: string; isError: boolean }> {
  const name = input.agent_name;
  const message = input.message;
  const target = roster.find((a) => a.name === name);
  if (!target || typeof message !== 'string' || !message) {
    return {
      text: `send_to_agent: agent_name must be one of ${roster.map((a) => a.name).join(', ')} and message a non-empty string`,
      isError: true,
    };
  }
  const key = `${target.name}\0${typeof input.thread_key === 'string' ? input.thread_key : ''}`;
  let child = parent.children.get(key);
  if (!child) {
    child = session.newThread(target, parent.id);
    parent.children.set(key, child);
    session.emit(parent, {
      type: 'session.thread_created',
      session_thread_id: child.id,
      agent_name: target.name,
      workflow_run_id: null,
    });
  }
  const fromPrimary = parent.id === session.primaryId;
  session.emit(parent, {
    type: 'agent.thread_message_sent',
    to_session_thread_id: child.id,
    to_agent_name: target.name,
    content: [{ type: 'text', text: message }],
  });
  session.emit(child, {
    type: 'agent.thread_message_received',
    from_session_thread_id: parent.id,
    ...(fromPrimary ? {} : { from_agent_name: parent.agent.name }),
    content: [{ type: 'text', text: message }],
  });
  parent.waitingOnChildren++;
  const worker = child;
  const run = worker.chain.then(() => {
    worker.messages.push({ role: 'user', content: [{ type: 'text', text: message }] });
    return session.runTurn(worker);
  });
  worker.chain = run.catch(() => undefined);
  let reply: { text: string; isError: boolean };
  try {
    reply = await run;
  } finally {
    parent.waitingOnChildren--;
  }
  session.emit(worker, {
    type: 'agent.thread_message_sent',
    to_session_thread_id: parent.id,
    ...(fromPrimary ? {} : { to_agent_name: parent.agent.name }),
    content: [{ type: 'text', text: reply.text }],
  });
  session.emit(parent, {
    type: 'agent.thread_message_received',
    from_session_thread_id: worker.id,
    from_agent_name: worker.agent.name,
    content: [{ type: 'text', text: reply.text }],
  });
  session.updateStatus();
  return reply;
}
