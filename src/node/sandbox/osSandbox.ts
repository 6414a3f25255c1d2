// The OS-level sandbox: Claude Code's sandbox-runtime (bubblewrap with a seccomp filter on Linux, Seatbelt
// on macOS, a restricted account on Windows; network only through its proxies, per-domain allowlists).
// One SandboxManager per process (it owns the proxies), initialised on first use with a policy that allows
// nothing; every process we start passes its own policy (confinementPolicy.ts) to the wrap. The manager
// lives in a worker thread (sandboxRuntimeHost.ts): its wraps spawn processes synchronously and its proxies
// carry every confined command's traffic, neither of which may hold the event loop the sessions, the
// Threads tree and the Event Log share. The package is ESM, kept out of the main bundles (esbuild.js).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { SHARE_ENV, Worker } from 'node:worker_threads';
import { ALLOWS_NOTHING, type ConfinementPolicy } from './confinementPolicy.ts';
import type { HostAnswer, HostData, HostNotice, HostProbe, HostRequest } from './sandboxRuntimeHost.ts';

export interface OsSandboxProbe {
  available: boolean;
  /** Why not, with the next step, when not available. */
  reason?: string;
}

/** Requests without their id, as callers give them. */
type Ask = HostRequest extends infer R ? (R extends HostRequest ? Omit<R, 'id'> : never) : never;

interface Host {
  worker: Worker;
  data: HostData;
  pending: Map<number, { resolve(value: unknown): void; reject(error: Error): void }>;
  nextId: number;
}

let host: Host | undefined;
let probed: Promise<OsSandboxProbe> | undefined;
let exitHandlerRegistered = false;

/** The host's script: its bundle beside ours (dist/), or, run from source (tests, tsx), its module. */
function hostScript(): string {
  return __filename.endsWith('.ts') ? join(__dirname, 'sandboxRuntimeHost.ts') : join(__dirname, 'sandboxHost.js');
}

function startHost(): Host {
  const data: HostData = { exitDone: new Int32Array(new SharedArrayBuffer(4)) };
  // One environment with this thread: the host finds bubblewrap, socat and ripgrep on PATH as it is now.
  const worker = new Worker(hostScript(), { workerData: data, env: SHARE_ENV });
  const started: Host = { worker, data, pending: new Map(), nextId: 1 };
  const fail = (error: Error): void => {
    if (host === started) host = undefined;
    for (const p of started.pending.values()) p.reject(error);
    started.pending.clear();
  };
  worker.on('message', (answer: HostAnswer) => {
    const waiting = started.pending.get(answer.id);
    if (!waiting) return;
    started.pending.delete(answer.id);
    if (answer.ok) waiting.resolve(answer.value);
    else waiting.reject(new Error(answer.message));
    if (started.pending.size === 0) worker.unref();
  });
  worker.on('error', (error) => fail(error));
  worker.on('exit', (code) => fail(new Error(`the OS sandbox's host thread ended (exit ${code})`)));
  // Idle, the host does not keep the process alive: a confined command's own process does while it runs.
  worker.unref();
  if (!exitHandlerRegistered) {
    exitHandlerRegistered = true;
    process.on('exit', () => {
      if (!host) return;
      host.worker.postMessage({ op: 'exit' } satisfies HostNotice);
      // Bounded: an exit must not hang on a host that is stuck.
      Atomics.wait(host.data.exitDone, 0, 0, 2000);
    });
  }
  return started;
}

function ask<T>(request: Ask): Promise<T> {
  host ??= startHost();
  const current = host;
  const id = current.nextId++;
  return new Promise<T>((resolve, reject) => {
    current.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    current.worker.ref();
    current.worker.postMessage({ ...request, id } as HostRequest);
  });
}

export interface WrappedCommand {
  argv: string[];
  /** Ends the command's network allowlist (call when the process is gone). */
  release: () => void;
}

/** The program and arguments that run `command` (a shell command line) under `policy`, in `cwd`. The
 * proxy knows a command's domains by an unguessable id the wrap gives it (sandbox-runtime decides per
 * connection: the process-wide list allows nothing, this command's list allows its own domains). */
export async function wrapCommand(command: string, policy: ConfinementPolicy, cwd: string): Promise<WrappedCommand> {
  const commandId = randomBytes(16).toString('base64url');
  const argv = await ask<string[]>({ op: 'wrap', command, policy, cwd, commandId });
  const hasDomains = policy.network.allowedDomains.length > 0;
  const wrappedBy = host;
  return {
    argv,
    release: () => {
      if (hasDomains && wrappedBy && host === wrappedBy)
        wrappedBy.worker.postMessage({ op: 'release', commandId } satisfies HostNotice);
    },
  };
}

/** Whether sandbox-runtime confines processes on this machine: its platform and dependencies, then one real
 * confined `true` (containers and some kernels refuse the namespaces it needs). Probed once per process. */
export function probeOsSandbox(): Promise<OsSandboxProbe> {
  probed ??= (async (): Promise<OsSandboxProbe> => {
    let found: HostProbe;
    try {
      found = await ask<HostProbe>({ op: 'probe' });
    } catch (error) {
      found = { loadError: error instanceof Error ? error.message : String(error), supported: false, errors: [] };
    }
    if (found.loadError !== undefined)
      return { available: false, reason: `the sandbox runtime could not load (${found.loadError})` };
    if (!found.supported) return { available: false, reason: `the OS sandbox does not support ${process.platform}` };
    if (found.errors.length > 0) {
      const hint = process.platform === 'linux' ? ' (install them: apt-get install bubblewrap socat ripgrep)' : '';
      return { available: false, reason: `the OS sandbox is missing ${found.errors.join('; ')}${hint}` };
    }
    try {
      const { argv } = await wrapCommand('true', ALLOWS_NOTHING, process.cwd());
      const result = await run(argv);
      if (result.code !== 0)
        return {
          available: false,
          reason: `the OS sandbox cannot start here: ${result.output.trim().split('\n')[0] ?? `exit ${result.code}`}`,
        };
    } catch (error) {
      return {
        available: false,
        reason: `the OS sandbox cannot start here: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    return { available: true };
  })();
  return probed;
}

function run(argv: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const [program, ...args] = argv;
    const child = spawn(program as string, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    });
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, output: error.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Stops the proxies and removes the mount points sandbox-runtime made, then ends its thread; the CLI and
 * the extension call it when they end. */
export async function shutdownOsSandbox(): Promise<void> {
  const current = host;
  if (!current) return;
  try {
    await ask({ op: 'reset' });
  } finally {
    if (host === current) host = undefined;
    await current.worker.terminate();
  }
}
