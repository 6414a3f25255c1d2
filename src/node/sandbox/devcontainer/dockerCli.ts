// The few Docker engine calls the dev container sandbox makes itself (probing the engine, finding, stopping
// and removing our containers by label), through the `docker` command users already have, and the mapping
// of its failures to errors that say what to do next.
import { execFile } from 'node:child_process';
import { AgentOsError } from '../../../core/errors.ts';

/** The label every container of a session carries; its value is the session id. */
export const SESSION_LABEL = 'agent-os.session';

export interface DockerOptions {
  /** The `docker` command; default `docker` on PATH. */
  dockerPath?: string;
  /** Environment for docker (DOCKER_HOST etc.); default this process'. */
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class DockerUnavailableError extends AgentOsError {}

export function dockerHostName(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_HOST ? `DOCKER_HOST=${env.DOCKER_HOST}` : 'the default socket /var/run/docker.sock';
}

/** Maps what the docker client printed to a one-line error with the next step, or undefined if it is not
 * about the engine being unreachable. */
export function engineError(stderr: string, env: NodeJS.ProcessEnv): AgentOsError | undefined {
  if (/permission denied.*docker\.sock|docker\.sock.*permission denied/i.test(stderr)) {
    return new DockerUnavailableError(
      'SANDBOX_UNAVAILABLE',
      `Docker refused access to ${dockerHostName(env)}: add your user to the docker group (or set the sandbox to bubblewrap or worktree), then resume the session`,
    );
  }
  if (
    /cannot connect to the docker daemon|is the docker daemon running|error during connect|no such file or directory|connection refused|dial unix/i.test(
      stderr,
    )
  ) {
    return new DockerUnavailableError(
      'SANDBOX_UNAVAILABLE',
      `Docker is installed but its engine does not answer at ${dockerHostName(env)}: start it (systemctl start docker, or scripts/docker/start.sh) or set the sandbox to bubblewrap or worktree, then resume the session`,
    );
  }
  return undefined;
}

export function dockerMissingError(dockerPath: string): AgentOsError {
  return new DockerUnavailableError(
    'MISSING_TOOL',
    `Docker is not installed (no "${dockerPath}" command): install it (Debian: apt-get install docker.io) or set the sandbox to bubblewrap or worktree, then resume the session`,
  );
}

export class DockerCli {
  readonly dockerPath: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(options: DockerOptions = {}) {
    this.dockerPath = options.dockerPath ?? 'docker';
    this.env = options.env ?? process.env;
  }

  /** Runs docker; a missing binary is the only failure that throws (as MISSING_TOOL). */
  run(args: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      execFile(
        this.dockerPath,
        args,
        { env: this.env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const errno = error as NodeJS.ErrnoException | null;
          if (errno?.code === 'ENOENT') return reject(dockerMissingError(this.dockerPath));
          const code = error ? (typeof errno?.code === 'number' ? errno.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
    });
  }

  /** Throws the clear error when docker is missing or its engine does not answer; else the server version. */
  async probe(): Promise<string> {
    const result = await this.run(['version', '--format', '{{.Server.Version}}'], 15_000);
    if (result.code === 0 && result.stdout.trim()) return result.stdout.trim();
    throw (
      engineError(result.stderr, this.env) ??
      new DockerUnavailableError(
        'SANDBOX_UNAVAILABLE',
        `Docker does not answer at ${dockerHostName(this.env)} (${firstLine(result.stderr) || `exit ${result.code}`}): check the engine, then resume the session`,
      )
    );
  }

  /** True when the engine answers; never throws. */
  async available(): Promise<boolean> {
    try {
      await this.probe();
      return true;
    } catch {
      return false;
    }
  }

  async imageExists(image: string): Promise<boolean> {
    return (await this.run(['image', 'inspect', '--format', '{{.Id}}', image])).code === 0;
  }

  /** Containers (running or not) carrying all the given labels. */
  async containersByLabel(labels: Record<string, string | undefined>): Promise<ContainerSummary[]> {
    const filters = Object.entries(labels).flatMap(([k, v]) => [
      '--filter',
      v === undefined ? `label=${k}` : `label=${k}=${v}`,
    ]);
    const result = await this.run([
      'ps',
      '-a',
      '--no-trunc',
      ...filters,
      '--format',
      '{{.ID}}\t{{.State}}\t{{.Label "' + SESSION_LABEL + '"}}',
    ]);
    if (result.code !== 0)
      throw (
        engineError(result.stderr, this.env) ??
        new AgentOsError('SANDBOX_UNAVAILABLE', `docker ps failed: ${firstLine(result.stderr)}`)
      );
    return result.stdout
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => {
        const [id = '', state = '', sessionId = ''] = line.split('\t');
        return { id, state, sessionId };
      });
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    const result = await this.run(['rm', '-f', '-v', ...ids]);
    if (result.code !== 0 && !/no such container/i.test(result.stderr)) {
      throw new AgentOsError('SANDBOX_UNAVAILABLE', `docker rm failed: ${firstLine(result.stderr)}`);
    }
  }

  async stop(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    // -t 2: the container's shell has nothing to save; the CLI's keep-alive loop exits on SIGTERM anyway.
    await this.run(['stop', '-t', '2', ...ids]);
  }
}

export interface ContainerSummary {
  id: string;
  /** running, exited, created, … */
  state: string;
  sessionId: string;
}

export function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? '').trim();
}
