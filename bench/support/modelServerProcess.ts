// The scripted model server in a process of its own, for the benches that time the harness's event loop:
// in the bench's process its work (parsing and checking each request, simulating the prompt cache,
// keeping every request) would run on the loop being measured, which the extension host never does — the
// model is on the other side of a network there. The same file is the child: started with `--child`, it
// reads the script (JSON) on stdin, prints the server's URL and serves until it is sent SIGTERM.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';

export interface ModelServerProcess {
  url: string;
  close(): Promise<void>;
}

/** Starts the server for `script` (the JSON form parseModelScript takes) in a child process. */
export async function startModelServerProcess(script: unknown): Promise<ModelServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--child'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the scripted model server process ended (exit ${code})`)));
    child.stdin.end(JSON.stringify(script));
  });
  return {
    url,
    async close() {
      child.kill();
      await exited;
    },
  };
}

async function serveChild(): Promise<void> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk as string;
  const server = await ScriptedModelServer.start({ script: parseModelScript(JSON.parse(text)) });
  process.stdout.write(`${server.url}\n`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
}

if (process.argv[2] === '--child') {
  serveChild().catch((error: unknown) => {
    process.stderr.write(`scripted model server process: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
