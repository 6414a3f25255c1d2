// Runs the built CLI (dist/cli.js) as a child process, as a person or a script would.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { childPidOf, underNonReapingParent } from './nonReapingParent.ts';

export const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

export interface CliRun {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and what it printed. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** The CLI's own pid. */
  cliPid: Promise<number>;
}

/** The Node the CLI runs on: the test runner's, or AGENT_OS_CLI_NODE (e.g. the machine's Node 20) to try
 * the CLI suite on another one. */
export const CLI_NODE = process.env['AGENT_OS_CLI_NODE'] || process.execPath;

/** `nonReaping`: the CLI runs under a parent that never reaps it (test/support/nonReapingParent.ts), so once
 * it ends it stays a zombie; `child` is then that parent, `done` resolves only after the parent is killed,
 * and `cliPid` comes from the parent's first line. */
export function startCli(args: string[], env: NodeJS.ProcessEnv, options: { nonReaping?: boolean } = {}): CliRun {
  const run = options.nonReaping
    ? underNonReapingParent(CLI_NODE, [CLI, ...args])
    : { command: CLI_NODE, args: [CLI, ...args] };
  const child = spawn(run.command, run.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const cliPid = options.nonReaping
    ? new Promise<number>((resolve, reject) => {
        const onData = (): void => {
          const nl = stdout.indexOf('\n');
          if (nl < 0) return;
          child.stdout?.off('data', onData);
          resolve(childPidOf(stdout.slice(0, nl)));
        };
        child.stdout?.on('data', onData);
        void done.then(() => reject(new Error(`the parent ended before naming its child:\n${stdout}\n${stderr}`)));
      })
    : Promise.resolve(child.pid as number);
  return { child, done, cliPid };
}

/** The environment a CLI child gets in tests: nothing of the test runner leaks in. */
export function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...extra };
  return env;
}
