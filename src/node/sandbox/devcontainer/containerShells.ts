// The shells of one dev container: each `bash` session is a `devcontainer exec` shell that writes its pid to
// a file in the container, so that killing it kills what it started there too — ending the local
// `devcontainer exec` does not (the engine keeps exec'd processes).
import { randomUUID } from 'node:crypto';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { killProcessGroup } from '../../tools/bashSession.ts';
import type { DockerCli } from './dockerCli.ts';

/** The shell half: `devcontainer exec` started shells, killed inside the container too, since ending the
 * local `devcontainer exec` does not end what it started there (the engine keeps exec'd processes). */
export class ContainerShells {
  private readonly pidFiles = new WeakMap<ChildProcessWithoutNullStreams, string>();
  private readonly pendingKills = new Set<Promise<unknown>>();

  constructor(
    private readonly containerId: string,
    private readonly docker: DockerCli,
    private readonly startShell: (pidFile: string) => ChildProcessWithoutNullStreams,
  ) {}

  /** A shell ended (by itself or killed after it stopped answering): the container may have been stopped
   * (a reboot, `docker stop`), so it is checked before the next shell starts. Rare, so the check is cheap. */
  private shellEnded = false;

  spawn(): ChildProcessWithoutNullStreams {
    const pidFile = `/tmp/.agent-os-shell-${randomUUID()}`;
    const proc = this.startShell(pidFile);
    this.pidFiles.set(proc, pidFile);
    proc.once('close', () => {
      this.shellEnded = true;
    });
    return proc;
  }

  /** Before a shell starts after one died: starts the container again if it was stopped. */
  async revive(): Promise<void> {
    if (!this.shellEnded) return;
    this.shellEnded = false;
    const state = await this.docker.run(['inspect', '--format', '{{.State.Running}}', this.containerId]);
    if (state.code === 0 && state.stdout.trim() === 'false') await this.docker.run(['start', this.containerId]);
  }

  kill(proc: ChildProcessWithoutNullStreams): void {
    this.shellEnded = true;
    killProcessGroup(proc);
    const pidFile = this.pidFiles.get(proc);
    if (!pidFile) return;
    const kill = this.docker
      .run(
        [
          'exec',
          '-u',
          'root',
          this.containerId,
          'sh',
          '-c',
          `p=$(cat ${pidFile} 2>/dev/null) && kill -s KILL -- -"$p" 2>/dev/null; rm -f ${pidFile}`,
        ],
        30_000,
      )
      .catch(() => undefined);
    this.pendingKills.add(kill);
    void kill.finally(() => this.pendingKills.delete(kill));
  }

  /** Waits for the in-container kills still under way. */
  async settled(): Promise<void> {
    await Promise.all([...this.pendingKills]);
  }
}
