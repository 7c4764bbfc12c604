import { Packr } from 'msgpackr';
import type { z } from 'zod';
import { ProtocolErrorCodes, SurfingerError } from './errors.ts';
import { PROTOCOL_VERSION } from './version.ts';

/**
 * Two methods, like nats.js' Codec: everything on the wire goes through one of these. `I` is what
 * a sender may write (schema defaults may be omitted), `T` what a receiver gets back.
 */
export interface Codec<T, I = T> {
  encode(value: I): Uint8Array;
  decode(bytes: Uint8Array): T;
}

// Plain msgpack maps (no msgpackr records) so any msgpack reader can decode our payloads.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/** Raw msgpack without validation: for the codec itself and for tests that forge payloads. */
export function pack(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function unpack(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}

const VERSIONED_TYPE = /^surfinger\.[a-z]+\.v(\d+)(\.|$)/;

/**
 * A msgpack codec that validates on decode (the edge) and on encode (our own bugs surface at the
 * sender, not as a rejection far away). Decode errors are SurfingerErrors with a protocol code.
 */
export function msgpackCodec<S extends z.ZodType>(schema: S): Codec<z.output<S>, z.input<S>> {
  const check = (value: unknown): z.output<S> => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
    const version = typeof type === 'string' ? VERSIONED_TYPE.exec(type)?.[1] : undefined;
    if (typeof type === 'string' && version !== undefined && version !== String(PROTOCOL_VERSION)) {
      throw new SurfingerError(ProtocolErrorCodes.UNKNOWN_TYPE, `unsupported protocol version in type ${type}`, { details: { type } });
    }
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new SurfingerError(ProtocolErrorCodes.INVALID, `invalid ${typeof type === 'string' ? type : 'payload'}: ${issues.join('; ')}`, {
      details: { type, issues },
    });
  };
  return {
    encode(value) {
      return packr.pack(check(value));
    },
    decode(bytes) {
      let value: unknown;
      try {
        value = packr.unpack(bytes);
      } catch (cause) {
        throw new SurfingerError(ProtocolErrorCodes.DECODE, 'payload is not msgpack', { cause });
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new SurfingerError(ProtocolErrorCodes.DECODE, 'payload is not a msgpack map');
      }
      return check(value);
    },
  };
}
