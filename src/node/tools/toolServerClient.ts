// The harness's side of the tool server: starts it (through the sandbox's confinement) on first use, sends
// each file-tool call as a line and waits for the answer with the same id. If the server dies (killed,
// crashed, out of memory) the calls in flight fail with that reason and the next call starts a new one.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ToolCall, ToolOutcome } from '../../core/sandbox/sandbox.ts';
import { INTERRUPTED_BEFORE_RUN, INTERRUPTED_OUTCOME_UNKNOWN } from '../../core/harness/toolResults.ts';
import { killProcessGroup } from './bashSession.ts';
import type { FileTools } from './fileTools.ts';
import { parseResponse } from './toolServerProtocol.ts';

interface Pending {
  resolve: (outcome: ToolOutcome) => void;
}

export interface ToolServerClientOptions {
  /** Host path the server's root stands for (shown as FileTools.root). */
  root: string;
  /** Starts the server confined; it must be its own process group leader. */
  start: () => Promise<ChildProcessWithoutNullStreams>;
}

export class ToolServerClient implements FileTools {
  readonly root: string;
  private server: Promise<ChildProcessWithoutNullStreams> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = '';
  private closed = false;

  constructor(private readonly options: ToolServerClientOptions) {
    this.root = options.root;
  }

  private ensure(): Promise<ChildProcessWithoutNullStreams> {
    this.server ??= this.options.start().then((child) => {
      child.stdin.on('error', () => {});
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => (this.stderrTail = (this.stderrTail + d).slice(-2000)));
      createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
        const response = parseResponse(line);
        if (!response) return;
        const waiter = this.pending.get(response.id);
        this.pending.delete(response.id);
        waiter?.resolve({ content: response.content, is_error: response.is_error });
      });
      child.once('exit', (code, signal) => {
        this.server = undefined;
        const why = this.stderrTail.trim().split('\n').slice(-3).join(' ') || `exit ${code ?? signal}`;
        for (const [id, waiter] of this.pending) {
          this.pending.delete(id);
          waiter.resolve({ content: `the file tools' process ended (${why}); try again`, is_error: true });
        }
      });
      return child;
    });
    return this.server;
  }

  async run(call: ToolCall, signal?: AbortSignal): Promise<ToolOutcome> {
    if (this.closed) return { content: `${call.name}: this sandbox was closed`, is_error: true };
    let child: ChildProcessWithoutNullStreams;
    try {
      child = await this.ensure();
    } catch (error) {
      this.server = undefined;
      return {
        content: `${call.name}: the file tools could not start (${error instanceof Error ? error.message : String(error)})`,
        is_error: true,
      };
    }
    const id = this.nextId++;
    return new Promise<ToolOutcome>((resolve) => {
      let sent = false;
      const onAbort = (): void => {
        this.pending.delete(id);
        // Once sent, the server may still carry the call out: the model is told so, not that nothing happened.
        resolve({
          content: sent ? `${call.name}: ${INTERRUPTED_OUTCOME_UNKNOWN}` : `${call.name}: ${INTERRUPTED_BEFORE_RUN}`,
          is_error: true,
        });
      };
      this.pending.set(id, {
        resolve: (outcome) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      });
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      sent = true;
      child.stdin.write(`${JSON.stringify({ id, name: call.name, input: call.input })}\n`);
    });
  }

  /** Stops the server; calls in flight fail. */
  async dispose(): Promise<void> {
    this.closed = true;
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const child = await server.catch(() => undefined);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killProcessGroup(child);
    await exited;
  }
}
