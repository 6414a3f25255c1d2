// The demo's sample repository is real, and its issue needs a real change: the new test fails on the
// original code and passes only with the solution's code change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensurePullRequest } from '../../core/github/githubPorts.ts';
import { commitAll } from '../../node/git/commitAll.ts';
import { pushBranch } from '../../node/git/pushBranch.ts';
import { diffCommits, diffWorktree } from '../../node/git/worktreeDiff.ts';
import { openGit } from '../../node/git/gitClient.ts';
import { GitHubStandIn } from '../github/githubStandIn.ts';
import { OctokitGitHub } from '../../node/github/octokitGitHub.ts';
import { findRemoteRepository } from '../../node/github/remoteRepository.ts';
import { sampleFiles } from './fixture/files.ts';
import { sampleIssue } from './fixture/issue.ts';
import { PlanSchema } from '../../core/agents/planSchema.ts';
import { VerdictSchema } from '../../core/agents/verdictSchema.ts';
import {
  sampleApproveVerdict,
  samplePlan,
  sampleRejectVerdict,
  sampleTestCommand,
  solutionCodeChange,
  solutionCodeCheck,
  solutionTest,
  solutionTestDraft,
  type SolutionStep,
} from './fixture/solution.ts';
import { createSampleRepository } from './sampleRepository.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-os-sample-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Applies a step with the platform tools' semantics: `edit` needs exactly one match. */
function apply(workdir: string, step: SolutionStep): void {
  const path = join(workdir, step.input.file_path);
  if (step.tool === 'write') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, step.input.content);
    return;
  }
  const text = readFileSync(path, 'utf8');
  assert.equal(text.split(step.input.old_string).length - 1, 1, `old_string of ${step.input.file_path} matches once`);
  writeFileSync(
    path,
    text.replace(step.input.old_string, () => step.input.new_string),
  );
}

/** Runs a command as the agents' bash would, outside this test runner's own context. */
function run(workdir: string, command: string): { status: number | null; output: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  // A nested `node --test` that sees these reports to us instead of running as a test suite of its own.
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  const result = spawnSync('/bin/sh', ['-c', command], { cwd: workdir, env, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('the sample repository: fixture files, one commit on main, pushed to a bare origin, same base every time', async (t) => {
  const dir = tempDir(t);
  const sample = await createSampleRepository(join(dir, 'a'));
  for (const [path, content] of Object.entries(sampleFiles)) {
    assert.equal(readFileSync(join(sample.workdir, path), 'utf8'), content, path);
  }
  const git = openGit(sample.workdir);
  assert.equal((await git.raw(['status', '--porcelain'])).trim(), '');
  assert.equal((await git.raw(['rev-list', '--count', 'HEAD'])).trim(), '1');
  assert.equal((await git.raw(['rev-parse', '--abbrev-ref', 'HEAD'])).trim(), 'main');
  assert.equal((await openGit(sample.barePath).raw(['rev-parse', 'refs/heads/main'])).trim(), sample.baseCommit);
  assert.equal((await git.raw(['rev-parse', '--abbrev-ref', 'main@{upstream}'])).trim(), 'origin/main');
  assert.deepEqual(await findRemoteRepository(sample.workdir, { localRemotes: sample.localRemotes }), {
    owner: 'agent-os-demo',
    repo: 'duration-kit',
    url: sample.barePath,
  });
  const again = await createSampleRepository(join(dir, 'b'));
  assert.equal(again.baseCommit, sample.baseCommit);
  await assert.rejects(createSampleRepository(join(dir, 'a')), { code: 'INVALID_ARGUMENT', message: /is not empty/ });
});

test('the issue needs a real change: its test fails before the solution and passes after', async (t) => {
  const sample = await createSampleRepository(tempDir(t));
  const original = run(sample.workdir, sampleTestCommand);
  assert.equal(original.status, 0, original.output);
  assert.notEqual(run(sample.workdir, solutionCodeCheck).status, 0);

  apply(sample.workdir, solutionTest);
  const withTestOnly = run(sample.workdir, sampleTestCommand);
  assert.notEqual(withTestOnly.status, 0, 'the new test must fail on the original code');
  assert.match(withTestOnly.output, /invalid duration: "1h30m"/);

  apply(sample.workdir, solutionCodeChange);
  const solved = run(sample.workdir, sampleTestCommand);
  assert.equal(solved.status, 0, solved.output);
  assert.match(solved.output, /pass 8/);
  assert.equal(run(sample.workdir, solutionCodeCheck).status, 0);
});

test('the code change alone keeps the old suite green', async (t) => {
  const sample = await createSampleRepository(tempDir(t));
  apply(sample.workdir, solutionCodeChange);
  const result = run(sample.workdir, sampleTestCommand);
  assert.equal(result.status, 0, result.output);
  assert.equal(run(sample.workdir, solutionCodeCheck).status, 0);
});

test('the GitHub side of the demo: issue from the stand-in, commit, push, pull request once', async (t) => {
  const sample = await createSampleRepository(tempDir(t));
  const standIn = await GitHubStandIn.start({ repositories: [sample.standInRepository] });
  t.after(() => standIn.close());
  const github = new OctokitGitHub({ baseUrl: standIn.baseUrl });
  const issue = await github.getIssue({ owner: sample.owner, repo: sample.repo, number: sampleIssue.number });
  assert.equal(issue.title, sampleIssue.title);
  assert.equal(issue.body, sampleIssue.body);
  assert.deepEqual(issue.labels, ['bug']);
  assert.deepEqual(
    (await github.listOpenIssues(sample.owner, sample.repo)).map((i) => i.ref.number),
    [7],
  );

  const branch = 'agent-os/issue-7';
  await openGit(sample.workdir).raw(['checkout', '--quiet', '-b', branch]);
  for (const step of [solutionCodeChange, solutionTest]) apply(sample.workdir, step);
  const before = await diffWorktree(sample.workdir, sample.baseCommit);
  assert.deepEqual(
    before.files.map((f) => [f.status, f.path]),
    [
      ['M', 'src/parseDuration.js'],
      ['A', 'test/compoundDuration.test.js'],
    ],
  );
  const { commit } = await commitAll(sample.workdir, {
    message: `Read compound durations in parseDuration\n\nCloses #7`,
  });
  assert.equal((await diffCommits(sample.workdir, sample.baseCommit, commit)).sha256, before.sha256);
  await pushBranch(sample.workdir, 'origin', branch);
  const request = {
    owner: sample.owner,
    repo: sample.repo,
    head: branch,
    base: 'main',
    title: issue.title,
    body: 'Closes #7',
  };
  const opened = await ensurePullRequest(github, request);
  const reopened = await ensurePullRequest(github, request);
  assert.equal(opened.created, true);
  assert.equal(reopened.created, false);
  assert.equal(opened.pullRequest.number, 8);
  assert.deepEqual(
    standIn.pullRequests().map((p) => [p.number, p.head, p.headSha]),
    [[8, branch, commit]],
  );
});

test("the scripted run: plan and verdicts fit their schemas, and each step's validation passes when it is done", async (t) => {
  assert.deepEqual(PlanSchema.parse(samplePlan), samplePlan);
  assert.deepEqual(VerdictSchema.parse(sampleRejectVerdict), sampleRejectVerdict);
  assert.deepEqual(VerdictSchema.parse(sampleApproveVerdict), sampleApproveVerdict);
  const [step1, step2] = samplePlan.steps;
  assert.ok(step1 && step2);
  const sample = await createSampleRepository(tempDir(t));
  assert.notEqual(run(sample.workdir, step1.validation).status, 0);
  apply(sample.workdir, solutionCodeChange);
  assert.equal(run(sample.workdir, step1.validation).status, 0);
  assert.notEqual(run(sample.workdir, step2.validation).status, 0);
  apply(sample.workdir, solutionTestDraft);
  const draft = run(sample.workdir, step2.validation);
  assert.equal(draft.status, 0, draft.output);
  assert.doesNotMatch(readFileSync(join(sample.workdir, 'test/compoundDuration.test.js'), 'utf8'), /formatDuration/);
  // The REJECT round: the full test file replaces the draft.
  apply(sample.workdir, solutionTest);
  const full = run(sample.workdir, sampleTestCommand);
  assert.equal(full.status, 0, full.output);
  assert.match(full.output, /pass 8/);
});
