// The Event Log webview's page. A strict CSP: nothing loads unless named, scripts only with this
// page's nonce, styles and fonts only from the extension's own files. Pure, so the bench loads the
// same page outside VS Code.

export interface EventLogPageResources {
  /** The webview's `cspSource` (origin of resources served from the extension). */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  title: string;
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
<script nonce="${r.nonce}" src="${r.scriptUri}"></script>
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
