// A thread's sandbox on this machine, in one of its repositories (the session's, a clean room, a child):
// - `os` (sandbox-runtime): the shell and the tool server both run confined; the host only passes lines.
//   The kernel ends everything a command started (its own PID namespace) when the shell is killed.
// - `none` (nothing confines here): the file tools run on the host, confined to the repository by path
//   (and never into .git); bash runs as the person, which the runtime allows only with their consent per
//   command (src/core/tools/unconfinedTools.ts). Processes that left the shell's group (setsid, daemons)
//   are found by the thread's scratch HOME and killed with it.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { Sandbox, SandboxAccess } from '../../core/sandbox/sandbox.ts';
import { BashSession, killProcessGroup } from '../tools/bashSession.ts';
import { createFileTools } from '../tools/fileTools.ts';
import { ToolServerClient } from '../tools/toolServerClient.ts';
import { toolServerCommand } from '../tools/toolServerScript.ts';
import { shellQuote, spawnConfined, type Confinement, type ConfinementScope } from './confinement.ts';
import { killStrayProcesses } from './strayProcesses.ts';
import { createToolSandbox } from './toolSandbox.ts';

export interface LocalSandboxRequest {
  id: string;
  scope: ConfinementScope;
  access: SandboxAccess;
  enabledTools: readonly string[];
  /** What the person is told about this sandbox. */
  what: string;
  bashDefaultTimeoutMs?: number;
  bashOutputLimit?: number;
  onDispose?: () => void;
}

export async function openLocalSandbox(confinement: Confinement, request: LocalSandboxRequest): Promise<Sandbox> {
  const { scope } = request;
  await mkdir(path.join(scope.scratchHome, 'tmp'), { recursive: true });
  const confined = confinement.kind === 'os';
  const readOnly = request.access === 'read_only';
  const shellCommand = await confinement.command('exec /bin/bash --noprofile --norc', scope);
  const spare = new Set<number>();
  const bash = new BashSession({
    spawn: () => {
      const shell = spawnConfined(shellCommand);
      if (shell.pid !== undefined) spare.add(shell.pid);
      shell.once('exit', () => shell.pid !== undefined && spare.delete(shell.pid));
      return shell;
    },
    kill: (shell: ChildProcessWithoutNullStreams) => {
      killProcessGroup(shell);
      // Unconfined, a command may have left the group (setsid, a daemon): it still has the thread's HOME.
      if (!confined) void killStrayProcesses(scope.scratchHome, new Set());
    },
    ...(request.bashDefaultTimeoutMs !== undefined ? { defaultTimeoutMs: request.bashDefaultTimeoutMs } : {}),
    ...(request.bashOutputLimit !== undefined ? { outputLimit: request.bashOutputLimit } : {}),
  });
  if (!confined) await killStrayProcesses(scope.scratchHome, spare);

  const server = confined
    ? new ToolServerClient({
        root: scope.workdir,
        start: async () => {
          const node = toolServerCommand();
          const line = ['exec', ...[node.program, ...node.args, JSON.stringify({ readOnly })].map(shellQuote)].join(
            ' ',
          );
          return spawnConfined(await confinement.command(line, { ...scope, env: { ...scope.env, ...node.env } }));
        },
      })
    : undefined;
  const files = server ?? createFileTools({ root: scope.workdir, readOnly });
  const network =
    scope.allowedDomains.length === 0
      ? 'network off'
      : scope.allowedDomains.includes('*')
        ? 'network on'
        : `network: ${scope.allowedDomains.join(', ')}`;
  const detail = confined
    ? `OS sandbox: every tool runs inside it; ${request.what} ${readOnly ? 'read-only' : 'writable'}, nothing else of yours visible; ${network}; empty home`
    : `unconfined: nothing confines commands on this machine, so every command asks you first; file tools stay inside ${request.what}`;
  return createToolSandbox({
    info: {
      id: request.id,
      kind: confined ? 'os' : 'worktree',
      confined,
      detail,
      workdir: scope.workdir,
      access: request.access,
      network: confined ? scope.allowedDomains.length > 0 : true,
    },
    enabledTools: request.enabledTools,
    files,
    bash,
    onDispose: async () => {
      await server?.dispose();
      request.onDispose?.();
    },
  });
}
