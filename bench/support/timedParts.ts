// The real model client and the real sandboxes, timed from outside: each model request and each tool run
// becomes a span, so that what the runtime itself spent between them can be measured (harness.bench.ts,
// supervision.bench.ts).
import type { ModelClient } from '../../src/core/model/modelClient.ts';
import type { Sandbox, SandboxRequest } from '../../src/core/sandbox/sandbox.ts';
import { chosenSessionSandboxes } from '../../src/node/sandbox/chosenSessionSandboxes.ts';
import { lazySessionSandboxes } from '../../src/node/sandbox/forwardedSandboxes.ts';
import type { SessionSandboxes } from '../../src/core/sandbox/sessionSandboxes.ts';
import { chooseSandbox } from '../../src/node/sandbox/sandboxChoice.ts';

export interface Span {
  start: number;
  end: number;
}

export const spanNow = (): number => Number(process.hrtime.bigint()) / 1e6;

async function timed<T>(record: (span: Span) => void, run: () => Promise<T>): Promise<T> {
  const span = { start: spanNow(), end: 0 };
  try {
    return await run();
  } finally {
    span.end = spanNow();
    record(span);
  }
}

/** `real`, with each request's span handed to `record` (with the agent that asked). */
export function timedModel(
  real: ModelClient,
  record: (span: Span, agentName: string | undefined) => void,
): ModelClient {
  return {
    createMessage: (request, options) =>
      timed(
        (span) => record(span, options?.agentName),
        () => real.createMessage(request, options),
      ),
  };
}

/** The sandboxes `auto` chooses, with each tool run's span handed to `record` (with the sandbox's request). */
export function timedSandboxes(
  record: (span: Span, request: SandboxRequest) => void,
): (repository: string, storageDir: string) => SessionSandboxes {
  return (repository, storageDir) => {
    const inner = lazySessionSandboxes(async () =>
      chosenSessionSandboxes(await chooseSandbox({ setting: 'auto', repository }), { storageDir, repository }),
    );
    return {
      ...inner,
      async open(request) {
        const sandbox = await inner.open(request);
        const wrapped: Sandbox = {
          ...sandbox,
          runTool: (call, options) =>
            timed(
              (span) => record(span, request),
              () => sandbox.runTool(call, options),
            ),
          dispose: () => sandbox.dispose(),
        };
        return wrapped;
      },
    };
  };
}
