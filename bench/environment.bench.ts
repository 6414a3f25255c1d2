// The set-up phase on the npm fixture (a test runner, TypeScript, jest and ts-jest as devDependencies, lockfile
// made by npm): the first set-up (npm ci in the sandbox) against the cached one (a copy from the cache), the time
// a sandbox takes to get its copy, and the disk the dependencies take for a Coder, the Reviewer's clean room and
// two child repositories against one full install. Each sandbox gets a copy of its own (reflinked where the file
// system can), never links to the cache: hard links let an agent change the next session's files (see
// docs/environment.md); the cost of that is measured here against hard-linking the same tree. Runs in the
// strongest OS-level kind this machine has. Needs the npm registry; says so if not.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskUsage } from '../src/node/environment/dependencyCache.ts';
import { resolveEnvironmentPlan } from '../src/node/environment/environmentPlan.ts';
import { runSetup, type SetupResult } from '../src/node/environment/environmentSetup.ts';
import { SessionEnvironment } from '../src/node/environment/sessionEnvironment.ts';
import { chosenSessionSandboxes } from '../src/node/sandbox/chosenSessionSandboxes.ts';
import { shutdownOsSandbox } from '../src/node/sandbox/osSandbox.ts';
import { chooseSandbox } from '../src/node/sandbox/sandboxChoice.ts';
import { fixtureRepo, listFiles, npmProjectFiles, registryUnavailable } from '../test/environment/fixtureRepos.ts';

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const why = await registryUnavailable();
  if (why) {
    console.log(`environment set-up: skipped (${why})`);
    return;
  }
  const repo = fixtureRepo(await npmProjectFiles({ typescript: '5.6.3', jest: '29.7.0', 'ts-jest': '29.2.5' }));
  const store = mkdtempSync(join(tmpdir(), 'agent-os-env-bench-'));
  try {
    const choice = await chooseSandbox({ setting: 'auto', repository: repo.repo });
    const sandboxes = chosenSessionSandboxes(choice, {
      storageDir: join(store, '.worktrees'),
      repository: repo.repo,
      bashDefaultTimeoutMs: 600_000,
    });
    const environment = new SessionEnvironment({ dir: join(store, '.environments') });
    const reporter = { started: async () => undefined, output: async () => undefined };
    const setUp = async (sessionId: string): Promise<SetupResult & { ok: true }> => {
      const { worktree } = await sandboxes.workspace(sessionId);
      const plan = await resolveEnvironmentPlan(worktree, { sandboxKind: choice.kind });
      const result = await runSetup({
        sessionId,
        repository: repo.repo,
        plan,
        sandboxes,
        sandboxKind: choice.kind,
        cache: environment.cache,
        stagingDir: environment.stagingDir,
        reporter,
      });
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
    console.log(
      `first set-up (npm ci): ${(firstMs / 1000).toFixed(2)} s; cached set-up (median of 3): ${(cachedMs / 1000).toFixed(3)} s; cached is ${(firstMs / cachedMs).toFixed(0)}x faster (goal: >= 10x)`,
    );

    // One full install (the session's worktree) against the same plus a clean room and two child worktrees.
    const { worktree } = await sandboxes.workspace('bench-first');
    const full = await diskUsage([join(worktree, 'node_modules')]);
    const files = listFiles(join(worktree, 'node_modules')).length;

    // Giving one folder its copy (what each fresh sandbox costs): the confined copy from the cache, against
    // hard-linking the same tree on the host (what the cache did before) and a plain host copy; five rounds,
    // the three interleaved, each after a sync so that no run pays for the previous one's writeback; medians.
    const scratch = mkdtempSync(join(tmpdir(), 'agent-os-env-bench-copy-'));
    const entryFiles = join(environment.cache.entryDir(first.cacheKey), 'files');
    const ways: Record<string, (dir: string) => Promise<unknown>> = {
      copied: (dir) => environment.cache.restore(first.cacheKey, dir, (r) => sandboxes.copyConfined('bench-first', r)),
      linked: async (dir) => execFileSync('cp', ['-al', join(entryFiles, 'node_modules'), join(dir, 'node_modules')]),
      plain: async (dir) =>
        execFileSync('cp', ['-R', '--reflink=auto', join(entryFiles, 'node_modules'), join(dir, 'node_modules')]),
    };
    const runs: Record<string, number[]> = { copied: [], linked: [], plain: [] };
    for (let round = 0; round < 5; round++) {
      for (const [name, give] of Object.entries(ways)) {
        const dir = join(scratch, `${name}-${round}`);
        mkdirSync(dir);
        execFileSync('sync');
        const started = performance.now();
        await give(dir);
        runs[name]!.push(performance.now() - started);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    rmSync(scratch, { recursive: true, force: true });
    const median = (name: string): number => runs[name]!.sort((a, b) => a - b)[2] as number;
    const [copied, linked, plain] = [median('copied'), median('linked'), median('plain')];
    console.log(
      `giving a sandbox node_modules (${files} files, ${mb(full)}), median of 5: confined copy ${copied.toFixed(0)} ms; ` +
        `hard links (before) ${linked.toFixed(0)} ms; plain host copy ${plain.toFixed(0)} ms; the copy costs ${(copied / linked).toFixed(1)}x the links`,
    );
    const given = environment.wrap(sandboxes, repo.repo, 'bench-first', () => ({
      cache_key: first.cacheKey,
      dependency_dirs: first.dependencyDirs,
      copied_files: [],
    }));
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: worktree, encoding: 'utf8' }).trim();
    const dirs = [join(worktree, 'node_modules')];
    for (const [threadId, workspace] of [
      ['reviewer', { kind: 'clean_room' as const, commit: head }],
      ['coder-a', { kind: 'child' as const, key: 'a' }],
      ['coder-b', { kind: 'child' as const, key: 'b' }],
    ] as const) {
      execFileSync('sync');
      const started = Date.now();
      const access = threadId === 'reviewer' ? 'read_only' : 'read_write';
      const sandbox = await given.open({
        sessionId: 'bench-first',
        threadId,
        workspace,
        access,
        network: false,
        enabledTools: ['bash'],
      });
      dirs.push(join(sandbox.workdir, 'node_modules'));
      console.log(`  ${threadId}: sandbox with dependencies in ${Date.now() - started} ms`);
      await sandbox.dispose();
    }
    const shared = await diskUsage([...dirs, environment.cache.root]);
    console.log(
      `disk for dependencies: one full install ${mb(full)}; Coder + Reviewer clean room + 2 child worktrees + the cache ${mb(shared)} ` +
        `(${(shared / full).toFixed(2)}x one install; an install each would be ${dirs.length}x = ${mb(full * dirs.length)}; ` +
        `du counts reflinked copies in full: on btrfs or XFS they share their blocks until changed)`,
    );
    // A reader sees the session's repository itself (read-only), which has its dependencies already.
    for (const round of ['first', 'second']) {
      const started = Date.now();
      const sandbox = await given.open({
        sessionId: 'bench-first',
        threadId: 'planner',
        access: 'read_only',
        network: false,
        enabledTools: ['bash'],
      });
      const ms = Date.now() - started;
      const total = await diskUsage([...dirs, join(sandbox.workdir, 'node_modules'), environment.cache.root]);
      console.log(
        `  planner (${round} opening): ${ms} ms; disk with it ${mb(total)} (${(total / full).toFixed(2)}x one install)`,
      );
      await sandbox.dispose();
    }
  } finally {
    rmSync(store, { recursive: true, force: true });
    repo.cleanup();
  }
}

// sandbox-runtime's proxies would keep the process alive.
void main()
  .then(() => shutdownOsSandbox())
  .then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
