// A persistent shell for the `bash` tool: cwd and exported variables survive between calls. How the shell
// is started is the caller's business (plain bash, bash under bubblewrap, `docker exec -i … bash`), so the
// same framing, timeout and kill logic serve every sandbox kind.
import { randomUUID } from 'node:crypto';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { ToolOutcome } from '../../core/sandbox/sandbox.ts';

export const BASH_DEFAULT_TIMEOUT_MS = 120_000;
export const BASH_MAX_TIMEOUT_MS = 30 * 60_000;
export const BASH_OUTPUT_LIMIT = 100 * 1024;

export interface BashSessionOptions {
  /** Starts a shell that reads commands from stdin. It must be its own process group leader
   * (spawn with `detached: true`) unless `kill` is given. */
  spawn: () => ChildProcessWithoutNullStreams;
  /** Kills the shell and everything it started. Default: SIGKILL to the shell's process group. */
  kill?: (shell: ChildProcessWithoutNullStreams) => void;
  defaultTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** Characters of output kept per command (the tail). */
  outputLimit?: number;
}

export interface BashRunInput {
  command?: string;
  restart?: boolean;
  timeout_ms?: number;
}

interface Waiter {
  sentinel: string;
  resolve: () => void;
}

/** Kills the process group led by `shell`, so background jobs and grandchildren go too. */
export function killProcessGroup(shell: ChildProcessWithoutNullStreams): void {
  if (shell.pid !== undefined) {
    try {
      process.kill(-shell.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
  try {
    shell.kill('SIGKILL');
  } catch {
    // already dead
  }
}

class Shell {
  private buffer = '';
  private truncated = false;
  private waiter: Waiter | undefined;
  closed = false;
  /** Why the shell could not start (spawn error), if it could not. */
  startError: string | undefined;
  readonly exited: Promise<void>;

  constructor(
    readonly proc: ChildProcessWithoutNullStreams,
    private readonly limit: number,
  ) {
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => this.append(d));
    proc.stderr.on('data', (d: string) => this.append(d));
    // A shell that dies mid-write must not crash the harness with EPIPE.
    proc.stdin.on('error', () => {});
    // The shell's own output channel is fd 3; each command gets a copy as its stdout and stderr and never
    // fd 3 itself, so a command that closes its output (`exec >&-`) cannot stop the end-of-command mark.
    proc.stdin.write('exec 3>&1\n');
    // 'exit', not 'close': a process that escaped the kill may hold the pipes open for ever.
    this.exited = new Promise((resolve) => {
      const done = (): void => {
        this.closed = true;
        const waiter = this.waiter;
        this.waiter = undefined;
        waiter?.resolve();
        resolve();
      };
      // Output already in the pipes is delivered before the waiter learns that the shell is gone.
      proc.once('exit', () => setImmediate(done));
      proc.once('error', (error) => {
        this.startError = error.message;
        done();
      });
    });
  }

  private append(data: string): void {
    this.buffer += data;
    // Keep the tail while accumulating so an endless stream cannot exhaust memory; the sentinel is at the end.
    if (this.buffer.length > this.limit + 4096) {
      this.buffer = this.buffer.slice(this.buffer.length - this.limit - 4096);
      this.truncated = true;
    }
    if (this.waiter && this.buffer.includes(this.waiter.sentinel)) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.resolve();
    }
  }

  /** Runs one command; `timedOut`/`aborted` mean the shell must be killed by the caller. */
  async exec(
    command: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<
    { kind: 'done'; output: string; exitCode: number } | { kind: 'timeout' | 'aborted' | 'died'; output: string }
  > {
    this.buffer = '';
    this.truncated = false;
    const nonce = randomUUID();
    const sentinel = `__AGENT_OS_${nonce}_DONE__`;
    // Split with '' so the literal sentinel only appears once the shell's printf runs, not in an echo of stdin.
    const split = `${sentinel.slice(0, 10)}''${sentinel.slice(10)}`;
    // </dev/null: a command that reads stdin gets EOF instead of eating the next command.
    this.proc.stdin.write(`{ ${command}\n} </dev/null 1>&3 2>&1 3>&-; printf '\\n${split}%d\\n' $? >&3\n`);

    let outcome: 'done' | 'timeout' | 'aborted' = 'done';
    if (!this.buffer.includes(sentinel) && !this.closed) {
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        this.waiter = { sentinel, resolve };
        timer = setTimeout(() => {
          outcome = 'timeout';
          resolve();
        }, timeoutMs);
        if (signal) {
          onAbort = () => {
            outcome = 'aborted';
            resolve();
          };
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        }
      });
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      this.waiter = undefined;
    }
    const index = this.buffer.indexOf(sentinel);
    if (index < 0) {
      const output = this.tail(this.buffer);
      return { kind: outcome === 'done' ? 'died' : outcome, output };
    }
    const code = /^(-?\d+)/.exec(this.buffer.slice(index + sentinel.length));
    return { kind: 'done', output: this.tail(this.buffer.slice(0, index)), exitCode: code ? Number(code[1]) : -1 };
  }

  private tail(text: string): string {
    let out = text.replace(/\n+$/, '');
    if (this.truncated || out.length > this.limit) {
      out = `[output truncated: only the last ${this.limit} characters are shown]\n${out.slice(-this.limit)}`;
    }
    return out;
  }
}

export class BashSession {
  private shell: Shell | undefined;
  /** Told to the model on the next call, so it knows cwd and variables were reset. */
  private resetNote: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private readonly defaultTimeoutMs: number;
  private readonly maxTimeoutMs: number;
  private readonly limit: number;

  constructor(private readonly options: BashSessionOptions) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? BASH_DEFAULT_TIMEOUT_MS;
    this.maxTimeoutMs = options.maxTimeoutMs ?? BASH_MAX_TIMEOUT_MS;
    this.limit = options.outputLimit ?? BASH_OUTPUT_LIMIT;
  }

  /** The pid of the running shell (its process group id), if one is running. */
  get pid(): number | undefined {
    return this.shell?.closed === false ? this.shell.proc.pid : undefined;
  }

  /** Calls run one at a time: interleaved writes to one shell's stdin would mix up their output. */
  run(input: BashRunInput, signal?: AbortSignal): Promise<ToolOutcome> {
    const next = this.queue.then(() => this.runNow(input, signal));
    this.queue = next.catch(() => {});
    return next;
  }

  private async runNow(input: BashRunInput, signal: AbortSignal | undefined): Promise<ToolOutcome> {
    if (this.disposed) return { content: 'bash: the sandbox was closed', is_error: true };
    const notes: string[] = [];
    if (input.restart) {
      await this.kill();
      this.resetNote = undefined;
      notes.push('[shell restarted]');
    }
    const command = input.command;
    if (command === undefined || command.trim() === '') {
      if (input.restart) return { content: 'bash session restarted', is_error: false };
      return { content: 'bash: command is required', is_error: true };
    }
    if (signal?.aborted) return { content: 'bash: interrupted before the command started', is_error: true };
    if (this.resetNote) notes.push(this.resetNote);
    this.resetNote = undefined;
    if (!this.shell || this.shell.closed) this.shell = new Shell(this.options.spawn(), this.limit);
    const shell = this.shell;

    const requested = input.timeout_ms && input.timeout_ms > 0 ? input.timeout_ms : this.defaultTimeoutMs;
    const timeoutMs = Math.min(requested, this.maxTimeoutMs);
    const result = await shell.exec(command, timeoutMs, signal);
    const prefix = notes.length ? `${notes.join('\n')}\n` : '';
    if (result.kind === 'done') {
      const body = result.output;
      if (result.exitCode === 0) return { content: prefix + body, is_error: false };
      return { content: `${prefix}${body}${body ? '\n' : ''}[exit code ${result.exitCode}]`, is_error: true };
    }
    // The command is still running (or the shell died): kill the whole group; the next call gets a fresh shell.
    await this.kill();
    const why =
      result.kind === 'timeout'
        ? `the command timed out after ${timeoutMs} ms`
        : result.kind === 'aborted'
          ? 'the command was interrupted'
          : this.disposed
            ? 'the sandbox was closed'
            : shell.startError
              ? `the shell could not start (${shell.startError})`
              : 'the shell exited';
    this.resetNote = `[new shell: the previous one ended because ${why}; the working directory and variables were reset]`;
    const body = result.output ? `${result.output}\n` : '';
    return { content: `${prefix}${body}[${why}; the shell and every process it started were killed]`, is_error: true };
  }

  private async kill(): Promise<void> {
    const shell = this.shell;
    this.shell = undefined;
    if (!shell) return;
    // Even when the shell itself has exited, background jobs may still hold its process group.
    (this.options.kill ?? killProcessGroup)(shell.proc);
    await shell.exited;
    shell.proc.stdin.destroy();
    shell.proc.stdout.destroy();
    shell.proc.stderr.destroy();
  }

  /** Kills the shell and everything it started; later calls are refused. */
  async dispose(): Promise<void> {
    this.disposed = true;
    // Killing first ends a running command at once (it reports the shell's end) instead of at its timeout.
    await this.kill();
    await this.queue;
  }
}
