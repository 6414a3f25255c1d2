// What every Agent OS webview panel does the same way: its page (strict CSP, a fresh nonce, the
// bundle and styles from the extension's own files) and its intake of messages (validated, handled
// one by one, failures logged and shown on the page).
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { describeError } from '../core/errors.ts';
import { eventLogHtml } from './eventLogHtml.ts';

export function webviewPageHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: { script: string; style: string; title: string; initialData?: unknown },
): string {
  const uri = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...parts)).toString();
  return eventLogHtml({
    cspSource: webview.cspSource,
    nonce: randomBytes(16).toString('base64'),
    scriptUri: uri('dist', 'webview', page.script),
    styleUri: uri('media', ...page.style.split('/')),
    codiconsUri: uri('media', 'codicons', 'codicon.css'),
    title: page.title,
    initialData: page.initialData,
  });
}

/** Listens to the page: each message is parsed (a malformed one is logged and dropped), then handled;
 * a handler's failure is logged and reported back through `showError`. */
export function receiveMessages<M>(
  webview: vscode.Webview,
  what: string,
  log: vscode.LogOutputChannel,
  parse: (raw: unknown) => M | undefined,
  handle: (message: M) => Promise<void>,
  showError: (message: string) => void,
): vscode.Disposable {
  return webview.onDidReceiveMessage((raw: unknown) => {
    const msg = parse(raw);
    if (!msg) {
      log.warn(`${what}: ignored a malformed message from the webview`);
      return;
    }
    void handle(msg).catch((error: unknown) => {
      log.error(`${what}: ${describeError(error)}`);
      showError(describeError(error));
    });
  });
}
