// `agent-os worker`: serves a self-hosted environment headless — polls the platform for work, runs
// each session's tools in this machine's sandbox, heartbeats the lease — until stopped. Start several
// (here or on other machines with the same checkout at the same path) and they share the environment's
// sessions between them.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AgentOsError } from '../../core/errors.ts';
import { createManagedRuntime } from '../../node/managed/createManagedRuntime.ts';
import { runEnvironmentWorker } from '../../node/managed/environmentWorker.ts';
import { ManagedStateFile } from '../../node/managed/managedState.ts';
import { parseSandboxSetting } from '../../node/sandbox/sandboxChoice.ts';
import type { CliCommand } from '../cliCommand.ts';
import { repositoryRoot, resolveStoreDir } from '../storeLocation.ts';
import { printErr, printLine, printOut } from '../terminalOutput.ts';
import { secretValues } from '../sessionExport.ts';

const usage = `Usage: agent-os worker [--environment <env_id>] [--repo <dir>] [--store <dir>] [--worker-id <name>] [options]
  --environment <env_id>   the self-hosted environment to serve (default: the one this store's sessions use)
  --repo <dir>             a repository whose sessions this worker serves (default: the one around the current folder)
  --store <dir>            the session store folder (default: inside the repository's .git), for worktrees
  --worker-id <name>       how this worker names itself to the platform
  --base-url <url>         the platform's address (default: $ANTHROPIC_BASE_URL or Anthropic's)
  --sandbox <kind>         auto (default), devcontainer, os or worktree
  --no-bubblewrap          act as if the OS sandbox did not work here (unconfined: every command asks)
Environment: ANTHROPIC_API_KEY (required); ANTHROPIC_ENVIRONMENT_KEY (the environment's key, when it has its own).
`;

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: "serve a managed session environment's tools from this machine (headless)",
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        environment: { type: 'string' },
        repo: { type: 'string' },
        store: { type: 'string' },
        'worker-id': { type: 'string' },
        'base-url': { type: 'string' },
        sandbox: { type: 'string' },
        'no-bubblewrap': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      printOut(usage);
      return 0;
    }
    const apiKey = process.env.ANTHROPIC_API_KEY;
    if (!apiKey)
      throw new AgentOsError(
        'INVALID_ARGUMENT',
        'ANTHROPIC_API_KEY is not set: the worker needs a key of an organization with Claude Managed Agents access',
      );
    const repository = await repositoryRoot(resolve(values.repo ?? process.cwd()));
    const storeDir = await resolveStoreDir(values.store, repository);
    const baseURL = values['base-url'] ?? process.env.ANTHROPIC_BASE_URL;
    const environmentId =
      values.environment ??
      process.env.AGENT_OS_ENVIRONMENT_ID ??
      (await ManagedStateFile.inStore(storeDir, baseURL ?? 'default').read()).environmentId;
    if (!environmentId) {
      throw new AgentOsError(
        'INVALID_ARGUMENT',
        'no environment to serve: pass --environment <env_id>, or start a session with --backend managed first (it makes one)',
      );
    }
    const setup = createManagedRuntime({
      storeDir,
      platform: { apiKey, ...(baseURL ? { baseURL } : {}), environmentId },
      ...(values['no-bubblewrap'] ? { bubblewrap: 'off' as const } : {}),
      sandbox: parseSandboxSetting(values.sandbox ?? process.env.AGENT_OS_SANDBOX),
    });
    // The environment is checked up front: a wrong id is one clear line, not a worker polling nothing.
    await setup.runtime.environmentId();
    const controller = new AbortController();
    const stop = (signal: NodeJS.Signals): void => {
      printErr(
        `agent-os worker: ${signal}: stopping (a session's unfinished call is answered as interrupted by the next worker)\n`,
      );
      controller.abort();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const out = printLine;
    out(`serving environment ${environmentId} (store ${storeDir})`);
    await runEnvironmentWorker({
      apiKey,
      ...(baseURL ? { baseURL } : {}),
      environmentId,
      ...(process.env.ANTHROPIC_ENVIRONMENT_KEY ? { environmentKey: process.env.ANTHROPIC_ENVIRONMENT_KEY } : {}),
      sandboxes: setup.sandboxes,
      journalDir: setup.journalDir,
      ...(values['worker-id'] ? { workerId: values['worker-id'] } : {}),
      signal: controller.signal,
      onLine: out,
      secrets: secretValues(process.env),
    }).catch((error: unknown) => {
      if (!controller.signal.aborted) throw error;
    });
    return 0;
  },
};
