/**
 * Message content checks shared by the Web API and response_url, with Slack's error codes:
 * text over 40,000 characters is `msg_too_long`; no text, blocks or attachments is `no_text`;
 * blocks that are not a JSON array of typed objects (or more than 50) are `invalid_blocks`.
 */

export const MAX_TEXT_CHARS = 40_000;
const MAX_BLOCKS = 50;

export interface Content {
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

export type ContentResult = { ok: true; content: Content } | { ok: false; error: 'msg_too_long' | 'no_text' | 'invalid_blocks' | 'invalid_attachments' };

/** Form fields carry blocks as a JSON string; JSON bodies carry the array itself. */
function jsonArray(value: unknown): unknown[] | undefined | null {
  if (value === undefined || value === '') return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return Array.isArray(parsed) ? parsed : null;
}

export function readContent(params: Record<string, unknown>): ContentResult {
  const rawText = params['text'];
  const text = typeof rawText === 'string' ? rawText : typeof rawText === 'number' ? String(rawText) : '';
  if (text.length > MAX_TEXT_CHARS) return { ok: false, error: 'msg_too_long' };
  const blocks = jsonArray(params['blocks']);
  if (blocks === null || (blocks && (blocks.length > MAX_BLOCKS || !blocks.every((b) => typeof b === 'object' && b !== null && typeof (b as { type?: unknown }).type === 'string')))) {
    return { ok: false, error: 'invalid_blocks' };
  }
  const attachments = jsonArray(params['attachments']);
  if (attachments === null) return { ok: false, error: 'invalid_attachments' };
  const hasBlocks = blocks !== undefined && blocks.length > 0;
  const hasAttachments = attachments !== undefined && attachments.length > 0;
  if (text.trim() === '' && !hasBlocks && !hasAttachments) return { ok: false, error: 'no_text' };
  return { ok: true, content: { text, ...(hasBlocks ? { blocks } : {}), ...(hasAttachments ? { attachments } : {}) } };
}
