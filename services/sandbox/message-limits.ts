/**
 * Slack's message limits, enforced the way Slack enforces them, so a message the game renders
 * too big fails here first instead of only in a real workspace. Sources: the Block Kit reference
 * (docs.slack.dev/reference/block-kit/blocks; composition objects; button element) and the
 * chat.postMessage reference (msg_too_long, msg_blocks_too_long).
 *
 * A schema failure answers like Slack: `invalid_blocks`, with `errors` and
 * `response_metadata.messages` naming the offending value by JSON pointer, e.g.
 * `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`.
 */

export const SLACK_LIMITS = {
  /** chat.postMessage `text`: longer is `msg_too_long`. */
  textChars: 40_000,
  /** Blocks per message (modals and home tabs allow 100). */
  blocks: 50,
  sectionText: 3_000,
  sectionFields: 10,
  sectionFieldText: 2_000,
  headerText: 150,
  contextElements: 10,
  contextText: 3_000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2_000,
  actionId: 255,
  blockId: 255,
  url: 3_000,
  /**
   * All text inside a message's blocks together. Slack does not document the number; its SDK
   * maintainers give 12,000 characters (slackapi/bolt-js#2509, #2867). Longer is `msg_blocks_too_long`.
   */
  blocksTotalText: 12_000,
} as const;

export interface LimitedContent {
  text: string;
  blocks?: unknown[];
}

/** Slack's error body (HTTP 200, ok:false) for a message over a limit, or null when it fits. */
export function messageLimitError(content: LimitedContent): Record<string, unknown> | null {
  if (content.text.length > SLACK_LIMITS.textChars) return { ok: false, error: 'msg_too_long' };
  const blocks = content.blocks ?? [];
  const problems: string[] = [];
  const at = (pointer: string, message: string) => problems.push(`${message} [json-pointer:${pointer}]`);
  if (blocks.length > SLACK_LIMITS.blocks) at('/blocks', `must contain less than ${SLACK_LIMITS.blocks + 1} items`);
  blocks.forEach((block, i) => checkBlock(block as Record<string, unknown>, `/blocks/${i}`, at));
  if (problems.length > 0) {
    return { ok: false, error: 'invalid_blocks', errors: problems, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } };
  }
  if (blocksText(blocks) > SLACK_LIMITS.blocksTotalText) return { ok: false, error: 'msg_blocks_too_long' };
  return null;
}

type At = (pointer: string, message: string) => void;

const obj = (v: unknown): Record<string, unknown> | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

function maxLength(value: unknown, max: number, pointer: string, at: At): void {
  if (typeof value === 'string' && value.length > max) at(pointer, `must be less than ${max + 1} characters`);
}

function maxItems(value: unknown, max: number, pointer: string, at: At): void {
  if (Array.isArray(value) && value.length > max) at(pointer, `must contain less than ${max + 1} items`);
}

/** A composition text object: plain_text or mrkdwn (or only plain_text), non-empty, within `max`. */
function checkText(value: unknown, pointer: string, max: number, at: At, plainOnly = false): void {
  const text = obj(value);
  if (text === null) return at(pointer, 'must be an object');
  const types = plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  if (!types.includes(String(text['type']))) at(`${pointer}/type`, `must be one of ${types.join(', ')}`);
  if (typeof text['text'] !== 'string') return at(`${pointer}/text`, 'must be a string');
  if (text['text'].length === 0) at(`${pointer}/text`, 'must be more than 0 characters');
  maxLength(text['text'], max, `${pointer}/text`, at);
}

function checkElement(value: unknown, pointer: string, at: At): void {
  const el = obj(value);
  if (el === null) return at(pointer, 'must be an object');
  maxLength(el['action_id'], SLACK_LIMITS.actionId, `${pointer}/action_id`, at);
  if (el['type'] !== 'button') return;
  checkText(el['text'], `${pointer}/text`, SLACK_LIMITS.buttonText, at, true);
  maxLength(el['value'], SLACK_LIMITS.buttonValue, `${pointer}/value`, at);
  maxLength(el['url'], SLACK_LIMITS.url, `${pointer}/url`, at);
}

function checkBlock(block: Record<string, unknown>, pointer: string, at: At): void {
  maxLength(block['block_id'], SLACK_LIMITS.blockId, `${pointer}/block_id`, at);
  switch (block['type']) {
    case 'section': {
      const fields = block['fields'];
      if (block['text'] === undefined && fields === undefined) return at(pointer, 'must provide text or fields');
      if (block['text'] !== undefined) checkText(block['text'], `${pointer}/text`, SLACK_LIMITS.sectionText, at);
      if (Array.isArray(fields)) {
        maxItems(fields, SLACK_LIMITS.sectionFields, `${pointer}/fields`, at);
        fields.forEach((f, j) => checkText(f, `${pointer}/fields/${j}`, SLACK_LIMITS.sectionFieldText, at));
      }
      if (block['accessory'] !== undefined) checkElement(block['accessory'], `${pointer}/accessory`, at);
      return;
    }
    case 'header':
      return checkText(block['text'], `${pointer}/text`, SLACK_LIMITS.headerText, at, true);
    case 'context': {
      const elements = block['elements'];
      if (!Array.isArray(elements) || elements.length === 0) return at(`${pointer}/elements`, 'must contain more than 0 items');
      maxItems(elements, SLACK_LIMITS.contextElements, `${pointer}/elements`, at);
      elements.forEach((e, j) => {
        const type = obj(e)?.['type'];
        if (type === 'plain_text' || type === 'mrkdwn') checkText(e, `${pointer}/elements/${j}`, SLACK_LIMITS.contextText, at);
      });
      return;
    }
    case 'actions': {
      const elements = block['elements'];
      if (!Array.isArray(elements) || elements.length === 0) return at(`${pointer}/elements`, 'must contain more than 0 items');
      maxItems(elements, SLACK_LIMITS.actionsElements, `${pointer}/elements`, at);
      elements.forEach((e, j) => checkElement(e, `${pointer}/elements/${j}`, at));
      return;
    }
    default:
      return;
  }
}

/** Every `text` string anywhere inside the blocks (text objects, rich text, button labels). */
function blocksText(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + blocksText(v), 0);
  const o = obj(value);
  if (o === null) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(o)) n += k === 'text' && typeof v === 'string' ? v.length : blocksText(v);
  return n;
}
