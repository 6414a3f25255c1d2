// sandbox-runtime's manager, in a worker thread of its own (osSandbox.ts starts it and is its only client).
// Each wrap of a command runs `which` twice with spawnSync (bubblewrap and the shell), and ripgrep; the
// manager's HTTP and SOCKS proxies serve every confined command's connections. On the main thread that held
// the event loop for ~15 ms per synchronous `which`, under every session at once; here it holds only this
// thread. The messages are plain data: what osSandbox.ts asks, and the answer or the error's text.
import { parentPort, workerData } from 'node:worker_threads';
import { ALLOWS_NOTHING, type ConfinementPolicy } from './confinementPolicy.ts';

type Runtime = typeof import('@anthropic-ai/sandbox-runtime');

export type HostRequest =
  | { id: number; op: 'probe' }
  | {
      id: number;
      op: 'wrap';
      command: string;
      policy: ConfinementPolicy;
      cwd: string;
      commandId: string;
    }
  | { id: number; op: 'reset' };

/** Not answered: the end of a command's network allowlist, and the main thread's exit (see exitCleanup). */
export type HostNotice = { op: 'release'; commandId: string } | { op: 'exit' };

export type HostAnswer = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

export interface HostProbe {
  /** Why the runtime could not load, when it could not. */
  loadError?: string;
  supported: boolean;
  errors: string[];
}

/** A flag in shared memory the host sets once the exit clean-up is done; the main thread waits on it. */
export interface HostData {
  exitDone: Int32Array;
}

let runtime: Promise<Runtime> | undefined;
let initialised: Promise<void> | undefined;

async function manager(): Promise<Runtime['SandboxManager']> {
  runtime ??= import('@anthropic-ai/sandbox-runtime');
  const { SandboxManager } = await runtime;
  initialised ??= SandboxManager.initialize(ALLOWS_NOTHING);
  await initialised;
  return SandboxManager;
}

async function probe(): Promise<HostProbe> {
  let SandboxManager: Runtime['SandboxManager'];
  try {
    runtime ??= import('@anthropic-ai/sandbox-runtime');
    ({ SandboxManager } = await runtime);
  } catch (error) {
    runtime = undefined;
    return { loadError: error instanceof Error ? error.message : String(error), supported: false, errors: [] };
  }
  if (!SandboxManager.isSupportedPlatform()) return { supported: false, errors: [] };
  return { supported: true, errors: SandboxManager.checkDependencies().errors };
}

async function answer(request: HostRequest): Promise<unknown> {
  switch (request.op) {
    case 'probe':
      return probe();
    case 'wrap': {
      const sandbox = await manager();
      const domains = request.policy.network.allowedDomains;
      if (domains.length > 0) sandbox.registerCommandNetworkLists(request.commandId, { allowedDomains: domains });
      const { argv } = await sandbox.wrapWithSandboxArgv(
        request.command,
        '/bin/bash',
        request.policy,
        undefined,
        request.cwd,
        {
          commandId: request.commandId,
        },
      );
      return argv;
    }
    case 'reset': {
      if (!initialised) return undefined;
      const { SandboxManager } = await (runtime as Promise<Runtime>);
      await initialised.catch(() => undefined);
      initialised = undefined;
      await SandboxManager.reset();
      return undefined;
    }
  }
}

/** sandbox-runtime removes what it made on the host (bubblewrap's mount points for missing deny paths, its
 * sockets) in `process.on('exit')` handlers; a worker's never run when the process exits, so the main
 * thread's exit handler asks for them here and waits for the flag. */
function exitCleanup(data: HostData): void {
  try {
    process.emit('exit', 0);
  } finally {
    Atomics.store(data.exitDone, 0, 1);
    Atomics.notify(data.exitDone, 0);
  }
}

const data = workerData as HostData;
parentPort?.on('message', (message: HostRequest | HostNotice) => {
  if (message.op === 'exit') return exitCleanup(data);
  if (message.op === 'release') {
    void runtime?.then(({ SandboxManager }) => SandboxManager.unregisterCommandNetworkLists(message.commandId));
    return;
  }
  answer(message).then(
    (value) => parentPort?.postMessage({ id: message.id, ok: true, value } satisfies HostAnswer),
    (error: unknown) =>
      parentPort?.postMessage({
        id: message.id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      } satisfies HostAnswer),
  );
});
