// The set-up phase on the npm fixture (a test runner and TypeScript as devDependencies, lockfile made by npm):
// the first set-up (npm ci in the sandbox) against the cached one (the dependencies linked from the cache), and
// the disk the dependencies take for a Coder, the Reviewer's clean room and two child worktrees against one
// full install. Runs in the strongest OS-level kind this machine has. Needs the npm registry; says so if not.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskUsage } from '../src/node/environment/dependencyCache.ts';
import { resolveEnvironmentPlan } from '../src/node/environment/environmentPlan.ts';
import { runSetup, type SetupResult } from '../src/node/environment/environmentSetup.ts';
import { SessionEnvironment } from '../src/node/environment/sessionEnvironment.ts';
import { chosenSessionSandboxes } from '../src/node/runtime/chosenSessionSandboxes.ts';
import { chooseSandbox } from '../src/node/sandbox/sandboxChoice.ts';
import { fixtureRepo, npmProjectFiles, registryUnavailable } from '../test/environment/fixtureRepos.ts';

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const why = await registryUnavailable();
  if (why) {
    console.log(`environment set-up: skipped (${why})`);
    return;
  }
  const repo = fixtureRepo(await npmProjectFiles({ typescript: '5.6.3' }));
  const store = mkdtempSync(join(tmpdir(), 'agent-os-env-bench-'));
  try {
    const choice = await chooseSandbox({ setting: 'auto', repository: repo.repo });
    const sandboxes = chosenSessionSandboxes(choice, { storageDir: join(store, '.worktrees'), repository: repo.repo, bashDefaultTimeoutMs: 600_000 });
    const environment = new SessionEnvironment({ dir: join(store, '.environments') });
    const reporter = { started: async () => undefined, output: async () => undefined };
    const setUp = async (sessionId: string): Promise<SetupResult & { ok: true }> => {
      const { worktree } = await sandboxes.workspace(sessionId);
      const plan = await resolveEnvironmentPlan(worktree, { sandboxKind: choice.kind });
      const result = await runSetup({ sessionId, repository: repo.repo, plan, sandboxes, sandboxKind: choice.kind, cache: environment.cache, reporter });
      if (!result.ok) throw new Error(`${result.message}\n${result.tail}`);
      return result;
    };
    console.log(`sandbox: ${choice.kind}`);
    const first = await setUp('bench-first');
    const firstMs = first.durationMs;
    const cachedRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const again = await setUp(`bench-cached-${i}`);
      if (!again.cached) throw new Error('the second set-up was not served by the cache');
      cachedRuns.push(again.durationMs);
    }
    const cachedMs = cachedRuns.sort((a, b) => a - b)[1] as number;
    console.log(`first set-up (npm ci): ${(firstMs / 1000).toFixed(2)} s; cached set-up (median of 3): ${(cachedMs / 1000).toFixed(3)} s; cached is ${(firstMs / cachedMs).toFixed(0)}x faster (goal: >= 10x)`);

    // One full install (the session's worktree) against the same plus a clean room and two child worktrees.
    const { worktree } = await sandboxes.workspace('bench-first');
    const full = await diskUsage([join(worktree, 'node_modules')]);
    const given = environment.wrap(sandboxes, repo.repo, 'bench-first', () => ({ cache_key: first.cacheKey, dependency_dirs: first.dependencyDirs, copied_files: [] }));
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: worktree, encoding: 'utf8' }).trim();
    const dirs = [join(worktree, 'node_modules')];
    for (const [threadId, workspace] of [
      ['reviewer', { kind: 'clean_room' as const, commit: head }],
      ['coder-a', { kind: 'child' as const, key: 'a' }],
      ['coder-b', { kind: 'child' as const, key: 'b' }],
    ] as const) {
      const started = Date.now();
      const access = threadId === 'reviewer' ? 'read_only' : 'read_write';
      const sandbox = await given.open({ sessionId: 'bench-first', threadId, workspace, access, network: false, enabledTools: ['bash'] });
      dirs.push(join(sandbox.workdir, 'node_modules'));
      console.log(`  ${threadId}: sandbox with dependencies in ${Date.now() - started} ms`);
      await sandbox.dispose();
    }
    const shared = await diskUsage([...dirs, environment.cache.root]);
    console.log(
      `disk for dependencies: one full install ${mb(full)}; Coder + Reviewer clean room + 2 child worktrees + the cache ${mb(shared)} ` +
        `(${(shared / full).toFixed(2)}x one install; an install each would be ${dirs.length}x = ${mb(full * dirs.length)})`,
    );
    // A reader's snapshot is refreshed by the sandbox with a full copy of the worktree before the set-up's
    // links replace it (the sandbox's own code, see docs/environment.md): its first opening shows that cost.
    for (const round of ['first', 'second']) {
      const started = Date.now();
      const sandbox = await given.open({ sessionId: 'bench-first', threadId: 'planner', access: 'read_only', network: false, enabledTools: ['bash'] });
      const ms = Date.now() - started;
      const total = await diskUsage([...dirs, join(sandbox.workdir, 'node_modules'), environment.cache.root]);
      console.log(`  planner snapshot (${round} opening): ${ms} ms; disk with it ${mb(total)} (${(total / full).toFixed(2)}x one install)`);
      await sandbox.dispose();
    }
  } finally {
    rmSync(store, { recursive: true, force: true });
    repo.cleanup();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
