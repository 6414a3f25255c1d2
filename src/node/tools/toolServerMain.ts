// The tool server: the file tools (read, write, edit, glob, grep) in a process of their own, started inside
// the sandbox with the working directory as its root. The harness never opens an agent's path itself: every
// path is resolved here, where the person's files are not mounted at all, so a path race (a symlink swapped
// in between check and use) can only ever reach what the sandbox already lets the agent reach.
// Bundled as dist/toolServer.js; in development it runs from source (toolServerScript.ts says how).
import { createInterface } from 'node:readline';
import { createFileTools } from './fileTools.ts';
import type { ToolServerOptions, ToolServerRequest, ToolServerResponse } from './toolServerProtocol.ts';

function main(): void {
  const options = JSON.parse(process.argv[2] ?? '{}') as ToolServerOptions;
  const tools = createFileTools({
    root: process.cwd(),
    readOnly: options.readOnly,
    ...(options.displayRoot ? { displayRoot: options.displayRoot } : {}),
    ...(options.maxFileBytes ? { maxFileBytes: options.maxFileBytes } : {}),
  });
  const send = (response: ToolServerResponse): void => {
    process.stdout.write(`${JSON.stringify(response)}\n`);
  };
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let request: ToolServerRequest;
    try {
      request = JSON.parse(line) as ToolServerRequest;
    } catch {
      return; // not ours: the harness only sends JSON lines
    }
    if (typeof request.id !== 'number' || typeof request.name !== 'string') return;
    tools.run({ name: request.name, input: request.input }).then(
      (outcome) => send({ id: request.id, ...outcome }),
      (error: unknown) =>
        send({
          id: request.id,
          content: `${request.name}: ${error instanceof Error ? error.message : String(error)}`,
          is_error: true,
        }),
    );
  });
  lines.on('close', () => process.exit(0));
}

main();
