// @ts-check
// The playground page: pick who you are and which chat, send questions to the gateway, and show the session's
// transcript (questions, refusals, answers) as the gateway streams it. No framework; answers arrive rendered
// (and sanitised) by the gateway.

const API = '/playground/api';
const STORE = { session: 'dtbot.playground.session', user: 'dtbot.playground.user', groups: 'dtbot.playground.groups' };
const STAFF_ID = /^[A-Za-z0-9_.-]{1,32}$/;

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const els = {
  nick: /** @type {HTMLInputElement} */ ($('user-nick')),
  staffId: /** @type {HTMLInputElement} */ ($('user-staff-id')),
  chatList: $('chat-list'),
  groupForm: /** @type {HTMLFormElement} */ ($('group-form')),
  groupTitle: /** @type {HTMLInputElement} */ ($('group-title')),
  connection: $('connection'),
  newSession: $('new-session'),
  chatTitle: $('chat-title'),
  chatSubtitle: $('chat-subtitle'),
  messages: $('messages'),
  typing: $('typing'),
  stop: /** @type {HTMLButtonElement} */ ($('stop')),
  composer: /** @type {HTMLFormElement} */ ($('composer')),
  text: /** @type {HTMLTextAreaElement} */ ($('composer-text')),
  send: /** @type {HTMLButtonElement} */ ($('send')),
  notice: $('notice'),
};

/**
 * @typedef {{ type: 'private' } | { type: 'group', title: string }} ChatRef
 * @typedef {{ kind: 'question', msgId: string, chat: { id: string, type: 'private' | 'group', title?: string }, user: { staffId: string, nick: string }, text: string, at: number }} QuestionEntry
 * @typedef {{ kind: 'refused', msgId: string, chatId: string, reason: string, at: number }} RefusedEntry
 * @typedef {{ kind: 'answer', chatId: string, title: string, html: string, atUserIds: string[], at: number }} AnswerEntry
 * @typedef {QuestionEntry | RefusedEntry | AnswerEntry} Entry
 * @typedef {{ key: string, type: 'private' | 'group', title: string, staffId?: string, entries: Entry[] }} Chat
 */

const state = {
  /** @type {string | undefined} */ session: undefined,
  user: readUser(),
  /** @type {string[]} */ groups: readGroups(),
  /** @type {ChatRef} */ current: { type: 'private' },
  /** chat key → chat. @type {Map<string, Chat>} */ chats: new Map(),
  /** the server's chat id → chat key. @type {Map<string, string>} */ keyOfId: new Map(),
  /** @type {EventSource | undefined} */ events: undefined,
  /** The words the stop and 👍/👎 buttons send, as the gateway's settings name them. @type {{ stop?: string, good?: string, bad?: string }} */
  words: {},
};

function readUser() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE.user) ?? 'null');
    if (saved && typeof saved.nick === 'string' && STAFF_ID.test(saved.staffId)) return saved;
  } catch {
    // a fresh user below
  }
  return { nick: '张三', staffId: `user${Math.floor(100 + Math.random() * 900)}` };
}

function readGroups() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE.groups) ?? 'null');
    if (Array.isArray(saved) && saved.every((title) => typeof title === 'string')) return saved.slice(0, 20);
  } catch {
    // the default group below
  }
  return ['产品讨论群'];
}

/** @param {ChatRef} ref */
const keyOf = (ref) => (ref.type === 'private' ? `p.${state.user.staffId}` : `g:${ref.title}`);

/** @param {string} key @param {ChatRef} ref @param {string} [staffId] */
function chatFor(key, ref, staffId) {
  let chat = state.chats.get(key);
  if (!chat) {
    chat = { key, type: ref.type, title: ref.type === 'group' ? ref.title : 'dtbot', staffId, entries: [] };
    state.chats.set(key, chat);
  }
  return chat;
}

// ---------------------------------------------------------------------------------------------------------------
// Session and events

/** Opens a new session, or resumes `resume` while the gateway still keeps it. @param {string | undefined} resume */
async function openSession(resume) {
  const response = await fetch(`${API}/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(resume ? { resume } : {}),
  });
  if (!response.ok) {
    const failure = await readFailure(response);
    setConnection('offline', 'no session');
    throw new Error(failure);
  }
  const { session, words } = await response.json();
  state.words = words ?? {};
  // The new event stream replays the whole transcript.
  state.chats.clear();
  state.keyOfId.clear();
  state.session = session;
  localStorage.setItem(STORE.session, session);
  follow();
  render();
}

/** Follows the session's transcript; the browser resumes after the last entry it got when the stream drops. */
function follow() {
  state.events?.close();
  const events = new EventSource(`${API}/sessions/${state.session}/events`);
  state.events = events;
  setConnection('connecting', 'connecting…');
  events.onopen = () => setConnection('live', 'live');
  events.onmessage = (event) => apply(JSON.parse(event.data));
  events.addEventListener('expired', () => {
    events.close();
    void openSession(undefined).catch(showNotice);
  });
  events.onerror = () => {
    // A closed stream that cannot reconnect (the session is gone): start a new one.
    if (events.readyState === EventSource.CLOSED) void openSession(undefined).catch(showNotice);
    else setConnection('connecting', 'reconnecting…');
  };
}

/** @param {Entry} entry */
function apply(entry) {
  if (entry.kind === 'question') {
    const ref = entry.chat.type === 'group' ? { type: 'group', title: entry.chat.title ?? '' } : { type: 'private' };
    const key = entry.chat.type === 'private' ? `p.${entry.user.staffId}` : `g:${entry.chat.title}`;
    state.keyOfId.set(entry.chat.id, key);
    chatFor(key, /** @type {ChatRef} */ (ref), entry.user.staffId).entries.push(entry);
    if (ref.type === 'group' && !state.groups.includes(ref.title)) state.groups.push(ref.title);
  } else {
    const key = state.keyOfId.get(entry.chatId);
    const chat = key ? state.chats.get(key) : undefined;
    if (!chat) return;
    chat.entries.push(entry);
  }
  render();
}

// ---------------------------------------------------------------------------------------------------------------
// Sending

/** @param {Response} response */
async function readFailure(response) {
  const messages = {
    session_not_found: 'The session ended; a new one was opened. Send again.',
    too_many_questions: 'Too many questions this minute: wait a moment.',
    playground_full: 'The playground is full right now: try again in a minute.',
    queue_unavailable: 'The robot could not take the message (Redis is away): try again.',
  };
  try {
    const body = await response.json();
    return messages[/** @type {keyof typeof messages} */ (body.error)] ?? body.message ?? `${response.status} ${body.error}`;
  } catch {
    return `The gateway answered ${response.status}.`;
  }
}

async function send(text, retried = false) {
  const body = { user: state.user, chat: state.current, text };
  const response = await fetch(`${API}/sessions/${state.session}/questions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.ok) return;
  if (response.status === 404 && !retried) {
    await openSession(undefined);
    return send(text, true);
  }
  throw new Error(await readFailure(response));
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

/** @param {'connecting' | 'live' | 'offline'} value @param {string} label */
function setConnection(value, label) {
  els.connection.dataset.state = value;
  els.connection.textContent = label;
}

/** @param {unknown} error */
function showNotice(error) {
  els.notice.textContent = error instanceof Error ? error.message : String(error);
  els.notice.hidden = false;
}

/** @param {string} tag @param {string} [className] @param {string} [text] */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {Entry} entry */
function preview(entry) {
  if (entry.kind === 'question') return entry.text;
  if (entry.kind === 'refused') return 'not delivered';
  const div = document.createElement('div');
  div.innerHTML = entry.html;
  return div.textContent ?? '';
}

function renderChatList() {
  const refs = [{ type: 'private' }, ...state.groups.map((title) => ({ type: 'group', title }))];
  els.chatList.replaceChildren(
    ...refs.map((ref) => {
      const chatRef = /** @type {ChatRef} */ (ref);
      const chat = state.chats.get(keyOf(chatRef));
      const last = chat?.entries.at(-1);
      const item = el('li');
      item.setAttribute('role', 'option');
      item.dataset.chat = chatRef.type === 'group' ? `group:${chatRef.title}` : 'private';
      item.setAttribute('aria-selected', String(keyOf(chatRef) === keyOf(state.current)));
      item.append(
        el('span', 'chat-name', chatRef.type === 'group' ? chatRef.title : `dtbot (private, as ${state.user.nick})`),
        el('span', 'chat-preview', last ? preview(last) : chatRef.type === 'group' ? 'group chat: questions @-mention dtbot' : 'private chat'),
      );
      item.addEventListener('click', () => {
        state.current = chatRef;
        render();
        els.text.focus();
      });
      return item;
    }),
  );
}

/** @param {Chat} chat @param {Entry} entry */
function renderEntry(chat, entry) {
  if (entry.kind === 'refused') return undefined;
  const item = el('li', `message ${entry.kind}`);
  const body = el('div', 'body');
  if (entry.kind === 'question') {
    item.dataset.msgId = entry.msgId;
    item.append(el('div', 'avatar', entry.user.nick.slice(0, 1)));
    body.append(el('span', 'who', `${entry.user.nick} (${entry.user.staffId})`));
    const bubble = el('div', 'bubble');
    if (chat.type === 'group') bubble.append(el('span', 'at-robot', '@dtbot '));
    bubble.append(document.createTextNode(entry.text));
    body.append(bubble);
    const refusal = chat.entries.find((other) => other.kind === 'refused' && other.msgId === entry.msgId);
    if (refusal && refusal.kind === 'refused') {
      item.classList.add('refused');
      body.append(el('span', 'status', `not delivered (${refusal.reason})`));
    }
  } else {
    item.append(el('div', 'avatar', 'dt'));
    body.append(el('span', 'who', 'dtbot'));
    const bubble = el('div', 'bubble');
    // Rendered by the gateway from markdown without raw HTML; the page's CSP forbids scripts besides.
    bubble.innerHTML = entry.html;
    body.append(bubble);
    if (ratable(chat, entry)) body.append(feedbackButtons());
  }
  item.append(body);
  return item;
}

/**
 * Whether an answer gets 👍/👎: the latest answer of the chat, when it answers a question for the model. A feedback
 * word rates the asker's last answer, so older answers and the replies to command words get none.
 * @param {Chat} chat @param {Entry} entry
 */
function ratable(chat, entry) {
  if (!state.words.good || !state.words.bad) return false;
  const answers = chat.entries.filter((other) => other.kind === 'answer');
  if (answers.at(-1) !== entry) return false;
  const index = chat.entries.indexOf(entry);
  const asked = chat.entries.slice(0, index).reverse().find((other) => other.kind === 'question');
  return asked?.kind === 'question' && !asked.text.trim().startsWith('/') && ![state.words.stop, state.words.good, state.words.bad].includes(asked.text.trim());
}

function feedbackButtons() {
  const row = el('div', 'feedback');
  for (const [label, word, name] of [['👍', state.words.good, 'good'], ['👎', state.words.bad, 'bad']]) {
    const button = /** @type {HTMLButtonElement} */ (el('button', `feedback-${name}`, label));
    button.type = 'button';
    button.title = word ?? '';
    button.addEventListener('click', () => void send(word ?? '').catch(showNotice));
    row.append(button);
  }
  return row;
}

function renderConversation() {
  const current = state.current;
  const chat = state.chats.get(keyOf(current));
  els.chatTitle.textContent = current.type === 'group' ? current.title : 'dtbot';
  els.chatSubtitle.textContent =
    current.type === 'group' ? 'Group chat: your messages @-mention dtbot, its answers @-mention you' : `Private chat with dtbot, as ${state.user.nick}`;
  const nodes = (chat?.entries ?? []).map((entry) => renderEntry(chat ?? chatFor(keyOf(current), current), entry)).filter((node) => node !== undefined);
  els.messages.replaceChildren(...nodes);
  els.messages.scrollTop = els.messages.scrollHeight;
  const last = chat?.entries.at(-1);
  els.typing.hidden = last?.kind !== 'question';
  // A stop word sent is itself the last question until its reply comes: no second stop meanwhile.
  els.stop.hidden = els.typing.hidden || !state.words.stop || (last?.kind === 'question' && last.text.trim() === state.words.stop);
}

function render() {
  renderChatList();
  renderConversation();
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring

function saveUser() {
  const nick = els.nick.value.trim();
  const staffId = els.staffId.value.trim();
  if (!nick || !STAFF_ID.test(staffId)) return;
  state.user = { nick, staffId };
  localStorage.setItem(STORE.user, JSON.stringify(state.user));
  render();
}

els.nick.value = state.user.nick;
els.staffId.value = state.user.staffId;
els.nick.addEventListener('change', saveUser);
els.staffId.addEventListener('change', saveUser);

els.groupForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const title = els.groupTitle.value.trim();
  if (!title) return;
  if (!state.groups.includes(title)) state.groups.push(title);
  localStorage.setItem(STORE.groups, JSON.stringify(state.groups));
  state.current = { type: 'group', title };
  els.groupTitle.value = '';
  render();
  els.text.focus();
});

els.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = els.text.value.trim();
  if (!text || !state.session) return;
  els.send.disabled = true;
  els.notice.hidden = true;
  send(text)
    .then(() => {
      els.text.value = '';
    })
    .catch(showNotice)
    .finally(() => {
      els.send.disabled = false;
      els.text.focus();
    });
});

els.text.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    els.composer.requestSubmit();
  }
});

els.stop.addEventListener('click', () => {
  if (state.words.stop) void send(state.words.stop).catch(showNotice);
});

els.newSession.addEventListener('click', () => void openSession(undefined).catch(showNotice));

render();
void openSession(localStorage.getItem(STORE.session) ?? undefined).catch(showNotice);
