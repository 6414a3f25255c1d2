// Test set-up for the dev container suites: a real Docker engine started by scripts/docker/start.sh (which
// installs Debian's docker.io when missing and imports the local base image), released when the file ends.
import { execFile } from 'node:child_process';
import * as path from 'node:path';

const SCRIPTS = path.join(__dirname, '..', '..', 'scripts', 'docker');
export const BASE_IMAGE = 'agent-os-base:latest';

export interface Engine {
  /** DOCKER_HOST of the engine, or undefined when none could be started (then `skip` says why). */
  dockerHost?: string;
  skip?: string;
  release(): Promise<void>;
}

function sh(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [path.join(SCRIPTS, script), ...args], { env, timeout: 540_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Starts (or joins) the engine. In CI it must work: there a failure is an error, not a skip. */
export async function acquireEngine(): Promise<Engine> {
  const env = { ...process.env, AGENT_OS_DOCKER_USER: String(process.pid) };
  const result = await sh('start.sh', [], env);
  const release = async (): Promise<void> => {
    await sh('stop.sh', ['--release', String(process.pid)], process.env);
  };
  const host = /export DOCKER_HOST=(\S+)/.exec(result.stdout)?.[1];
  if (result.code !== 0 || !host) {
    const why = `no Docker engine could be started: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`;
    if (process.env.CI) throw new Error(why);
    return { skip: why, release };
  }
  return { dockerHost: host, release };
}
