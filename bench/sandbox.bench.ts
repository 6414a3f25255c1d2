// The cost of running tools inside the OS sandbox: per-call time of `read` (through the tool server inside
// the sandbox) and of `bash true` (a confined persistent shell), against the same calls unconfined (file
// tools in this process, a plain shell), as ratios; and what a session pays once: opening a sandbox (the
// wrap, the shell and the tool server start) and a take-over of the files into the vault (a confined git
// snapshot and bundle, verified fetch). Skips the OS-sandbox half where it cannot run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '../src/core/sandbox/sandbox.ts';
import { chosenSessionSandboxes } from '../src/node/sandbox/chosenSessionSandboxes.ts';
import { chooseSandbox } from '../src/node/sandbox/sandboxChoice.ts';
import { probeOsSandbox, shutdownOsSandbox } from '../src/node/sandbox/osSandbox.ts';
import { makeTestRepo } from '../test/git/gitTestRepo.ts';

const CALLS = 200;

async function perCall(sandbox: Sandbox, name: string, input: Record<string, unknown>): Promise<number> {
  for (let i = 0; i < 10; i++) await sandbox.runTool({ name, input }, {});
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) {
    const outcome = await sandbox.runTool({ name, input }, {});
    if (outcome.is_error) throw new Error(`${name}: ${outcome.content}`);
  }
  return (performance.now() - started) / CALLS;
}

interface KindNumbers {
  open: number;
  read: number;
  bash: number;
  takeOver: number;
}

async function measure(kind: 'os' | 'worktree'): Promise<KindNumbers> {
  const files: Record<string, string> = { 'README.md': '# bench\n' };
  for (let i = 0; i < 200; i++) files[`src/file${i}.js`] = `export const v${i} = ${i};\n`.repeat(50);
  const repo = makeTestRepo(files);
  try {
    const storage = join(repo.root, 'store', '.worktrees');
    mkdirSync(storage, { recursive: true });
    const sandboxes = chosenSessionSandboxes(
      await chooseSandbox({ setting: kind, repository: repo.work, dockerAvailable: false }),
      { storageDir: storage, repository: repo.work },
    );
    await sandboxes.workspace('bench');
    const openStarted = performance.now();
    const sandbox = await sandboxes.open({
      sessionId: 'bench',
      threadId: 'coder',
      access: 'read_write',
      network: false,
      enabledTools: ['read', 'bash'],
    });
    await sandbox.runTool({ name: 'read', input: { file_path: 'README.md' } }, {});
    await sandbox.runTool({ name: 'bash', input: { command: 'true' } }, {});
    const open = performance.now() - openStarted;
    const read = await perCall(sandbox, 'read', { file_path: 'src/file7.js' });
    const bash = await perCall(sandbox, 'bash', { command: 'true' });
    writeFileSync(join(sandbox.workdir, 'src', 'new.js'), 'export const n = 1;\n');
    const takeOverStarted = performance.now();
    const rounds = 5;
    for (let i = 0; i < rounds; i++) await sandboxes.changes('bench');
    const takeOver = (performance.now() - takeOverStarted) / rounds;
    await sandbox.dispose();
    return { open, read, bash, takeOver };
  } finally {
    repo.cleanup();
  }
}

async function main(): Promise<void> {
  const plain = await measure('worktree');
  const probe = await probeOsSandbox();
  if (!probe.available) {
    console.log(`unconfined: read ${plain.read.toFixed(2)} ms/call, bash ${plain.bash.toFixed(2)} ms/call`);
    console.log(`OS sandbox: skipped (${probe.reason ?? 'not available'})`);
    return;
  }
  const os = await measure('os');
  await shutdownOsSandbox();
  console.log(
    `read per call: OS sandbox ${os.read.toFixed(2)} ms, unconfined ${plain.read.toFixed(2)} ms: ${(os.read / plain.read).toFixed(2)}× (${CALLS} calls)`,
  );
  console.log(
    `bash per call: OS sandbox ${os.bash.toFixed(2)} ms, unconfined ${plain.bash.toFixed(2)} ms: ${(os.bash / plain.bash).toFixed(2)}× (${CALLS} calls)`,
  );
  console.log(
    `open a sandbox (shell + tool server, first calls): OS sandbox ${os.open.toFixed(0)} ms, unconfined ${plain.open.toFixed(0)} ms`,
  );
  console.log(
    `take the files over into the vault (snapshot, bundle, verified fetch): OS sandbox ${os.takeOver.toFixed(0)} ms, unconfined ${plain.takeOver.toFixed(0)} ms: ${(os.takeOver / plain.takeOver).toFixed(2)}×`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
