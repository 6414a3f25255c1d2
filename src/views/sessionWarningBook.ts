// A session's warnings (its log nearing the size a session may hold) as VS Code gives them to the person:
// each one in the output channel as it comes, and a notification once per session. Every resume, answer and
// decision opens the session's writer again, and each opening warns: a notification each time would nag.
// The surface (VS Code's output channel and notifications) is a port, so the bookkeeping runs in plain node tests.
export interface SessionWarningSurface {
  log(sessionId: string, message: string): void;
  notify(sessionId: string, message: string): void;
}

export class SessionWarningBook {
  private readonly notified = new Set<string>();

  constructor(private readonly surface: SessionWarningSurface) {}

  warn(sessionId: string, message: string): void {
    this.surface.log(sessionId, message);
    if (this.notified.has(sessionId)) return;
    this.notified.add(sessionId);
    this.surface.notify(sessionId, message);
  }
}
