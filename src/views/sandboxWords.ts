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
      'Not confined (unconfined: every command asks you): nothing on this machine can confine commands, so every command ' +
      "a writing agent runs waits for your Allow and runs as you, in the session's own repository; read-only agents get no " +
      "commands at all. Install the OS sandbox's tools (Linux: bubblewrap, socat, ripgrep) or use a dev container to confine them."
    );
  }
  switch (s.kind) {
    case 'devcontainer':
      return (
        "Confined in the repository's dev container: commands see the session's own repository and the container, " +
        'not your checkout, home folder or credentials.'
      );
    case 'os':
    case 'bubblewrap':
      return (
        "Confined by the OS sandbox: the session's own repository is the only place commands can write; your checkout, " +
        'home folder, credentials and the session store are not visible to them, and the network is off unless allowed.'
      );
    default:
      return `Confined (${s.kind}): commands cannot reach your checkout, home folder or credentials.`;
  }
}
