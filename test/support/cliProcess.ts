// Runs the built CLI (dist/cli.js) as a child process, as a person or a script would.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

export interface CliRun {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and what it printed. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** The Node the CLI runs on: the test runner's, or AGENT_OS_CLI_NODE (e.g. the machine's Node 20) to try
 * the CLI suite on another one. */
export const CLI_NODE = process.env['AGENT_OS_CLI_NODE'] || process.execPath;

export function startCli(args: string[], env: NodeJS.ProcessEnv): CliRun {
  const child = spawn(CLI_NODE, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** The environment a CLI child gets in tests: nothing of the test runner leaks in. */
export function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...extra };
  return env;
}
