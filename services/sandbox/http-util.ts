import type { IncomingMessage, ServerResponse } from 'node:http';

/** Small helpers for the sandbox's node:http server: bounded bodies, Slack-style parsing, JSON out. */

/** Larger than any legal Slack call (40,000-char text plus blocks), small enough to bound memory. */
export const MAX_BODY_BYTES = 1_000_000;

export class BodyTooLarge extends Error {}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge(`body over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export type Params = Record<string, unknown>;
export type ParseResult = { ok: true; params: Params; json: boolean } | { ok: false; reason: string };

/**
 * Parses a body the way Slack's Web API accepts it: JSON when the content type says so, otherwise
 * form encoding. Strict percent-decoding, so a malformed form is reported instead of guessed at.
 */
export function parseParams(contentType: string | undefined, body: Buffer): ParseResult {
  const text = body.toString('utf8');
  if ((contentType ?? '').toLowerCase().includes('json')) {
    if (text.trim() === '') return { ok: true, params: {}, json: true };
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'JSON body is not an object' };
      return { ok: true, params: value as Params, json: true };
    } catch {
      return { ok: false, reason: 'JSON body does not parse' };
    }
  }
  const form = parseForm(text);
  return form ? { ok: true, params: form, json: false } : { ok: false, reason: 'form body is not valid url-encoding' };
}

export function parseForm(text: string): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  if (text === '') return params;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      const key = decodeURIComponent(rawKey.replaceAll('+', ' '));
      if (key === '' || key === '__proto__') return undefined;
      params[key] = decodeURIComponent(rawValue.replaceAll('+', ' '));
    } catch {
      return undefined;
    }
  }
  return params;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A string field from parsed params; form fields are strings, JSON fields may be numbers. */
export function str(params: Params, key: string): string | undefined {
  const value = params[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
