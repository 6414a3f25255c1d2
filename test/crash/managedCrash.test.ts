// SIGKILL aimed at a managed session's client: `agent-os run --backend managed --no-worker --approve` (and then
// `resume <id> --approve`) mirrors the platform session into the local log, checks its hand-ins and opens the
// pull request; it is killed at random points and resumed until it finishes, while the platform session and
// a separate `agent-os worker` go on. Each re-attach reads every thread's history past the latest event the log
// holds from it: every platform event must be in the log exactly once, every call mirrored, the session must
// finish, and the pull request be opened once.
// A session that finishes before its kills are spent hands the rest to a new one, in a world of its own.
// AGENT_OS_MANAGED_CRASH_KILLS (default 4) sets the kills; AGENT_OS_CRASH_SEED repeats a run.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { createSampleRepository } from '../../src/testkit/demo/sampleRepository.ts';
import { GitHubStandIn } from '../../src/testkit/github/githubStandIn.ts';
import { managedDemoModelScript } from '../../src/testkit/managed/managedDemoScript.ts';
import { PlatformStandIn } from '../../src/testkit/managed/platformStandIn.ts';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { ensureBuiltCli } from '../cli/cliWorld.ts';
import { STAND_IN_KEY } from '../managed/managedWorld.ts';
import { cliEnv, startCli, type CliRun } from '../support/cliProcess.ts';
import { requireOsSandbox } from '../support/requirements.ts';
import { seeded } from './pipelineCrashSession.ts';

const KILLS = Number(process.env.AGENT_OS_MANAGED_CRASH_KILLS ?? 4);
/** From the start of each run or resume: the platform's turns come 60 ms apart, the whole run takes seconds. */
const WINDOW_MS: [number, number] = [400, 4000];
/** A whole run takes seconds; one that has not ended in this long is stuck. */
const ATTEMPT_DEADLINE_MS = 60_000;
const MAX_SESSIONS = 4;

test(
  `SIGKILL of a managed session's client (${KILLS} kills): every platform event mirrored once, one pull request`,
  { timeout: 240_000 },
  async (t) => {
    // Where nothing confines, Agent OS runs no step validation or suite of its own without the person, and the
    // demo's supervised steps could not pass: the run's mechanics are what this test is about.
    const why = await requireOsSandbox();
    if (why) return t.skip(why);
    ensureBuiltCli();
    const seed = Number(process.env.AGENT_OS_CRASH_SEED ?? Date.now() % 100000);
    const random = seeded(seed);
    // A session that finishes before its kills are spent hands the rest to the next one.
    let kills = 0;
    for (let session = 0; kills < KILLS; session++) {
      assert.ok(session < MAX_SESSIONS, `only ${kills} kills landed in ${MAX_SESSIONS} sessions (seed ${seed})`);
      kills += await killedSession(KILLS - kills, random, `seed ${seed}, session ${session}`);
    }
  },
);

/** One managed session from its issue to its pull request, killed up to `maxKills` times; returns the kills. */
async function killedSession(maxKills: number, random: () => number, where: string): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'agent-os-managed-crash-'));
  const sample = await createSampleRepository(root);
  const github = await GitHubStandIn.start({ repositories: [sample.standInRepository] });
  const model = await ScriptedModelServer.start({ script: parseModelScript(managedDemoModelScript(60)) });
  const platform = await PlatformStandIn.start({ modelUrl: model.url });
  const storeDir = join(root, 'store');
  const store = new FileSessionStore(storeDir);
  const env = cliEnv({ ANTHROPIC_API_KEY: STAND_IN_KEY });
  const common = ['--repo', sample.workdir, '--store', storeDir, '--base-url', platform.url];
  const flags = [
    '--backend',
    'managed',
    '--no-worker',
    '--github-api',
    github.baseUrl,
    '--local-remote',
    `${sample.barePath}=${sample.owner}/${sample.repo}`,
    // Where nothing confines (no bubblewrap), every command asks: the run answers Allow to its scripted ones.
    '--allow-tools',
    '--approve',
    ...common,
  ];
  const log: string[] = [where];
  let worker: CliRun | undefined;
  try {
    let kills = 0;
    let hung = false;
    let sessionId: string | undefined;
    for (let attempt = 0; ; attempt++) {
      sessionId ??= await startedSession(store);
      const args = sessionId
        ? ['resume', sessionId, ...flags]
        : ['run', '--issue', `${sample.owner}/${sample.repo}#${sample.issue.number}`, ...flags];
      const run = startCli(args, env);
      // The worker serves the environment the first run creates, and is never killed: tools go on meanwhile.
      if (!worker) worker = await workerOnceEnvironmentExists(platform, common, env, run);
      const delay = WINDOW_MS[0] + random() * (WINDOW_MS[1] - WINDOW_MS[0]);
      const timer = kills < maxKills ? setTimeout(() => run.child.kill('SIGKILL'), delay) : undefined;
      // A run that hangs is killed and reported with its seed and output, not left to the test's timeout.
      const stuck = setTimeout(() => {
        hung = true;
        run.child.kill('SIGKILL');
      }, ATTEMPT_DEADLINE_MS);
      const result = await run.done;
      clearTimeout(timer);
      clearTimeout(stuck);
      const said = `\nstore ${storeDir}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
      if (hung)
        assert.fail(`${log.join('\n')}\nattempt ${attempt} (${args[0]}) hung for ${ATTEMPT_DEADLINE_MS} ms${said}`);
      if (result.signal === 'SIGKILL') {
        kills++;
        log.push(`attempt ${attempt} (${args[0]}) killed after ${Math.round(delay)} ms`);
        continue;
      }
      log.push(`attempt ${attempt} (${args[0]}) exit ${result.code}`);
      assert.equal(result.code, 0, `${log.join('\n')}${said}`);
      sessionId ??= await startedSession(store);
      break;
    }
    assert.ok(sessionId);
    if (process.env.AGENT_OS_CRASH_VERBOSE) process.stderr.write(`${storeDir}\n${log.join('\n')}\n`);
    const events = await store.read(sessionId);
    const ids = events.flatMap((e) => (e.platform_event_id ? [e.platform_event_id] : []));
    assert.equal(new Set(ids).size, ids.length, `a platform event was mirrored twice\n${log.join('\n')}`);
    const calls = (platform.sessions.get(sessionId)?.events ?? []).filter(
      (e) => e.event.type === 'agent.tool_use' || e.event.type === 'agent.custom_tool_use',
    );
    assert.equal(
      events.filter((e) => e.type === 'agent.tool_use').length,
      calls.length,
      `every call of every thread is mirrored, once\n${log.join('\n')}`,
    );
    assert.equal(foldSession(sessionId, events).stopReason?.type, 'end_turn', log.join('\n'));
    assert.equal(github.pullRequests().length, 1, `the pull request is opened once\n${log.join('\n')}`);
    return kills;
  } finally {
    worker?.child.kill('SIGTERM');
    await worker?.done;
    await platform.close();
    await model.close();
    await github.close();
    if (!process.env.AGENT_OS_CRASH_KEEP) rmSync(root, { recursive: true, force: true });
  }
}

/** The session a run started, once its task is in the log (a kill before that leaves one that never started). */
async function startedSession(store: FileSessionStore): Promise<string | undefined> {
  for (const s of await store.list().catch(() => [])) {
    if ((await store.read(s.id)).some((e) => e.type === 'user.message')) return s.id;
    await store.delete(s.id);
  }
  return undefined;
}

async function workerOnceEnvironmentExists(
  platform: PlatformStandIn,
  common: string[],
  env: NodeJS.ProcessEnv,
  run: CliRun,
): Promise<CliRun | undefined> {
  let ended = false;
  void run.done.then(() => (ended = true));
  while (platform.environments.size === 0 && !ended) await new Promise((r) => setTimeout(r, 50));
  if (platform.environments.size === 0) return undefined;
  return startCli(['worker', '--worker-id', 'crash-worker', ...common], env);
}
