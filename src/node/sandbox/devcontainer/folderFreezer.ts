// The host's file tools over a dev container's folder, where no OS sandbox works. The folder is the
// container's to change at any moment, and the SDK's file tools check a path, then use it: a component swapped
// for a symlink in between (a race the SDK's confinement documents) sends a read or a write to the person's
// files. So while a file tool runs, every container of this store that mounts the folder is paused — the
// engine's freezer stops each process in it — and nothing an agent runs can change the folder between the
// check and the use. Calls on one folder take turns. The pause goes through the engine's API on its Unix
// socket (a few milliseconds), else through the `docker` command. The freezer can miss a busy process (runc's
// "unable to freeze", about 1 in 40 pauses against a tight rename loop here): tried again a few times, and a
// pause that still fails refuses the call. Nothing else is trusted either: each container is seen paused
// before the call, and seen still paused, the same process, after it. One that ran meanwhile (`docker stop`
// resumes a paused container to deliver its signal; anyone may resume it) may have swapped the folder under
// the tool, so what the call read is withheld and the call fails.
import { request } from 'node:http';
import { AgentOsError } from '../../../core/errors.ts';
import type { ToolOutcome } from '../../../core/sandbox/sandbox.ts';
import type { FileTools } from '../../tools/fileTools.ts';
import { firstLine, type DockerCli } from './dockerCli.ts';

/** The Unix socket of the engine DOCKER_HOST names (the default one when unset), or undefined (tcp, ssh, a
 * context): then the `docker` command is used. */
function engineSocket(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DOCKER_CONTEXT) return undefined;
  const host = env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

function engineCall(socketPath: string, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('the engine did not answer within 30 s')));
    req.on('error', reject);
    req.end();
  });
}

const PAUSE_ATTEMPTS = 5;

export class FolderFreezer {
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly docker: DockerCli,
    /** The labels of the containers that mount the folder. */
    private readonly labels: Record<string, string>,
  ) {}

  /** Runs `action` with every running container on the folder paused. */
  during<T>(action: () => Promise<T>): Promise<T> {
    const next = this.turn
      .catch(() => undefined)
      .then(async () => {
        const paused = await this.pause();
        try {
          const frozen = await this.seenPaused(paused);
          const result = await action();
          const ran = await this.ranMeanwhile(frozen);
          if (ran) throw this.refused(`${ran} while the call ran; what it read is withheld`);
          return result;
        } finally {
          await this.unpause(paused);
        }
      });
    this.turn = next;
    return next;
  }

  private async pause(): Promise<string[]> {
    const socket = engineSocket(this.docker.env);
    if (socket) {
      // Paused ones too: one a failed resume left paused is resumed after this call.
      const filters = encodeURIComponent(
        JSON.stringify({
          status: ['running', 'paused'],
          label: Object.entries(this.labels).map(([k, v]) => `${k}=${v}`),
        }),
      );
      const list = await engineCall(socket, 'GET', `/containers/json?filters=${filters}`);
      if (list.status !== 200) throw this.refused(`listing its containers answered ${list.status}: ${list.body}`);
      const found = JSON.parse(list.body) as { Id: string; State: string }[];
      const ids = found.map((c) => c.Id);
      for (const id of found.filter((c) => c.State === 'running').map((c) => c.Id)) {
        let paused = { status: 0, body: '' };
        for (let attempt = 0; attempt < PAUSE_ATTEMPTS && paused.status !== 204; attempt++)
          paused = await engineCall(socket, 'POST', `/containers/${id}/pause`);
        if (paused.status !== 204) {
          await this.unpause(ids);
          throw this.refused(`pausing its container answered ${paused.status}: ${paused.body.trim()}`);
        }
      }
      return ids;
    }
    const found = (await this.docker.containersByLabel(this.labels)).filter((c) =>
      ['running', 'paused'].includes(c.state),
    );
    const ids = found.map((c) => c.id);
    for (const id of found.filter((c) => c.state === 'running').map((c) => c.id)) {
      let paused = { code: 1, stderr: '' };
      for (let attempt = 0; attempt < PAUSE_ATTEMPTS && paused.code !== 0; attempt++)
        paused = await this.docker.run(['pause', id]);
      if (paused.code !== 0) {
        await this.unpause(ids);
        throw this.refused(firstLine(paused.stderr));
      }
    }
    return ids;
  }

  /** Each container's process and start, once it is seen paused; refuses the call if one is not. */
  private async seenPaused(ids: readonly string[]): Promise<Map<string, string>> {
    const frozen = new Map<string, string>();
    for (const id of ids) {
      const state = await this.stateOf(id);
      if (!state?.paused) throw this.refused(`its container ${id.slice(0, 12)} is not paused after pausing it`);
      frozen.set(id, state.run);
    }
    return frozen;
  }

  /** What happened to a container that did not stay paused, the same process, through the call. */
  private async ranMeanwhile(frozen: ReadonlyMap<string, string>): Promise<string | undefined> {
    for (const [id, run] of frozen) {
      const state = await this.stateOf(id);
      if (!state) return `its container ${id.slice(0, 12)} was removed`;
      if (!state.paused || state.run !== run) return `its container ${id.slice(0, 12)} was resumed`;
    }
    return undefined;
  }

  /** Whether the container is paused, and which run of it this is (its process and start); undefined once it
   * is gone. An engine that cannot say refuses the call. */
  private async stateOf(id: string): Promise<{ paused: boolean; run: string } | undefined> {
    const socket = engineSocket(this.docker.env);
    if (socket) {
      const found = await engineCall(socket, 'GET', `/containers/${id}/json`);
      if (found.status === 404) return undefined;
      if (found.status !== 200) throw this.refused(`inspecting its container answered ${found.status}`);
      const state = (JSON.parse(found.body) as { State?: { Paused?: boolean; Pid?: number; StartedAt?: string } })
        .State;
      return { paused: state?.Paused === true, run: `${state?.Pid} ${state?.StartedAt}` };
    }
    const inspected = await this.docker.run([
      'inspect',
      '--type',
      'container',
      '--format',
      '{{.State.Paused}} {{.State.Pid}} {{.State.StartedAt}}',
      id,
    ]);
    if (inspected.code !== 0) {
      if (/no such (object|container)/i.test(inspected.stderr)) return undefined;
      throw this.refused(firstLine(inspected.stderr));
    }
    const [paused, ...run] = inspected.stdout.trim().split(' ');
    return { paused: paused === 'true', run: run.join(' ') };
  }

  private async unpause(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    const socket = engineSocket(this.docker.env);
    if (socket) {
      for (const id of ids) {
        // 204 resumed, 409 not paused; else tried again, and one left paused is resumed by the next call.
        for (let attempt = 0; attempt < PAUSE_ATTEMPTS; attempt++) {
          const resumed = await engineCall(socket, 'POST', `/containers/${id}/unpause`).catch(() => ({ status: 0 }));
          if (resumed.status === 204 || resumed.status === 409) break;
        }
      }
      return;
    }
    for (const id of ids) await this.docker.run(['unpause', id]);
  }

  private refused(why: string): AgentOsError {
    return new AgentOsError(
      'SANDBOX_UNAVAILABLE',
      `the file tools cannot run safely on the dev container's folder: its container could not be paused (${why}); make the OS sandbox work here, or use bash`,
    );
  }
}

/** `files` whose every call runs with the folder's containers paused; a call that cannot be is refused. */
export function frozenFileTools(files: FileTools, freezer: FolderFreezer): FileTools {
  return {
    root: files.root,
    run: (call, signal) =>
      freezer
        .during(() => files.run(call, signal))
        .catch((error: unknown): ToolOutcome => {
          if (!(error instanceof AgentOsError)) throw error;
          return { content: `${call.name}: ${error.message}`, is_error: true };
        }),
  };
}
