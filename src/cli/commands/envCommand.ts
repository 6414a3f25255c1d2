// `agent-os env`: check a repository's environment before a session (only the set-up and the test command,
// in the sandbox kind agents would use), list the dependency cache, or clear it.
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { AgentOsError } from '../../core/errors.ts';
import { diskUsage } from '../../node/environment/dependencyCache.ts';
import { checkEnvironment } from '../../node/environment/environmentCheck.ts';
import { SessionEnvironment } from '../../node/environment/sessionEnvironment.ts';
import { chosenSessionSandboxes } from '../../node/sandbox/chosenSessionSandboxes.ts';
import { chooseSandbox, parseSandboxSetting } from '../../node/sandbox/sandboxChoice.ts';
import type { CliCommand } from '../cliCommand.ts';
import { outputLines, setupConfirmation } from '../setupQuestion.ts';
import { repositoryRoot, resolveStoreDir } from '../storeLocation.ts';
import { printLine, printOut } from '../terminalOutput.ts';

const usage = `Usage:
  agent-os env check [--accept-setup] [--no-cache] [options]   run the set-up and the test command, nothing else
  agent-os env cache [--clear] [options]                       list (or remove) the cached dependencies
Options:
  --repo <dir>              the repository (default: the one around the current folder)
  --store <dir>             session storage folder (the cache lives in its .environments)
  --sandbox <kind>          auto (default), devcontainer, os or worktree
  --devcontainer-config <path>  the dev container configuration
  --no-bubblewrap           act as if the OS sandbox did not work here (unconfined: every command asks)
  --accept-setup            confirm a set-up that asks (detected; any unconfined) without being asked (remembered)
  --no-cache                run the set-up even when the cache has its result
`;

export const envCommand: CliCommand = {
  name: 'env',
  summary: "check a repository's environment (set-up and tests), or list/clear the dependency cache",
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        repo: { type: 'string' },
        store: { type: 'string' },
        sandbox: { type: 'string' },
        'devcontainer-config': { type: 'string' },
        'no-bubblewrap': { type: 'boolean' },
        'accept-setup': { type: 'boolean' },
        'no-cache': { type: 'boolean' },
        clear: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    const [action] = positionals;
    if (values.help || !action) {
      printOut(usage);
      return values.help ? 0 : 2;
    }
    if (action !== 'check' && action !== 'cache')
      throw new AgentOsError('INVALID_ARGUMENT', `unknown env action '${action}'\n${usage}`);
    const repository = await repositoryRoot(resolve(values.repo ?? process.cwd()));
    const storeDir = await resolveStoreDir(values.store, repository);
    const environment = new SessionEnvironment({ dir: join(storeDir, '.environments') });
    const out = printLine;

    if (action === 'cache') {
      if (values.clear) {
        out(`removed ${await environment.cache.clear()} cached environment(s) from ${environment.cache.root}`);
        return 0;
      }
      const entries = await environment.cache.list();
      if (entries.length === 0) out(`no cached environments in ${environment.cache.root}`);
      for (const e of entries) {
        const size = await diskUsage([environment.cache.entryDir(e.key)]);
        out(
          `${e.key}  ${e.dirs.join(', ')}  ${(size / 1024 / 1024).toFixed(1)} MB${e.testCommand ? `  tests: ${e.testCommand}` : ''}`,
        );
      }
      return 0;
    }

    const devcontainerConfigPath = values['devcontainer-config'];
    const choice = await chooseSandbox({
      setting: parseSandboxSetting(values.sandbox ?? process.env.AGENT_OS_SANDBOX),
      repository,
      ...(values['no-bubblewrap'] ? { osSandboxAvailable: false } : {}),
      ...(devcontainerConfigPath ? { devcontainerConfigPath } : {}),
    });
    out(`sandbox: ${choice.detail}${choice.problem ? ` — ${choice.problem}` : ''}`);
    const sandboxes = chosenSessionSandboxes(choice, {
      storageDir: join(storeDir, '.worktrees'),
      repository,
      ...(devcontainerConfigPath ? { devcontainerConfigPath } : {}),
    });
    const lines = outputLines((line) => out(`  | ${line}`));
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once('SIGINT', stop);
    try {
      const result = await checkEnvironment({
        repository,
        environment,
        sandboxes,
        sandboxKind: choice.kind,
        ...(values['no-cache'] ? { ignoreCache: true } : {}),
        confirm: setupConfirmation(values['accept-setup']),
        out,
        output: (text) => lines.write(text),
        signal: controller.signal,
      });
      out(result.ok ? `ok: ${result.message}` : `not ok: ${result.message}`);
      return result.ok ? 0 : 1;
    } finally {
      process.off('SIGINT', stop);
      lines.flush();
    }
  },
};
