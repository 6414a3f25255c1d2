// Imported first by the extension (src/vscode/extension.ts) and by the webviews (src/webview/*/main.ts),
// before any schema exists. zod probes whether it may compile validators with `new Function`: in the
// extension host the probe reads `navigator`, which VS Code turns into a logged error on every start; in
// a webview the page's CSP (no 'unsafe-eval') refuses it and reports a violation. Validators run
// interpreted instead; none of ours is hot enough to miss the compiler. zod's mini build and its full
// one share this setting (both are zod's core underneath).
import * as z from 'zod/mini';

z.config({ jitless: true });
