// The Octokit adapter against the local GitHub stand-in: real HTTP, real git behind the pull requests. What
// every implementation of the GitHub ports must do is the conformance suite (githubConformance.test.ts); here
// are the adapter's own messages, settings and the stand-in's persistence.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePullRequest, GitHubRequestError, IssueNotFoundError } from '../../src/core/github/githubPorts.ts';
import { GitHubStandIn } from '../../src/testkit/github/githubStandIn.ts';
import { apiBaseUrlForHost, OctokitGitHub, tokenFromEnvironment } from '../../src/node/github/octokitGitHub.ts';
import { git, makeTestRepo, writeFiles, type TestRepo } from '../git/gitTestRepo.ts';

let repo: TestRepo;
let standIn: GitHubStandIn;
let github: OctokitGitHub;
const token = 'test-token-1';

before(async () => {
  repo = makeTestRepo();
  for (const branch of ['agent-os/issue-1', 'agent-os/issue-2', 'agent-os/issue-3']) {
    git(repo.work, 'checkout', '-qb', branch, 'main');
    writeFiles(repo.work, { [`${branch.replace('/', '-')}.txt`]: `${branch}\n` });
    git(repo.work, 'add', '-A');
    git(repo.work, 'commit', '-qm', branch);
    git(repo.work, 'push', '-q', 'origin', branch);
  }
  git(repo.work, 'push', '-q', 'origin', 'main:refs/heads/same-as-main');
  standIn = await GitHubStandIn.start({
    token,
    repositories: [
      {
        owner: 'octo',
        repo: 'sample',
        barePath: repo.bare,
        issues: [
          { number: 1, title: 'First', body: 'Body one', labels: ['bug', 'good first issue'] },
          { number: 2, title: 'Closed one', state: 'closed' },
          ...Array.from({ length: 120 }, (_, i) => ({ number: 10 + i, title: `Bulk ${i}` })),
        ],
      },
    ],
  });
  github = new OctokitGitHub({ baseUrl: standIn.baseUrl, token });
});

after(async () => {
  await standIn.close();
  repo.cleanup();
});

test('reads an issue', async () => {
  const issue = await github.getIssue({ owner: 'octo', repo: 'sample', number: 1 });
  assert.deepEqual(issue, {
    ref: { owner: 'octo', repo: 'sample', number: 1 },
    title: 'First',
    body: 'Body one',
    url: `${standIn.baseUrl}/octo/sample/issues/1`,
    state: 'open',
    labels: ['bug', 'good first issue'],
  });
});

test('an Enterprise-style base URL (/api/v3) reaches the same API', async () => {
  const enterprise = new OctokitGitHub({ baseUrl: `${standIn.baseUrl}/api/v3/`, token });
  assert.equal((await enterprise.getIssue({ owner: 'octo', repo: 'sample', number: 1 })).title, 'First');
  assert.equal(apiBaseUrlForHost('ghe.example.com'), 'https://ghe.example.com/api/v3');
  assert.equal(apiBaseUrlForHost('github.com'), undefined);
  assert.equal(tokenFromEnvironment({ GH_TOKEN: 'b' }), 'b');
  assert.equal(tokenFromEnvironment({ GITHUB_TOKEN: 'a', GH_TOKEN: 'b' }), 'a');
});

test('lists open issues across pages, without closed ones or pull requests', async () => {
  const issues = await github.listOpenIssues('octo', 'sample');
  const numbers = issues.map((i) => i.ref.number);
  assert.equal(issues.length, 121);
  assert.ok(numbers.includes(1));
  assert.ok(!numbers.includes(2));
  assert.ok(issues.every((i) => i.state === 'open'));
  assert.ok(standIn.requests.filter((r) => r.path === '/repos/octo/sample/issues').length >= 2, 'paginated');
});

test('a missing issue, and a missing repository, are ISSUE_NOT_FOUND naming owner/repo#n', async () => {
  await assert.rejects(github.getIssue({ owner: 'octo', repo: 'sample', number: 999 }), (e: unknown) => {
    assert.ok(e instanceof IssueNotFoundError);
    assert.equal(e.code, 'ISSUE_NOT_FOUND');
    assert.equal(e.message, 'issue octo/sample#999 not found');
    return true;
  });
  await assert.rejects(github.getIssue({ owner: 'octo', repo: 'nope', number: 1 }), { code: 'ISSUE_NOT_FOUND' });
});

test("a bad token is GITHUB_FAILED with the status and GitHub's message", async () => {
  const wrong = new OctokitGitHub({ baseUrl: standIn.baseUrl, token: 'wrong' });
  await assert.rejects(wrong.getIssue({ owner: 'octo', repo: 'sample', number: 1 }), (e: unknown) => {
    assert.ok(e instanceof GitHubRequestError);
    assert.equal(e.code, 'GITHUB_FAILED');
    assert.equal(e.status, 401);
    assert.equal(e.message, 'GitHub read issue octo/sample#1 failed (401): Bad credentials');
    return true;
  });
});

test('an unreachable API is GITHUB_FAILED in one line', async () => {
  const closed = await GitHubStandIn.start({ repositories: [] });
  const url = closed.baseUrl;
  await closed.close();
  const nowhere = new OctokitGitHub({ baseUrl: url });
  await assert.rejects(nowhere.listOpenIssues('octo', 'sample'), (e: unknown) => {
    assert.ok(e instanceof GitHubRequestError);
    assert.equal(e.status, undefined);
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, /^GitHub list issues of octo\/sample failed: .+/);
    return true;
  });
});

test('opens a pull request, finds it, and refuses a second one for the same head', async () => {
  const request = {
    owner: 'octo',
    repo: 'sample',
    head: 'agent-os/issue-1',
    base: 'main',
    title: 'Fix #1',
    body: 'Closes #1',
  };
  assert.equal(await github.findPullRequest('octo', 'sample', 'agent-os/issue-1'), undefined);
  const pr = await github.openPullRequest(request);
  assert.equal(pr.head, 'agent-os/issue-1');
  assert.equal(pr.base, 'main');
  assert.equal(pr.title, 'Fix #1');
  assert.ok(pr.number > 129, 'issues and pull requests share numbers');
  assert.equal(pr.url, `${standIn.baseUrl}/octo/sample/pull/${pr.number}`);
  assert.deepEqual(await github.findPullRequest('octo', 'sample', 'agent-os/issue-1'), pr);
  assert.deepEqual(await github.findPullRequest('octo', 'sample', 'octo:agent-os/issue-1'), pr);
  assert.equal(await github.findPullRequest('octo', 'sample', 'agent-os/issue-2'), undefined);

  await assert.rejects(github.openPullRequest(request), (e: unknown) => {
    assert.ok(e instanceof GitHubRequestError);
    assert.equal(e.status, 422);
    assert.match(e.message, /Validation Failed: A pull request already exists for octo:agent-os\/issue-1\.$/);
    return true;
  });
  const created = standIn.pullRequests().filter((p) => p.head === 'agent-os/issue-1');
  assert.equal(created.length, 1);
  assert.equal(created[0]?.body, 'Closes #1');
  assert.equal(created[0]?.headSha, git(repo.bare, 'rev-parse', 'refs/heads/agent-os/issue-1').trim());
  // The pull request is listed among issues by GitHub, but not by us.
  assert.ok(!(await github.listOpenIssues('octo', 'sample')).some((i) => i.ref.number === pr.number));
  await assert.rejects(github.getIssue({ owner: 'octo', repo: 'sample', number: pr.number }), {
    code: 'ISSUE_NOT_FOUND',
  });
});

test('ensurePullRequest opens exactly once across repeated calls', async () => {
  const request = { owner: 'octo', repo: 'sample', head: 'agent-os/issue-2', base: 'main', title: 'Fix #2', body: '' };
  const posts = () => standIn.requests.filter((r) => r.method === 'POST').length;
  const before = posts();
  const first = await ensurePullRequest(github, request);
  const second = await ensurePullRequest(github, request);
  assert.equal(first.created, true);
  assert.equal(second.created, false);
  assert.equal(second.pullRequest.number, first.pullRequest.number);
  assert.equal(posts() - before, 1);
});

test('pull requests GitHub would refuse: no commits, unknown head or base, missing title', async () => {
  const base = { owner: 'octo', repo: 'sample', base: 'main', title: 't', body: '' };
  const cases: [Record<string, string>, RegExp][] = [
    [{ head: 'main' }, /\(422\): Validation Failed: No commits between main and main$/],
    [{ head: 'same-as-main' }, /\(422\): Validation Failed: No commits between main and same-as-main$/],
    [{ head: 'not-pushed' }, /\(422\): Validation Failed: head invalid$/],
    [{ head: 'agent-os/issue-3', base: 'no-such-base' }, /\(422\): Validation Failed: base invalid$/],
    [{ head: 'agent-os/issue-3', title: '' }, /\(422\): Validation Failed: title missing_field$/],
    [{ head: 'someone-else:agent-os/issue-3' }, /\(422\): Validation Failed: head invalid$/],
  ];
  for (const [change, expected] of cases) {
    await assert.rejects(github.openPullRequest({ ...base, head: '', ...change }), (e: unknown) => {
      assert.ok(e instanceof GitHubRequestError, String(e));
      assert.match(e.message, expected);
      return true;
    });
  }
  await assert.rejects(github.openPullRequest({ ...base, repo: 'nope', head: 'x' }), {
    code: 'GITHUB_FAILED',
    status: 404,
  });
  assert.equal(standIn.pullRequests().filter((p) => p.head === 'agent-os/issue-3').length, 0);
});

test('the stand-in keeps created pull requests in its state file across restarts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-os-standin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const seed = {
    stateFile: join(dir, 'state.json'),
    repositories: [{ owner: 'octo', repo: 'sample', barePath: repo.bare }],
  };
  const one = await GitHubStandIn.start(seed);
  const pr = await new OctokitGitHub({ baseUrl: one.baseUrl }).openPullRequest({
    owner: 'octo',
    repo: 'sample',
    head: 'agent-os/issue-3',
    base: 'main',
    title: 'Fix #3',
    body: '',
  });
  await one.close();
  const two = await GitHubStandIn.start(seed);
  t.after(() => two.close());
  const found = await new OctokitGitHub({ baseUrl: two.baseUrl }).findPullRequest('octo', 'sample', 'agent-os/issue-3');
  assert.equal(found?.number, pr.number);
  assert.equal(two.pullRequests().length, 1);
});

test("GET /user and GET /repos answer with GitHub's shapes", async () => {
  const headers = { authorization: `token ${token}` };
  const user = (await (await fetch(`${standIn.baseUrl}/user`, { headers })).json()) as { login: string };
  assert.equal(user.login, 'agent-os-demo');
  const response = await fetch(`${standIn.baseUrl}/repos/octo/sample`, { headers });
  const repository = (await response.json()) as { full_name: string; default_branch: string };
  assert.equal(repository.full_name, 'octo/sample');
  assert.equal(repository.default_branch, 'main');
  const missing = await fetch(`${standIn.baseUrl}/repos/octo/sample/issues/4242`, { headers });
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { message: string }).message, 'Not Found');
});

test('two requests for one head at the same time open one pull request', async (t) => {
  const local = makeTestRepo();
  t.after(local.cleanup);
  git(local.work, 'checkout', '-qb', 'agent-os/race');
  git(local.work, 'commit', '--allow-empty', '-qm', 'race');
  git(local.work, 'push', '-q', 'origin', 'agent-os/race');
  const raceStandIn = await GitHubStandIn.start({
    repositories: [{ owner: 'octo', repo: 'race', barePath: local.bare }],
  });
  t.after(() => raceStandIn.close());
  const client = new OctokitGitHub({ baseUrl: raceStandIn.baseUrl });
  const request = { owner: 'octo', repo: 'race', head: 'agent-os/race', base: 'main', title: 't', body: '' };
  const results = await Promise.allSettled([client.openPullRequest(request), client.openPullRequest(request)]);
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  assert.equal(raceStandIn.pullRequests().length, 1);
});
