// Imported first by main.ts, before any schema exists: zod would otherwise probe `new Function`,
// which this page's CSP (no 'unsafe-eval') refuses and reports as a violation.
import { z } from 'zod';

z.config({ jitless: true });
