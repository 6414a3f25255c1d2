// Shows a running session on the terminal as it goes: one line per step that a person cares about,
// read from the log as it is written (the same log the extension's UI follows).
import type { EventOfType, SessionEvent } from '../core/events/sessionEvent.ts';
import type { SessionStore } from '../core/session/sessionStore.ts';
import { UNCONFINED_NOTICE } from '../core/tools/unconfinedTools.ts';
import { describeEnvironmentEvent } from '../views/environmentEventText.ts';
import { describeSupervisionEvent } from '../views/supervisionEventText.ts';

const MAX_LINE = 160;

export function describeEventLine(event: SessionEvent, agentOf: (threadId: string) => string): string | undefined {
  const who = agentOf(event.thread);
  switch (event.type) {
    case 'session.thread_created':
      return event.parent_thread_id ? `  + thread ${event.agent_name} (${event.session_thread_id})` : undefined;
    case 'agent.message':
      return `${who}: ${clip(event.content.map((b) => b.text).join(' '))}`;
    case 'agent.tool_use':
      return `${who} → ${event.name} ${clip(summarizeInput(event))}${event.evaluated_permission === 'allow' ? '' : ` [${event.evaluated_permission}]`}`;
    case 'agent.tool_result':
      return event.is_error ? `${who} ✗ ${clip(event.content.map((b) => b.text).join(' '))}` : undefined;
    case 'agent_os.plan_submitted':
      return `${who}: plan accepted (${event.plan.steps.length} steps)`;
    case 'agent_os.verdict_submitted': {
      const v = event.verdict;
      return `${who}: verdict ${v.decision} — ${clip(v.summary)}`;
    }
    case 'agent_os.approval':
      return `person: ${event.decision === 'approve' ? 'approved' : `requested changes: ${clip(event.feedback ?? '')}`}`;
    case 'agent_os.pull_request_opened':
      return `pull request #${event.number} opened: ${event.url}`;
    case 'agent_os.sandbox_unconfined':
      return `warning: the ${event.kind} sandbox is ${UNCONFINED_NOTICE} (read-only agents get no bash)`;
    case 'agent_os.wake':
      return `woke from the log; resolved ${event.recovered.length} interrupted step(s)`;
    case 'agent_os.validation_run':
    case 'agent_os.loop_detected':
      return `${who}: ${clip(describeSupervisionEvent(event).title)}`;
    case 'agent_os.step_updated':
      return event.state === 'passed' || event.state === 'failed'
        ? `${who}: ${clip(describeSupervisionEvent(event).title)}`
        : undefined;
    case 'session.error':
      return `error (${event.error.type}): ${event.error.message}`;
    case 'agent_os.environment_output':
      return event.text
        .replace(/\n+$/, '')
        .split('\n')
        .map((line) => `  | ${line}`)
        .join('\n');
    case 'agent_os.environment_setup_started':
    case 'agent_os.environment_ready':
      return clip(describeEnvironmentEvent(event).title);
    case 'agent_os.environment_failed': {
      const d = describeEnvironmentEvent(event);
      return `${d.title}\n${d.body ?? ''}`;
    }
    default:
      return undefined;
  }
}

function summarizeInput(event: EventOfType<'agent.tool_use'>): string {
  const input = (event.input ?? {}) as Record<string, unknown>;
  if (event.name === 'bash') return String(input.command ?? '');
  if (event.name === 'send_to_agent') return `${String(input.agent_name ?? '')}: ${String(input.message ?? '')}`;
  return String(input.file_path ?? input.pattern ?? JSON.stringify(input));
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MAX_LINE ? `${one.slice(0, MAX_LINE - 1)}…` : one;
}

/** Prints the session's progress from `fromSeq` until `signal` aborts. */
export async function printProgress(
  store: SessionStore,
  sessionId: string,
  write: (line: string) => void,
  signal: AbortSignal,
  fromSeq = 1,
): Promise<void> {
  const agents = new Map<string, string>();
  try {
    // Read from the start so threads created before `fromSeq` (the primary one) are named, not 'agent'.
    for await (const event of store.follow(sessionId, { fromSeq: 1, signal })) {
      if (event.type === 'session.thread_created') agents.set(event.session_thread_id, event.agent_name);
      if (event.seq < fromSeq) continue;
      const line = describeEventLine(event, (t) => agents.get(t) ?? 'agent');
      if (line) write(line);
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
