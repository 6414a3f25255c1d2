// The CLI's switch to the managed backend (`--backend managed`, or AGENT_OS_BACKEND=managed): the same
// commands and output, with the agent loop on the hosted platform and this process serving the
// self-hosted environment's tools (unless `--no-worker`: then `agent-os worker` processes serve them).
import { AgentOsError } from '../core/errors.ts';
import type { PlatformConnection } from '../node/managed/createManagedRuntime.ts';
import { startManagedBackend } from '../node/managed/managedBackend.ts';
import type { LocalRuntimeOptions } from '../node/runtime/localRuntime.ts';
import type { CliRuntime } from './runtimeFlags.ts';
import { printErr } from './terminalOutput.ts';

export type Backend = 'local' | 'managed';

export const managedFlagOptions = {
  backend: { type: 'string' },
  environment: { type: 'string' },
  'no-worker': { type: 'boolean' },
} as const;

export interface ManagedFlagValues {
  backend?: string;
  environment?: string;
  'no-worker'?: boolean;
}

export const managedFlagsHelp = `  --backend <local|managed>  where the agent loop runs (default local; $AGENT_OS_BACKEND); managed: on Claude Managed Agents
  --environment <env_id>    managed: the self-hosted environment to use (default: the one Agent OS makes and serves)
  --no-worker               managed: do not serve the environment's tools from this process (agent-os worker does)`;

export function parseBackend(value: string | undefined): Backend {
  if (value === undefined || value === '' || value === 'local') return 'local';
  if (value === 'managed') return 'managed';
  throw new AgentOsError('INVALID_ARGUMENT', `--backend must be local or managed, got '${value}'`);
}

export async function buildManagedCliRuntime(
  options: Omit<LocalRuntimeOptions, 'model'>,
  flags: ManagedFlagValues,
  platform: Omit<PlatformConnection, 'environmentId'>,
  env: NodeJS.ProcessEnv,
): Promise<CliRuntime> {
  const environmentId = flags.environment ?? env.AGENT_OS_ENVIRONMENT_ID;
  const backend = await startManagedBackend(
    options,
    {
      ...platform,
      ...(environmentId ? { environmentId } : {}),
      ...(env.ANTHROPIC_ENVIRONMENT_KEY ? { environmentKey: env.ANTHROPIC_ENVIRONMENT_KEY } : {}),
    },
    // The session's own output is the same as on the local backend; only trouble is worth a line.
    (line) => {
      if (/^(lost|error|warning|stopped)/.test(line)) printErr(`worker: ${line}\n`);
    },
    { serveTools: !flags['no-worker'] },
  );
  return {
    runtime: backend.runtime,
    store: backend.store,
    repository: '',
    storeDir: options.storeDir,
    dispose: () => backend.dispose(),
  };
}
