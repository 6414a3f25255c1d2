// The log's line format on its own: what decodes, and where damage is reported, byte for byte.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { stampEvent } from '../../src/core/session/storeRules.ts';
import { decodeRecords, encodeRecord } from '../../src/node/session/recordCodec.ts';
import { userMessage } from '../conformance/sessionStoreConformance.ts';

const TEXTS = [
  'plain',
  'ünïcødé ✓',
  'emoji 🧪 and 𝔘',
  'lone \ud800 surrogate',
  'quotes " \\ and\nnewlines\r\n',
  '{"crc32":"00000000","event":{}}',
];
const noBlobs = { loadBlob: () => Buffer.alloc(0) };

function log(texts: string[]): { bytes: Buffer; events: SessionEvent[]; offsets: number[] } {
  const events = texts.map((t, i) => stampEvent(userMessage(t), i + 1, new Date()));
  const lines = events.map((e) => encodeRecord('event', JSON.stringify(e)));
  const offsets: number[] = [];
  let at = 0;
  for (const l of lines) {
    offsets.push(at);
    at += l.length;
  }
  return { bytes: Buffer.concat(lines), events: JSON.parse(JSON.stringify(events)) as SessionEvent[], offsets };
}

describe('record codec', () => {
  it('round-trips events with any text, one line each', () => {
    const { bytes, events } = log(TEXTS);
    assert.equal(bytes.toString('utf8').split('\n').length, TEXTS.length + 1);
    const decoded = decodeRecords(bytes, noBlobs);
    assert.deepEqual(decoded.events, events);
    assert.deepEqual(
      [decoded.records, decoded.validBytes, decoded.tail, decoded.damage],
      [TEXTS.length, bytes.length, undefined, undefined],
    );
  });

  it('decodes a log in windows of text the same as in one (logs longer than a string can be)', () => {
    const { bytes, events, offsets } = log([...TEXTS, 'x'.repeat(500), ...TEXTS]);
    for (const window of [1, 50, 300, 700, 5000]) {
      assert.deepEqual(
        decodeRecords(bytes, { ...noBlobs, textWindowBytes: window }).events,
        events,
        `window ${window}`,
      );
    }
    const damaged = Buffer.from(bytes);
    damaged[(offsets[8] as number) + 35] = 0x21;
    assert.deepEqual(decodeRecords(damaged, { ...noBlobs, textWindowBytes: 300 }).damage, {
      byteOffset: offsets[8],
      reason: 'checksum mismatch',
    });
  });

  it('skips parsing before fromSeq but still checks those records', () => {
    const { bytes, events, offsets } = log(TEXTS);
    assert.deepEqual(decodeRecords(bytes, { ...noBlobs, fromSeq: 4 }).events, events.slice(3));
    const damaged = Buffer.from(bytes);
    damaged[(offsets[1] as number) + 40] = 0x21;
    assert.equal(decodeRecords(damaged, { ...noBlobs, fromSeq: 4 }).damage?.byteOffset, offsets[1]);
  });

  it('reports invalid UTF-8 mid-log at its record, and decodes the records before it', () => {
    const { bytes, events, offsets } = log(TEXTS);
    const damaged = Buffer.from(bytes);
    // Turn the first byte of 'ü' (0xC3) into a byte that can never start a UTF-8 sequence.
    const at = damaged.indexOf(Buffer.from('ü'), offsets[1]);
    damaged[at] = 0xff;
    const decoded = decodeRecords(damaged, noBlobs);
    assert.deepEqual(decoded.damage, { byteOffset: offsets[1], reason: 'checksum mismatch' });
    assert.deepEqual(decoded.events, events.slice(0, 1));
  });

  it('tells damage before the end from a torn tail, with invalid UTF-8 in either', () => {
    const { bytes, events } = log(TEXTS);
    const torn = Buffer.concat([bytes, Buffer.from([0xe2, 0x82, 0x0a, 0xff])]);
    const decoded = decodeRecords(torn, noBlobs);
    // The bad bytes end in a newline and then more bytes: damage before the end, not a torn tail.
    assert.equal(decoded.damage?.byteOffset, bytes.length);
    assert.equal(decoded.events.length, events.length);
    const tail = Buffer.concat([bytes, Buffer.from([0xe2, 0x82])]);
    assert.deepEqual(decodeRecords(tail, noBlobs).tail, {
      byteOffset: bytes.length,
      bytes: 2,
      reason: 'last record has no newline',
    });
  });

  it('reports offsets from baseOffset and seqs from firstSeq (a follower reading a chunk)', () => {
    const events = [3, 4].map((seq) => stampEvent(userMessage(`s${seq}`), seq, new Date()));
    const bytes = Buffer.concat(events.map((e) => encodeRecord('event', JSON.stringify(e))));
    assert.equal(decodeRecords(bytes, { ...noBlobs, baseOffset: 1000, firstSeq: 3 }).events.length, 2);
    const wrong = decodeRecords(bytes, { ...noBlobs, baseOffset: 1000, firstSeq: 2 });
    assert.deepEqual(wrong.damage, { byteOffset: 1000, reason: 'seq 3 where 2 was expected' });
  });
});
