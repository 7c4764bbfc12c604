import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codecs, MessageTypes, pack, unpack, SurfingerError, ProtocolErrorCodes, type GameInbound } from './index.ts';

const message: GameInbound = {
  type: MessageTypes.gameMessage,
  team: 'T0DEMO0001',
  channel: 'C0GENERAL1',
  user: 'U0ALICE001',
  text: '안녕하세요 반갑습니다',
  ts: '1700000000.000100',
  eventId: 'Ev01',
  receivedAt: 1_700_000_000_000,
};

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SurfingerError, 'throws a SurfingerError');
    return err.code;
  }
  assert.fail('expected a throw');
}

test('codec - a valid message round-trips through msgpack unchanged', () => {
  const bytes = codecs.gameInbound.encode(message);
  assert.deepEqual(codecs.gameInbound.decode(bytes), message);
});

test('codec - payloads are plain msgpack maps any reader can decode', () => {
  const bytes = codecs.gameInbound.encode(message);
  const first = bytes[0]!;
  assert.ok((first & 0xf0) === 0x80 || first === 0xde || first === 0xdf, 'first byte is a msgpack map marker');
  assert.deepEqual(unpack(bytes), message);
});

test('codec - bytes that are not msgpack are rejected with a decode code', () => {
  assert.equal(codeOf(() => codecs.gameInbound.decode(new Uint8Array([0xc1, 0xc1]))), ProtocolErrorCodes.DECODE);
  assert.equal(codeOf(() => codecs.gameInbound.decode(pack([1, 2, 3]))), ProtocolErrorCodes.DECODE);
});

test('codec - a schema mismatch names the field', () => {
  const bad = { ...message, channel: 'C0 GENERAL.*' };
  const err = (() => {
    try {
      codecs.gameInbound.decode(pack(bad));
    } catch (e) {
      return e as SurfingerError;
    }
    throw new Error('no throw');
  })();
  assert.equal(err.code, ProtocolErrorCodes.INVALID);
  assert.match(err.message, /channel/);
});

test('codec - a message from a newer protocol version is refused as unknown', () => {
  const future = { ...message, type: 'surfinger.game.v2.message' };
  assert.equal(codeOf(() => codecs.gameInbound.decode(pack(future))), ProtocolErrorCodes.UNKNOWN_TYPE);
});

test('codec - encode validates too, so a bug surfaces at the sender', () => {
  assert.equal(codeOf(() => codecs.gameInbound.encode({ ...message, user: '' })), ProtocolErrorCodes.INVALID);
});
