// The whole pipeline survives SIGKILL at any moment: `agent-os run --issue … --approve`, then
// `agent-os resume <id> --approve` after each kill, until it finishes. The pull request is opened exactly
// once, the pushed branch holds what an uninterrupted run's does, and the log verifies.
// AGENT_OS_PIPELINE_CRASH_KILLS (default 40) sets the kills; AGENT_OS_CRASH_SEED repeats a run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { demoModelScript } from '../../src/node/demo/demoScript.ts';
import { sampleFiles } from '../../src/node/demo/fixture/files.ts';
import { solutionCodeChange } from '../../src/node/demo/fixture/solution.ts';
import { createSampleRepository, type SampleRepository } from '../../src/node/demo/sampleRepository.ts';
import { GitHubStandIn } from '../../src/node/github/githubStandIn.ts';
import { parseModelScript } from '../../src/node/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/node/model/scriptedModelServer.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { ensureBuiltCli } from '../cli/cliWorld.ts';
import { cliEnv, startCli } from '../support/cliProcess.ts';

const TOTAL_KILLS = Number(process.env.AGENT_OS_PIPELINE_CRASH_KILLS ?? 40);
const KILLS_PER_SESSION = 14;
/** Sessions run three at a time (most of a run is waiting on test runs), each lane on its own sample
 * repository (and GitHub repository). The uninterrupted reference runs first in lane 0. */
const LANES = 3;
const KILL_WINDOW_MS: [number, number] = [50, 1500];

/**
 * The demo script, but the Coder writes the parser whole instead of editing it: an edit cut off by a
 * kill is answered "outcome unknown" (it is not safe to run twice), and the scripted Coder cannot look
 * and react as a model would. A whole-file write is re-run on wake.
 */
function crashScript(): unknown {
  const script = demoModelScript() as { agents: Record<string, { content: { type: string; name?: string; input?: unknown }[] }[]> };
  const original = sampleFiles[solutionCodeChange.input.file_path] as string;
  const { old_string, new_string, file_path } = solutionCodeChange.input;
  assert.ok(original.includes(old_string));
  for (const turn of script.agents.Coder ?? []) {
    for (const block of turn.content) {
      if (block.type === 'tool_use' && block.name === 'edit') {
        block.name = 'write';
        block.input = { file_path, content: original.replace(old_string, new_string) };
      }
    }
  }
  return script;
}

interface Lane {
  index: number;
  sample: SampleRepository;
  repo: string;
  issueRef: string;
}

let root: string;
let server: ScriptedModelServer;
let github: GitHubStandIn;
let lanes: Lane[];

before(async () => {
  ensureBuiltCli();
  root = mkdtempSync(join(tmpdir(), 'agent-os-pipeline-crash-'));
  server = await ScriptedModelServer.start({ script: parseModelScript(crashScript()) });
  lanes = [];
  for (let i = 0; i < LANES; i++) {
    const sample = await createSampleRepository(join(root, `lane${i}`));
    const repo = `${sample.repo}-${i}`;
    lanes.push({ index: i, sample, repo, issueRef: `${sample.owner}/${repo}#${sample.issue.number}` });
  }
  github = await GitHubStandIn.start({ repositories: lanes.map((l) => ({ ...l.sample.standInRepository, repo: l.repo })) });
});

after(async () => {
  await server?.close();
  await github?.close();
  rmSync(root, { recursive: true, force: true });
});

/** A small deterministic generator, so a failing run can be repeated from its seed. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface SessionRun {
  kills: number;
  sessionId: string;
  storeDir: string;
  events: SessionEvent[];
  log: string[];
}

async function runSession(lane: Lane, storeDir: string, maxKills: number, random: () => number): Promise<SessionRun> {
  const flags = [
    '--base-url', server.url,
    '--github-api', github.baseUrl,
    '--local-remote', `${lane.sample.barePath}=${lane.sample.owner}/${lane.repo}`,
    '--store', storeDir,
    '--repo', lane.sample.workdir,
  ];
  const env = cliEnv({ ANTHROPIC_API_KEY: 'x' });
  const store = new FileSessionStore(storeDir);
  const log: string[] = [];
  let kills = 0;
  let sessionId: string | undefined;
  for (let attempt = 0; ; attempt++) {
    if (!sessionId) {
      for (const s of await store.list().catch(() => [])) {
        // A kill before the session's first events were written leaves one that never started.
        if ((await store.read(s.id)).some((e) => e.type === 'user.message')) sessionId = s.id;
        else await store.delete(s.id);
      }
    }
    const args = sessionId ? ['resume', sessionId, '--approve', ...flags] : ['run', '--issue', lane.issueRef, '--approve', ...flags];
    const started = Date.now();
    const run = startCli(args, env);
    const killing = kills < maxKills;
    const delay = KILL_WINDOW_MS[0] + random() * (KILL_WINDOW_MS[1] - KILL_WINDOW_MS[0]);
    const timer = killing ? setTimeout(() => run.child.kill('SIGKILL'), delay) : undefined;
    const result = await run.done;
    clearTimeout(timer);
    if (result.signal === 'SIGKILL') {
      kills++;
      log.push(`attempt ${attempt} (${args[0]}) killed after ${Math.round(delay)} ms`);
      continue;
    }
    log.push(`attempt ${attempt} (${args[0]}) exit ${result.code} after ${Date.now() - started} ms`);
    assert.equal(result.code, 0, `attempt ${attempt} (${args[0]}) failed:\n${log.join('\n')}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
    if (!sessionId) sessionId = (await store.list())[0]?.id;
    assert.ok(sessionId);
    if (process.env.AGENT_OS_CRASH_VERBOSE) process.stderr.write(`${storeDir}\n${log.join('\n')}\n`);
    return { kills, sessionId, storeDir, events: await store.read(sessionId), log };
  }
}

function prHeadOf(run: SessionRun): string {
  return (run.events.find((e) => e.type === 'agent_os.pull_request_opened') as EventOfType<'agent_os.pull_request_opened'>).head_commit;
}

function treeOf(lane: Lane, commit: string): string {
  return execFileSync('git', ['--git-dir', lane.sample.barePath, 'rev-parse', `${commit}^{tree}`], { encoding: 'utf8' }).trim();
}

function filesOf(lane: Lane, commit: string): string {
  return execFileSync('git', ['--git-dir', lane.sample.barePath, 'ls-tree', '-r', '--name-only', commit], { encoding: 'utf8' });
}

/** What every finished session must show, killed or not. Returns the tree of its pull request's head. */
async function checkFinished(lane: Lane, run: SessionRun): Promise<string> {
  const { events, sessionId } = run;
  const state = foldSession(sessionId, events);
  assert.equal(state.status, 'idle');
  assert.equal(state.stopReason?.type, 'end_turn');
  assert.deepEqual(events.filter((e) => e.type === 'session.error').map((e) => e.type === 'session.error' && e.error.message), []);

  const uses = events.filter((e): e is EventOfType<'agent.tool_use'> => e.type === 'agent.tool_use');
  for (const use of uses) {
    const results = events.filter((e) => e.type === 'agent.tool_result' && e.tool_use_id === use.id).length;
    assert.equal(results, 1, `tool use ${use.id} (${use.name}) has ${results} results`);
  }
  const modelIds = uses.map((u) => u.model_tool_use_id);
  assert.equal(new Set(modelIds).size, modelIds.length, 'a tool call was recorded twice');

  // The pipeline's own records: one plan, REJECT then APPROVE, one approval, one pull request.
  assert.equal(events.filter((e) => e.type === 'agent_os.plan_submitted').length, 1);
  assert.deepEqual(
    events.filter((e): e is EventOfType<'agent_os.verdict_submitted'> => e.type === 'agent_os.verdict_submitted').map((v) => (v.verdict as { decision: string }).decision),
    ['REJECT', 'APPROVE'],
  );
  const approvals = events.filter((e) => e.type === 'agent_os.approval');
  assert.equal(approvals.length, 1);
  const opened = events.filter((e): e is EventOfType<'agent_os.pull_request_opened'> => e.type === 'agent_os.pull_request_opened');
  assert.equal(opened.length, 1, 'one pull_request_opened event');
  const pr = opened[0] as EventOfType<'agent_os.pull_request_opened'>;

  // Exactly one pull request at GitHub for this session's branch, pointing at what was pushed.
  const atGitHub = github.pullRequests().filter((p) => p.repo === lane.repo && p.head === pr.branch);
  assert.equal(atGitHub.length, 1, `pull requests for ${pr.branch}: ${atGitHub.length}`);
  assert.equal(atGitHub[0]?.number, pr.number);
  const pushed = execFileSync('git', ['--git-dir', lane.sample.barePath, 'rev-parse', `refs/heads/${pr.branch}`], { encoding: 'utf8' }).trim();
  assert.equal(pushed, pr.head_commit);
  assert.equal(atGitHub[0]?.headSha, pushed);

  const verify = await new FileSessionStore(run.storeDir).verify(sessionId);
  assert.equal(verify.ok, true, JSON.stringify(verify));
  return treeOf(lane, pr.head_commit);
}

test(`the pipeline through the CLI, SIGKILLed at random points (${TOTAL_KILLS} kills): resume finishes, one pull request, same branch content`, async () => {
  const seed = Number(process.env.AGENT_OS_CRASH_SEED ?? Date.now() % 100000);
  const random = seeded(seed);

  let reference: { tree: string; files: string } | undefined;
  const trees: { where: string; tree: string; files: string }[] = [];
  let planned = 0;
  const lanesDone = await Promise.all(
    lanes.map(async (lane) => {
      if (lane.index === 0) {
        // The uninterrupted run every crashed one must match.
        const run = await runSession(lane, join(root, 'reference'), 0, random);
        const tree = await checkFinished(lane, run);
        reference = { tree, files: filesOf(lane, prHeadOf(run)) };
        assert.match(reference.files, /test\/compoundDuration\.test\.js/);
      }
      let kills = 0;
      for (let i = 0; ; i++) {
        const quota = Math.min(KILLS_PER_SESSION, TOTAL_KILLS - planned);
        if (quota <= 0) return kills;
        planned += quota;
        const run = await runSession(lane, join(root, `lane${lane.index}-s${i}`), quota, random);
        kills += run.kills;
        planned -= quota - run.kills; // a session that finished before its quota hands the rest back
        try {
          const tree = await checkFinished(lane, run);
          trees.push({ where: `seed ${seed}, lane ${lane.index}, session ${i} (${run.sessionId})`, tree, files: filesOf(lane, prHeadOf(run)) });
        } catch (error) {
          throw new Error(`seed ${seed}, lane ${lane.index}, session ${i} (${run.sessionId}): ${(error as Error).message}\n${run.log.join('\n')}`, { cause: error });
        }
        // Nothing the session left behind blocks the person's own repository.
        assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: lane.sample.workdir, encoding: 'utf8' }), '');
      }
    }),
  );
  assert.ok(reference);
  for (const t of trees) assert.equal(t.tree, reference.tree, `${t.where}: branch content differs from the uninterrupted run's:\n${t.files}\nvs\n${reference.files}`);
  const kills = lanesDone.reduce((a, b) => a + b, 0);
  assert.ok(kills >= TOTAL_KILLS, `only ${kills} kills landed (seed ${seed})`);
});
