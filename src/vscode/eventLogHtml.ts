// The Event Log webview's page. A strict CSP: nothing loads unless named, scripts only with this
// page's nonce, styles and fonts only from the extension's own files. Pure, so the bench loads the
// same page outside VS Code. Data the page draws first can ride in the page itself (`initialData`), as
// JSON in a script element the browser never runs: no message round trip before the first paint.
import { INITIAL_DATA_ID } from '../shared/eventLogProtocol.ts';

export interface EventLogPageResources {
  /** The webview's `cspSource` (origin of resources served from the extension). */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  title: string;
  /** Read by the page's script before any message, from the element INITIAL_DATA_ID; holds model-written text. */
  initialData?: unknown;
}

export function eventLogHtml(r: EventLogPageResources): string {
  const csp = [
    "default-src 'none'",
    `style-src ${r.cspSource} 'nonce-${r.nonce}'`,
    `font-src ${r.cspSource}`,
    `img-src ${r.cspSource} data:`,
    `script-src 'nonce-${r.nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${r.codiconsUri}" id="vscode-codicon-stylesheet" nonce="${r.nonce}">
<link rel="stylesheet" href="${r.styleUri}" nonce="${r.nonce}">
<title>${escapeHtml(r.title)}</title>
</head>
<body>
<div id="root"></div>
${r.initialData === undefined ? '' : `<script type="application/json" id="${INITIAL_DATA_ID}">${jsonForScriptElement(r.initialData)}</script>\n`}<script nonce="${r.nonce}" src="${r.scriptUri}"></script>
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that stays inside its script element: the HTML parser ends a script's text at `</script` and
 * treats `<!--` specially, so every `<` (and `>`, `&`, and the two line separators older parsers took for
 * line ends) is written as its \u escape — valid in JSON, where these only occur inside strings, and read
 * back as the same text by JSON.parse. What the page reads is then exactly the data, whatever a model wrote. */
export function jsonForScriptElement(data: unknown): string {
  return JSON.stringify(data).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
