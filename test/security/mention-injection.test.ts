import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlackId } from '../../protocol/index.ts';
import { BlockActions, SlashCommand } from '../../services/common/slack-routing.ts';
import { createDriver } from '../../actors/test-support.ts';

/**
 * Mention injection (issue 15's probe list): nothing a player sends can make the bot post a
 * `<!channel>`, a mention of someone else or a disguised link.
 * 1. Ids are the only player data the bot writes inside `<…>` (`<@U…>`), and every id is checked
 *    Slack-id shaped at the edge, so `>` or `|` cannot close the mention early.
 * 2. A player's answer text goes into the result record (for scoring), never into a post.
 */
const HOSTILE = ['<!channel>', '<!here>', '<!everyone>', '<@U0VICTIM1>', '<https://evil.example|click me>', '<#C0SECRET1>'];

test('mention injection - an id that would close a mention (>, |, <, spaces) is refused at the edge', () => {
  for (const id of ['U1><!channel', 'U1|x', 'U1> <!here>', '<!channel>', 'U1 U2', '']) {
    assert.equal(SlackId.safeParse(id).success, false, JSON.stringify(id));
    assert.equal(SlashCommand.safeParse({ team_id: 'T1', channel_id: 'C1', user_id: id, command: '/start', text: '' }).success, false, `slash command from ${id}`);
    assert.equal(BlockActions.safeParse({ type: 'block_actions', team: { id: 'T1' }, user: { id }, channel: { id: 'C1' }, actions: [{ action_id: 'lang_en', value: 'en' }] }).success, false, `click from ${id}`);
  }
});

test('mention injection - answers full of <!channel>, mentions and links are scored but never posted', () => {
  const d = createDriver();
  d.start('');
  d.toPrompt();
  d.advance(4_000);
  d.say('U1', HOSTILE.join(' '));
  d.advance(1_000);
  d.say('U2', `${d.target()} ${HOSTILE[0]}`);
  d.toDeadline();
  const posts = d.effects.filter((e) => e.type !== 'publish');
  assert.ok(posts.length >= 3, 'the game posted its prompt and results');
  for (const e of posts) {
    const shown = JSON.stringify(e);
    for (const h of HOSTILE) assert.ok(!shown.includes(h), `${e.type} effect shows ${h}: ${shown.slice(0, 300)}`);
  }
  // The text was taken (and scored): what is refused is echoing it, not the answer.
  const records = JSON.stringify(d.effects.filter((e) => e.type === 'publish'));
  assert.ok(records.includes(HOSTILE[0]!), 'the answers are in the result records');
});
