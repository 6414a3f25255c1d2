// A stand-in for the hosted Claude Managed Agents platform: a real HTTP server answering the beta
// endpoints Agent OS uses — agents with versions, self-hosted environments and their work queue
// (poll, ack, heartbeat with its lease precondition, stop), sessions, events (list, send, SSE stream),
// threads — with the platform's error envelope. Written from @anthropic-ai/sdk's types and driven by
// the real SDK in tests and in `agent-os demo --backend managed`; the agent loop behind it samples the
// scripted model server (standInSession.ts). Faults for tests: refused keys, keys without access,
// 429s, cut streams.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentCreateParams, AgentUpdateParams, BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents';
import type { BetaEnvironment } from '@anthropic-ai/sdk/resources/beta/environments/environments';
import type { BetaSelfHostedWork } from '@anthropic-ai/sdk/resources/beta/environments/work';
import type { BetaManagedAgentsSession, SessionCreateParams } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import { badRequest, MANAGED_AGENTS_BETA, notFound, page, PlatformHttpError, queryOf, readJsonBody, sendError, sendJson, SseChannel } from './platformHttp.ts';
import { platformId, StandInSession, type StoredEvent } from './standInSession.ts';
import { StandInWorkQueue, type WorkItem } from './standInWorkQueue.ts';

export interface PlatformStandInOptions {
  /** Base URL of the scripted model server the agent loop samples. */
  modelUrl: string;
  /** API keys the platform accepts; `no_access` ones authenticate but are not enrolled in the beta. */
  apiKeys?: Record<string, 'ok' | 'no_access'>;
  /** Seconds a work item's lease lasts without a heartbeat (the platform's is longer). */
  leaseTtlSeconds?: number;
}

type Route = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;

const now = (): string => new Date().toISOString();

export class PlatformStandIn {
  readonly agents = new Map<string, BetaManagedAgentsAgent[]>();
  readonly environments = new Map<string, BetaEnvironment>();
  readonly sessions = new Map<string, StandInSession>();
  private readonly queue: StandInWorkQueue;
  /** Every request, for tests: method and path. */
  readonly requests: { method: string; path: string; status?: number }[] = [];
  private readonly channels = new Set<{ channel: SseChannel; session: string; thread?: string; worker: boolean }>();
  private readonly apiKeys: Record<string, 'ok' | 'no_access'>;
  private rateLimits: { pattern: RegExp; remaining: number; retryAfterSeconds: number }[] = [];
  private readonly routes: [string, RegExp, Route][] = [];

  private constructor(
    private readonly server: Server,
    private readonly options: PlatformStandInOptions,
  ) {
    this.apiKeys = options.apiKeys ?? { 'stand-in-key': 'ok' };
    this.queue = new StandInWorkQueue(options.leaseTtlSeconds ?? 90);
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
    for (const { channel } of this.channels) channel.end();
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
    const open = [...this.channels].filter((c) => which === 'all' || !c.worker);
    for (const entry of open) {
      entry.channel.cut();
      this.channels.delete(entry);
    }
    return open.length;
  }

  /** Makes every lease of the session's live work items run out now (a worker that stopped heartbeating). */
  expireLeases(sessionId: string): void {
    this.queue.expire(sessionId);
  }

  /** The work items, for tests. */
  get work(): readonly WorkItem[] {
    return this.queue.items;
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
        throw new PlatformHttpError(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit', undefined, { 'retry-after': String(limit.retryAfterSeconds), 'retry-after-ms': String(Math.max(10, limit.retryAfterSeconds * 1000)) });
      }
      this.authenticate(req, path);
      if (!String(req.headers['anthropic-beta'] ?? '').split(',').includes(MANAGED_AGENTS_BETA)) {
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
      const failure = error instanceof PlatformHttpError ? error : new PlatformHttpError(500, 'api_error', `stand-in: ${(error as Error).message}`);
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
      throw new PlatformHttpError(403, 'permission_error', 'Your organization does not have access to Claude Managed Agents.', { error_code: 'organization_not_enrolled_in_beta' });
    }
    if (access === 'ok') return;
    // A work item's sessions token is good for that one session's calls only.
    const item = this.queue.bySessionsToken(key);
    if (item && (path.includes(`/sessions/${item.work.data.id}`) || path.includes(`/work/${item.work.id}`))) return;
    throw new PlatformHttpError(401, 'authentication_error', 'invalid x-api-key');
  }

  private defineRoutes(): void {
    // agents
    this.route('POST', '/v1/agents', async (req, res) => sendJson(res, 200, this.createAgent((await readJsonBody(req)) as unknown as AgentCreateParams)));
    this.route('GET', '/v1/agents', async (req, res) => sendJson(res, 200, page([...this.agents.values()].map((v) => v.at(-1)), queryOf(req))));
    this.route('GET', '/v1/agents/{id}', async (req, res, [id]) => {
      const version = queryOf(req).get('version');
      sendJson(res, 200, this.agentOf(id as string, version ? Number(version) : undefined));
    });
    this.route('POST', '/v1/agents/{id}', async (req, res, [id]) => sendJson(res, 200, this.updateAgent(id as string, (await readJsonBody(req)) as AgentUpdateParams)));
    this.route('GET', '/v1/agents/{id}/versions', async (req, res, [id]) => {
      this.agentOf(id as string);
      sendJson(res, 200, page([...(this.agents.get(id as string) ?? [])].reverse(), queryOf(req)));
    });
    // environments
    this.route('POST', '/v1/environments', async (req, res) => sendJson(res, 200, this.createEnvironment(await readJsonBody(req))));
    this.route('GET', '/v1/environments', async (req, res) => sendJson(res, 200, page([...this.environments.values()], queryOf(req))));
    this.route('GET', '/v1/environments/{id}', async (_req, res, [id]) => sendJson(res, 200, this.environmentOf(id as string)));
    this.route('GET', '/v1/environments/{id}/work/poll', async (req, res, [id]) => sendJson(res, 200, await this.poll(id as string, req)));
    this.route('GET', '/v1/environments/{id}/work/stats', async (_req, res, [id]) => {
      this.environmentOf(id as string);
      const queued = this.work.filter((w) => w.work.environment_id === id && w.work.state === 'queued');
      sendJson(res, 200, { type: 'work_queue_stats', depth: queued.length, pending: queued.length, oldest_queued_at: queued[0]?.work.created_at ?? null, workers_polling: null });
    });
    this.route('GET', '/v1/environments/{id}/work', async (req, res, [id]) => sendJson(res, 200, page(this.work.filter((w) => w.work.environment_id === id).map((w) => w.work), queryOf(req))));
    this.route('GET', '/v1/environments/{eid}/work/{wid}', async (_req, res, [eid, wid]) => sendJson(res, 200, this.workOf(eid as string, wid as string).work));
    this.route('POST', '/v1/environments/{eid}/work/{wid}/ack', async (_req, res, [eid, wid]) => {
      const item = this.workOf(eid as string, wid as string);
      if (item.work.state !== 'starting') throw new PlatformHttpError(409, 'conflict_error', `work ${wid} is ${item.work.state}, not starting`);
      item.work.state = 'active';
      item.work.acknowledged_at = now();
      sendJson(res, 200, item.work);
    });
    this.route('POST', '/v1/environments/{eid}/work/{wid}/heartbeat', async (req, res, [eid, wid]) => sendJson(res, 200, this.queue.heartbeat(this.workOf(eid as string, wid as string), queryOf(req))));
    this.route('POST', '/v1/environments/{eid}/work/{wid}/stop', async (_req, res, [eid, wid]) => {
      const item = this.workOf(eid as string, wid as string);
      if (item.work.state === 'stopped') throw new PlatformHttpError(409, 'conflict_error', `work ${wid} is already stopped`);
      item.work.state = 'stopped';
      item.work.stopped_at = now();
      sendJson(res, 200, item.work);
      // Sandbox calls still open need a worker again.
      this.needsWorker(item.work.data.id);
    });
    // sessions
    this.route('POST', '/v1/sessions', async (req, res) => sendJson(res, 200, this.createSession((await readJsonBody(req)) as unknown as SessionCreateParams)));
    this.route('GET', '/v1/sessions', async (req, res) => sendJson(res, 200, { ...page([...this.sessions.values()].map((s) => s.session), queryOf(req)), prev_page: null }));
    this.route('GET', '/v1/sessions/{id}', async (_req, res, [id]) => sendJson(res, 200, this.sessionOf(id as string).session));
    this.route('GET', '/v1/sessions/{id}/events', async (req, res, [id]) => {
      const session = this.sessionOf(id as string);
      sendJson(res, 200, page(session.events.filter((e) => e.onSession).map((e) => e.event), queryOf(req), 1000));
    });
    this.route('POST', '/v1/sessions/{id}/events', async (req, res, [id]) => {
      const body = await readJsonBody(req);
      if (!Array.isArray(body.events) || body.events.length === 0) throw badRequest('events: a non-empty array is required');
      sendJson(res, 200, { data: this.sessionOf(id as string).receive(body.events) });
    });
    this.route('GET', '/v1/sessions/{id}/events/stream', async (req, res, [id]) => this.openStream(req, res, this.sessionOf(id as string)));
    this.route('GET', '/v1/sessions/{id}/threads', async (req, res, [id]) => {
      const session = this.sessionOf(id as string);
      sendJson(res, 200, page([...session.threads.keys()].map((t) => this.threadObject(session, t)), queryOf(req)));
    });
    this.route('GET', '/v1/sessions/{sid}/threads/{tid}', async (_req, res, [sid, tid]) => sendJson(res, 200, this.threadObject(this.sessionOf(sid as string), tid as string)));
    this.route('GET', '/v1/sessions/{sid}/threads/{tid}/events', async (req, res, [sid, tid]) => {
      const session = this.sessionOf(sid as string);
      this.threadObject(session, tid as string);
      sendJson(res, 200, page(session.events.filter((e) => e.thread === tid).map((e) => e.event), queryOf(req), 1000));
    });
    this.route('GET', '/v1/sessions/{sid}/threads/{tid}/stream', async (req, res, [sid, tid]) => {
      const session = this.sessionOf(sid as string);
      this.threadObject(session, tid as string);
      this.openStream(req, res, session, tid as string);
    });
  }

  // ---- agents -------------------------------------------------------------------------------

  private createAgent(params: AgentCreateParams): BetaManagedAgentsAgent {
    if (typeof params.name !== 'string' || !params.name) throw badRequest('name: a non-empty string is required');
    if (!params.model) throw badRequest('model: required');
    if ('callable_agents' in params) throw badRequest('callable_agents: unknown field; sub-agents are declared in `multiagent`');
    const at = now();
    const agent: BetaManagedAgentsAgent = {
      id: platformId('agent'),
      type: 'agent',
      name: params.name,
      description: params.description ?? null,
      model: typeof params.model === 'string' ? { id: params.model } : { id: params.model.id },
      system: params.system ?? null,
      tools: (params.tools ?? []) as BetaManagedAgentsAgent['tools'],
      mcp_servers: [],
      skills: [],
      multiagent: this.resolveMultiagent(params.multiagent),
      execution_identity: { type: 'service_account' } as BetaManagedAgentsAgent['execution_identity'],
      metadata: params.metadata ?? {},
      version: 1,
      created_at: at,
      updated_at: at,
      archived_at: null,
    };
    this.agents.set(agent.id, [agent]);
    return agent;
  }

  private updateAgent(id: string, params: AgentUpdateParams): BetaManagedAgentsAgent {
    const latest = this.agentOf(id);
    if (params.version !== undefined && params.version !== latest.version) {
      throw new PlatformHttpError(409, 'conflict_error', `agent ${id} is at version ${latest.version}, not ${params.version}`);
    }
    const next: BetaManagedAgentsAgent = {
      ...latest,
      ...(params.name !== undefined ? { name: params.name } : {}),
      ...(params.description !== undefined ? { description: params.description } : {}),
      ...(params.system !== undefined ? { system: params.system } : {}),
      ...(params.model !== undefined ? { model: typeof params.model === 'string' ? { id: params.model } : { id: params.model.id } } : {}),
      ...(params.tools !== undefined ? { tools: (params.tools ?? []) as BetaManagedAgentsAgent['tools'] } : {}),
      ...(params.multiagent !== undefined ? { multiagent: this.resolveMultiagent(params.multiagent) } : {}),
      metadata: { ...latest.metadata, ...(params.metadata as Record<string, string> | undefined) },
      version: latest.version + 1,
      updated_at: now(),
    };
    this.agents.get(id)?.push(next);
    return next;
  }

  /** Roster entries resolve to `{type:"agent", id, version}`; a roster agent may not have one itself. */
  private resolveMultiagent(multi: AgentCreateParams['multiagent']): BetaManagedAgentsAgent['multiagent'] {
    if (!multi) return null;
    if (multi.type !== 'coordinator') throw badRequest(`multiagent.type: the stand-in supports "coordinator" only, got ${JSON.stringify(multi.type)}`);
    if (!Array.isArray(multi.agents) || multi.agents.length === 0 || multi.agents.length > 20) throw badRequest('multiagent.agents: 1 to 20 entries');
    const agents = multi.agents.map((entry, i) => {
      const ref = typeof entry === 'string' ? { id: entry, version: undefined } : entry.type === 'agent' ? { id: entry.id, version: entry.version ?? undefined } : undefined;
      if (!ref) throw badRequest(`multiagent.agents[${i}]: only agent references are supported by the stand-in`);
      const agent = this.agentOf(ref.id, ref.version);
      if (agent.multiagent) throw badRequest(`multiagent.agents[${i}]: agent ${ref.id} has a roster of its own (one level of delegation)`);
      return { type: 'agent' as const, id: agent.id, version: agent.version };
    });
    return { type: 'coordinator', agents } as BetaManagedAgentsAgent['multiagent'];
  }

  agentOf(id: string, version?: number): BetaManagedAgentsAgent {
    const versions = this.agents.get(id);
    const agent = version === undefined ? versions?.at(-1) : versions?.find((a) => a.version === version);
    if (!agent) throw notFound(version === undefined ? `agent ${id}` : `agent ${id} version ${version}`);
    return agent;
  }

  /** The agent as a session snapshots it: roster entries carry the full definitions. */
  private snapshot(id: string, version?: number): BetaManagedAgentsAgent {
    const agent = this.agentOf(id, version);
    const multi = agent.multiagent as { type: string; agents: { id: string; version: number }[] } | null;
    if (!multi) return agent;
    return { ...agent, multiagent: { type: 'coordinator', agents: multi.agents.map((a) => this.agentOf(a.id, a.version)) } as unknown as BetaManagedAgentsAgent['multiagent'] };
  }

  // ---- environments and work ------------------------------------------------------------------

  private createEnvironment(body: Record<string, unknown>): BetaEnvironment {
    if (typeof body.name !== 'string' || !body.name) throw badRequest('name: a non-empty string is required');
    if ([...this.environments.values()].some((e) => e.name === body.name)) throw new PlatformHttpError(409, 'conflict_error', `an environment named ${body.name} exists`);
    const at = now();
    const environment: BetaEnvironment = {
      id: platformId('env'),
      type: 'environment',
      name: body.name,
      description: typeof body.description === 'string' ? body.description : null,
      config: (body.config as BetaEnvironment['config'] | undefined) ?? ({ type: 'cloud' } as BetaEnvironment['config']),
      metadata: (body.metadata as Record<string, string> | undefined) ?? {},
      created_at: at,
      updated_at: at,
      archived_at: null,
    };
    this.environments.set(environment.id, environment);
    return environment;
  }

  private environmentOf(id: string): BetaEnvironment {
    const environment = this.environments.get(id);
    if (!environment) throw notFound(`environment ${id}`, 'environment_not_found');
    return environment;
  }

  private workOf(environmentId: string, workId: string): WorkItem {
    return this.queue.find(environmentId, workId);
  }

  /** A session with sandbox calls open and no live work item gets one queued. */
  needsWorker(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session || session.session.status === 'terminated') return;
    this.queue.enqueue(sessionId, session.session.environment_id, this.url);
  }

  private async poll(environmentId: string, req: IncomingMessage): Promise<BetaSelfHostedWork | null> {
    this.environmentOf(environmentId);
    return this.queue.poll(environmentId, queryOf(req), String(req.headers['anthropic-worker-id'] ?? ''));
  }

  // ---- sessions -----------------------------------------------------------------------------

  private createSession(params: SessionCreateParams): BetaManagedAgentsSession {
    const ref = typeof params.agent === 'string' ? { id: params.agent, version: undefined } : { id: params.agent.id, version: params.agent.version ?? undefined };
    const agent = this.snapshot(ref.id, ref.version);
    const environment = this.environmentOf(params.environment_id);
    if (environment.archived_at) throw new PlatformHttpError(409, 'conflict_error', `environment ${environment.id} is archived`, { error_code: 'environment_archived' });
    if (params.budget && (params.budget.type !== 'limit' || !/^[1-9][0-9]*$/.test(params.budget.max_list_cost?.amount ?? ''))) {
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
      onEvent: (s, stored) => this.broadcast(s, stored),
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

  // ---- streams ------------------------------------------------------------------------------

  /** No replay: a stream carries only what happens after it opened (clients list history to catch up). */
  private openStream(req: IncomingMessage, res: ServerResponse, session: StandInSession, thread?: string): void {
    const worker = String(req.headers['x-stainless-helper'] ?? '').includes('session-tool-runner');
    const entry = { channel: undefined as unknown as SseChannel, session: session.session.id, worker, ...(thread ? { thread } : {}) };
    entry.channel = new SseChannel(res, () => this.channels.delete(entry));
    this.channels.add(entry);
  }

  private broadcast(session: StandInSession, stored: StoredEvent): void {
    for (const { channel, session: id, thread } of this.channels) {
      if (id !== session.session.id) continue;
      if (thread ? stored.thread === thread : stored.onSession) channel.send(stored.event);
    }
  }
}
