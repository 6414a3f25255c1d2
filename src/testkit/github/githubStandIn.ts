// A local stand-in for GitHub's REST API: a real HTTP server on 127.0.0.1 that answers the endpoints
// Agent OS uses, with GitHub's response shapes and error bodies, so the Octokit adapter runs unchanged
// in tests and in the offline demo. Pull requests are checked against real bare repositories.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { openGit } from '../../node/git/gitClient.ts';
import { docs, HttpError, invalid, notFound, readJson } from './githubErrors.ts';
import { GitHubShapes } from './githubShapes.ts';

export interface StandInIssueSeed {
  number: number;
  title: string;
  body?: string;
  state?: 'open' | 'closed';
  labels?: string[];
}

export interface StandInRepositorySeed {
  owner: string;
  repo: string;
  defaultBranch?: string;
  /** The bare repository that plays this repository's remote; heads of pull requests must exist in it. */
  barePath?: string;
  issues?: StandInIssueSeed[];
}

export interface GitHubStandInOptions {
  repositories: StandInRepositorySeed[];
  /** The login `GET /user` answers and the author of everything. */
  login?: string;
  /** When set, requests must carry this token (`Authorization: token …` or `Bearer …`), else 401. */
  token?: string;
  port?: number;
  /** Keeps created pull requests in this JSON file, so a stand-in started again (after a crash) knows them. */
  stateFile?: string;
}

export interface StandInPullRequest {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  headSha: string;
  state: 'open' | 'closed';
  createdAt: string;
  url: string;
}

export interface StandInRequest {
  method: string;
  path: string;
  status: number;
}

export interface StoredPullRequest extends Omit<StandInPullRequest, 'url'> {}

export interface RepositoryState {
  owner: string;
  repo: string;
  id: number;
  defaultBranch: string;
  barePath?: string;
  issues: Map<number, Required<StandInIssueSeed>>;
}

export class GitHubStandIn {
  /** Every request answered, in order: tests count the POSTs to prove a pull request was opened once. */
  readonly requests: StandInRequest[] = [];
  private readonly repositories = new Map<string, RepositoryState>();
  private readonly pulls: StoredPullRequest[] = [];
  private readonly shapes: GitHubShapes;
  private origin = '';

  private constructor(
    private readonly server: Server,
    private readonly options: GitHubStandInOptions,
  ) {
    this.shapes = new GitHubShapes(() => this.origin, options.login ?? 'agent-os-demo');
    options.repositories.forEach((seed, index) => {
      const state: RepositoryState = {
        owner: seed.owner,
        repo: seed.repo,
        id: 1000 + index,
        defaultBranch: seed.defaultBranch ?? 'main',
        issues: new Map(),
      };
      if (seed.barePath) state.barePath = seed.barePath;
      this.repositories.set(key(seed.owner, seed.repo), state);
      for (const issue of seed.issues ?? []) this.addIssue(seed.owner, seed.repo, issue);
    });
    if (options.stateFile && existsSync(options.stateFile)) {
      const saved = JSON.parse(readFileSync(options.stateFile, 'utf8')) as { pullRequests?: StoredPullRequest[] };
      this.pulls.push(...(saved.pullRequests ?? []));
    }
  }

  static async start(options: GitHubStandInOptions): Promise<GitHubStandIn> {
    let standIn: GitHubStandIn | undefined;
    const server = createServer((request, response) => {
      void standIn?.handle(request, response);
    });
    standIn = new GitHubStandIn(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    standIn.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return standIn;
  }

  /** The API base URL to give Octokit (`baseUrl`). `${baseUrl}/api/v3` works too, as on GitHub Enterprise. */
  get baseUrl(): string {
    return this.origin;
  }

  addIssue(owner: string, repo: string, issue: StandInIssueSeed): void {
    const state = this.repositories.get(key(owner, repo));
    if (!state) throw new Error(`stand-in has no repository ${owner}/${repo}`);
    state.issues.set(issue.number, {
      number: issue.number,
      title: issue.title,
      body: issue.body ?? '',
      state: issue.state ?? 'open',
      labels: issue.labels ?? [],
    });
  }

  /** The pull requests opened so far (or loaded from the state file). */
  pullRequests(): StandInPullRequest[] {
    return this.pulls.map((p) => ({ ...p, url: this.shapes.htmlUrl(p.owner, p.repo, 'pull', p.number) }));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', this.origin);
    // GitHub Enterprise serves the same API under /api/v3.
    const path = url.pathname.replace(/^\/api\/v3(?=\/)/, '').replace(/\/+$/, '') || '/';
    let status = 200;
    let body: unknown;
    let headers: Record<string, string> = {};
    try {
      this.authorize(request);
      const result = await this.route(method, path, url.searchParams, request);
      status = result.status ?? 200;
      body = result.body;
      headers = result.headers ?? {};
    } catch (error) {
      if (error instanceof HttpError) {
        status = error.status;
        body = error.body;
      } else {
        status = 500;
        body = { message: `stand-in failure: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    this.requests.push({ method, path, status });
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-github-media-type': 'github.v3; format=json',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      ...headers,
    });
    response.end(text);
  }

  private authorize(request: IncomingMessage): void {
    if (!this.options.token) return;
    const given = /^(?:token|bearer)\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (given !== this.options.token) {
      throw new HttpError(401, { message: 'Bad credentials', documentation_url: docs, status: '401' });
    }
  }

  private async route(
    method: string,
    path: string,
    query: URLSearchParams,
    request: IncomingMessage,
  ): Promise<{ status?: number; body: unknown; headers?: Record<string, string> }> {
    if (method === 'GET' && path === '/user') return { body: this.shapes.user() };
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!repoMatch) throw notFound();
    const repository = this.repositories.get(
      key(decodeURIComponent(repoMatch[1] ?? ''), decodeURIComponent(repoMatch[2] ?? '')),
    );
    if (!repository) throw notFound();
    const rest = repoMatch[3] ?? '';

    if (method === 'GET' && rest === '') return { body: this.shapes.repositoryJson(repository) };
    if (method === 'GET' && rest === '/issues')
      return this.shapes.page(this.listIssues(repository, query), query, path);
    const issue = /^\/issues\/([0-9]+)$/.exec(rest);
    if (method === 'GET' && issue) return { body: this.getIssue(repository, Number(issue[1])) };
    if (method === 'GET' && rest === '/pulls') return this.shapes.page(this.listPulls(repository, query), query, path);
    const pull = /^\/pulls\/([0-9]+)$/.exec(rest);
    if (method === 'GET' && pull) {
      const found = this.pulls.find((p) => sameRepo(p, repository) && p.number === Number(pull[1]));
      if (!found) throw notFound();
      return { body: this.shapes.pullJson(repository, found) };
    }
    if (method === 'POST' && rest === '/pulls') {
      return { status: 201, body: await this.createPull(repository, await readJson(request)) };
    }
    throw notFound();
  }

  private listIssues(repository: RepositoryState, query: URLSearchParams): unknown[] {
    const wanted = query.get('state') ?? 'open';
    // GitHub lists pull requests among issues; clients tell them apart by the `pull_request` key.
    const items: { number: number; state: string; json: () => unknown }[] = [
      ...[...repository.issues.values()].map((i) => ({
        number: i.number,
        state: i.state,
        json: () => this.shapes.issueJson(repository, i),
      })),
      ...this.pulls
        .filter((p) => sameRepo(p, repository))
        .map((p) => ({ number: p.number, state: p.state, json: () => this.shapes.pullAsIssueJson(repository, p) })),
    ];
    return items
      .filter((i) => wanted === 'all' || i.state === wanted)
      .sort((a, b) => b.number - a.number)
      .map((i) => i.json());
  }

  private getIssue(repository: RepositoryState, number: number): unknown {
    const issue = repository.issues.get(number);
    if (issue) return this.shapes.issueJson(repository, issue);
    const pull = this.pulls.find((p) => sameRepo(p, repository) && p.number === number);
    if (pull) return this.shapes.pullAsIssueJson(repository, pull);
    throw notFound('issues/issues#get-an-issue');
  }

  private listPulls(repository: RepositoryState, query: URLSearchParams): unknown[] {
    const wanted = query.get('state') ?? 'open';
    const head = query.get('head');
    const base = query.get('base');
    return this.pulls
      .filter((p) => sameRepo(p, repository))
      .filter((p) => wanted === 'all' || p.state === wanted)
      .filter((p) => !head || headLabel(repository, head) === `${repository.owner}:${p.head}`.toLowerCase())
      .filter((p) => !base || p.base === base)
      .sort((a, b) => b.number - a.number)
      .map((p) => this.shapes.pullJson(repository, p));
  }

  private async createPull(repository: RepositoryState, input: Record<string, unknown>): Promise<unknown> {
    for (const field of ['title', 'head', 'base']) {
      if (typeof input[field] !== 'string' || input[field] === '') {
        throw invalid({ resource: 'PullRequest', field, code: 'missing_field' });
      }
    }
    const title = input.title as string;
    const base = input.base as string;
    let head = input.head as string;
    const colon = head.indexOf(':');
    if (colon >= 0) {
      // Forks are not served: the head must live in this repository.
      if (head.slice(0, colon).toLowerCase() !== repository.owner.toLowerCase()) {
        throw invalid({ resource: 'PullRequest', field: 'head', code: 'invalid' });
      }
      head = head.slice(colon + 1);
    }
    if (!validBranch(head)) throw invalid({ resource: 'PullRequest', field: 'head', code: 'invalid' });
    if (!validBranch(base)) throw invalid({ resource: 'PullRequest', field: 'base', code: 'invalid' });
    let headSha = '';
    if (repository.barePath) {
      const headCommit = await branchCommit(repository.barePath, head);
      if (!headCommit) throw invalid({ resource: 'PullRequest', field: 'head', code: 'invalid' });
      if (!(await branchCommit(repository.barePath, base))) {
        throw invalid({ resource: 'PullRequest', field: 'base', code: 'invalid' });
      }
      if ((await commitsBetween(repository.barePath, base, head)) === 0) {
        throw invalid({ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` });
      }
      headSha = headCommit;
    } else if (head === base) {
      throw invalid({ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` });
    }
    // Checked after the awaits above and before the push below, with nothing awaited between: two requests
    // for one head at once cannot both pass.
    const existing = this.pulls.find((p) => sameRepo(p, repository) && p.head === head && p.state === 'open');
    if (existing) {
      throw invalid({
        resource: 'PullRequest',
        code: 'custom',
        message: `A pull request already exists for ${repository.owner}:${head}.`,
      });
    }
    const number = this.nextNumber(repository);
    const stored: StoredPullRequest = {
      owner: repository.owner,
      repo: repository.repo,
      number,
      title,
      body: typeof input.body === 'string' ? input.body : '',
      head,
      base,
      headSha,
      state: 'open',
      createdAt: new Date().toISOString(),
    };
    this.pulls.push(stored);
    this.save();
    return this.shapes.pullJson(repository, stored);
  }

  /** Issues and pull requests share one number sequence, as on GitHub. */
  private nextNumber(repository: RepositoryState): number {
    const numbers = [
      ...repository.issues.keys(),
      ...this.pulls.filter((p) => sameRepo(p, repository)).map((p) => p.number),
    ];
    return Math.max(0, ...numbers) + 1;
  }

  private save(): void {
    const file = this.options.stateFile;
    if (!file) return;
    writeFileSync(`${file}.tmp`, JSON.stringify({ pullRequests: this.pulls }, null, 2));
    renameSync(`${file}.tmp`, file);
  }
}

function key(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

function sameRepo(p: { owner: string; repo: string }, r: RepositoryState): boolean {
  return key(p.owner, p.repo) === key(r.owner, r.repo);
}

/** `head` in a query is `owner:branch`; a bare branch name means this repository's owner. */
function headLabel(r: RepositoryState, head: string): string {
  return (head.includes(':') ? head : `${r.owner}:${head}`).toLowerCase();
}

function validBranch(name: string): boolean {
  return /^[A-Za-z0-9._/-]+$/.test(name) && !name.startsWith('-') && !name.includes('..') && !name.endsWith('.lock');
}

async function branchCommit(barePath: string, branch: string): Promise<string | undefined> {
  try {
    return (
      (await openGit(barePath).raw(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`])).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

async function commitsBetween(barePath: string, base: string, head: string): Promise<number> {
  const out = await openGit(barePath).raw(['rev-list', '--count', `refs/heads/${base}..refs/heads/${head}`]);
  return Number(out.trim());
}
