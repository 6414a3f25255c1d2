// Where a process an agent can influence runs: the agent's shell, the tool server, and Agent OS's own git on
// the agents' files (a checkpoint commit, a snapshot, a merge). Every kind answers the same question — how
// to start this command line for this working directory — so they share one place:
// - `os`: inside sandbox-runtime with the policy of confinementPolicy.ts (nothing of the person's is mounted);
// - `none`: on the host as the person, with a scrubbed environment (only with their consent per command,
//   see src/core/tools/unconfinedTools.ts; our git passes flags that turn off the hooks and monitors a
//   planted config would start).
// A dev container session's agents run in its container; Agent OS's own git there runs in the OS sandbox
// where it works, else on the host like `none` (see chosenSessionSandboxes.ts).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { agentOsIdentity } from '../git/gitClient.ts';
import { confinementPolicy, type ConfinementPaths } from './confinementPolicy.ts';
import { wrapCommand } from './osSandbox.ts';
import { scrubbedEnv } from './scrubbedEnv.ts';

export type ConfinementKind = 'os' | 'none';

export interface ConfinementScope {
  /** Host path of the repository the process works in. */
  workdir: string;
  writable: boolean;
  /** Domains reachable; empty for no network, ['*'] for any. */
  allowedDomains: readonly string[];
  /** The thread's scratch home (HOME and TMPDIR inside). */
  scratchHome: string;
  /** This session's vault (borrowed objects live there). */
  vault: string;
  /** Variables set inside (already free of secrets). */
  env?: Record<string, string>;
  /** Further host folders to keep readable (an environment's caches). */
  readable?: readonly string[];
}

export interface ConfinedCommand {
  program: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Releases what the confinement holds for the command (its network allowlist) once it ended. */
  release?: () => void;
}

export interface Confinement {
  readonly kind: ConfinementKind;
  /** How to run `commandLine` (bash syntax) in the scope. */
  command(commandLine: string, scope: ConfinementScope): Promise<ConfinedCommand>;
}

/** Git identity and settings for every confined process: commits are Agent OS's, git never prompts. */
export function confinedEnv(scope: ConfinementScope): Record<string, string> {
  return scrubbedEnv({
    home: scope.scratchHome,
    extra: {
      TMPDIR: path.join(scope.scratchHome, 'tmp'),
      GIT_AUTHOR_NAME: agentOsIdentity.name,
      GIT_AUTHOR_EMAIL: agentOsIdentity.email,
      GIT_COMMITTER_NAME: agentOsIdentity.name,
      GIT_COMMITTER_EMAIL: agentOsIdentity.email,
      GIT_CONFIG_NOSYSTEM: '1',
      ...scope.env,
    },
  });
}

/** Starts a confined command as its own process group (so a kill takes everything it started). */
export function spawnConfined(
  command: ConfinedCommand,
  stdio: 'pipe' | 'ignore-stdin' = 'pipe',
): ChildProcessWithoutNullStreams {
  const child = spawn(command.program, command.args, {
    cwd: command.cwd,
    env: command.env,
    detached: true,
    stdio: [stdio === 'pipe' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  }) as ChildProcessWithoutNullStreams;
  if (command.release) child.once('exit', command.release);
  return child;
}

export interface OsConfinementOptions {
  /** The person's repository and its object store. */
  repository: string;
  repositoryObjects: string;
  /** Agent OS's store (every session's data), hidden. */
  store: string;
  /** Folders kept readable for every process (the tool server's program and scripts). */
  readable?: readonly string[];
}

export function osConfinement(options: OsConfinementOptions): Confinement {
  return {
    kind: 'os',
    async command(commandLine, scope) {
      const env = confinedEnv(scope);
      const paths: ConfinementPaths = {
        home: homedir(),
        repository: options.repository,
        repositoryObjects: options.repositoryObjects,
        store: options.store,
        workdir: scope.workdir,
        vault: scope.vault,
        scratchHome: scope.scratchHome,
        searchPath: env['PATH'] ?? '',
        extraReadable: [...(options.readable ?? []), ...(scope.readable ?? [])],
      };
      const policy = confinementPolicy({
        paths,
        writable: scope.writable,
        allowedDomains: scope.allowedDomains,
        platform: process.platform,
      });
      // The sandbox sets TMPDIR to a folder of its own that nothing made; ours is in the scratch home.
      const wrapped = await wrapCommand(
        `export TMPDIR=${shellQuote(env['TMPDIR'] ?? '/tmp')}; ${commandLine}`,
        policy,
        scope.workdir,
      );
      const [program, ...args] = wrapped.argv;
      return { program: program as string, args, env, cwd: scope.workdir, release: wrapped.release };
    },
  };
}

export function hostConfinement(): Confinement {
  return {
    kind: 'none',
    async command(commandLine, scope) {
      return {
        program: '/bin/bash',
        args: ['--noprofile', '--norc', '-c', commandLine],
        env: confinedEnv(scope),
        cwd: scope.workdir,
      };
    },
  };
}

/** Quotes one word for bash. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
