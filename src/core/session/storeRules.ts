// What every SessionStore implementation must agree on, kept in one place so the memory store and the
// file store cannot drift: payload validation, the envelope the store adds, session ids and meta edits.
import { InvalidArgumentError, InvalidEventError } from '../errors.ts';
import { newId } from '../events/ids.ts';
import { EVENT_SCHEMA_VERSION, EventPayload } from '../events/sessionEvent.ts';
import type { EventInput, SessionEvent } from '../events/sessionEvent.ts';
import type { NewSession, SessionMeta } from './sessionStore.ts';

/** Session ids become folder names: no separators, no dots, nothing a shell or a path would bend. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const MAX_METADATA_KEYS = 16;

export function assertSessionId(sessionId: string): void {
  if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) {
    throw new InvalidArgumentError(`not a session id: ${JSON.stringify(sessionId)}`);
  }
}

export function newSessionMeta(session: NewSession, now: Date): SessionMeta {
  const id = session.id ?? newId('sesn');
  assertSessionId(id);
  const metadata = checkedMetadata(session.metadata ?? {});
  const at = now.toISOString();
  return {
    id,
    title: session.title,
    created_at: at,
    updated_at: at,
    ...(session.source === undefined ? {} : { source: session.source }),
    ...(session.repository === undefined ? {} : { repository: session.repository }),
    metadata,
  };
}

export function patchedMeta(
  meta: SessionMeta,
  patch: Partial<Pick<SessionMeta, 'title' | 'metadata'>>,
  now: Date,
): SessionMeta {
  return {
    ...meta,
    ...(patch.title === undefined ? {} : { title: patch.title }),
    ...(patch.metadata === undefined ? {} : { metadata: checkedMetadata(patch.metadata) }),
    // Never earlier than created_at, even if the clock stepped back.
    updated_at: laterOf(meta.created_at, now.toISOString()),
  };
}

function laterOf(a: string, b: string): string {
  return Date.parse(a) > Date.parse(b) ? a : b;
}

function checkedMetadata(metadata: Record<string, string>): Record<string, string> {
  const entries = Object.entries(metadata);
  if (entries.length > MAX_METADATA_KEYS) {
    throw new InvalidArgumentError(
      `session metadata has ${entries.length} keys; at most ${MAX_METADATA_KEYS} are allowed`,
    );
  }
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new InvalidArgumentError(`session metadata '${key}' must be a string`);
  }
  return { ...metadata };
}

/**
 * Validates a producer's payload and adds the envelope. The result is what the store keeps: a JSON
 * round trip of it is the same value (undefined fields dropped), so both stores hand back equal events.
 */
export function stampEvent(input: EventInput, seq: number, now: Date): SessionEvent {
  if (input === null || typeof input !== 'object') throw new InvalidEventError('an event must be an object');
  if (typeof input.thread !== 'string' || input.thread.length === 0) {
    throw new InvalidEventError(`event ${describeType(input)} has no thread`);
  }
  const parsed = EventPayload.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new InvalidEventError(
      `invalid event ${describeType(input)}: ${where}${issue?.message ?? 'does not match its schema'}`,
    );
  }
  // `type` first, then the envelope, then the rest: a log line reads well in a plain text editor.
  const { type, ...rest } = parsed.data;
  return {
    type,
    id: newId('sevt', pooledRandom),
    seq,
    thread: input.thread,
    processed_at: now.toISOString(),
    schema_version: EVENT_SCHEMA_VERSION,
    ...(typeof input.platform_event_id === 'string' ? { platform_event_id: input.platform_event_id } : {}),
    ...rest,
  } as SessionEvent;
}

/** Refuses a fork point that is not an event of the source, before anything is made. */
export function assertForkPoint(sourceId: string, throughSeq: number, lastSeq: number): void {
  if (!Number.isInteger(throughSeq) || throughSeq < 1 || throughSeq > lastSeq) {
    throw new InvalidArgumentError(
      `session ${sourceId} has no event ${String(throughSeq)} to fork from (its events are 1 to ${lastSeq})`,
    );
  }
}

/** The event as its JSON text; a payload that JSON cannot hold (a BigInt, a cycle) is an invalid event. */
export function serializeEvent(event: SessionEvent): string {
  try {
    return JSON.stringify(event);
  } catch (error) {
    throw new InvalidEventError(
      `invalid event '${event.type}': not serializable as JSON (${(error as Error).message})`,
    );
  }
}

// Event ids draw from a pool of random bytes: one getRandomValues call per id costs more than the rest
// of stamping an event, and it sits on the path of every durable append.
const POOL_SIZE = 4096;
let pool = new Uint8Array(0);
let poolAt = 0;
function pooledRandom(n: number): Uint8Array {
  if (poolAt + n > pool.length) {
    pool = new Uint8Array(Math.max(POOL_SIZE, n));
    globalThis.crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const bytes = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return bytes;
}

function describeType(input: object): string {
  const type = (input as { type?: unknown }).type;
  return typeof type === 'string' ? `'${type}'` : '(no type)';
}
