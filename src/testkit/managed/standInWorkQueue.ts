// The stand-in's self-hosted work queue (docs/reference/managedAgents.md §8): one item per session that needs a
// worker, claimed by a poll (`queued → starting`), acknowledged (`active`), kept by heartbeats whose
// `expected_last_heartbeat` must match (else 412 heartbeat_precondition_failed, the lease is lost), and
// given back to the queue when its lease runs out or a poller reclaims it.
import { randomBytes } from 'node:crypto';
import type { BetaSelfHostedWork } from '@anthropic-ai/sdk/resources/beta/environments/work';
import { notFound, PlatformHttpError } from './platformHttp.ts';
import { platformId } from './standInThread.ts';

export interface WorkItem {
  work: BetaSelfHostedWork;
  lastHeartbeat: string | null;
  /** The bearer of this item's session calls, carried in its `secret`. */
  sessionsToken: string;
  /** When the lease runs out (ms since epoch), while starting or active. */
  leaseUntil: number;
  workerId?: string;
}

const now = (): string => new Date().toISOString();
const isLive = (w: WorkItem): boolean => w.work.state === 'starting' || w.work.state === 'active';

export class StandInWorkQueue {
  readonly items: WorkItem[] = [];

  constructor(private readonly leaseTtlSeconds: number) {}

  find(environmentId: string, workId: string): WorkItem {
    const item = this.items.find((w) => w.work.id === workId && w.work.environment_id === environmentId);
    if (!item) throw notFound(`work ${workId}`);
    return item;
  }

  bySessionsToken(token: string): WorkItem | undefined {
    return this.items.find((w) => w.sessionsToken === token);
  }

  /** Queues an item for the session unless one is queued or held already. */
  enqueue(sessionId: string, environmentId: string, apiBaseUrl: string): void {
    if (this.items.some((w) => w.work.data.id === sessionId && (w.work.state === 'queued' || isLive(w)))) return;
    const at = now();
    const sessionsToken = `sst_${randomBytes(16).toString('hex')}`;
    this.items.push({
      sessionsToken,
      lastHeartbeat: null,
      leaseUntil: 0,
      work: {
        id: platformId('work'),
        type: 'work',
        environment_id: environmentId,
        data: { type: 'session', id: sessionId },
        state: 'queued',
        secret: Buffer.from(JSON.stringify({ sessions_token: sessionsToken, api_base_url: apiBaseUrl })).toString(
          'base64url',
        ),
        metadata: {},
        created_at: at,
        acknowledged_at: null,
        latest_heartbeat_at: null,
        started_at: null,
        stop_requested_at: null,
        stopped_at: null,
      },
    });
  }

  /** Long poll: waits up to `block_ms` (at most 999) for an item to claim. */
  async poll(environmentId: string, query: URLSearchParams, workerId: string): Promise<BetaSelfHostedWork | null> {
    const blockMs = Math.max(0, Math.min(999, Number(query.get('block_ms') ?? 0) || 0));
    const reclaim = query.get('reclaim_older_than_ms');
    const deadline = Date.now() + blockMs;
    for (;;) {
      const claimed = this.claim(environmentId, reclaim === null ? undefined : Number(reclaim), workerId);
      if (claimed || Date.now() >= deadline) return claimed;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private claim(
    environmentId: string,
    reclaimOlderThanMs: number | undefined,
    workerId: string,
  ): BetaSelfHostedWork | null {
    const t = Date.now();
    for (const item of this.items) {
      if (item.work.environment_id !== environmentId) continue;
      // A lease that ran out goes back to the queue; so does one older than the poller's reclaim age.
      const stale =
        isLive(item) &&
        (item.leaseUntil < t ||
          (reclaimOlderThanMs !== undefined &&
            Date.parse(item.work.latest_heartbeat_at ?? item.work.started_at ?? now()) < t - reclaimOlderThanMs));
      if (item.work.state !== 'queued' && !stale) continue;
      item.work.state = 'starting';
      item.work.started_at = now();
      item.work.latest_heartbeat_at = null;
      item.lastHeartbeat = null;
      item.leaseUntil = t + this.leaseTtlSeconds * 1000;
      item.workerId = workerId;
      return item.work;
    }
    return null;
  }

  heartbeat(item: WorkItem, query: URLSearchParams): unknown {
    const expected = query.get('expected_last_heartbeat');
    const current = item.lastHeartbeat ?? 'NO_HEARTBEAT';
    if (!isLive(item) || (expected !== null && expected !== current) || item.leaseUntil < Date.now()) {
      throw new PlatformHttpError(
        412,
        'invalid_request_error',
        'heartbeat precondition failed: the lease is held by someone else or expired',
        {
          error_code: 'heartbeat_precondition_failed',
          current_state: {
            state: item.work.state,
            last_heartbeat: item.lastHeartbeat,
            lease_extended: false,
            ttl_seconds: this.leaseTtlSeconds,
          },
        },
      );
    }
    const beat = `${now()}#${randomBytes(4).toString('hex')}`;
    item.lastHeartbeat = beat;
    item.work.latest_heartbeat_at = now();
    item.leaseUntil = Date.now() + this.leaseTtlSeconds * 1000;
    return {
      type: 'work_heartbeat',
      last_heartbeat: beat,
      lease_extended: true,
      state: item.work.state,
      ttl_seconds: this.leaseTtlSeconds,
    };
  }

  /** Every lease of the session runs out now (a worker that stopped heartbeating). */
  expire(sessionId: string): void {
    for (const item of this.items) if (item.work.data.id === sessionId) item.leaseUntil = 0;
  }
}
