// Imported first by extension.ts. zod probes whether it may compile validators with `new Function`,
// and the probe reads `navigator`, which VS Code's extension host turns into a logged error on every
// start. Validators run interpreted instead; none of ours is hot enough to miss the compiler.
import { z } from 'zod';

z.config({ jitless: true });
