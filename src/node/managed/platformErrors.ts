// The platform's failures as one clear line each. Branches on HTTP status and `error_code`, never on
// message text (docs/reference/managedAgents.md §10.1). Every message says what to do; none loses the session.
import { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import { AgentOsError } from '../../core/errors.ts';

export function errorCodeOf(error: unknown): string | undefined {
  if (!(error instanceof APIError)) return undefined;
  const body = error.error as { error?: { details?: { error_code?: unknown } } } | undefined;
  const code = body?.error?.details?.error_code;
  return typeof code === 'string' ? code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof APIError && error.status === 404;
}

/** `doing` says what was being done ("creating the session"). */
export function platformError(error: unknown, doing: string): AgentOsError {
  if (error instanceof AgentOsError) return error;
  const resume = 'a session already started is kept: resume it with `agent-os resume <session>`';
  if (error instanceof APIError && error.status !== undefined) {
    const message = apiMessage(error);
    switch (error.status) {
      case 401:
        return new AgentOsError(
          'PLATFORM_FAILED',
          `the platform refused the API key while ${doing} (401 authentication_error: ${message}); check ANTHROPIC_API_KEY`,
        );
      case 403:
        return new AgentOsError(
          'PLATFORM_FAILED',
          `this API key has no access to Claude Managed Agents (403 ${errorCodeOf(error) ?? 'permission_error'}) while ${doing}: ${message}. Use a key of an organization in the beta, or the local backend (--backend local)`,
        );
      case 404:
        if (errorCodeOf(error) === 'environment_not_found' || /environment/i.test(doing)) {
          return new AgentOsError(
            'PLATFORM_FAILED',
            `the platform has no such environment (404 environment_not_found) while ${doing}: ${message}. Check --environment (or $AGENT_OS_ENVIRONMENT_ID), or leave it unset and Agent OS makes one`,
          );
        }
        return new AgentOsError('PLATFORM_FAILED', `the platform does not know it (404) while ${doing}: ${message}`);
      case 412:
        return new AgentOsError(
          'PLATFORM_FAILED',
          `the work item's lease was lost (412 heartbeat_precondition_failed) while ${doing}: another worker holds it now; its tool calls are not run here again`,
        );
      case 429:
        return new AgentOsError(
          'PLATFORM_FAILED',
          `the platform is rate limiting requests (429) while ${doing}, after the SDK's retries; try again in a while (${resume})`,
        );
      default:
        return new AgentOsError(
          'PLATFORM_FAILED',
          `the platform failed while ${doing} (${error.status}: ${message}); ${resume}`,
        );
    }
  }
  if (error instanceof APIConnectionError) {
    return new AgentOsError(
      'PLATFORM_FAILED',
      `cannot reach the platform while ${doing} (${error.message}); ${resume}`,
    );
  }
  return new AgentOsError('PLATFORM_FAILED', `${doing} failed: ${(error as Error)?.message ?? String(error)}`);
}

function apiMessage(error: APIError): string {
  const body = error.error as { error?: { message?: unknown } } | undefined;
  const message = body?.error?.message;
  return typeof message === 'string' ? message : error.message;
}
