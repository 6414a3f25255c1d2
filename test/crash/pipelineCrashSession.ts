// Shared by the pipeline crash tests: the whole pipeline run through the built CLI (`run --issue …
// --approve`, then `resume <id> --approve` after each SIGKILL) against the scripted model server and the
// GitHub stand-in in the test process, and the checks a finished session must pass.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { demoModelScript } from '../../src/testkit/demo/demoScript.ts';
import { sampleFiles } from '../../src/testkit/demo/fixture/files.ts';
import { solutionCodeChange, solutionTest } from '../../src/testkit/demo/fixture/solution.ts';
import { createSampleRepository, type SampleRepository } from '../../src/testkit/demo/sampleRepository.ts';
import { GitHubStandIn } from '../../src/testkit/github/githubStandIn.ts';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { ensureBuiltCli } from '../cli/cliWorld.ts';
import { spawn } from 'node:child_process';
import { CLI, cliEnv, startCli } from '../support/cliProcess.ts';

/**
 * The demo script, but the Coder writes the parser whole instead of editing it: an edit cut off by a
 * kill is answered "outcome unknown" (it is not safe to run twice), and the scripted Coder cannot look
 * and react as a model would. A whole-file write is re-run on wake.
 */
export function crashScript(): unknown {
  const script = demoModelScript() as {
    agents: Record<string, { content: { type: string; name?: string; input?: unknown }[] }[]>;
  };
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

export interface Lane {
  index: number;
  sample: SampleRepository;
  repo: string;
  issueRef: string;
}

export interface CrashWorld {
  root: string;
  server: ScriptedModelServer;
  github: GitHubStandIn;
  lanes: Lane[];
  close(): Promise<void>;
}

/** One scripted model server and one GitHub stand-in (in this process) for every lane; each lane has its
 * own sample repository, standing for its own GitHub repository. */
export async function startCrashWorld(laneCount: number, script: unknown = crashScript()): Promise<CrashWorld> {
  ensureBuiltCli();
  const root = mkdtempSync(join(tmpdir(), 'agent-os-pipeline-crash-'));
  const server = await ScriptedModelServer.start({ script: parseModelScript(script) });
  const lanes: Lane[] = [];
  for (let i = 0; i < laneCount; i++) {
    const sample = await createSampleRepository(join(root, `lane${i}`));
    const repo = `${sample.repo}-${i}`;
    lanes.push({ index: i, sample, repo, issueRef: `${sample.owner}/${repo}#${sample.issue.number}` });
  }
  const github = await GitHubStandIn.start({
    repositories: lanes.map((l) => ({ ...l.sample.standInRepository, repo: l.repo })),
  });
  return {
    root,
    server,
    github,
    lanes,
    async close() {
      await server.close();
      await github.close();
      // AGENT_OS_CRASH_KEEP=1 keeps the stores and repositories, to read a failed run's logs.
      if (!process.env.AGENT_OS_CRASH_KEEP) rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A small deterministic generator, so a failing run can be repeated from its seed. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface SessionRun {
  kills: number;
  sessionId: string;
  storeDir: string;
  events: SessionEvent[];
  log: string[];
}

export interface KillPlan {
  maxKills: number;
  random: () => number;
  windowMs: [number, number];
  /** Run to the verdict undisturbed first, then kill only `resume --approve` (commit, push, pull request). */
  approvalOnly?: boolean;
  /** Reject the first APPROVE with this feedback (`run/resume --reject`, exit 3 at the next verdict), then
   * approve the next one. */
  rejectWith?: string;
}

export async function runSession(world: CrashWorld, lane: Lane, storeDir: string, plan: KillPlan): Promise<SessionRun> {
  const { maxKills, random } = plan;
  const { server, github } = world;
  const flags = [
    '--base-url',
    server.url,
    '--github-api',
    github.baseUrl,
    '--local-remote',
    `${lane.sample.barePath}=${lane.sample.owner}/${lane.repo}`,
    '--store',
    storeDir,
    '--repo',
    lane.sample.workdir,
    // Where nothing confines (no bubblewrap), every command asks: the run answers Allow to its scripted ones.
    '--allow-tools',
  ];
  const env = cliEnv({ ANTHROPIC_API_KEY: 'x' });
  const store = new FileSessionStore(storeDir);
  const log: string[] = [];
  let kills = 0;
  let sessionId: string | undefined;
  if (plan.approvalOnly) {
    const first = await startCli(['run', '--issue', lane.issueRef, ...flags], env).done;
    assert.equal(first.code, 3, `run to the verdict:\n${first.stdout}\n${first.stderr}`);
    sessionId = (await store.list())[0]?.id;
  }
  for (let attempt = 0; ; attempt++) {
    if (!sessionId) {
      for (const s of await store.list().catch(() => [])) {
        // A kill before the session's first events were written leaves one that never started.
        if ((await store.read(s.id)).some((e) => e.type === 'user.message')) sessionId = s.id;
        else await store.delete(s.id);
      }
    }
    const decision =
      plan.rejectWith !== undefined && !(sessionId && rejectionAnswered(await store.read(sessionId)))
        ? ['--reject', plan.rejectWith]
        : ['--approve'];
    const args = sessionId
      ? ['resume', sessionId, ...decision, ...flags]
      : ['run', '--issue', lane.issueRef, ...decision, ...flags];
    const started = Date.now();
    const run = startCliGroup(args, env);
    const killing = kills < maxKills;
    // Half the kills take the whole process group (git, bash and the tests it runs die with the CLI, as
    // when a container stops); the others only the CLI, whose children run on as orphans.
    const whole = random() < 0.5;
    const delay = plan.windowMs[0] + random() * (plan.windowMs[1] - plan.windowMs[0]);
    const timer = killing ? setTimeout(() => run.kill(whole), delay) : undefined;
    const result = await run.done;
    clearTimeout(timer);
    if (result.signal === 'SIGKILL') {
      kills++;
      log.push(
        `attempt ${attempt} (${args[0]}) killed${whole ? ' with its process group' : ''} after ${Math.round(delay)} ms`,
      );
      continue;
    }
    log.push(`attempt ${attempt} (${args[0]} ${decision[0]}) exit ${result.code} after ${Date.now() - started} ms`);
    if (decision[0] === '--reject' && result.code === 3) continue; // the next verdict waits: approve it
    assert.equal(
      result.code,
      0,
      `attempt ${attempt} (${args[0]}) failed:\n${log.join('\n')}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
    if (!sessionId) sessionId = (await store.list())[0]?.id;
    assert.ok(sessionId);
    if (process.env.AGENT_OS_CRASH_VERBOSE) process.stderr.write(`${storeDir}\n${log.join('\n')}\n`);
    return { kills, sessionId, storeDir, events: await store.read(sessionId), log };
  }
}

export interface KillRounds {
  /** Kills to land in all, spread over the sessions of every lane. */
  totalKills: number;
  killsPerSession: number;
  seed: number;
  /** What each session runs; the kill quota and the random source are filled in. */
  plan: Omit<KillPlan, 'maxKills' | 'random'>;
  /** Runs on a lane before its first killed session (an uninterrupted reference run). */
  beforeLane?: (lane: Lane, random: () => number) => Promise<void>;
  /** Checks one finished session; a failure names the seed, lane and session, with the session's log. */
  check: (lane: Lane, run: SessionRun, where: string) => Promise<void>;
}

/** Sessions on every lane at once, one after another per lane, until `totalKills` kills are planned (at
 * most `killsPerSession` each). Returns how many kills landed. */
export async function runKilledSessions(world: CrashWorld, rounds: KillRounds): Promise<number> {
  const random = seeded(rounds.seed);
  let planned = 0;
  const killed = await Promise.all(
    world.lanes.map(async (lane) => {
      await rounds.beforeLane?.(lane, random);
      let kills = 0;
      for (let i = 0; ; i++) {
        const quota = Math.min(rounds.killsPerSession, rounds.totalKills - planned);
        if (quota <= 0) return kills;
        planned += quota;
        const run = await runSession(world, lane, join(world.root, `lane${lane.index}-s${i}`), {
          ...rounds.plan,
          maxKills: quota,
          random,
        });
        kills += run.kills;
        planned -= quota - run.kills; // a session that finished before its quota hands the rest back
        const where = `seed ${rounds.seed}, lane ${lane.index}, session ${i} (${run.sessionId})`;
        try {
          await rounds.check(lane, run, where);
        } catch (error) {
          throw new Error(`${where}: ${(error as Error).message}\n${run.log.join('\n')}`, { cause: error });
        }
      }
    }),
  );
  return killed.reduce((a, b) => a + b, 0);
}

/** A rejection was recorded and the round it started has ended in a new verdict. (Before that, running
 * the same `--reject` command again is what a person would do; it must not reject the new verdict too.) */
function rejectionAnswered(events: readonly SessionEvent[]): boolean {
  const rejection = events.find((e) => e.type === 'agent_os.approval' && e.decision === 'reject');
  return (
    rejection !== undefined && events.some((e) => e.type === 'agent_os.verdict_submitted' && e.seq > rejection.seq)
  );
}

export function prHeadOf(run: SessionRun): string {
  return (
    run.events.find((e) => e.type === 'agent_os.pull_request_opened') as EventOfType<'agent_os.pull_request_opened'>
  ).head_commit;
}

export function treeOf(lane: Lane, commit: string): string {
  return execFileSync('git', ['--git-dir', lane.sample.barePath, 'rev-parse', `${commit}^{tree}`], {
    encoding: 'utf8',
  }).trim();
}

/** The CLI in its own process group, so a kill can take the whole group. */
function startCliGroup(
  args: string[],
  env: NodeJS.ProcessEnv,
): { done: ReturnType<typeof startCli>['done']; kill(group: boolean): void } {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    done,
    kill(group) {
      if (child.pid === undefined || child.exitCode !== null) return;
      try {
        if (group) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** What every finished session must show, killed or not. Returns the tree of its pull request's head. */
export interface FinishedShape {
  verdicts: string[];
  approvals: string[];
}

export async function checkFinished(
  world: CrashWorld,
  lane: Lane,
  run: SessionRun,
  shape: FinishedShape = { verdicts: ['REJECT', 'APPROVE'], approvals: ['approve'] },
): Promise<string> {
  const { events, sessionId } = run;
  const state = foldSession(sessionId, events);
  assert.equal(state.status, 'idle');
  assert.equal(state.stopReason?.type, 'end_turn');
  assert.deepEqual(
    events.filter((e) => e.type === 'session.error').map((e) => e.type === 'session.error' && e.error.message),
    [],
  );

  const uses = events.filter((e): e is EventOfType<'agent.tool_use'> => e.type === 'agent.tool_use');
  for (const use of uses) {
    const results = events.filter((e) => e.type === 'agent.tool_result' && e.tool_use_id === use.id).length;
    assert.equal(results, 1, `tool use ${use.id} (${use.name}) has ${results} results`);
  }
  const modelIds = uses.map((u) => u.model_tool_use_id);
  assert.equal(new Set(modelIds).size, modelIds.length, 'a tool call was recorded twice');

  // The pipeline's own records: one plan, the verdicts and decisions expected, one pull request.
  assert.equal(events.filter((e) => e.type === 'agent_os.plan_submitted').length, 1);
  assert.deepEqual(
    events
      .filter((e): e is EventOfType<'agent_os.verdict_submitted'> => e.type === 'agent_os.verdict_submitted')
      .map((v) => v.verdict.decision),
    shape.verdicts,
  );
  assert.deepEqual(
    events.filter((e): e is EventOfType<'agent_os.approval'> => e.type === 'agent_os.approval').map((e) => e.decision),
    shape.approvals,
  );
  const opened = events.filter(
    (e): e is EventOfType<'agent_os.pull_request_opened'> => e.type === 'agent_os.pull_request_opened',
  );
  assert.equal(opened.length, 1, 'one pull_request_opened event');
  const pr = opened[0] as EventOfType<'agent_os.pull_request_opened'>;

  // Exactly one pull request at GitHub for this session's branch, pointing at what was pushed.
  const atGitHub = world.github.pullRequests().filter((p) => p.repo === lane.repo && p.head === pr.branch);
  assert.equal(atGitHub.length, 1, `pull requests for ${pr.branch}: ${atGitHub.length}`);
  assert.equal(atGitHub[0]?.number, pr.number);
  const pushed = execFileSync('git', ['--git-dir', lane.sample.barePath, 'rev-parse', `refs/heads/${pr.branch}`], {
    encoding: 'utf8',
  }).trim();
  assert.equal(pushed, pr.head_commit);
  assert.equal(atGitHub[0]?.headSha, pushed);

  const verify = await new FileSessionStore(run.storeDir).verify(sessionId);
  assert.equal(verify.ok, true, JSON.stringify(verify));
  return treeOf(lane, pr.head_commit);
}

/** What the uninterrupted demo run leaves on its branch: the sample project with the solution applied. */
export function expectedBranchFiles(): Record<string, string> {
  const files: Record<string, string> = { ...sampleFiles };
  const { file_path, old_string, new_string } = solutionCodeChange.input;
  files[file_path] = (files[file_path] as string).replace(old_string, new_string);
  files[solutionTest.input.file_path] = solutionTest.input.content;
  return files;
}

/** Every file of a commit in the lane's remote, with its content. */
export function branchFiles(lane: Lane, commit: string): Record<string, string> {
  const out: Record<string, string> = {};
  const git = (...args: string[]) =>
    execFileSync('git', ['--git-dir', lane.sample.barePath, ...args], { encoding: 'utf8' });
  for (const path of git('ls-tree', '-r', '--name-only', commit).split('\n').filter(Boolean))
    out[path] = git('show', `${commit}:${path}`);
  return out;
}
