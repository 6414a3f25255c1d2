// The results the harness writes for calls it answers itself, and the one way to write a result.
import type { EventInput } from '../events/sessionEvent.ts';

export const INTERRUPTED_OUTCOME_UNKNOWN =
  'interrupted: the process running this tool stopped before it finished; its outcome is unknown. ' +
  'Check the state before retrying.';

export const INTERRUPTED_BEFORE_RUN = 'interrupted by the user before it ran';

export const HALTED_BEFORE_RUN =
  'not run: the runtime stopped this thread (a plan step failed, or a loop was detected); its caller decides what happens next';

export function toolResult(threadId: string, toolUseId: string, text: string, isError: boolean): EventInput {
  return {
    type: 'agent.tool_result',
    thread: threadId,
    tool_use_id: toolUseId,
    content: [{ type: 'text', text }],
    is_error: isError,
  };
}

export function notEnabledText(toolName: string, agentName: string): string {
  return `tool '${toolName}' is not enabled for agent '${agentName}'; the call was refused`;
}

export function unconfinedRefusalText(toolName: string, agentName: string): string {
  return (
    `tool '${toolName}' is not available to agent '${agentName}': this sandbox confines nothing (commands would run as the ` +
    `person), so read-only agents run no commands here; the call was refused. Use the file tools (read, glob, grep) instead`
  );
}

export function deniedText(denyMessage: string | undefined): string {
  return `the person denied this call${denyMessage ? `: ${denyMessage}` : ''}`;
}
