// The interrupts of one harness run: the person stops one thread (and with it the threads it delegated to,
// whose signals follow their parent's) or the whole session. Only the signals live here; what the person
// asked is also recorded in the log by the runtime, so the next run's stepper knows it without them.
export class ThreadInterrupts {
  private readonly threads = new Map<string, AbortController>();
  private session = new AbortController();

  /** A new run: a session-wide interrupt of an earlier run no longer applies. */
  reset(): void {
    this.session = new AbortController();
  }

  /** Stops one thread's running turns and tools, or every thread's. */
  interrupt(threadId?: string): void {
    if (threadId === undefined) {
      this.session.abort();
      for (const c of this.threads.values()) c.abort();
      return;
    }
    this.threads.get(threadId)?.abort();
  }

  /** The signal of a thread that starts running, aborted with its parent's or the session's. */
  open(threadId: string, parent?: AbortSignal): AbortSignal {
    const controller = new AbortController();
    const forward = (): void => controller.abort();
    if (this.session.signal.aborted || parent?.aborted) controller.abort();
    this.session.signal.addEventListener('abort', forward, { once: true });
    parent?.addEventListener('abort', forward, { once: true });
    this.threads.set(threadId, controller);
    return controller.signal;
  }

  close(threadId: string): void {
    this.threads.delete(threadId);
  }
}
