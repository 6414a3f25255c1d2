// An agent as it runs in a sandbox that does (or does not) confine: unconfined, its tools are narrowed, the
// session says so once, its commands need the person's consent; no sandbox loosens a call's permission.
import type { EventInput } from '../events/sessionEvent.ts';
import { unconfinedTools } from '../tools/unconfinedTools.ts';
import type { HarnessAgent } from './harnessAgent.ts';
import type { SessionLog } from './sessionLog.ts';
import type { Permission } from './step.ts';

export function inSandbox(agent: HarnessAgent, confined: boolean): HarnessAgent {
  return confined ? agent : { ...agent, tools: unconfinedTools(agent.tools, agent.access, false), unconfined: true };
}

const STRICTNESS: Record<Permission, number> = { allow: 0, ask: 1, deny: 2 };

export function stricter(a: Permission, b: Permission): Permission {
  return STRICTNESS[a] >= STRICTNESS[b] ? a : b;
}

/** The session's notice that its sandbox confines nothing, unless it has one already or the sandbox (as
 * `confined` judges what it reported) confines. */
export function unconfinedNotice(
  log: SessionLog,
  threadId: string,
  confined: (reported: boolean) => boolean,
): EventInput | undefined {
  const sandbox = log.state.configured?.sandbox;
  if (!sandbox || confined(sandbox.confined)) return undefined;
  if (log.state.unconfinedNoticeSeq !== undefined) return undefined;
  return {
    type: 'agent_os.sandbox_unconfined',
    thread: threadId,
    kind: sandbox.kind,
    ...(sandbox.detail ? { detail: sandbox.detail } : {}),
  };
}
