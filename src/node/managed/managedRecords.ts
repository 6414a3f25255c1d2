// The records managed mode decides from — the hand-ins' checks, the person's gate, the mirror's links between
// events — as one selection of the log, read through the writer's record index once and kept current by
// SessionLog: a hosted session of any length is mirrored and supervised without holding its log.
import type { EventType, SessionEvent } from '../../core/events/sessionEvent.ts';
import type { SessionLog } from '../../core/harness/sessionLog.ts';

const MANAGED_RECORD_TYPES = [
  'agent.thread_message_sent',
  'user.tool_confirmation',
  'agent_os.plan_submitted',
  'agent_os.step_updated',
  'agent_os.validation_run',
  'agent_os.questions_asked',
  'agent_os.questions_answered',
  'agent_os.verdict_submitted',
  'agent_os.approval',
  'agent_os.pull_request_opened',
] as const satisfies readonly EventType[];

/** The log's records of MANAGED_RECORD_TYPES, in log order. */
export function managedRecords(log: SessionLog): readonly SessionEvent[] {
  return log.eventsOfTypes(MANAGED_RECORD_TYPES);
}
