import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../services/local/cluster.ts';
import { DEFAULT_BOT_SCOPES } from '../services/ingress/oauth.ts';

/**
 * The app asks Slack for exactly what its code uses (issue 14): the bot scopes of both manifests,
 * the install scopes (`SF_SLACK_SCOPES` default) and the scopes the Web API methods called in
 * the code need are one set; the bot events subscribed are the ones the router handles.
 */

/** Bot scopes each Web API method needs (api.slack.com/methods/<method>, "Required scopes"). */
const METHOD_SCOPES: Record<string, string[]> = {
  'chat.postMessage': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.delete': ['chat:write'],
  // The App Home tab: views.publish needs no scope, only the Home tab turned on (features.app_home).
  'views.publish': [],
  // Public and private channels: games run in both (message.channels + message.groups).
  'conversations.info': ['channels:read', 'groups:read'],
  'auth.test': [],
  // Called with the app-level token (its own connections:write scope), not the bot token.
  'apps.connections.open': [],
  'oauth.v2.access': [],
};
/** Bot scopes each event subscription needs. */
const EVENT_SCOPES: Record<string, string[]> = {
  'message.channels': ['channels:history'],
  'message.groups': ['groups:history'],
  app_uninstalled: [],
  tokens_revoked: [],
  // Needs no scope; Slack sends it once the Home tab is on.
  app_home_opened: [],
};

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(REPO_ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.startsWith('test')) out.push(path);
  }
  return out;
}

/**
 * Web API methods called through a WebClient (`client.chat.postMessage(`, `new WebClient(t).auth.test(`)
 * where the code talks to Slack. `jetstream().views.kv(` is NATS, not Slack's `views.*`.
 */
async function calledMethods(): Promise<Set<string>> {
  const methods = new Set<string>();
  const files = (await Promise.all(['services/egress', 'services/ingress', 'services/common', 'services/connection-supervisor', 'cli/commands'].map(sourceFiles))).flat();
  for (const file of files) {
    const text = await readFile(join(REPO_ROOT, file), 'utf8');
    for (const m of text.matchAll(/(?:\bclient|\bc|\))\.(chat|conversations|auth|apps\.connections|oauth\.v2|users|team|reactions|files|bots|views(?=\.publish))\.(\w+)\(/g)) methods.add(`${m[1]}.${m[2]}`);
  }
  return methods;
}

/** Event types the router acts on (`kind === '…'` in slack-routing.ts), as subscriptions. */
async function handledEvents(): Promise<Set<string>> {
  const text = await readFile(join(REPO_ROOT, 'services/common/slack-routing.ts'), 'utf8');
  const kinds = new Set([...text.matchAll(/kind (?:!==|===) '([a-z_]+)'/g)].map((m) => m[1]!));
  // A `message` event is subscribed per channel type; games run in public and private channels.
  return new Set([...kinds].flatMap((k) => (k === 'message' ? ['message.channels', 'message.groups'] : [k])));
}

interface Manifest {
  features: { slash_commands: Array<{ command: string; url?: string }>; app_home?: { home_tab_enabled?: boolean } };
  oauth_config: { scopes: { bot: string[] }; redirect_urls: string[] };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
  };
}

const manifest = async (file: string): Promise<Manifest> => parse(await readFile(join(REPO_ROOT, file), 'utf8')) as Manifest;
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

test('manifests - bot scopes = install scopes = what the called Web API methods and subscribed events need', async () => {
  const methods = await calledMethods();
  assert.ok(methods.has('chat.postMessage') && methods.has('conversations.info') && methods.has('auth.test'), `found ${[...methods].join(', ')}`);
  const unknown = [...methods].filter((m) => !(m in METHOD_SCOPES));
  assert.deepEqual(unknown, [], 'a newly called Web API method: add its required scopes to METHOD_SCOPES');
  const events = await handledEvents();
  const needed = sorted(['commands', ...[...methods].flatMap((m) => METHOD_SCOPES[m]!), ...[...events].flatMap((e) => EVENT_SCOPES[e] ?? [])]);
  for (const file of ['slack-app-manifest.yml', 'slack-app-manifest.socket.yml']) {
    const m = await manifest(file);
    assert.deepEqual(sorted(m.oauth_config.scopes.bot), needed, `${file} bot scopes`);
    assert.deepEqual(sorted(m.settings.event_subscriptions.bot_events), sorted(events), `${file} bot events = what the router handles`);
    assert.equal(m.settings.token_rotation_enabled, true, `${file} rotates tokens`);
    // Without the Home tab on, Slack refuses views.publish and never sends app_home_opened.
    if (events.has('app_home_opened')) assert.equal(m.features.app_home?.home_tab_enabled, true, `${file} turns the Home tab on`);
  }
  assert.deepEqual(sorted(DEFAULT_BOT_SCOPES.split(',')), needed, 'SF_SLACK_SCOPES default');
});

test('manifests - HTTP has request URLs and no Socket Mode; the socket variant has no URLs and the same commands', async () => {
  const http = await manifest('slack-app-manifest.yml');
  const socket = await manifest('slack-app-manifest.socket.yml');
  assert.equal(http.settings.socket_mode_enabled, false);
  assert.equal(socket.settings.socket_mode_enabled, true);
  assert.match(http.settings.event_subscriptions.request_url ?? '', /\/slack\/events$/);
  assert.match(http.settings.interactivity.request_url ?? '', /\/slack\/interactivity$/);
  assert.ok(http.features.slash_commands.every((c) => c.url?.endsWith('/slack/commands')));
  assert.equal(socket.settings.event_subscriptions.request_url, undefined);
  assert.equal(socket.settings.interactivity.request_url, undefined);
  assert.ok(socket.features.slash_commands.every((c) => c.url === undefined));
  assert.deepEqual(
    socket.features.slash_commands.map((c) => c.command),
    http.features.slash_commands.map((c) => c.command),
  );
  for (const m of [http, socket]) assert.ok(m.oauth_config.redirect_urls.every((u) => u.endsWith('/slack/oauth_redirect')));
});
