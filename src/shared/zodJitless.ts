// Imported first by the extension (src/vscode/extension.ts) and by the Event Log webview
// (src/webview/eventLog/main.ts), before any schema exists. zod probes whether it may compile
// validators with `new Function`: in the extension host the probe reads `navigator`, which VS Code
// turns into a logged error on every start; in the webview this page's CSP (no 'unsafe-eval') refuses
// it and reports a violation. Validators run interpreted instead; none of ours is hot enough to miss
// the compiler.
import { z } from 'zod';

z.config({ jitless: true });
