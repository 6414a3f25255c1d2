// A node:test reporter that only remembers skipped tests: one JSON line per skip ({ file, name, reason })
// written when the run ends. scripts/runTests.mjs runs it beside the spec reporter and prints the
// summary from its output, so the last lines of `npm test` say what was not tested here and why.
export default async function* skipReporter(source) {
  const skipped = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail' && event.type !== 'test:skip') continue;
    const { skip, name, file } = event.data;
    if (skip === undefined || skip === false) continue;
    skipped.push({
      file: file ?? '',
      name,
      reason: typeof skip === 'string' && skip ? skip : 'skipped (no reason given)',
    });
  }
  for (const entry of skipped) yield `${JSON.stringify(entry)}\n`;
}
