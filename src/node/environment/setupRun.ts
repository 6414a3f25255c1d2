// Runs set-up (or test) commands in a sandbox through the Sandbox port's `bash`, so they run exactly where
// the agents' commands will: the same kind, the same confinement. Output streams while a command runs:
// the command tees it into a file in the workdir (the one folder the host and the sandbox share in every
// kind), which the host reads as it grows.
import { open, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Sandbox } from '../../core/sandbox/sandbox.ts';

/** The streamed copy of a command's output, at the workdir's root while the command runs. */
export const OUTPUT_FILE = '.agent-os-setup-output.log';
const POLL_MS = 250;
/** Streamed output kept per command; the tail of the rest is in the result. */
const STREAM_LIMIT = 256 * 1024;
const TAIL_LINES = 40;

export interface CommandOutcome {
  command: string;
  ok: boolean;
  exitCode?: number;
  /** The last lines of its output. */
  tail: string;
  /** Why it stopped when it did not exit by itself (timeout, interrupted). */
  reason?: string;
}

export interface RunCommandsOptions {
  sandbox: Sandbox;
  commands: readonly string[];
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  onOutput?(index: number, text: string): Promise<void> | void;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Runs the commands in order and stops at the first that fails. */
export async function runCommands(options: RunCommandsOptions): Promise<{ ok: boolean; outcomes: CommandOutcome[] }> {
  const outcomes: CommandOutcome[] = [];
  const deadline = Date.now() + options.timeoutMs;
  const exports = Object.entries(options.env)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}; `)
    .join('');
  const file = path.join(options.sandbox.workdir, OUTPUT_FILE);
  for (const [index, command] of options.commands.entries()) {
    const left = deadline - Date.now();
    if (left <= 0) {
      outcomes.push({ command, ok: false, tail: '', reason: 'the set-up ran out of time before this command' });
      return { ok: false, outcomes };
    }
    await rm(file, { force: true });
    // A subshell per command: a `cd` or variable of one does not leak into the next. pipefail: tee's success
    // must not hide the command's failure.
    const wrapped = `set -o pipefail; ( ${exports}${command}\n) 2>&1 | tee ${OUTPUT_FILE}`;
    const streamer = streamFile(file, (text) => options.onOutput?.(index, text));
    const result = await options.sandbox.runTool(
      { name: 'bash', input: { command: wrapped, timeout_ms: left } },
      options.signal ? { signal: options.signal } : {},
    );
    await streamer.stop();
    await rm(file, { force: true });
    const exit = /\[exit code (-?\d+)\]\s*$/.exec(result.content);
    const stopped = /\[([^[\]]*); the shell and every process it started were killed\]\s*$/.exec(result.content);
    const body = result.content
      .replace(/\n?\[exit code -?\d+\]\s*$/, '')
      .replace(/\n?\[[^[\]]*; the shell and every process it started were killed\]\s*$/, '');
    const outcome: CommandOutcome = {
      command,
      ok: !result.is_error,
      tail: body.split('\n').slice(-TAIL_LINES).join('\n'),
      ...(exit ? { exitCode: Number(exit[1]) } : result.is_error ? {} : { exitCode: 0 }),
      ...(stopped ? { reason: stopped[1] as string } : {}),
    };
    outcomes.push(outcome);
    if (!outcome.ok) return { ok: false, outcomes };
  }
  return { ok: true, outcomes };
}

/** Follows a growing file, handing each new chunk to `emit`, until stopped (then reads what is left). */
function streamFile(file: string, emit: (text: string) => Promise<void> | void): { stop(): Promise<void> } {
  let offset = 0;
  let sent = 0;
  let stopped = false;
  let reading: Promise<void> = Promise.resolve();
  // Chunks may end inside a multi-byte character: the decoder keeps the partial bytes for the next one.
  const decoder = new StringDecoder('utf8');
  const readMore = async (): Promise<void> => {
    const handle = await open(file, 'r').catch(() => undefined);
    if (!handle) return;
    try {
      for (;;) {
        const buffer = Buffer.alloc(64 * 1024);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        if (sent < STREAM_LIMIT) {
          const text = decoder.write(buffer.subarray(0, bytesRead));
          sent += text.length;
          await emit(
            sent >= STREAM_LIMIT ? `${text}\n[further output is not streamed; its tail is in the result]\n` : text,
          );
        }
      }
    } finally {
      await handle.close();
    }
  };
  const timer = setInterval(() => {
    if (stopped) return;
    reading = reading.then(readMore).catch(() => undefined);
  }, POLL_MS);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await reading;
      await readMore().catch(() => undefined);
    },
  };
}
