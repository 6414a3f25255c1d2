// The runtime's session warnings in VS Code: in the Agent OS output channel every time, and once per
// session (for as long as the extension runs, across runtime rebuilds) as a warning notification that
// names the session by its title.
import * as vscode from 'vscode';
import type { FileSessionStore } from '../node/session/fileSessionStore.ts';
import { SessionWarningBook } from '../views/sessionWarningBook.ts';

export function sessionWarnings(log: vscode.LogOutputChannel, store: FileSessionStore): SessionWarningBook {
  return new SessionWarningBook({
    log: (_sessionId, message) => log.warn(message),
    notify: (sessionId, message) => {
      void store.get(sessionId).then(
        (meta) => vscode.window.showWarningMessage(`Agent OS: "${meta.title}" — ${message}`),
        () => vscode.window.showWarningMessage(`Agent OS: ${message}`),
      );
    },
  });
}
