// A session's log opened for writing, and what the person should know of it (the file store's warning that the
// log nears the size a session may hold) said once, through the runtime's channel, at the opening or when an
// append gets there: without it the person would only learn of the limit from the LOG_FULL refusal, when
// nothing more can be appended.
import { SessionLog } from '../../core/harness/sessionLog.ts';
import type { AgentOsRuntimeOptions } from './runtimeOptions.ts';

export async function openSessionLog(
  options: Pick<AgentOsRuntimeOptions, 'store' | 'onSessionWarning'>,
  sessionId: string,
): Promise<SessionLog> {
  const writer = await options.store.openWriter(sessionId);
  const warn = (message: string): void => {
    try {
      options.onSessionWarning?.(sessionId, message);
    } catch {
      // A listener that fails must not keep the session from running (nor its writer lock held).
    }
  };
  const warning = writer.opened.sizeWarning;
  if (warning !== undefined) warn(warning);
  // Or when this run's appends take the log there: a long run may reach the limit before any next opening.
  else writer.onSizeWarning?.(warn);
  return new SessionLog(writer, sessionId);
}
