// The checks every implementation of the GitHub ports (IssueSource and PullRequestSink) must pass, against the
// GitHub stand-in over HTTP with real git behind its pull requests. Each implementation's test file calls
// `githubConformance(name, factory)` with a factory that points a fresh client at the stand-in's URL. What the
// runtime relies on: an issue read whole, open issues across pages without closed ones or pull requests, a
// missing issue as IssueNotFoundError, a pull request opened once per head — found again after a crash,
// refused a second time, and opened once when two callers race (ensurePullRequest).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ensurePullRequest,
  GitHubRequestError,
  IssueNotFoundError,
  type IssueSource,
  type PullRequestSink,
} from '../../src/core/github/githubPorts.ts';
import { GitHubStandIn } from '../../src/testkit/github/githubStandIn.ts';
import { git, makeTestRepo, writeFiles, type TestRepo } from '../git/gitTestRepo.ts';

export type GitHubPorts = IssueSource & PullRequestSink;

const token = 'conformance-token';
const BRANCHES = ['agent-os/one', 'agent-os/twice', 'agent-os/race'];

export function githubConformance(
  name: string,
  factory: (standIn: { baseUrl: string; token: string }) => GitHubPorts,
): void {
  describe(`GitHub ports conformance: ${name}`, () => {
    let repo: TestRepo;
    let standIn: GitHubStandIn;
    let github: GitHubPorts;

    before(async () => {
      repo = makeTestRepo();
      for (const branch of BRANCHES) {
        git(repo.work, 'checkout', '-qb', branch, 'main');
        writeFiles(repo.work, { [`${branch.replace('/', '-')}.txt`]: `${branch}\n` });
        git(repo.work, 'add', '-A');
        git(repo.work, 'commit', '-qm', branch);
        git(repo.work, 'push', '-q', 'origin', branch);
      }
      standIn = await GitHubStandIn.start({
        token,
        repositories: [
          {
            owner: 'octo',
            repo: 'ports',
            barePath: repo.bare,
            issues: [
              { number: 1, title: 'First', body: 'Body one', labels: ['bug'] },
              { number: 2, title: 'Closed one', state: 'closed' },
              ...Array.from({ length: 110 }, (_, i) => ({ number: 10 + i, title: `Bulk ${i}` })),
            ],
          },
        ],
      });
      github = factory({ baseUrl: standIn.baseUrl, token });
    });
    after(async () => {
      await standIn.close();
      repo.cleanup();
    });

    it('reads an issue whole', async () => {
      const issue = await github.getIssue({ owner: 'octo', repo: 'ports', number: 1 });
      assert.deepEqual(issue.ref, { owner: 'octo', repo: 'ports', number: 1 });
      assert.equal(issue.title, 'First');
      assert.equal(issue.body, 'Body one');
      assert.equal(issue.state, 'open');
      assert.deepEqual(issue.labels, ['bug']);
      assert.match(issue.url, /\/octo\/ports\/issues\/1$/);
    });

    it('lists every open issue, across pages, without closed ones', async () => {
      const numbers = (await github.listOpenIssues('octo', 'ports')).map((i) => i.ref.number).sort((a, b) => a - b);
      assert.deepEqual(numbers, [1, ...Array.from({ length: 110 }, (_, i) => 10 + i)]);
    });

    it('a missing issue, or one in a missing repository, is IssueNotFoundError', async () => {
      await assert.rejects(github.getIssue({ owner: 'octo', repo: 'ports', number: 999 }), IssueNotFoundError);
      await assert.rejects(github.getIssue({ owner: 'octo', repo: 'nope', number: 1 }), { code: 'ISSUE_NOT_FOUND' });
    });

    it('opens a pull request once per head: found again, refused a second time, never an issue', async () => {
      const request = { owner: 'octo', repo: 'ports', head: 'agent-os/one', base: 'main', title: 'One', body: 'b' };
      assert.equal(await github.findPullRequest('octo', 'ports', 'agent-os/one'), undefined);
      const opened = await github.openPullRequest(request);
      assert.deepEqual(
        { head: opened.head, base: opened.base, title: opened.title },
        { head: 'agent-os/one', base: 'main', title: 'One' },
      );
      assert.deepEqual(await github.findPullRequest('octo', 'ports', 'agent-os/one'), opened);
      await assert.rejects(github.openPullRequest(request), GitHubRequestError);
      assert.ok(!(await github.listOpenIssues('octo', 'ports')).some((i) => i.ref.number === opened.number));
      await assert.rejects(
        github.getIssue({ owner: 'octo', repo: 'ports', number: opened.number }),
        IssueNotFoundError,
      );
    });

    it('ensurePullRequest opens once, over repeated calls and two callers at the same time', async () => {
      const twice = { owner: 'octo', repo: 'ports', head: 'agent-os/twice', base: 'main', title: 'Twice', body: '' };
      const first = await ensurePullRequest(github, twice);
      const again = await ensurePullRequest(github, twice);
      assert.deepEqual([first.created, again.created], [true, false]);
      assert.equal(again.pullRequest.number, first.pullRequest.number);
      const race = { ...twice, head: 'agent-os/race', title: 'Race' };
      const [a, b] = await Promise.all([ensurePullRequest(github, race), ensurePullRequest(github, race)]);
      assert.deepEqual([a.created, b.created].sort(), [false, true]);
      assert.equal(a.pullRequest.number, b.pullRequest.number);
      assert.equal(standIn.pullRequests().filter((p) => p.head === 'agent-os/race').length, 1);
    });
  });
}
