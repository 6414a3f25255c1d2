// Text from a model or a tool is the attacker's text. Shown as it is, a terminal would obey the escape
// sequences in it (OSC 0 sets the window title, OSC 8 makes a link whose target is not its text, CSI 2J
// clears the screen, a bare carriage return writes over what the line said) and bidi overrides would
// show a line in an order other than the one it has. Every such character is replaced here by a
// visible stand-in, so a person sees that it was there and nothing obeys it. Newline and tab stay.

/** C0 controls (but tab and newline), DEL, C1 controls, and the bidirectional formatting characters
 * (embeddings, overrides, isolates, marks): the characters that change how text around them is shown. */
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const HAS_CONTROL = new RegExp(CONTROL.source);
const JSON_UNSAFE =
  // oxlint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** A C0 control shows as its Control Pictures symbol (ESC as ␛, CR as ␍), DEL as ␡, and a C1 control or a
 * bidi character as its code point written out, `\u{9b}`, `\u{202e}`. A CR LF line end is just a line end. */
export function showControlCharacters(text: string): string {
  if (!HAS_CONTROL.test(text)) return text;
  return text.replace(/\r\n/g, '\n').replace(CONTROL, visible);
}

function visible(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `\\u{${code.toString(16)}}`;
}

/** Whether `text` holds a character that `showControlCharacters` would replace. */
export function hasControlCharacters(text: string): boolean {
  return HAS_CONTROL.test(text);
}

/**
 * JSON text that means the same and shows the same on a terminal: `JSON.stringify` escapes C0 controls
 * but writes C1 controls, DEL and bidi characters (and U+2028/U+2029) as they are. Outside a string JSON
 * has none of them (tab, newline and CR there are whitespace, and stay), so writing each as `\uXXXX`
 * changes nothing `JSON.parse` reads.
 */
export function escapeJsonControlCharacters(json: string): string {
  return json.replace(JSON_UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Every string inside a JSON-shaped value (not keys) with its control characters shown. */
export function showControlCharactersIn<T>(value: T): T {
  if (typeof value === 'string') return showControlCharacters(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => showControlCharactersIn(v)) as T;
  if (value && typeof value === 'object') {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const shown = showControlCharactersIn(v as unknown);
      if (shown !== v) changed = true;
      out[k] = shown;
    }
    return (changed ? out : value) as T;
  }
  return value;
}
