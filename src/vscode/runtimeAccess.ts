// The extension's handle on the runtime. The UI works without one (sessions can be read in an
// untrusted workspace, or before the runtime is wired): commands that need it fail with a clear reason.
import type { SessionService } from '../core/runtime/sessionService.ts';
import { AgentOsError } from '../core/errors.ts';

export class RuntimeUnavailableError extends AgentOsError {
  constructor(reason: string) {
    super('RUNTIME_UNAVAILABLE', reason);
  }
}

export class RuntimeAccess {
  constructor(
    private service: SessionService | undefined,
    private unavailableReason: string,
  ) {}

  get available(): boolean {
    return this.service !== undefined;
  }

  get reason(): string {
    return this.unavailableReason;
  }

  /** The service, or a RuntimeUnavailableError saying why there is none. */
  require(): SessionService {
    if (!this.service) throw new RuntimeUnavailableError(this.unavailableReason);
    return this.service;
  }

  /** Whether a harness in this process runs the session now. */
  isLive(sessionId: string): boolean {
    return this.service?.isRunning(sessionId) ?? false;
  }

  /** Replaces the service (workspace trust granted, API key set); returns the one it replaced. */
  set(service: SessionService | undefined, reason: string): SessionService | undefined {
    const previous = this.service;
    this.service = service;
    this.unavailableReason = reason;
    return previous === service ? undefined : previous;
  }
}
