// Runs the self-hosted environment: the SDK's EnvironmentWorker (poll, ack, heartbeat the lease, run a
// session's tools, stop) with Agent OS's sandbox as the tools. Several of these — processes, machines —
// can serve one environment: the platform hands each work item to one worker. The worker's log lines
// that matter to a person (claimed work, a lost lease) come out as plain sentences.
import { Anthropic } from '@anthropic-ai/sdk';
import type { SandboxProvider } from '../../core/sandbox/sandbox.ts';
import { platformError } from './platformErrors.ts';
import { sandboxTools } from './sandboxTools.ts';

export interface EnvironmentWorkerOptions {
  apiKey: string;
  baseURL?: string;
  environmentId: string;
  /** The worker's standing credential; the API key when the platform issued no separate one. */
  environmentKey?: string;
  sandboxes(repository: string): SandboxProvider;
  journalDir: string;
  workerId?: string;
  /** How long a session with nothing to do keeps its work item (default: the SDK's 60 s). */
  maxIdleMs?: number;
  signal: AbortSignal;
  onLine?(line: string): void;
  /** Secret values besides the keys above (a GitHub token, configured secrets): redacted from tool results. */
  secrets?: readonly string[];
}

export async function runEnvironmentWorker(options: EnvironmentWorkerOptions): Promise<void> {
  const say = options.onLine ?? (() => undefined);
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    logLevel: 'info',
    logger: workerLogger(say),
  });
  const worker = client.beta.environments.work.worker({
    environmentId: options.environmentId,
    environmentKey: options.environmentKey ?? options.apiKey,
    ...(options.workerId ? { workerId: options.workerId } : {}),
    ...(options.maxIdleMs !== undefined ? { maxIdleMs: options.maxIdleMs } : {}),
    // Agent OS sessions mount no memory stores.
    memorySyncIntervalMs: null,
    tools: (ctx) =>
      sandboxTools({
        session: ctx.session as NonNullable<typeof ctx.session>,
        client: ctx.client as Anthropic,
        sandboxes: options.sandboxes,
        journalDir: options.journalDir,
        secrets: [
          options.apiKey,
          ...(options.environmentKey ? [options.environmentKey] : []),
          ...(options.secrets ?? []),
        ],
        onCall: (call) =>
          say(
            `${call.sessionId} ${call.agent}: ${call.tool}${call.rerun ? ' (started before by a worker that stopped)' : ''}`,
          ),
      }),
  });
  try {
    await worker.run(options.signal);
  } catch (error) {
    if (options.signal.aborted) return;
    throw platformError(error, `serving environment ${options.environmentId}`);
  }
}

/** The SDK logs structured messages; these are the ones a person running a worker needs. */
function workerLogger(say: (line: string) => void): NonNullable<ConstructorParameters<typeof Anthropic>[0]>['logger'] {
  const fieldsOf = (args: unknown[]): Record<string, unknown> =>
    typeof args[0] === 'object' && args[0] !== null ? (args[0] as Record<string, unknown>) : {};
  return {
    debug: () => undefined,
    info: (message: string, ...args: unknown[]) => {
      const f = fieldsOf(args);
      if (message === 'work claimed' || message.startsWith('claimed')) say(`claimed work ${String(f.work_id ?? '')}`);
      else if (message.startsWith('lease lost'))
        say(
          `lost the lease of work ${String(f.work_id ?? '')}: another worker serves that session now; its unfinished calls are not re-run there`,
        );
      else if (message === 'session terminated') say(`session ${String(f.session_id ?? '')} terminated`);
    },
    warn: (message: string, ...args: unknown[]) => say(`warning: ${message}${describe(fieldsOf(args))}`),
    error: (message: string, ...args: unknown[]) => {
      const f = fieldsOf(args);
      if (message.startsWith('lease lost'))
        say(
          `lost the lease of work ${String(f.work_id ?? '')} (412 heartbeat_precondition_failed): another worker serves that session now; the calls this one started are answered there as interrupted, never re-run silently`,
        );
      else say(`error: ${message}${describe(f)}`);
    },
  };
}

function describe(fields: Record<string, unknown>): string {
  const parts = Object.entries(fields)
    .filter(([k]) => k === 'work_id' || k === 'session_id' || k === 'error')
    .map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
