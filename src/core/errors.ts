// Named errors with a stable `code`, so callers branch on codes, never on message text.
// Expected failures (bad input, faults of the outside world) are these; anything else that throws is a bug.

export type AgentOsErrorCode =
  | 'LOG_CORRUPT'
  | 'LOG_FULL'
  | 'SESSION_NOT_FOUND'
  | 'SESSION_EXISTS'
  | 'SESSION_LOCKED'
  | 'FENCE_LOST'
  | 'BLOB_MISSING'
  | 'INVALID_EVENT'
  | 'INVALID_ARGUMENT'
  /** The request does not fit the state it meets (HTTP's 409): see StateConflictError. */
  | 'STATE_CONFLICT'
  /** What is stored is incomplete or contradicts itself: see StateCorruptError. */
  | 'STATE_CORRUPT'
  | 'INVALID_AGENT'
  | 'AGENT_NOT_FOUND'
  | 'SANDBOX_UNAVAILABLE'
  | 'MODEL_REQUEST_FAILED'
  | 'ISSUE_NOT_FOUND'
  | 'GITHUB_FAILED'
  | 'GIT_FAILED'
  | 'APPROVAL_REFUSED'
  | 'INVALID_SCRIPT'
  | 'MISSING_TOOL'
  | 'RUNTIME_UNAVAILABLE'
  /** The hosted platform refused or failed a request (managed backend). */
  | 'PLATFORM_FAILED';

export class AgentOsError extends Error {
  constructor(
    readonly code: AgentOsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A whole record of a log (the last one included) does not parse or fails its checksum. Never skipped. */
export class LogCorruptError extends AgentOsError {
  constructor(
    readonly sessionId: string,
    readonly byteOffset: number,
    readonly reason: string,
  ) {
    super('LOG_CORRUPT', `session ${sessionId}: log damaged at byte offset ${byteOffset}: ${reason}`);
  }
}

/** An append would take a session's log past the size a session may hold. Nothing was written. */
export class LogFullError extends AgentOsError {
  constructor(
    readonly sessionId: string,
    readonly limitBytes: number,
  ) {
    super(
      'LOG_FULL',
      `session ${sessionId}: its log has reached the ${describeBytes(limitBytes)} a session may hold; nothing more is appended but how its run ended. Start a new session for further work (this one can still be read), or raise the limit and resume it`,
    );
  }
}

export function describeBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 2 ** 10).toFixed(1)} KiB`;
}

export class SessionNotFoundError extends AgentOsError {
  constructor(readonly sessionId: string) {
    super('SESSION_NOT_FOUND', `session ${sessionId} not found`);
  }
}

/** A second writer tried to open a session that a live process already writes. */
export class SessionLockedError extends AgentOsError {
  /** `advice` says what the person can do and what Agent OS does by itself; `holder` who holds it. */
  constructor(
    readonly sessionId: string,
    readonly holderPid: number | undefined,
    readonly fence: number,
    advice = 'stop it or wait for it to finish',
    holder = holderPid ? `pid ${holderPid}` : undefined,
  ) {
    super(
      'SESSION_LOCKED',
      `session ${sessionId} is being written by another process${holder ? ` (${holder})` : ''}; ${advice}`,
    );
  }
}

/** A writer's fencing number is no longer the current one: another writer took the session over. */
export class FenceLostError extends AgentOsError {
  constructor(
    readonly sessionId: string,
    readonly fence: number,
    readonly currentFence: number,
  ) {
    super('FENCE_LOST', `session ${sessionId}: writer fence ${fence} was superseded by ${currentFence}`);
  }
}

export class SessionExistsError extends AgentOsError {
  constructor(readonly sessionId: string) {
    super('SESSION_EXISTS', `session ${sessionId} already exists`);
  }
}

/** A log record refers to a blob file that is not there (or no longer matches its hash). */
export class BlobMissingError extends AgentOsError {
  constructor(
    readonly sessionId: string,
    readonly sha256: string,
    readonly byteOffset: number,
    detail = 'missing',
  ) {
    super(
      'BLOB_MISSING',
      `session ${sessionId}: blob ${sha256} of the record at byte offset ${byteOffset} is ${detail}`,
    );
  }
}

/** Input from the user or a caller that cannot be used as given (a bad flag, a malformed id). */
export class InvalidArgumentError extends AgentOsError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** A request that does not fit the state it meets: the session is running, the event it names is not the one
 * waiting for the person, the session runs on the other backend. Nothing was changed; the request may fit later. */
export class StateConflictError extends AgentOsError {
  constructor(message: string) {
    super('STATE_CONFLICT', message);
  }
}

/** What is stored is incomplete or contradicts itself — a session without its configuration or repository, a
 * state file that does not parse — beyond one damaged log record (LogCorruptError). Never repaired silently:
 * the message says what is missing and what the person can do. */
export class StateCorruptError extends AgentOsError {
  constructor(message: string) {
    super('STATE_CORRUPT', message);
  }
}

export class InvalidEventError extends AgentOsError {
  constructor(message: string) {
    super('INVALID_EVENT', message);
  }
}

/** A Messages API request failed for good: a 400 and other non-retryable answers, retries exhausted,
 * or an interrupt. Carries the API's own error type and message so the harness can record them. */
export class ModelRequestError extends AgentOsError {
  constructor(
    message: string,
    readonly details: {
      /** HTTP status, when the API answered. */
      status?: number;
      /** The API's `error.type` (`invalid_request_error`, `overloaded_error`, …), or ours: `connection_error`,
       * `stream_interrupted`, `request_aborted`. */
      errorType: string;
      /** The API's `error.message`, or the transport's. */
      apiMessage: string;
      /** True when the fault was transient and retries ran out; false when retrying cannot help. */
      retryable: boolean;
      /** The caller's AbortSignal fired (interrupt). */
      aborted?: boolean;
      /** Whole attempts made, the SDK's own retries not counted. */
      attempts?: number;
    },
    options?: { cause?: unknown },
  ) {
    super('MODEL_REQUEST_FAILED', message, options);
  }
  get status(): number | undefined {
    return this.details.status;
  }
  get errorType(): string {
    return this.details.errorType;
  }
  get apiMessage(): string {
    return this.details.apiMessage;
  }
  get retryable(): boolean {
    return this.details.retryable;
  }
  get aborted(): boolean {
    return this.details.aborted === true;
  }
}

/** A scripted-model script (JSON) does not match its schema. The message names the bad field. */
export class InvalidScriptError extends AgentOsError {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super('INVALID_SCRIPT', `invalid model script ${source}: ${problems.join('; ')}`);
  }
}

export function isAgentOsError(value: unknown): value is AgentOsError {
  return value instanceof AgentOsError;
}

/** One readable line for the user, never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? String(error);
  return String(error);
}
