// The stand-in platform's self-hosted environments and their work queue, with the routes that serve them:
// environments made once by name, a work item per session that needs a worker (poll, ack, heartbeat with
// its lease precondition, stop), and the queue's stats.
import type { IncomingMessage } from 'node:http';
import type { BetaEnvironment } from '@anthropic-ai/sdk/resources/beta/environments/environments';
import type { BetaSelfHostedWork } from '@anthropic-ai/sdk/resources/beta/environments/work';
import {
  badRequest,
  notFound,
  page,
  PlatformHttpError,
  queryOf,
  readJsonBody,
  sendJson,
  type AddRoute,
} from './platformHttp.ts';
import { platformId } from './standInThread.ts';
import type { StandInWorkQueue, WorkItem } from './standInWorkQueue.ts';

const now = (): string => new Date().toISOString();

export class StandInEnvironments {
  readonly environments = new Map<string, BetaEnvironment>();

  constructor(readonly queue: StandInWorkQueue) {}

  /** `needsWorker`: a stopped work item's session may still have sandbox calls open. */
  defineRoutes(route: AddRoute, needsWorker: (sessionId: string) => void): void {
    // environments
    route('POST', '/v1/environments', async (req, res) => sendJson(res, 200, this.create(await readJsonBody(req))));
    route('GET', '/v1/environments', async (req, res) =>
      sendJson(res, 200, page([...this.environments.values()], queryOf(req))),
    );
    route('GET', '/v1/environments/{id}', async (_req, res, [id]) =>
      sendJson(res, 200, this.environmentOf(id as string)),
    );
    route('GET', '/v1/environments/{id}/work/poll', async (req, res, [id]) =>
      sendJson(res, 200, await this.poll(id as string, req)),
    );
    route('GET', '/v1/environments/{id}/work/stats', async (_req, res, [id]) => {
      this.environmentOf(id as string);
      const queued = this.queue.items.filter((w) => w.work.environment_id === id && w.work.state === 'queued');
      sendJson(res, 200, {
        type: 'work_queue_stats',
        depth: queued.length,
        pending: queued.length,
        oldest_queued_at: queued[0]?.work.created_at ?? null,
        workers_polling: null,
      });
    });
    route('GET', '/v1/environments/{id}/work', async (req, res, [id]) =>
      sendJson(
        res,
        200,
        page(
          this.queue.items.filter((w) => w.work.environment_id === id).map((w) => w.work),
          queryOf(req),
        ),
      ),
    );
    route('GET', '/v1/environments/{eid}/work/{wid}', async (_req, res, [eid, wid]) =>
      sendJson(res, 200, this.workOf(eid as string, wid as string).work),
    );
    route('POST', '/v1/environments/{eid}/work/{wid}/ack', async (_req, res, [eid, wid]) => {
      const item = this.workOf(eid as string, wid as string);
      if (item.work.state !== 'starting')
        throw new PlatformHttpError(409, 'conflict_error', `work ${wid} is ${item.work.state}, not starting`);
      item.work.state = 'active';
      item.work.acknowledged_at = now();
      sendJson(res, 200, item.work);
    });
    route('POST', '/v1/environments/{eid}/work/{wid}/heartbeat', async (req, res, [eid, wid]) =>
      sendJson(res, 200, this.queue.heartbeat(this.workOf(eid as string, wid as string), queryOf(req))),
    );
    route('POST', '/v1/environments/{eid}/work/{wid}/stop', async (_req, res, [eid, wid]) => {
      const item = this.workOf(eid as string, wid as string);
      if (item.work.state === 'stopped')
        throw new PlatformHttpError(409, 'conflict_error', `work ${wid} is already stopped`);
      item.work.state = 'stopped';
      item.work.stopped_at = now();
      sendJson(res, 200, item.work);
      // Sandbox calls still open need a worker again.
      needsWorker(item.work.data.id);
    });
  }

  create(body: Record<string, unknown>): BetaEnvironment {
    if (typeof body.name !== 'string' || !body.name) throw badRequest('name: a non-empty string is required');
    if ([...this.environments.values()].some((e) => e.name === body.name))
      throw new PlatformHttpError(409, 'conflict_error', `an environment named ${body.name} exists`);
    const at = now();
    const environment: BetaEnvironment = {
      id: platformId('env'),
      type: 'environment',
      name: body.name,
      description: typeof body.description === 'string' ? body.description : null,
      config:
        (body.config as BetaEnvironment['config'] | undefined) ?? ({ type: 'cloud' } as BetaEnvironment['config']),
      metadata: (body.metadata as Record<string, string> | undefined) ?? {},
      created_at: at,
      updated_at: at,
      archived_at: null,
    };
    this.environments.set(environment.id, environment);
    return environment;
  }

  environmentOf(id: string): BetaEnvironment {
    const environment = this.environments.get(id);
    if (!environment) throw notFound(`environment ${id}`, 'environment_not_found');
    return environment;
  }

  workOf(environmentId: string, workId: string): WorkItem {
    return this.queue.find(environmentId, workId);
  }

  async poll(environmentId: string, req: IncomingMessage): Promise<BetaSelfHostedWork | null> {
    this.environmentOf(environmentId);
    return this.queue.poll(environmentId, queryOf(req), String(req.headers['anthropic-worker-id'] ?? ''));
  }
}
