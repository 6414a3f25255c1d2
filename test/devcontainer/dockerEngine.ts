// Test set-up for the dev container suites: a Docker engine that is already running (DOCKER_HOST, else the
// private engine of scripts/docker/start.sh) with the local base image. Tests never start or install one:
// without it they skip with the reason (see test/support/requirements.ts); .ci/run starts it first.
import { spawnSync } from 'node:child_process';
import { dockerHost, requireDocker } from '../support/requirements.ts';

export const BASE_IMAGE = 'agent-os-base:latest';

export interface Engine {
  /** DOCKER_HOST of the engine, or undefined when there is none (then `skip` says why). */
  dockerHost?: string;
  skip?: string;
  release(): Promise<void>;
}

/** Joins the running engine, or says why the dev container tests skip. */
export async function acquireEngine(): Promise<Engine> {
  // Nothing to release: the engine belongs to whoever started it.
  const release = async (): Promise<void> => {};
  const missing = requireDocker();
  if (missing) return { skip: missing, release };
  const host = dockerHost() ?? 'unix:///var/run/docker.sock';
  const image = spawnSync('docker', ['image', 'inspect', BASE_IMAGE], {
    env: { ...process.env, DOCKER_HOST: host },
    stdio: 'ignore',
  });
  if (image.status !== 0) {
    const why = `Docker: the engine at ${host} has no ${BASE_IMAGE} image (bash scripts/docker/start.sh makes it)`;
    if (process.env['AGENT_OS_REQUIRE_ALL']) throw new Error(why);
    return { skip: why, release };
  }
  return { dockerHost: host, release };
}
