// The CLI's world for tests: the sample repository with its bare remote, the GitHub stand-in, the
// scripted model server, and a way to run the built `agent-os` against them as a person would.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSampleRepository, type SampleRepository } from '../../src/testkit/demo/sampleRepository.ts';
import { GitHubStandIn } from '../../src/testkit/github/githubStandIn.ts';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { CLI, cliEnv, startCli } from '../support/cliProcess.ts';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliWorld {
  root: string;
  sample: SampleRepository;
  github: GitHubStandIn;
  server: ScriptedModelServer;
  storeDir: string;
  issueRef: string;
  /** The flags that point the CLI at this world. */
  flags: string[];
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>;
  close(): Promise<void>;
}

/** Builds dist/cli.js when it is missing (`npm test` builds it before the tests). */
export function ensureBuiltCli(): void {
  if (!existsSync(CLI))
    execFileSync(process.execPath, [join(__dirname, '..', '..', 'esbuild.js')], {
      cwd: join(__dirname, '..', '..'),
      stdio: 'inherit',
    });
}

export async function startCliWorld(script: unknown): Promise<CliWorld> {
  ensureBuiltCli();
  const root = mkdtempSync(join(tmpdir(), 'agent-os-cli-'));
  const sample = await createSampleRepository(root);
  const github = await GitHubStandIn.start({ repositories: [sample.standInRepository] });
  const server = await ScriptedModelServer.start({ script: parseModelScript(script) });
  const storeDir = join(root, 'store');
  const flags = [
    '--base-url',
    server.url,
    '--github-api',
    github.baseUrl,
    '--local-remote',
    `${sample.barePath}=${sample.owner}/${sample.repo}`,
    '--store',
    storeDir,
    '--repo',
    sample.workdir,
    // Where nothing confines, every command asks: these are the tests' own scripted commands (see below).
    ...ALLOW_SCRIPTED_COMMANDS,
  ];
  return {
    root,
    sample,
    github,
    server,
    storeDir,
    issueRef: `${sample.owner}/${sample.repo}#${sample.issue.number}`,
    flags,
    cli: (args, env = { ANTHROPIC_API_KEY: 'x' }) => startCli(args, cliEnv(env)).done,
    async close() {
      await server.close();
      await github.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Where nothing confines (no bubblewrap), every command of the scripted pipeline asks: these tests
 * answer Allow to their own commands, as the demo does. Where a sandbox confines, nothing asks. */
export const ALLOW_SCRIPTED_COMMANDS = ['--allow-tools'];

export function sessionIdIn(stdout: string): string {
  const m = /session (sesn_[A-Za-z0-9]+)/.exec(stdout);
  if (!m) throw new Error(`no session id in:\n${stdout}`);
  return m[1] as string;
}

export function show(result: CliResult): string {
  return `exit ${result.code} ${result.signal ?? ''}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}
