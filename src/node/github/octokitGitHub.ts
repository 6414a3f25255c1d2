// Issues and pull requests through GitHub's REST API (@octokit/rest). The base URL is configurable:
// GitHub, GitHub Enterprise (`https://host/api/v3`) or the local stand-in of tests and the demo.
import { Octokit } from '@octokit/rest';
import {
  GitHubRequestError,
  IssueNotFoundError,
  type Issue,
  type IssueRef,
  type IssueSource,
  type PullRequestRef,
  type PullRequestRequest,
  type PullRequestSink,
} from '../../core/github/githubPorts.ts';

export interface OctokitGitHubOptions {
  /** API root; GitHub's public API when absent. */
  baseUrl?: string;
  /** A token (CLI: GITHUB_TOKEN / GH_TOKEN; extension: the session's access token). Public reads work without. */
  token?: string;
  userAgent?: string;
}

/** The API root for a host read from an issue URL: github.com's API, or Enterprise's `/api/v3`. */
export function apiBaseUrlForHost(host: string | undefined): string | undefined {
  if (!host || host.toLowerCase() === 'github.com' || host.toLowerCase() === 'www.github.com') return undefined;
  return `https://${host}/api/v3`;
}

/** The token the CLI uses: GITHUB_TOKEN, else GH_TOKEN (the GitHub CLI's name). */
export function tokenFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.GITHUB_TOKEN || env.GH_TOKEN || undefined;
}

type RawIssue = {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  state: string;
  labels: (string | { name?: string | null })[];
  pull_request?: unknown;
};

type RawPull = { number: number; html_url: string; title: string; head: { ref: string }; base: { ref: string } };

export class OctokitGitHub implements IssueSource, PullRequestSink {
  private readonly octokit: Octokit;

  constructor(options: OctokitGitHubOptions = {}) {
    const quiet = () => undefined;
    this.octokit = new Octokit({
      ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
      ...(options.token ? { auth: options.token } : {}),
      userAgent: options.userAgent ?? 'agent-os',
      // Failures reach the user as our errors; Octokit's own logging would repeat them on stderr.
      log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    });
  }

  async getIssue(ref: IssueRef): Promise<Issue> {
    const { owner, repo, number } = ref;
    let data: RawIssue;
    try {
      data = (await this.octokit.rest.issues.get({ owner, repo, issue_number: number })).data as RawIssue;
    } catch (error) {
      // GitHub answers 404 for a missing repository too, and 410 for a deleted issue.
      if (statusOf(error) === 404 || statusOf(error) === 410) throw new IssueNotFoundError(ref);
      throw requestError(`read issue ${owner}/${repo}#${number}`, error);
    }
    if (data.pull_request) throw new IssueNotFoundError(ref);
    return toIssue({ owner, repo, number }, data);
  }

  async listOpenIssues(owner: string, repo: string): Promise<Issue[]> {
    try {
      const items = (await this.octokit.paginate(this.octokit.rest.issues.listForRepo, {
        owner,
        repo,
        state: 'open',
        per_page: 100,
      })) as RawIssue[];
      return items.filter((i) => !i.pull_request).map((i) => toIssue({ owner, repo, number: i.number }, i));
    } catch (error) {
      throw requestError(`list issues of ${owner}/${repo}`, error);
    }
  }

  async openPullRequest(request: PullRequestRequest): Promise<PullRequestRef> {
    const { owner, repo, head, base, title, body } = request;
    try {
      const { data } = await this.octokit.rest.pulls.create({ owner, repo, head, base, title, body });
      return toPullRequest(data);
    } catch (error) {
      throw requestError(`open pull request ${owner}/${repo} ${head} → ${base}`, error);
    }
  }

  async findPullRequest(owner: string, repo: string, head: string): Promise<PullRequestRef | undefined> {
    const label = head.includes(':') ? head : `${owner}:${head}`;
    try {
      const { data } = await this.octokit.rest.pulls.list({ owner, repo, head: label, state: 'open', per_page: 1 });
      const found = data[0];
      return found ? toPullRequest(found) : undefined;
    } catch (error) {
      throw requestError(`find pull request ${owner}/${repo} ${label}`, error);
    }
  }
}

function toIssue(ref: IssueRef, data: RawIssue): Issue {
  return {
    ref,
    title: data.title,
    body: data.body ?? '',
    url: data.html_url,
    state: data.state === 'closed' ? 'closed' : 'open',
    labels: data.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((name) => name.length > 0),
  };
}

function toPullRequest(data: RawPull): PullRequestRef {
  return { number: data.number, url: data.html_url, head: data.head.ref, base: data.base.ref, title: data.title };
}

/** The HTTP status GitHub answered; undefined when no answer came (Octokit then says 500 itself). */
function statusOf(error: unknown): number | undefined {
  if (!(error as { response?: unknown } | null)?.response) return undefined;
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status > 0 ? status : undefined;
}

/** GitHub's own words: its `message` plus each validation error, never Octokit's JSON dump. */
function requestError(operation: string, error: unknown): GitHubRequestError {
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data;
  let message: string;
  if (data && typeof data === 'object' && 'message' in data) {
    const body = data as { message?: unknown; errors?: unknown };
    const details = Array.isArray(body.errors)
      ? body.errors.map((e: unknown) => {
          if (typeof e === 'string') return e;
          const item = e as { message?: string; field?: string; code?: string };
          return item.message ?? [item.field, item.code].filter(Boolean).join(' ');
        })
      : [];
    message = [String(body.message), ...details].join(': ');
  } else {
    // No answer at all: the host is unreachable, the name does not resolve, the connection broke.
    // Octokit and fetch wrap the socket's error; the most specific message wins over 'fetch failed'.
    const chain: string[] = [];
    for (let e: unknown = error; e instanceof Error && chain.length < 4; e = e.cause) chain.push(e.message);
    message = chain.find((m) => m && m !== 'fetch failed') ?? chain[0] ?? String(error);
  }
  return new GitHubRequestError(operation, statusOf(error), message.split('\n')[0] ?? message, { cause: error });
}
