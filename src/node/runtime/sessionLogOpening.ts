// A session's log opened for writing, and what the opening says the person should know (the file store's
// warning that the log nears the size a session may hold) said once, through the runtime's channel: without
// it the person would only learn of the limit from the LOG_FULL refusal, when nothing more can be appended.
import { SessionLog } from '../../core/harness/sessionLog.ts';
import type { AgentOsRuntimeOptions } from './runtimeOptions.ts';

export async function openSessionLog(
  options: Pick<AgentOsRuntimeOptions, 'store' | 'onSessionWarning'>,
  sessionId: string,
): Promise<SessionLog> {
  const writer = await options.store.openWriter(sessionId);
  const warning = writer.opened.sizeWarning;
  if (warning !== undefined) {
    try {
      options.onSessionWarning?.(sessionId, warning);
    } catch {
      // A listener that fails must not keep the session from running (nor its writer lock held).
    }
  }
  return new SessionLog(writer, sessionId);
}
