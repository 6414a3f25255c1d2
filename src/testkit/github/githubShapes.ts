// The stand-in's answers in GitHub's REST shapes: users, repositories, issues, pull requests, and
// paging with a `link` header, so Octokit reads them as it reads GitHub's own.
import type { RepositoryState, StandInIssueSeed, StoredPullRequest } from './githubStandIn.ts';

const epoch = '2026-01-01T00:00:00Z';

export class GitHubShapes {
  constructor(
    private readonly origin: () => string,
    private readonly login: string,
  ) {}

  page(items: unknown[], query: URLSearchParams, path: string) {
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const body = items.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < items.length) {
      const next = new URLSearchParams(query);
      next.set('page', String(page + 1));
      next.set('per_page', String(perPage));
      headers.link = `<${this.origin()}${path}?${next.toString()}>; rel="next"`;
    }
    return { body, headers };
  }

  user() {
    return {
      login: this.login,
      id: 1,
      node_id: 'U_standin',
      type: 'User',
      site_admin: false,
      html_url: `${this.origin()}/${this.login}`,
      url: `${this.origin()}/users/${this.login}`,
    };
  }

  repositoryJson(r: RepositoryState) {
    return {
      id: r.id,
      node_id: `R_${r.id}`,
      name: r.repo,
      full_name: `${r.owner}/${r.repo}`,
      owner: { login: r.owner, id: r.id + 100_000, type: 'User' },
      private: false,
      html_url: `${this.origin()}/${r.owner}/${r.repo}`,
      url: this.apiUrl(r),
      default_branch: r.defaultBranch,
      visibility: 'public',
      has_issues: true,
      open_issues_count: [...r.issues.values()].filter((i) => i.state === 'open').length,
      permissions: { admin: true, push: true, pull: true },
    };
  }

  issueJson(r: RepositoryState, issue: Required<StandInIssueSeed>) {
    return {
      id: r.id * 100_000 + issue.number,
      node_id: `I_${r.id}_${issue.number}`,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      locked: false,
      labels: issue.labels.map((name, i) => ({ id: i + 1, name, color: 'ededed', default: false })),
      user: this.user(),
      assignees: [],
      comments: 0,
      created_at: epoch,
      updated_at: epoch,
      closed_at: issue.state === 'closed' ? epoch : null,
      html_url: this.htmlUrl(r.owner, r.repo, 'issues', issue.number),
      url: this.apiUrl(r, `/issues/${issue.number}`),
      repository_url: this.apiUrl(r),
    };
  }

  pullAsIssueJson(r: RepositoryState, p: StoredPullRequest) {
    return {
      ...this.issueJson(r, { number: p.number, title: p.title, body: p.body, state: p.state, labels: [] }),
      html_url: this.htmlUrl(r.owner, r.repo, 'pull', p.number),
      pull_request: {
        url: this.apiUrl(r, `/pulls/${p.number}`),
        html_url: this.htmlUrl(r.owner, r.repo, 'pull', p.number),
      },
    };
  }

  pullJson(r: RepositoryState, p: StoredPullRequest) {
    const repo = this.repositoryJson(r);
    return {
      id: r.id * 100_000 + p.number,
      node_id: `PR_${r.id}_${p.number}`,
      number: p.number,
      state: p.state,
      title: p.title,
      body: p.body,
      draft: false,
      merged: false,
      user: this.user(),
      created_at: p.createdAt,
      updated_at: p.createdAt,
      html_url: this.htmlUrl(r.owner, r.repo, 'pull', p.number),
      url: this.apiUrl(r, `/pulls/${p.number}`),
      head: { label: `${r.owner}:${p.head}`, ref: p.head, sha: p.headSha, repo },
      base: { label: `${r.owner}:${p.base}`, ref: p.base, repo },
    };
  }

  htmlUrl(owner: string, repo: string, kind: 'issues' | 'pull', number: number): string {
    return `${this.origin()}/${owner}/${repo}/${kind}/${number}`;
  }

  /** The REST address of a repository, or of `tail` under it (`/pulls/3`). */
  apiUrl(r: RepositoryState, tail = ''): string {
    return `${this.origin()}/repos/${r.owner}/${r.repo}${tail}`;
  }
}
