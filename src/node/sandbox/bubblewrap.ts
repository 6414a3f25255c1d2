// Bubblewrap (`bwrap`): runs the agent's shell in its own mount, pid and (unless allowed) network namespace.
// The whole file system is read-only; only what the plan lists is writable. This file knows bwrap's flags;
// what to mount for a worktree is decided by the sandbox provider.
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import * as path from 'node:path';

export interface BubblewrapProbe {
  available: boolean;
  /** Path of the binary when found. */
  path?: string;
  version?: string;
  /** Why it cannot be used (not installed, namespaces not permitted …). */
  reason?: string;
}

/** The flags we always use, so the probe fails exactly when real runs would. */
const ISOLATION_FLAGS = ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--new-session'];

function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string; spawnError?: string }> {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, out, spawnError: error.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** Finds `bwrap` and checks it can actually make namespaces here (containers and some distros forbid it). */
export async function probeBubblewrap(binary = 'bwrap'): Promise<BubblewrapProbe> {
  const version = await run(binary, ['--version'], 5000);
  if (version.spawnError !== undefined || version.code !== 0) {
    return { available: false, reason: 'bubblewrap not installed' };
  }
  const trial = await run(
    binary,
    ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--unshare-net', ...ISOLATION_FLAGS, '--', 'true'],
    10_000,
  );
  if (trial.code !== 0) {
    const why = trial.out.trim().split('\n')[0] ?? `exit ${trial.code}`;
    return { available: false, path: binary, version: version.out.trim(), reason: `bubblewrap cannot create namespaces here: ${why}` };
  }
  return { available: true, path: binary, version: version.out.trim() };
}

export type BubblewrapMount =
  /** Visible and writable. */
  | { kind: 'rw'; path: string }
  /** Visible, read-only; placed after writable mounts it makes a part of them read-only again. */
  | { kind: 'ro'; path: string }
  /** Hidden behind an empty, throw-away directory. */
  | { kind: 'tmpfs'; path: string }
  /** An empty directory made inside a tmpfs (e.g. HOME under /tmp). */
  | { kind: 'dir'; path: string };

export interface BubblewrapPlan {
  /** In order: later mounts cover earlier ones. */
  mounts: BubblewrapMount[];
  cwd: string;
  network: boolean;
  /** The whole environment inside (bwrap's own is cleared). */
  env: Record<string, string>;
}

/**
 * Directories hidden from every sandbox: the person's home (dotfiles hold tokens: gh, npm, cloud CLIs, ssh
 * keys) and /run (sockets such as docker's, which a read-only mount does not make unusable).
 * `keep` paths inside them (the repository, the storage folder, tool directories on PATH) are mounted back
 * read-only by the caller's plan.
 */
export function hiddenDirectories(): string[] {
  const home = homedir();
  const hidden = ['/run'];
  if (home && home !== '/' && path.isAbsolute(home)) hidden.push(home);
  return hidden;
}

/** Tool directories on PATH that a hidden directory would otherwise take away (nvm, ~/.local/bin …).
 * Only the `bin` folder and a sibling `lib` are kept (npm under nvm is a link into ../lib), never the
 * whole parent, which may hold credentials (~/.cargo/credentials.toml). */
export function pathEntriesUnder(hidden: readonly string[], searchPath: string): string[] {
  const keep = new Set<string>();
  for (const entry of searchPath.split(path.delimiter)) {
    if (!path.isAbsolute(entry)) continue;
    if (hidden.some((h) => isWithin(h, entry))) {
      keep.add(path.normalize(entry));
      if (path.basename(entry) === 'bin') keep.add(path.join(path.dirname(entry), 'lib'));
    }
  }
  return [...keep];
}

export function isWithin(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The bwrap arguments for a plan, ending with `--`; append the command. */
export function bubblewrapArgs(plan: BubblewrapPlan): string[] {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  for (const mount of plan.mounts) {
    if (mount.kind === 'rw') args.push('--bind', mount.path, mount.path);
    else if (mount.kind === 'ro') args.push('--ro-bind', mount.path, mount.path);
    else if (mount.kind === 'tmpfs') args.push('--tmpfs', mount.path);
    else args.push('--dir', mount.path);
  }
  if (!plan.network) args.push('--unshare-net');
  args.push(...ISOLATION_FLAGS, '--clearenv');
  for (const [name, value] of Object.entries(plan.env)) args.push('--setenv', name, value);
  args.push('--chdir', plan.cwd, '--');
  return args;
}
