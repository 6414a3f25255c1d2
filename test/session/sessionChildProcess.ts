// Runs test/session/fixtures/sessionChild.ts as a real second process. The fixture is bundled once
// with esbuild so each child starts in tens of milliseconds (the crash test starts hundreds).
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { underNonReapingParent } from '../support/nonReapingParent.ts';

let bundled: { file: string; dir: string } | undefined;

export function childScript(): string {
  if (!bundled) {
    const dir = mkdtempSync(join(tmpdir(), 'agent-os-child-'));
    const file = join(dir, 'sessionChild.js');
    buildSync({
      entryPoints: [join(__dirname, 'fixtures', 'sessionChild.ts')],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      minify: true,
      logLevel: 'error',
    });
    bundled = { file, dir };
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return bundled.file;
}

export interface Child {
  process: ChildProcessWithoutNullStreams;
  /** Every whole line the child printed so far. */
  lines: string[];
  /** Resolves with the first line matching `pattern` (rejects if the child exits first). */
  waitFor(pattern: RegExp): Promise<string>;
  exited: Promise<number | null>;
}

/** `nonReaping`: the child runs under a parent that never reaps it (a killed child stays a zombie); its
 * first line is then the parent's `child <pid>`. */
export function startChild(args: string[], options: { nonReaping?: boolean } = {}): Child {
  const script = childScript();
  // V8's code cache for the bundle, shared by every child: parsing it again each time is most of a start.
  const env = { ...process.env, NODE_COMPILE_CACHE: join(script, '..', 'compile-cache') };
  const run = options.nonReaping
    ? underNonReapingParent(process.execPath, [script, ...args])
    : { command: process.execPath, args: [script, ...args] };
  const child = spawn(run.command, run.args, { stdio: ['pipe', 'pipe', 'pipe'], env });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        const w = waiters[i];
        if (w && w.pattern.test(line)) {
          waiters.splice(i, 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  // 'close' (not 'exit'): stdout has been read to its end, so `lines` holds everything printed.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    process: child,
    lines,
    exited,
    waitFor(pattern) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then((code) => reject(new Error(`child exited (${code}) before printing ${pattern}: ${stderr}`)));
      });
    },
  };
}
