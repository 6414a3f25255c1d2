// Shared by the crash test and the soak script: runs a scripted multi-tool session through the CLI,
// SIGKILLs it at random moments, resumes until it finishes, and checks what the log and the worktree say.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { INTERRUPTED_OUTCOME_UNKNOWN } from '../../src/core/harness/toolResults.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { cliEnv, startCli } from '../support/cliProcess.ts';
import { zombieExitStatus } from '../support/nonReapingParent.ts';

/** A Coder session whose files come from write steps and whose bash steps leave a mark per run. */
export function crashScript(): unknown {
  const write = (path: string, content: string) => ({
    type: 'tool_use',
    name: 'write',
    input: { file_path: path, content },
  });
  const bash = (step: number, more: string) => ({
    type: 'tool_use',
    name: 'bash',
    input: { command: `echo step-${step} >> .runs.log && ${more}` },
  });
  const turn = (...content: unknown[]) => ({ content });
  return {
    agents: {
      Coder: [
        turn({ type: 'text', text: 'Starting.' }, write('notes/a.txt', 'alpha\n')),
        turn(bash(2, 'cat notes/a.txt')),
        turn(write('notes/b.txt', 'beta\n'.repeat(50))),
        turn(bash(4, 'ls notes')),
        turn({ type: 'tool_use', name: 'read', input: { file_path: 'notes/a.txt' } }),
        turn(write('notes/c.txt', 'gamma\n'), bash(6, 'sleep 0.05')),
        turn({ type: 'tool_use', name: 'grep', input: { pattern: 'beta', path: 'notes' } }),
        turn(bash(8, 'wc -l notes/b.txt')),
        turn({ type: 'text', text: 'All done.' }),
      ],
    },
  };
}

export const BASH_STEPS = [2, 4, 6, 8];

/** What a finished crash-script session leaves in the worktree: the repository's files and the script's writes. */
export function crashScriptFiles(repoFiles: Record<string, string>): Record<string, string> {
  const turns = (
    crashScript() as {
      agents: { Coder: Array<{ content: Array<{ name?: string; input?: { file_path: string; content: string } }> }> };
    }
  ).agents.Coder;
  const written = turns.flatMap((t) => t.content).filter((c) => c.name === 'write');
  return { ...repoFiles, ...Object.fromEntries(written.map((c) => [c.input?.file_path, c.input?.content])) };
}

export interface CrashRunResult {
  kills: number;
  /** Kills (zombies mode) that left the session's writer lock held by the zombie: resumes that had to take it over. */
  zombieLocks: number;
  sessionId: string;
  worktree: string;
  events: SessionEvent[];
}

/** Runs one session to the end through `run`, then `resume`s, killing each process at a random moment
 * until `maxKills` kills were made; the last attempt runs undisturbed. */
export async function runWithKills(opts: {
  repo: string;
  storeDir: string;
  baseUrl: string;
  maxKills: number;
  random: () => number;
  killWindowMs: [number, number];
  /** Start the next resume right after each kill, without waiting for the killed process to exit, let
   * alone be reaped: the resume meets a writer that is dying or a zombie, and must take over, not refuse. */
  resumeAtOnce?: boolean;
  /** As resumeAtOnce, and every CLI that may be killed runs under a parent that never reaps it: each
   * resume meets a zombie writer (Linux: an attempt's own end is read from /proc). */
  zombies?: boolean;
}): Promise<CrashRunResult> {
  const env = cliEnv({ ANTHROPIC_API_KEY: 'test-key' });
  // Where nothing confines (no bubblewrap), every command asks: the run answers Allow to its scripted ones.
  const common = ['--repo', opts.repo, '--store', opts.storeDir, '--base-url', opts.baseUrl, '--allow-tools'];
  const store = new FileSessionStore(opts.storeDir);
  let kills = 0;
  let zombieLocks = 0;
  let sessionId: string | undefined;
  const killed: Array<Promise<unknown>> = [];
  const parents: ChildProcess[] = [];
  for (let attempt = 0; ; attempt++) {
    if (!sessionId) {
      const sessions = await store.list();
      // A kill before the session's first events were written leaves a session that never started.
      for (const s of sessions) {
        const events = await store.read(s.id);
        if (events.some((e) => e.type === 'user.message')) sessionId = s.id;
        else await store.delete(s.id);
      }
    }
    const args = sessionId
      ? ['resume', sessionId, ...common]
      : ['run', '--agent', 'Coder', '--prompt', 'Make the notes.', ...common];
    const toKill = kills < opts.maxKills;
    const run = startCli(args, env, { nonReaping: toKill && opts.zombies === true });
    if (toKill && opts.zombies) {
      const [lo, hi] = opts.killWindowMs;
      const pid = await run.cliPid;
      // The window starts once the CLI holds the writer lock (a busy machine can take longer than the
      // whole window to start one), so that each kill leaves a zombie holding the lock.
      while (zombieExitStatus(pid) === undefined && !lockHeldBy(opts.storeDir, pid))
        await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, lo + opts.random() * (hi - lo)));
      const ended = zombieExitStatus(pid);
      if (ended === undefined) {
        process.kill(pid, 'SIGKILL');
        kills++;
        if (lockHeldBy(opts.storeDir, pid)) zombieLocks++;
        killed.push(run.done);
        parents.push(run.child);
        continue;
      }
      // It ended by itself before its kill: that was the last attempt.
      run.child.kill('SIGKILL');
      const result = await run.done;
      assert.equal(ended, 0, `attempt ${attempt} (${args[0]}) failed:\n${result.stdout}\n${result.stderr}`);
    } else if (toKill) {
      const [lo, hi] = opts.killWindowMs;
      const delay = lo + opts.random() * (hi - lo);
      let timer: NodeJS.Timeout | undefined;
      const kill = new Promise<'killed'>((resolve) => {
        timer = setTimeout(() => {
          run.child.kill('SIGKILL');
          resolve('killed');
        }, delay);
      });
      const result = await (opts.resumeAtOnce ? Promise.race([run.done, kill]) : run.done);
      clearTimeout(timer);
      if (result === 'killed') {
        kills++;
        killed.push(run.done);
        continue;
      }
      if (result.signal === 'SIGKILL') {
        kills++;
        continue;
      }
      assert.equal(result.code, 0, `attempt ${attempt} (${args[0]}) failed:\n${result.stdout}\n${result.stderr}`);
    } else {
      const result = await run.done;
      assert.equal(result.code, 0, `final ${args[0]} failed:\n${result.stdout}\n${result.stderr}`);
    }
    for (const parent of parents) parent.kill('SIGKILL'); // its zombie child goes to init, which reaps it
    await Promise.all(killed);
    if (!sessionId) sessionId = (await store.list())[0]?.id;
    assert.ok(sessionId);
    const events = await store.read(sessionId);
    const worktree = worktreeOf(opts.storeDir, sessionId);
    return { kills, zombieLocks, sessionId, worktree, events };
  }
}

/** Whether a session of the store has a writer lock (`lock-<n>.json`) that names `pid`. */
function lockHeldBy(storeDir: string, pid: number): boolean {
  if (!existsSync(storeDir)) return false;
  for (const session of readdirSync(storeDir).filter((n) => !n.startsWith('.'))) {
    const dir = join(storeDir, session);
    for (const name of readdirSync(dir).filter((n) => /^lock-\d+\.json$/.test(n))) {
      try {
        if ((JSON.parse(readFileSync(join(dir, name), 'utf8')) as { pid?: number }).pid === pid) return true;
      } catch {
        // taken over or damaged meanwhile: not this one's
      }
    }
  }
  return false;
}

export function worktreeOf(storeDir: string, sessionId: string): string {
  const root = join(storeDir, '.worktrees');
  const found = findDir(root, sessionId);
  assert.ok(found, `no worktree for ${sessionId} under ${root}`);
  return found;
}

function findDir(root: string, name: string, depth = 0): string | undefined {
  if (depth > 3) return undefined;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = join(root, entry.name);
    if (entry.name === name && readdirSync(full).includes('.git')) return full;
    const inner = findDir(full, name, depth + 1);
    if (inner) return inner;
  }
  return undefined;
}

/** The worktree's files (but `.git` and the run marks) with their contents. */
export function snapshotFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (name === '.git' || name === '.runs.log') continue;
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** Checks the invariants a crashed-and-resumed session must keep. */
export function checkRecoveredSession(result: CrashRunResult, reference: Record<string, string>): void {
  const { events, worktree } = result;
  const state = foldSession(result.sessionId, events);
  assert.equal(state.status, 'idle');
  assert.equal(state.stopReason?.type, 'end_turn');
  // Every tool use has exactly one result.
  const uses = events.filter((e): e is EventOfType<'agent.tool_use'> => e.type === 'agent.tool_use');
  for (const use of uses) {
    const results = events.filter((e) => e.type === 'agent.tool_result' && e.tool_use_id === use.id);
    assert.equal(results.length, 1, `tool use ${use.id} (${use.name}) has ${results.length} results`);
  }
  // Each model tool call was recorded once: nothing was re-recorded after a wake.
  const modelIds = uses.map((u) => u.model_tool_use_id);
  assert.equal(new Set(modelIds).size, modelIds.length, 'a tool call was recorded twice');
  // The files the session made equal an uninterrupted run's.
  assert.deepEqual(snapshotFiles(worktree), reference);
  // No side-effecting step ran twice; a step that did not run at all has an "interrupted" record.
  const marks = readFileSync(join(worktree, '.runs.log'), 'utf8').split('\n').filter(Boolean);
  for (const step of BASH_STEPS) {
    const ran = marks.filter((m) => m === `step-${step}`).length;
    const use = uses.find((u) => String((u.input as { command?: string }).command).includes(`step-${step} `));
    assert.ok(use, `step ${step} was never called`);
    const result = events.find(
      (e): e is EventOfType<'agent.tool_result'> => e.type === 'agent.tool_result' && e.tool_use_id === use.id,
    );
    const interrupted = result?.content[0]?.text === INTERRUPTED_OUTCOME_UNKNOWN;
    assert.ok(ran <= 1, `step ${step} ran ${ran} times`);
    if (!interrupted) assert.equal(ran, 1, `step ${step} has a normal result but ran ${ran} times`);
  }
}
