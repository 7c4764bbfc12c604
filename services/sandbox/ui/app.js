// The sandbox chat UI: plain ES module, no build, no CDN. It talks only to the driver API
// (/sandbox/v1/*) and re-reads the open channel whenever the live feed reports a change there.

const $ = (id) => document.getElementById(id);
// `home`: the app's Home tab is open instead of a channel.
const state = { workspace: null, teamId: null, channelId: null, userId: null, home: false, names: new Map() };

async function api(path, body) {
  const res = await fetch(`/sandbox/v1/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
  if (!res.ok || json.ok === false) throw new Error(json.error + (json.details ? `: ${[].concat(json.details).join(', ')}` : ''));
  return json;
}

function toast(text) {
  const el = $('toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 4000);
}

const team = () => state.workspace.teams.find((t) => t.id === state.teamId);
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Slack mrkdwn, the readable subset: *bold*, _italic_, ~strike~, `code`, mentions, links. */
function mrkdwn(text) {
  return escapeHtml(text)
    .replace(/&#60;@([A-Z0-9]+)&#62;/g, (_, id) => `<b>@${escapeHtml(state.names.get(id) ?? id)}</b>`)
    .replace(/&#60;#([A-Z0-9]+)(?:\|([^&]+))?&#62;/g, (_, id, name) => `<b>#${name ?? id}</b>`)
    // Slack shows <!date^…|fallback> in the reader's time zone; the sandbox shows the fallback.
    .replace(/&#60;!date\^[^|&]*\|([^&]+)&#62;/g, '$1')
    .replace(/&#60;(https?:[^|&]+)\|([^&]+)&#62;/g, '<a href="$1" target="_blank" rel="noopener">$2</a>')
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<strong>$2</strong>')
    .replace(/(^|[\s(])_([^_\n]+)_/g, '$1<em>$2</em>')
    .replace(/(^|[\s(])~([^~\n]+)~/g, '$1<s>$2</s>');
}

const textOf = (obj) => (obj && typeof obj.text === 'string' ? (obj.type === 'mrkdwn' ? mrkdwn(obj.text) : escapeHtml(obj.text)) : '');

function button(el) {
  const style = el.style === 'primary' || el.style === 'danger' ? ` ${el.style}` : '';
  return `<button type="button" class="btn${style}" data-action-id="${escapeHtml(el.action_id ?? '')}" data-value="${escapeHtml(el.value ?? '')}">${textOf(el.text) || escapeHtml(el.action_id ?? 'button')}</button>`;
}

function renderBlock(block) {
  const id = escapeHtml(block.block_id ?? '');
  const open = (cls) => `<div class="block ${cls}" data-block-id="${id}" data-block-type="${escapeHtml(block.type)}">`;
  switch (block.type) {
    case 'header':
      return `${open('block-header')}${textOf(block.text)}</div>`;
    case 'section': {
      const fields = Array.isArray(block.fields) ? `<div class="fields">${block.fields.map((f) => `<div class="text">${textOf(f)}</div>`).join('')}</div>` : '';
      const accessory = block.accessory?.type === 'button' ? button(block.accessory) : '';
      return `${open('block-section')}<div class="body">${block.text ? `<div class="text">${textOf(block.text)}</div>` : ''}${fields}</div>${accessory}</div>`;
    }
    case 'context':
      return `${open('block-context')}${(block.elements ?? []).map((e) => `<span>${e.type === 'image' ? '[image]' : textOf(e)}</span>`).join('')}</div>`;
    case 'divider':
      return `<hr class="block block-divider" data-block-id="${id}" data-block-type="divider">`;
    case 'actions':
      return `${open('block-actions')}${(block.elements ?? []).filter((e) => e.type === 'button').map(button).join('')}</div>`;
    case 'rich_text':
      return '';
    default:
      return `${open('block-other')}<span class="edited">[${escapeHtml(block.type)} block]</span></div>`;
  }
}

const COLORS = ['#e8912d', '#2bac76', '#1d9bd1', '#e01e5a', '#4a154b', '#36c5f0', '#ecb22e'];
function avatar(userId, name) {
  const color = userId === team()?.bot_user_id ? '#3f0e40' : COLORS[[...userId].reduce((n, c) => n + c.charCodeAt(0), 0) % COLORS.length];
  return `<div class="avatar" style="background:${color}" aria-hidden="true">${escapeHtml((name[0] ?? '?').toUpperCase())}</div>`;
}

function renderMessage(m) {
  const name = state.names.get(m.user) ?? m.user;
  const time = new Date(Number(m.ts) * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const blocks = Array.isArray(m.blocks) && m.blocks.length ? m.blocks.map(renderBlock).join('') : `<div class="text">${mrkdwn(m.text ?? '')}</div>`;
  const edited = m.edited ? `<span class="edited" title="${escapeHtml((m.history ?? []).map((h) => h.text).join('\n→ '))}">(edited)</span>` : '';
  const eph = m.ephemeral_to ? '<div class="eph-note">Only visible to you</div>' : '';
  const tag = m.bot_id ? '<span class="app-tag">app</span>' : '';
  return `<li class="msg${m.ephemeral_to ? ' ephemeral' : ''}" data-ts="${escapeHtml(m.ts)}" data-user="${escapeHtml(m.user)}"${m.ephemeral_to ? ` data-ephemeral-to="${escapeHtml(m.ephemeral_to)}"` : ''}${m.edited ? ' data-edited="true"' : ''}>
    ${avatar(m.user, name)}<div>${eph}<div class="meta"><span class="name">${escapeHtml(name)}</span>${tag}<time>${time}</time>${edited}</div>${blocks}</div></li>`;
}

async function loadHome() {
  const { view } = await api(`home?team_id=${state.teamId}&user_id=${state.userId}`);
  const blocks = view?.blocks ?? [];
  $('messages').innerHTML = blocks.length
    ? `<li class="home" data-view-id="${escapeHtml(view.id)}">${blocks.map(renderBlock).join('')}</li>`
    : '<li class="empty">The app has not published a Home tab for you yet.</li>';
  $('messages').scrollTop = 0;
}

async function loadMessages() {
  if (state.home) return loadHome();
  if (!state.channelId) return;
  const { messages } = await api(`messages?team_id=${state.teamId}&channel_id=${state.channelId}`);
  const visible = messages.filter((m) => !m.ephemeral_to || m.ephemeral_to === state.userId);
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.innerHTML = visible.length ? visible.map(renderMessage).join('') : '<li class="empty">No messages yet. Say hi, or type <code>/start</code>.</li>';
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function renderChrome() {
  const t = team();
  $('team-name').textContent = t.name;
  state.names = new Map([...t.users.map((u) => [u.id, u.name]), [t.bot_user_id, 'surfinger'], ['USLACKBOT', 'Slackbot']]);
  $('user').innerHTML = t.users.map((u) => `<option value="${u.id}"${u.id === state.userId ? ' selected' : ''}>${escapeHtml(u.name)}</option>`).join('');
  $('channels').innerHTML = t.channels
    .map((c) => `<li><button type="button" data-channel="${c.id}" aria-current="${!state.home && c.id === state.channelId}">${c.is_private ? '🔒' : '#'} ${escapeHtml(c.name)}</button></li>`)
    .join('');
  $('apps').innerHTML = `<li><button type="button" id="open-home" aria-current="${state.home}">🏠 surfinger · Home</button></li>`;
  const channel = t.channels.find((c) => c.id === state.channelId);
  $('channel-title').textContent = state.home ? '🏠 surfinger — Home' : `# ${channel?.name ?? ''}`;
  $('composer').hidden = state.home;
  $('who').textContent = `as ${state.names.get(state.userId) ?? ''}`;
  $('text').placeholder = `Message #${channel?.name ?? ''}, or /start round 3`;
}

async function refreshStatus() {
  const sockets = await api('sockets');
  const count = sockets.teams.find((t) => t.team_id === state.teamId)?.count ?? 0;
  const app = state.workspace.apps.find((a) => a.app_id === team()?.app_id);
  const appUrl = app?.app_url;
  const mode = app?.socket_mode ? 'Socket Mode' : 'HTTP';
  $('status').innerHTML = `<div>${escapeHtml(app?.app_id ?? '')} · ${mode}</div><div><span class="dot${count ? ' on' : ''}"></span>${count} socket${count === 1 ? '' : 's'} open</div><div><span class="dot${appUrl ? ' on' : ''}"></span>${appUrl ? `app: ${escapeHtml(appUrl)}` : 'no app URL'}</div>`;
}

function select(teamId, channelId, userId, home = false) {
  state.teamId = teamId;
  const t = team();
  state.channelId = channelId ?? t.channels[0]?.id;
  state.userId = userId ?? t.users[0]?.id;
  state.home = home;
  const params = new URLSearchParams({ team: state.teamId, channel: state.channelId, user: state.userId, ...(home ? { tab: 'home' } : {}) });
  history.replaceState(null, '', `?${params}`);
  renderChrome();
  // Opening the Home tab is what tells the app (app_home_opened); it publishes the view in reply.
  const opened = home ? api('home_open', { team_id: state.teamId, user_id: state.userId }) : Promise.resolve();
  opened.then(loadMessages).catch((err) => toast(err.message));
  refreshStatus().catch(() => {});
}

async function send(event) {
  event.preventDefault();
  const input = $('text');
  const text = input.value.trim();
  if (!text) return;
  const where = { team_id: state.teamId, channel_id: state.channelId, user_id: state.userId };
  const slash = /^(\/[A-Za-z0-9_-]+)(?:\s+([\s\S]*))?$/.exec(text);
  try {
    input.value = '';
    // Slack's own /invite never reaches the app: it adds the bot to the channel.
    if (slash?.[1] === '/invite') {
      if (!/^@?surfinger$/i.test((slash[2] ?? '').trim())) throw new Error('try /invite @surfinger');
      const invited = await api('invite', { team_id: state.teamId, channel_id: state.channelId });
      toast(invited.already_in_channel ? 'surfinger is already in this channel' : 'surfinger joined the channel');
    } else if (slash) await api('command', { ...where, command: slash[1], text: slash[2] ?? '' });
    else await api('message', { ...where, text });
  } catch (err) {
    input.value = text;
    toast(`Could not send: ${err.message}`);
  }
}

async function click(event) {
  const btn = event.target.closest('button[data-action-id]');
  if (!btn) return;
  const ts = btn.closest('[data-ts]')?.dataset.ts;
  btn.disabled = true;
  try {
    const who = { team_id: state.teamId, user_id: state.userId, action_id: btn.dataset.actionId, value: btn.dataset.value };
    if (state.home) await api('home_click', who);
    else await api('click', { ...who, channel_id: state.channelId, message_ts: ts });
  } catch (err) {
    toast(`Click failed: ${err.message}`);
  } finally {
    btn.disabled = false;
  }
}

function listen() {
  let pending = false;
  const feed = new EventSource('/sandbox/v1/feed');
  feed.onmessage = (event) => {
    const change = JSON.parse(event.data);
    const shown = state.home ? change.kind === 'home' && change.userId === state.userId : change.channelId === state.channelId;
    if (change.teamId !== state.teamId || !shown || pending) return;
    // Coalesce bursts (a round result edits several messages at once) into one re-read.
    pending = true;
    setTimeout(() => {
      pending = false;
      loadMessages().catch((err) => toast(err.message));
    }, 30);
  };
  setInterval(() => refreshStatus().catch(() => {}), 3000);
}

async function main() {
  state.workspace = await api('workspace');
  const q = new URLSearchParams(location.search);
  const teamId = state.workspace.teams.some((t) => t.id === q.get('team')) ? q.get('team') : state.workspace.teams[0].id;
  state.teamId = teamId;
  const t = team();
  select(teamId, t.channels.some((c) => c.id === q.get('channel')) ? q.get('channel') : undefined, t.users.some((u) => u.id === q.get('user')) ? q.get('user') : undefined, q.get('tab') === 'home');
  $('team').innerHTML = state.workspace.teams.map((w) => `<option value="${w.id}"${w.id === teamId ? ' selected' : ''}>${escapeHtml(w.name)}</option>`).join('');
  $('team').addEventListener('change', (e) => select(e.target.value));
  $('user').addEventListener('change', (e) => select(state.teamId, state.channelId, e.target.value, state.home));
  $('apps').addEventListener('click', (e) => {
    if (e.target.closest('#open-home')) select(state.teamId, state.channelId, state.userId, true);
  });
  $('channels').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-channel]');
    if (b) select(state.teamId, b.dataset.channel, state.userId);
  });
  $('composer').addEventListener('submit', send);
  $('messages').addEventListener('click', click);
  listen();
  $('text').focus();
}

main().catch((err) => toast(`Sandbox UI failed to start: ${err.message}`));
