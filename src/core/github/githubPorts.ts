// The GitHub ports: where issues come from and where pull requests go. The adapter
// (src/node/github/octokitGitHub.ts) speaks the REST API; tests and the demo point it at the local
// stand-in (src/node/github/githubStandIn.ts), a real HTTP server.
import { AgentOsError, InvalidArgumentError } from '../errors.ts';

export interface IssueRef {
  owner: string;
  repo: string;
  number: number;
  /** Host of a URL the ref was read from (`ghe.example.com`); absent for `owner/repo#n`. */
  host?: string;
}

export interface Issue {
  ref: IssueRef;
  title: string;
  body: string;
  /** Where a person reads it: the issue's html_url, or `file://…` for an issue read from a file. */
  url: string;
  state: 'open' | 'closed';
  labels: string[];
}

export interface IssueSource {
  /** Rejects with IssueNotFoundError when the issue does not exist (or is a pull request). */
  getIssue(ref: IssueRef): Promise<Issue>;
  /** Open issues only; pull requests (which GitHub also lists as issues) are left out. */
  listOpenIssues(owner: string, repo: string): Promise<Issue[]>;
}

export interface PullRequestRequest {
  owner: string;
  repo: string;
  /** Branch name in the same repository (`agent-os/issue-12`), or `owner:branch`. */
  head: string;
  base: string;
  title: string;
  body: string;
}

export interface PullRequestRef {
  number: number;
  url: string;
  head: string;
  base: string;
  title: string;
}

export interface PullRequestSink {
  openPullRequest(request: PullRequestRequest): Promise<PullRequestRef>;
  /** The open pull request whose head is `head`, if any: lets opening be done exactly once after a crash. */
  findPullRequest(owner: string, repo: string, head: string): Promise<PullRequestRef | undefined>;
}

export class IssueNotFoundError extends AgentOsError {
  constructor(readonly ref: IssueRef) {
    super('ISSUE_NOT_FOUND', `issue ${formatIssueRef(ref)} not found`);
  }
}

/** A GitHub request failed for another reason than a missing issue. */
export class GitHubRequestError extends AgentOsError {
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    readonly githubMessage: string,
    options?: { cause?: unknown },
  ) {
    super('GITHUB_FAILED', `GitHub ${operation} failed${status ? ` (${status})` : ''}: ${githubMessage}`, options);
  }
}

export class InvalidIssueRefError extends InvalidArgumentError {
  constructor(readonly input: string) {
    super(
      `not an issue reference: '${input}' (expected https://host/owner/repo/issues/N, owner/repo#N, or an issue file)`,
    );
  }
}

export function formatIssueRef(ref: IssueRef): string {
  return `${ref.owner}/${ref.repo}#${ref.number}`;
}

// GitHub's own rules: owners are alphanumeric with inner hyphens; repository names also allow `.` and `_`.
const owner = '([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))';
const repo = '([A-Za-z0-9._-]{1,100})';
const shortRef = new RegExp(`^${owner}/${repo}#([0-9]+)$`);
const issuePath = new RegExp(`^/${owner}/${repo}/issues/([0-9]+)/?$`);

/**
 * Reads `https://github.com/o/r/issues/12`, an Enterprise URL `https://ghe.example.com/o/r/issues/12`,
 * or `o/r#12`. Returns undefined for anything else, so a caller can try other readings (an issue file).
 */
export function tryParseIssueRef(text: string): IssueRef | undefined {
  const input = text.trim();
  const short = shortRef.exec(input);
  if (short) return toRef(short[1], short[2], short[3], undefined);
  if (!/^https?:\/\//i.test(input)) return undefined;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return undefined;
  }
  const path = issuePath.exec(url.pathname);
  if (!path) return undefined;
  return toRef(path[1], path[2], path[3], url.host);
}

/** Like tryParseIssueRef, but bad input is an InvalidIssueRefError. */
export function parseIssueRef(text: string): IssueRef {
  const ref = tryParseIssueRef(text);
  if (!ref) throw new InvalidIssueRefError(text);
  return ref;
}

function toRef(o: string | undefined, r: string | undefined, n: string | undefined, host: string | undefined) {
  const number = Number(n);
  if (!o || !r || r === '.' || r === '..' || !Number.isSafeInteger(number) || number < 1) return undefined;
  const name = r.endsWith('.git') ? r.slice(0, -4) : r;
  const ref: IssueRef = { owner: o, repo: name, number };
  if (host) ref.host = host;
  return ref;
}

/**
 * Opens the pull request for `head` unless one is already open, so a run that crashed after opening it
 * (but before recording that) does not open a second one on resume.
 */
export async function ensurePullRequest(
  sink: PullRequestSink,
  request: PullRequestRequest,
): Promise<{ pullRequest: PullRequestRef; created: boolean }> {
  const existing = await sink.findPullRequest(request.owner, request.repo, request.head);
  if (existing) return { pullRequest: existing, created: false };
  try {
    return { pullRequest: await sink.openPullRequest(request), created: true };
  } catch (error) {
    // Another writer may have opened it between our look and our request: GitHub then answers 422.
    const raced = await sink.findPullRequest(request.owner, request.repo, request.head).catch(() => undefined);
    if (raced) return { pullRequest: raced, created: false };
    throw error;
  }
}
