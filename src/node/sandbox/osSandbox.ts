// The OS-level sandbox: Claude Code's sandbox-runtime (bubblewrap with a seccomp filter on Linux, Seatbelt
// on macOS, a restricted account on Windows; network only through its proxies, per-domain allowlists).
// One SandboxManager per process (it owns the proxies): initialised on first use with a policy that allows
// nothing, and every process we start passes its own policy (confinementPolicy.ts) to the wrap. Loaded
// lazily: the package is ESM and kept out of our bundles (it finds its vendored seccomp helper next to it).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { ConfinementPolicy } from './confinementPolicy.ts';

type Runtime = typeof import('@anthropic-ai/sandbox-runtime');

export interface OsSandboxProbe {
  available: boolean;
  /** Why not, with the next step, when not available. */
  reason?: string;
}

let runtime: Promise<Runtime> | undefined;
let initialised: Promise<void> | undefined;
let probed: Promise<OsSandboxProbe> | undefined;

function load(): Promise<Runtime> {
  runtime ??= import('@anthropic-ai/sandbox-runtime');
  return runtime;
}

const NOTHING: ConfinementPolicy = {
  filesystem: { denyRead: [], allowRead: [], allowWrite: [], denyWrite: [] },
  network: { allowedDomains: [], deniedDomains: [] },
};

async function manager(): Promise<Runtime['SandboxManager']> {
  const { SandboxManager } = await load();
  initialised ??= SandboxManager.initialize(NOTHING);
  await initialised;
  return SandboxManager;
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
  const sandbox = await manager();
  const commandId = randomBytes(16).toString('base64url');
  const domains = policy.network.allowedDomains;
  if (domains.length > 0) sandbox.registerCommandNetworkLists(commandId, { allowedDomains: domains });
  const { argv } = await sandbox.wrapWithSandboxArgv(command, '/bin/bash', policy, undefined, cwd, { commandId });
  return { argv, release: () => domains.length > 0 && sandbox.unregisterCommandNetworkLists(commandId) };
}

/** Whether sandbox-runtime confines processes on this machine: its platform and dependencies, then one real
 * confined `true` (containers and some kernels refuse the namespaces it needs). Probed once per process. */
export function probeOsSandbox(): Promise<OsSandboxProbe> {
  probed ??= (async (): Promise<OsSandboxProbe> => {
    let SandboxManager: Runtime['SandboxManager'];
    try {
      ({ SandboxManager } = await load());
    } catch (error) {
      return {
        available: false,
        reason: `the sandbox runtime could not load (${error instanceof Error ? error.message : String(error)})`,
      };
    }
    if (!SandboxManager.isSupportedPlatform())
      return { available: false, reason: `the OS sandbox does not support ${process.platform}` };
    const deps = SandboxManager.checkDependencies();
    if (deps.errors.length > 0) {
      const hint = process.platform === 'linux' ? ' (install them: apt-get install bubblewrap socat ripgrep)' : '';
      return { available: false, reason: `the OS sandbox is missing ${deps.errors.join('; ')}${hint}` };
    }
    try {
      const { argv } = await wrapCommand('true', NOTHING, process.cwd());
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

/** Stops the proxies and removes the mount points sandbox-runtime made; the CLI and the extension call it
 * when they end. */
export async function shutdownOsSandbox(): Promise<void> {
  if (!initialised) return;
  const { SandboxManager } = await load();
  await initialised.catch(() => undefined);
  initialised = undefined;
  await SandboxManager.reset();
}
