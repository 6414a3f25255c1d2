// The sandbox a session's tools run in, said plainly: what a command the agents run can and cannot
// reach. Read from `agent_os.session_configured` (kind, confined, detail).

export interface SandboxFacts {
  kind: string;
  confined: boolean;
  detail?: string;
}

export function sandboxPlain(s: SandboxFacts): string {
  if (!s.confined) {
    return (
      'Not confined (unconfined: every command asks you): commands would run as you on this machine, in a scratch git worktree ' +
      'of their own, able to read your home folder and reach the network. So every command a writing agent runs waits for ' +
      'your Allow, and read-only agents get no commands at all.'
    );
  }
  switch (s.kind) {
    case 'devcontainer':
      return (
        "Confined in the repository's dev container: commands see the session's worktree and the container, " +
        'not your checkout, home folder or credentials.'
      );
    case 'bubblewrap':
      return (
        'Confined by bubblewrap: the session worktree is the only place commands can write; your checkout, ' +
        'home folder, credentials and the session store are not visible to them.'
      );
    default:
      return `Confined (${s.kind}): commands cannot reach your checkout, home folder or credentials.`;
  }
}
