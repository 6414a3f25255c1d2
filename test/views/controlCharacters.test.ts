// Model and tool text with terminal escapes and bidi tricks in it comes out with nothing left to obey:
// no ESC, no C0/C1 control but newline and tab, no bidi override, and each one visible where it was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  escapeJsonControlCharacters,
  hasControlCharacters,
  showControlCharacters,
  showControlCharactersIn,
} from '../../src/views/controlCharacters.ts';
import { EventLogModel } from '../../src/views/eventLogModel.ts';
import { recordedLog } from '../support/recordedLog.ts';
import { SessionOverviewModel } from '../../src/views/sessionOverview.ts';
import { ALL_KINDS_FILTER } from '../../src/shared/eventLogProtocol.ts';
import { plannedSession, T } from './overviewLog.ts';

// oxlint-disable-next-line no-control-regex -- the test looks for control characters
const OBEYED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function assertHarmless(shown: string): void {
  assert.doesNotMatch(shown, OBEYED, JSON.stringify(shown));
}

test('an OSC 8 hyperlink shows its target and its text; nothing makes a link', () => {
  const link = '\x1b]8;;https://evil.example/steal\x1b\\click here\x1b]8;;\x1b\\';
  const shown = showControlCharacters(`see ${link} for details`);
  assertHarmless(shown);
  assert.equal(shown, 'see ␛]8;;https://evil.example/steal␛\\click here␛]8;;␛\\ for details');
});

test('an OSC 0 window title (BEL or ST terminated) is shown, not set', () => {
  assert.equal(showControlCharacters('\x1b]0;sudo password?\x07done'), '␛]0;sudo password?␇done');
  assert.equal(showControlCharacters('\x1b]2;title\x1b\\'), '␛]2;title␛\\');
  // The 8-bit OSC and ST (C1 controls) are written out by code point.
  assert.equal(showControlCharacters('\u009d0;title\u009c'), '\\u{9d}0;title\\u{9c}');
});

test('CSI clear screen, cursor moves and colours are shown, not done', () => {
  const shown = showControlCharacters('\x1b[2J\x1b[H\x1b[31mred\x1b[0m \u009b2J');
  assertHarmless(shown);
  assert.equal(shown, '␛[2J␛[H␛[31mred␛[0m \\u{9b}2J');
});

test('a bare carriage return cannot write over the line; CR LF is a plain line end', () => {
  const trick = 'rm -rf ~/ # harmless\r echo all good      ';
  const shown = showControlCharacters(trick);
  assertHarmless(shown);
  assert.equal(shown, 'rm -rf ~/ # harmless␍ echo all good      ');
  assert.equal(showControlCharacters('one\r\ntwo\r\n'), 'one\ntwo\n');
  // Backspaces overwrite too.
  assert.equal(showControlCharacters('safe\b\b\b\bevil'), 'safe␈␈␈␈evil');
});

test('bidi overrides, isolates and marks are written out, so the line reads in the order it has', () => {
  // "Trojan Source": the comment seems to end before the code that is really inside it.
  const trojan =
    'if (isAdmin) { \u202e } \u2066// check later\u2069 \u2067x\u2069 \u200f\u200e\u061c\u202a\u202b\u202c\u202d';
  const shown = showControlCharacters(trojan);
  assertHarmless(shown);
  assert.equal(
    shown,
    'if (isAdmin) { \\u{202e} } \\u{2066}// check later\\u{2069} \\u{2067}x\\u{2069} \\u{200f}\\u{200e}\\u{61c}\\u{202a}\\u{202b}\\u{202c}\\u{202d}',
  );
});

test('newline, tab and ordinary text (accents, CJK, emoji, arrows) stay as they are', () => {
  const text = 'line one\n\tindented — café 日本語 🚀 → ✓\n';
  assert.equal(showControlCharacters(text), text);
  assert.equal(hasControlCharacters(text), false);
  assert.equal(hasControlCharacters('a\x1bb'), true);
  // NUL, DEL and the other C0 controls.
  assert.equal(showControlCharacters('\0\x07\x7f\x0c\x0b'), '␀␇␡␌␋');
});

test('showing twice shows the same: the stand-ins are plain text', () => {
  const once = showControlCharacters('\x1b[2J\u202e\u009b\r');
  assert.equal(showControlCharacters(once), once);
});

test('every string inside a value is shown, numbers and shape stay, untouched values are the same object', () => {
  const row = { seq: 3, title: 'a\x1b[2Jb', terminal: { command: 'ls', output: ['x\ry'] }, ok: true };
  assert.deepEqual(showControlCharactersIn(row), {
    seq: 3,
    title: 'a␛[2Jb',
    terminal: { command: 'ls', output: ['x␍y'] },
    ok: true,
  });
  const clean = { title: 'fine', nested: { text: 'also fine' } };
  assert.equal(showControlCharactersIn(clean), clean);
});

test('JSON text keeps its meaning and loses every character a terminal would obey', () => {
  const value = { text: 'a\x1b]0;t\x07 \u009b2J \u202eevil\u202c \u2028 line\nnext\ttab', list: ['\r'] };
  const json = JSON.stringify(value, null, 2);
  const escaped = escapeJsonControlCharacters(json);
  assertHarmless(escaped);
  assert.doesNotMatch(escaped, /[\u2028\u2029]/);
  assert.deepEqual(JSON.parse(escaped), value);
  // Its layout (newlines and indentation between the keys) is kept.
  assert.equal(escaped.split('\n').length, json.split('\n').length);
});

// What the Event Log and the Session Overview are sent: every string of every row, card and overview,
// built from a log whose model text, tool inputs, tool output, plan and issue title carry escapes.
const HOSTILE =
  '\x1b]0;title\x07\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x1b[2J ok\rFAIL \u202etxt.exe \u009b2J';

function assertHarmlessEverywhere(value: unknown, where: string): void {
  if (typeof value === 'string')
    assert.doesNotMatch(value, OBEYED, `${where} holds a control or bidi character: ${JSON.stringify(value)}`);
  else if (Array.isArray(value)) value.forEach((v, i) => assertHarmlessEverywhere(v, `${where}[${i}]`));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) assertHarmlessEverywhere(v, `${where}.${k}`);
}

test('the Event Log rows, details and cards and the Session Overview show hostile text harmlessly', async () => {
  const log = plannedSession();
  const { coordinator, coder } = T;
  log.add(coordinator, { type: 'agent.message', content: [{ type: 'text', text: HOSTILE }] });
  log.tool(coder, 'bash', { command: `echo '${HOSTILE}'` }, 1_100, 1_200, `${HOSTILE}\n[exit code 1]`, true);
  log.tool(coder, 'bash', { command: `printf '${HOSTILE}'` }, 1_300, undefined, 'ok', false, 'ask');
  log.tool(coder, 'write', { file_path: `a${HOSTILE}.txt`, content: `${HOSTILE}\n` }, 1_400, 1_410);
  log.tool(coder, 'bash', { command: 'npm test -- widgets' }, 1_500, 1_600, HOSTILE);

  const model = await EventLogModel.open(recordedLog(log.events), 'sesn_test', ALL_KINDS_FILTER);
  const rows = await model.rows(0, model.total);
  assert.ok(
    rows.some((r) => r.title.includes('␛]0;title␇')),
    'the escapes show as text',
  );
  assert.ok(
    rows.some((r) => r.terminal?.output.includes('\\u{202e}txt.exe')),
    'the terminal output shows them too',
  );
  assertHarmlessEverywhere(rows, 'rows');
  for (const e of log.events) assertHarmlessEverywhere(await model.detail(e.seq), `detail of #${e.seq}`);
  const summary = await model.summary({ title: `acme/widgets#7: ${HOSTILE}` }, true);
  assert.equal(summary.toolAsks.length, 1);
  assertHarmlessEverywhere(summary, 'summary');

  const overview = new SessionOverviewModel('sesn_test');
  overview.append(log.events);
  const shown = overview.overview({
    meta: { title: `acme/widgets#7: ${HOSTILE}`, source: HOSTILE },
    live: true,
    now: Date.parse('2026-12-01T10:00:02Z'),
  });
  assert.match(shown.title, /␛\]0;title␇/);
  assertHarmlessEverywhere(shown, 'overview');
});
