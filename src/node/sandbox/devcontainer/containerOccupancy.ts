// A dev container runs only while a sandbox of its provider is open on it. The engine keeps what a shell
// started in a container running after the shell is gone — a `setsid` daemon, a job in a process group of its
// own, a double fork — and, after a harness dies, the shells themselves. Which of a container's processes an
// agent started cannot be told from inside a container the agent controls (it can fake pid files, names,
// sessions); stopping the container ends every one of them. So the last sandbox to close on a container stops
// it, and a container found running with none of this provider's sandboxes on it (left by a harness that died)
// is stopped before it is used. `devcontainer up` starts it again, with everything in its file system kept.
import type { DockerCli } from './dockerCli.ts';

export class ContainerOccupancy {
  private readonly open = new Map<string, number>();

  constructor(private readonly docker: DockerCli) {}

  /** Before `devcontainer up` on the container with these labels: stopped if it runs and nobody here uses it. */
  async claim(labels: Record<string, string>): Promise<void> {
    const found = await this.docker.containersByLabel(labels);
    await this.docker.stop(found.filter((c) => c.state === 'running' && !this.open.has(c.id)).map((c) => c.id));
  }

  /** A sandbox opened on the container. */
  enter(containerId: string): void {
    this.open.set(containerId, (this.open.get(containerId) ?? 0) + 1);
  }

  /** A sandbox on the container closed: the last one stops it. */
  async leave(containerId: string): Promise<void> {
    const left = (this.open.get(containerId) ?? 1) - 1;
    if (left > 0) {
      this.open.set(containerId, left);
      return;
    }
    this.open.delete(containerId);
    await this.docker.stop([containerId]);
  }
}
