// A stand-in for the hosted Claude Managed Agents platform: a real HTTP server answering the beta
// endpoints Agent OS uses — agents with versions, self-hosted environments and their work queue
// (poll, ack, heartbeat with its lease precondition, stop), sessions, events (list, send, SSE stream),
// threads — with the platform's error envelope. Written from @anthropic-ai/sdk's types and driven by
// the real SDK in tests and in `agent-os demo --backend managed`; the agent loop behind it samples the
// scripted model server (standInSession.ts). Faults for tests: refused keys, keys without access,
// 429s, cut streams. This file is the HTTP front and the sessions; the agents (standInAgents.ts), the
// environments with their work (standInEnvironments.ts) and the event streams (standInStreams.ts) are apart.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  AgentCreateParams,
  AgentUpdateParams,
  BetaManagedAgentsAgent,
} from '@anthropic-ai/sdk/resources/beta/agents/agents';
import type { BetaEnvironment } from '@anthropic-ai/sdk/resources/beta/environments/environments';
import type { BetaManagedAgentsSession, SessionCreateParams } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import {
  badRequest,
  MANAGED_AGENTS_BETA,
  notFound,
  page,
  PlatformHttpError,
  queryOf,
  readJsonBody,
  sendError,
  sendJson,
  type Route,
} from './platformHttp.ts';
import { StandInSession } from './standInSession.ts';
import { platformId } from './standInThread.ts';
import { StandInAgents } from './standInAgents.ts';
import { StandInStreams } from './standInStreams.ts';
import { StandInEnvironments } from './standInEnvironments.ts';
import { StandInWorkQueue, type WorkItem } from './standInWorkQueue.ts';

export interface PlatformStandInOptions {
  /** Base URL of the scripted model server the agent loop samples. */
  modelUrl: string;
  /** API keys the platform accepts; `no_access` ones authenticate but are not enrolled in the beta. */
  apiKeys?: Record<string, 'ok' | 'no_access'>;
  /** Seconds a work item's lease lasts without a heartbeat (the platform's is longer). */
  leaseTtlSeconds?: number;
  /** Delivers every thread stream's events this much later than the session stream's: streams are separate
   * connections, and nothing orders one's events against another's (a thread's own order is kept). */
  threadStreamLagMs?: number;
}

const now = (): string => new Date().toISOString();

export class PlatformStandIn {
  private readonly agentStore = new StandInAgents();
  /** Every version of each agent, oldest first. */
  readonly agents = this.agentStore.versions;
  private readonly environmentStore: StandInEnvironments;
  readonly environments: Map<string, BetaEnvironment>;
  readonly sessions = new Map<string, StandInSession>();
  /** Every request, for tests: method and path. */
  readonly requests: { method: string; path: string; status?: number }[] = [];
  private readonly streams: StandInStreams;
  private readonly apiKeys: Record<string, 'ok' | 'no_access'>;
  private rateLimits: { pattern: RegExp; remaining: number; retryAfterSeconds: number }[] = [];
  private readonly routes: [string, RegExp, Route][] = [];

  private constructor(
    private readonly server: Server,
    private readonly options: PlatformStandInOptions,
  ) {
    this.apiKeys = options.apiKeys ?? { 'stand-in-key': 'ok' };
    this.streams = new StandInStreams(options.threadStreamLagMs ?? 0);
    this.environmentStore = new StandInEnvironments(new StandInWorkQueue(options.leaseTtlSeconds ?? 90));
    this.environments = this.environmentStore.environments;
    this.defineRoutes();
  }

  static async start(options: PlatformStandInOptions): Promise<PlatformStandIn> {
    const server = createServer();
    const standIn = new PlatformStandIn(server, options);
    server.on('request', (req, res) => void standIn.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.streams.endAll();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- faults for tests ---------------------------------------------------------------------

  /** The next `times` requests whose `METHOD path` matches get a 429 rate_limit_error. */
  rateLimit(pattern: RegExp, times = 1, retryAfterSeconds = 0): void {
    this.rateLimits.push({ pattern, remaining: times, retryAfterSeconds });
  }

  /** Drops open event streams without an end, as a broken connection does: every stream, or only the
   * ones of clients other than the worker's session runner (`x-stainless-helper: session-tool-runner`). */
  cutStreams(which: 'all' | 'clients' = 'all'): number {
    return this.streams.cut(which);
  }

  /** Makes every lease of the session's live work items run out now (a worker that stopped heartbeating). */
  expireLeases(sessionId: string): void {
    this.environmentStore.queue.expire(sessionId);
  }

  /** The work items, for tests. */
  get work(): readonly WorkItem[] {
    return this.environmentStore.queue.items;
  }

  // ---- routing ------------------------------------------------------------------------------

  private route(method: string, pattern: string, handler: Route): void {
    const regex = new RegExp(`^${pattern.replace(/\{[a-z_]+\}/g, '([^/]+)')}$`);
    this.routes.push([method, regex, handler]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    const record = { method: req.method ?? 'GET', path };
    this.requests.push(record);
    try {
      const key = `${req.method} ${path}`;
      const limit = this.rateLimits.find((r) => r.remaining > 0 && r.pattern.test(key));
      if (limit) {
        limit.remaining--;
        throw new PlatformHttpError(
          429,
          'rate_limit_error',
          'Number of requests has exceeded your rate limit',
          undefined,
          {
            'retry-after': String(limit.retryAfterSeconds),
            'retry-after-ms': String(Math.max(10, limit.retryAfterSeconds * 1000)),
          },
        );
      }
      this.authenticate(req, path);
      if (
        !String(req.headers['anthropic-beta'] ?? '')
          .split(',')
          .includes(MANAGED_AGENTS_BETA)
      ) {
        // As on the platform, the beta routes do not exist without the beta header.
        throw notFound(`route ${req.method} ${path}`);
      }
      for (const [method, regex, handler] of this.routes) {
        const match = method === req.method ? regex.exec(path) : null;
        if (match) {
          await handler(req, res, match.slice(1).map(decodeURIComponent));
          return;
        }
      }
      throw notFound(`route ${req.method} ${path}`);
    } catch (error) {
      const failure =
        error instanceof PlatformHttpError
          ? error
          : new PlatformHttpError(500, 'api_error', `stand-in: ${(error as Error).message}`);
      Object.assign(record, { status: failure.status });
      if (!res.headersSent) sendError(res, failure);
      else res.end();
    }
  }

  private authenticate(req: IncomingMessage, path: string): void {
    const apiKey = req.headers['x-api-key'];
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const key = typeof apiKey === 'string' ? apiKey : bearer;
    if (!key) throw new PlatformHttpError(401, 'authentication_error', 'x-api-key header is required');
    const access = this.apiKeys[key];
    if (access === 'no_access') {
      throw new PlatformHttpError(
        403,
        'permission_error',
        'Your organization does not have access to Claude Managed Agents.',
        { error_code: 'organization_not_enrolled_in_beta' },
      );
    }
    if (access === 'ok') return;
    // A work item's sessions token is good for that one session's calls only.
    const item = this.environmentStore.queue.bySessionsToken(key);
    if (item && (path.includes(`/sessions/${item.work.data.id}`) || path.includes(`/work/${item.work.id}`))) return;
    throw new PlatformHttpError(401, 'authentication_error', 'invalid x-api-key');
  }

  private defineRoutes(): void {
    // agents
    this.route('POST', '/v1/agents', async (req, res) =>
      sendJson(res, 200, this.agentStore.create((await readJsonBody(req)) as unknown as AgentCreateParams)),
    );
    this.route('GET', '/v1/agents', async (req, res) =>
      sendJson(
        res,
        200,
        page(
          [...this.agents.values()].map((v) => v.at(-1)),
          queryOf(req),
        ),
      ),
    );
    this.route('GET', '/v1/agents/{id}', async (req, res, [id]) => {
      const version = queryOf(req).get('version');
      sendJson(res, 200, this.agentOf(id as string, version ? Number(version) : undefined));
    });
    this.route('POST', '/v1/agents/{id}', async (req, res, [id]) =>
      sendJson(res, 200, this.agentStore.update(id as string, (await readJsonBody(req)) as AgentUpdateParams)),
    );
    this.route('GET', '/v1/agents/{id}/versions', async (req, res, [id]) => {
      this.agentOf(id as string);
      sendJson(res, 200, page([...(this.agents.get(id as string) ?? [])].reverse(), queryOf(req)));
    });
    this.environmentStore.defineRoutes(
      (method, pattern, handler) => this.route(method, pattern, handler),
      (id) => this.needsWorker(id),
    );
    // sessions
    this.route('POST', '/v1/sessions', async (req, res) =>
      sendJson(res, 200, this.createSession((await readJsonBody(req)) as unknown as SessionCreateParams)),
    );
    this.route('GET', '/v1/sessions', async (req, res) =>
      sendJson(res, 200, {
        ...page(
          [...this.sessions.values()].map((s) => s.session),
          queryOf(req),
        ),
        prev_page: null,
      }),
    );
    this.route('GET', '/v1/sessions/{id}', async (_req, res, [id]) =>
      sendJson(res, 200, this.sessionOf(id as string).session),
    );
    this.route('GET', '/v1/sessions/{id}/events', async (req, res, [id]) => {
      const session = this.sessionOf(id as string);
      sendJson(
        res,
        200,
        page(
          session.events.filter((e) => e.onSession).map((e) => e.event),
          queryOf(req),
          1000,
        ),
      );
    });
    this.route('POST', '/v1/sessions/{id}/events', async (req, res, [id]) => {
      const body = await readJsonBody(req);
      if (!Array.isArray(body.events) || body.events.length === 0)
        throw badRequest('events: a non-empty array is required');
      sendJson(res, 200, { data: this.sessionOf(id as string).receive(body.events) });
    });
    this.route('GET', '/v1/sessions/{id}/events/stream', async (req, res, [id]) =>
      this.streams.open(req, res, this.sessionOf(id as string).session.id),
    );
    this.route('GET', '/v1/sessions/{id}/threads', async (req, res, [id]) => {
      const session = this.sessionOf(id as string);
      sendJson(
        res,
        200,
        page(
          [...session.threads.keys()].map((t) => this.threadObject(session, t)),
          queryOf(req),
        ),
      );
    });
    this.route('GET', '/v1/sessions/{sid}/threads/{tid}', async (_req, res, [sid, tid]) =>
      sendJson(res, 200, this.threadObject(this.sessionOf(sid as string), tid as string)),
    );
    this.route('GET', '/v1/sessions/{sid}/threads/{tid}/events', async (req, res, [sid, tid]) => {
      const session = this.sessionOf(sid as string);
      this.threadObject(session, tid as string);
      sendJson(
        res,
        200,
        page(
          session.events.filter((e) => e.thread === tid).map((e) => e.event),
          queryOf(req),
          1000,
        ),
      );
    });
    this.route('GET', '/v1/sessions/{sid}/threads/{tid}/stream', async (req, res, [sid, tid]) => {
      const session = this.sessionOf(sid as string);
      this.threadObject(session, tid as string);
      this.streams.open(req, res, session.session.id, tid as string);
    });
  }

  agentOf(id: string, version?: number): BetaManagedAgentsAgent {
    return this.agentStore.agentOf(id, version);
  }

  // ---- work ------------------------------------------------------------------------------------

  /** A session with sandbox calls open and no live work item gets one queued. */
  needsWorker(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session || session.session.status === 'terminated') return;
    this.environmentStore.queue.enqueue(sessionId, session.session.environment_id, this.url);
  }

  // ---- sessions -----------------------------------------------------------------------------

  private createSession(params: SessionCreateParams): BetaManagedAgentsSession {
    const ref =
      typeof params.agent === 'string'
        ? { id: params.agent, version: undefined }
        : { id: params.agent.id, version: params.agent.version ?? undefined };
    const agent = this.agentStore.snapshot(ref.id, ref.version);
    const environment = this.environmentStore.environmentOf(params.environment_id);
    if (environment.archived_at)
      throw new PlatformHttpError(409, 'conflict_error', `environment ${environment.id} is archived`, {
        error_code: 'environment_archived',
      });
    if (
      params.budget &&
      (params.budget.type !== 'limit' || !/^[1-9][0-9]*$/.test(params.budget.max_list_cost?.amount ?? ''))
    ) {
      throw badRequest('budget.max_list_cost.amount: an integer number of minor units, as a string');
    }
    const at = now();
    const session: BetaManagedAgentsSession = {
      id: platformId('sesn'),
      type: 'session',
      agent: agent as unknown as BetaManagedAgentsSession['agent'],
      environment_id: environment.id,
      status: 'idle',
      title: params.title ?? null,
      metadata: params.metadata ?? {},
      resources: [],
      vault_ids: [],
      budget: params.budget ?? null,
      usage: {},
      stats: {},
      outcome_evaluations: [],
      created_at: at,
      updated_at: at,
      archived_at: null,
    };
    const brain = new StandInSession(session, agent, {
      modelUrl: this.options.modelUrl,
      agent: (id, version) => this.agentOf(id, version),
      needsWorker: (id) => this.needsWorker(id),
      onEvent: (s, stored) => this.streams.broadcast(s.session.id, stored),
    });
    this.sessions.set(session.id, brain);
    if (params.initial_events?.length) brain.receive(params.initial_events);
    return session;
  }

  private sessionOf(id: string): StandInSession {
    const session = this.sessions.get(id);
    if (!session) throw notFound(`session ${id}`);
    return session;
  }

  private threadObject(session: StandInSession, threadId: string): unknown {
    const thread = session.threads.get(threadId);
    if (!thread) throw notFound(`thread ${threadId}`);
    const { multiagent: _roster, ...agent } = thread.agent;
    return {
      id: thread.id,
      type: 'session_thread',
      session_id: session.session.id,
      agent,
      parent_thread_id: thread.parent,
      status: thread.status,
      stats: null,
      usage: null,
      workflow_run_id: null,
      created_at: session.session.created_at,
      updated_at: now(),
      archived_at: null,
    };
  }
}
