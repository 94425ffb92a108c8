/**
 * Channels, delivery and the outbox's actions for `npm run dev:mock` (docs/CHANNELS.md).
 * Secrets live in this module's memory only and never leave it; the "network" is the
 * browser's (`navigator.onLine`, or `?offline=1`), so DevTools' offline switch shows the
 * sidebar going "Offline — N waiting" and everything going out once it is back. A Telegram
 * link is "pressed" by the lead ten seconds after it is made.
 *
 * URL switches: `?keychain=file` (no system keychain), `?channels=none` (nothing set up),
 * `?offline=1`.
 */
import type {
  Channel,
  ChannelInfo,
  ChannelOverview,
  ChannelState,
  DeliveryStatus,
  InboxReceived,
  Lead,
  LlmInfo,
  LlmSettings,
  OutboxMessage,
  Provider,
} from '../lib/types';
import { NOT_MINE, newMessageId, outbox, type MockContext } from './properties';

const fail = (code: string, message: string, field?: string): never => {
  throw field ? { code, message, field } : { code, message };
};

const params = typeof location !== 'undefined' ? new URLSearchParams(location.search) : new URLSearchParams();
const PROVIDERS: Provider[] = ['telegram', 'whatsapp', 'twilio', 'email'];
const SETTINGS: Record<Provider, string[]> = {
  telegram: ['base_url', 'bot_username'],
  whatsapp: ['base_url', 'phone_number_id', 'api_version', 'default_template', 'default_template_language'],
  twilio: ['base_url', 'account_sid', 'from', 'whatsapp_from'],
  email: ['imap_host', 'imap_port', 'imap_security', 'smtp_host', 'smtp_port', 'smtp_security', 'username', 'from', 'folder'],
};

interface Stored {
  state: ChannelState;
  detail: string | null;
  /** A webhook is set on the Telegram bot (`?webhook=1`): replies go elsewhere until removed. */
  webhook?: boolean;
  settings: Record<string, string | null> | null;
  /** The mock's keychain. Never copied into an answer. */
  secret: string | null;
  checked_at: string | null;
}

// ── Events ────────────────────────────────────────────────────────────────────────────
const statusListeners = new Set<(s: DeliveryStatus) => void>();
const inboxListeners = new Set<(r: InboxReceived) => void>();
export function onDeliveryStatus(fn: (s: DeliveryStatus) => void): () => void {
  statusListeners.add(fn);
  return () => statusListeners.delete(fn);
}
export function onInboxReceived(fn: (r: InboxReceived) => void): () => void {
  inboxListeners.add(fn);
  return () => inboxListeners.delete(fn);
}

// ── State ─────────────────────────────────────────────────────────────────────────────
const channels = new Map<number, Record<Provider, Stored>>();
const seeded = new Set<number>();
let online: boolean | null = null;
let lastError: string | null = null;
let lastCtx: MockContext | null = null;
let timer: ReturnType<typeof setInterval> | undefined;

const now = () => new Date().toISOString();
const later = (ms: number) => new Date(Date.now() + ms).toISOString();
const networkUp = () => params.get('offline') !== '1' && (typeof navigator === 'undefined' || navigator.onLine !== false);

function channelsOf(ws: number): Record<Provider, Stored> {
  let c = channels.get(ws);
  if (!c) {
    const none = params.get('channels') === 'none';
    const blank = (): Stored => ({ state: 'unconfigured', detail: null, settings: null, secret: null, checked_at: null });
    c = { telegram: blank(), whatsapp: blank(), twilio: blank(), email: blank() };
    if (!none) {
      const webhook = params.get('webhook') === '1';
      c.telegram = {
        state: webhook ? 'needs_attention' : 'ok',
        detail: webhook ? WEBHOOK_SET : null,
        webhook,
        settings: { base_url: null, bot_username: 'leadbook_bot' },
        secret: '7012345678:AAH-mock-token-never-shown',
        checked_at: later(-3 * 3600e3),
      };
      c.whatsapp = {
        state: 'needs_attention',
        detail: '(#190) Error validating access token: Session has expired.',
        settings: { base_url: null, phone_number_id: '106540352242922', api_version: 'v21.0', default_template: 'new_listing', default_template_language: 'en_US' },
        secret: 'EAAG-mock-expired',
        checked_at: later(-26 * 3600e3),
      };
    }
    channels.set(ws, c);
  }
  return c;
}

function info(provider: Provider, s: Stored): ChannelInfo {
  return {
    provider,
    state: s.state,
    detail: s.detail,
    settings: s.settings ? { ...s.settings } : null,
    has_secret: s.secret !== null,
    inbound: provider !== 'whatsapp',
    checked_at: s.checked_at,
    ...(s.webhook && s.state === 'needs_attention' ? { webhook: true } : {}),
  };
}

/** What the core says while a webhook is set on the bot (telegram.rs `WEBHOOK_SET`). */
const WEBHOOK_SET =
  'a webhook is set on this bot, so Telegram gives its messages to that address and not to Leadbook: replies are not heard until it is removed (leadbook channel delete-webhook telegram)';

function overview(ws: number): ChannelOverview {
  const c = channelsOf(ws);
  const file = params.get('keychain') === 'file';
  return {
    secret_store: file
      ? { kind: 'file', path: '/home/agent/.config/leadbook/secrets.json', warning: 'no system keychain; secrets are in an owner-only file' }
      : { kind: 'keychain', path: null, warning: null },
    channels: PROVIDERS.map((p) => info(p, c[p])),
  };
}

function provider(v: unknown): Provider {
  if (typeof v === 'string' && (PROVIDERS as string[]).includes(v)) return v as Provider;
  return fail('validation', 'provider is telegram, whatsapp or twilio', 'provider');
}

const E164 = /^\+[1-9]\d{6,14}$/;

function validate(p: Provider, raw: Record<string, unknown>, secret: string | null, stored: Stored): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const key of SETTINGS[p]) {
    const r = raw[key];
    const v = typeof r === 'string' ? r.trim() : typeof r === 'number' ? String(r) : '';
    out[key] = v === '' ? null : v;
  }
  if (out.base_url && !/^https?:\/\/[^\s/]+/.test(out.base_url)) fail('validation', 'base_url must be an http(s) URL', 'base_url');
  if (secret === null && stored.secret === null)
    fail('validation', `${p === 'email' ? 'the password' : `a ${p === 'telegram' ? 'bot token' : p === 'whatsapp' ? 'access token' : 'auth token'}`} is required`, 'secret');
  if (p === 'email') {
    const loopback = (h: string | null) => h !== null && /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i.test(h);
    for (const [host, sec, what] of [['imap_host', 'imap_security', 'the IMAP server (for reading)'], ['smtp_host', 'smtp_security', 'the SMTP server (for sending)']] as const) {
      if (!out[host]) fail('validation', `${what} is required`, host);
      if (out[sec] && !['tls', 'starttls', 'none'].includes(out[sec]!)) fail('validation', `unknown ${sec.replace('_', ' ')} '${out[sec]}'; allowed: tls, starttls, none`, sec);
      if (out[sec] === 'none' && !loopback(out[host])) fail('validation', `${out[host]} is another machine: use tls or starttls (none only for 127.0.0.1, ::1, localhost)`, sec);
      out[sec] = out[sec] ?? 'tls';
    }
    if (!out.username) fail('validation', 'the username (often the email address) is required', 'username');
    if (!out.from || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(out.from)) fail('validation', `'${out.from ?? ''}' is not an email address`, 'from');
    out.folder = out.folder ?? 'INBOX';
    return out;
  }
  if (p === 'telegram') {
    if (secret !== null && !/^\d{5,}:[\w-]{10,}$/.test(secret)) fail('validation', 'a bot token looks like 123456789:AA…', 'secret');
    const u = out.bot_username?.replace(/^@/, '') ?? null;
    if (u !== null && !/^\w{5,32}$/.test(u)) fail('validation', "a bot's username is 5 to 32 letters, digits or _ (like leadbook_bot)", 'bot_username');
    out.bot_username = u;
  } else if (p === 'whatsapp') {
    if (!out.phone_number_id) fail('validation', 'phone_number_id is required', 'phone_number_id');
    if (!/^\d+$/.test(out.phone_number_id!)) fail('validation', 'phone_number_id is digits only', 'phone_number_id');
    if (out.api_version && !/^v[\d.]+$/.test(out.api_version)) fail('validation', 'an API version looks like v21.0', 'api_version');
    if (out.default_template_language && !/^[a-z]{2,3}(_[A-Z]{2})?$/.test(out.default_template_language))
      fail('validation', 'a template language is a code such as en_US', 'default_template_language');
  } else {
    if (!out.account_sid) fail('validation', 'account_sid is required', 'account_sid');
    if (!/^AC[0-9a-fA-F]{32}$/.test(out.account_sid!)) fail('validation', 'an account SID is AC followed by 32 hexadecimal characters', 'account_sid');
    if (!out.from) fail('validation', 'from is required', 'from');
    const alnum = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/.test(out.from!);
    if (!alnum && !E164.test(out.from!)) fail('validation', `'${out.from}' is not a number in international form (+971…)`, 'from');
    if (out.whatsapp_from && !E164.test(out.whatsapp_from)) fail('validation', 'whatsapp_from must be an E.164 number', 'whatsapp_from');
  }
  return out;
}

function identity(p: Provider, s: Stored): string {
  if (p === 'telegram') return `@${s.settings?.bot_username ?? 'leadbook_bot'}`;
  if (p === 'whatsapp') return '+971 4 555 0100 (Leadbook Realty)';
  if (p === 'email') return s.settings?.from ?? 'agent@example.com';
  return `Leadbook (${s.settings?.account_sid ?? 'AC…'})`;
}

// ── The language model ────────────────────────────────────────────────────────────────
/** Per workspace: the settings and (the mock's keychain) the key, never returned. */
const llm = new Map<number, { settings: LlmSettings | null; key: string | null }>();
function llmOf(ws: number) {
  let l = llm.get(ws);
  if (!l) {
    l = { settings: { base_url: 'http://127.0.0.1:11434', model: 'llama3.1', timeout_seconds: 20 }, key: null };
    llm.set(ws, l);
  }
  return l;
}
const llmInfo = (ws: number): LlmInfo => {
  const l = llmOf(ws);
  return { settings: l.settings ? { ...l.settings } : null, has_key: l.key !== null };
};

/** The prompt the Rust side keeps: system rules, then the template and the lead. */
function prompt(l: Lead, template: string): string {
  return JSON.stringify([
    {
      role: 'system',
      content: 'You rewrite a real-estate follow-up for one lead. Keep every fact, price and link; same language; at most 600 characters; no promises. Answer with the message only.',
    },
    {
      role: 'user',
      content: `Lead: ${l.name}; areas: ${l.locations.join(', ') || 'unknown'}; budget: ${l.budget_max ?? 'unknown'}; type: ${l.property_type ?? 'unknown'}.\nTemplate: ${template}`,
    },
  ]);
}

// ── The outbox ────────────────────────────────────────────────────────────────────────
type Row = OutboxMessage & { ws: number };

/** A few messages in every state, so the outbox and the sidebar have something to show. */
export function ensureSeeded(ctx: MockContext) {
  lastCtx = ctx;
  startTimer();
  if (seeded.has(ctx.workspace)) return;
  seeded.add(ctx.workspace);
  const leads = ctx.leads().slice(0, 8);
  if (leads.length < 6) return;
  const msg = (l: Lead, over: Partial<OutboxMessage>): Row => ({
    id: newMessageId(),
    ws: ctx.workspace,
    lead_id: l.id,
    kind: 'followup',
    campaign_step: 1,
    property_id: null,
    channel: 'telegram',
    status: 'queued',
    body: `Hi ${l.name.split(/\s+/)[0]}, this is Nadia. Thank you for your interest in Dubai Marina.`,
    queued_at: later(-5 * 3600e3),
    sent_at: null,
    attempts: 0,
    error: null,
    next_attempt_at: null,
    manual_link: null,
    draft: null,
    draft_note: null,
    review: null,
    llm_prompt: null,
    llm_answer: null,
    held_for: null,
    lead_name: l.name,
    ...over,
  });
  const digits = (l: Lead) => (l.whatsapp ?? l.phone ?? '+971501234567').replace(/\D/g, '');
  const first = (l: Lead) => l.name.split(/\s+/)[0];
  const TEMPLATE = 'Hi {first_name}, this is {agent_name}. Thank you for your interest in {location}.';
  const byModel = (l: Lead, text: string, over: Partial<OutboxMessage> = {}): Row =>
    msg(l, { body: text, draft: 'model', draft_note: null, llm_prompt: prompt(l, TEMPLATE), llm_answer: text, review: null, ...over });
  const pendingA = `Hi ${first(leads[4])}, Nadia here. I saw you are looking around ${leads[4].locations[0] ?? 'Dubai Marina'} — I have two options this week that fit what you described. Shall I send the floor plans?`;
  const pendingB = `${first(leads[1])}, quick follow-up from Nadia: prices in ${leads[1].locations[0] ?? 'JVC'} moved up 4 % this quarter. Want me to hold a viewing slot for Saturday?`;
  outbox.push(
    byModel(leads[0], `Hi ${first(leads[0])}, Nadia here — thanks for asking about Dubai Marina. Happy to share a shortlist whenever suits you.`, {
      status: 'delivered',
      sent_at: later(-4 * 3600e3),
      attempts: 1,
      review: 'approved',
    }),
    msg(leads[1], {
      status: 'read',
      channel: 'whatsapp',
      sent_at: later(-3 * 3600e3),
      attempts: 1,
      campaign_step: 2,
      draft: 'template',
      draft_note: 'the model took longer than 20 s',
      llm_prompt: prompt(leads[1], TEMPLATE),
      llm_answer: null,
      held_for: null,
    }),
    byModel(leads[4], pendingA, { review: 'pending', queued_at: later(-40 * 60e3) }),
    byModel(leads[1], pendingB, {
      review: 'pending',
      campaign_step: 3,
      queued_at: later(-20 * 60e3),
      llm_answer: `${pendingB}\n\n<img src=x onerror="alert(1)">`,
    }),
    msg(leads[2], { status: 'unknown', channel: 'whatsapp', attempts: 1, error: 'the answer did not arrive (timed out); confirm whether the message arrived' }),
    msg(leads[3], { status: 'failed', attempts: 1, error: 'Forbidden: bot was blocked by the user' }),
    msg(leads[5], {
      channel: 'manual',
      body: `Hi ${leads[5].name.split(/\s+/)[0]}, a 2BR in JVC just came up within your budget.`,
      kind: 'property',
      campaign_step: null,
      manual_link: `https://wa.me/${digits(leads[5])}?text=${encodeURIComponent('Hi, a 2BR in JVC just came up within your budget.')}`,
    }),
    msg(leads[6], { channel: 'manual', manual_link: `tel:+${digits(leads[6])}`, campaign_step: 3 }),
    msg(leads[7], { status: 'deferred', channel: 'sms', attempts: 2, error: 'Twilio 20429: too many requests', next_attempt_at: later(4 * 60e3) }),
  );
}

function rowsOf(ws: number): Row[] {
  return outbox.filter((m) => m.ws === ws);
}

export function outboxWaiting(ws: number): number {
  return rowsOf(ws).filter((m) => m.channel !== 'manual' && m.review !== 'pending' && ['queued', 'deferred', 'sending'].includes(m.status)).length;
}

function status(ws: number): DeliveryStatus {
  const rows = rowsOf(ws);
  const deferred = rows.filter((m) => m.status === 'deferred');
  const next = deferred.map((m) => m.next_attempt_at).filter((v): v is string => !!v).sort()[0] ?? null;
  return {
    online,
    waiting: outboxWaiting(ws),
    deferred: deferred.length,
    unknown: rows.filter((m) => m.status === 'unknown').length,
    manual: rows.filter((m) => m.channel === 'manual' && m.status === 'queued').length,
    review: rows.filter((m) => m.status === 'queued' && m.review === 'pending').length,
    held: rows.filter((m) => m.status === 'held').length,
    failed: rows.filter((m) => m.status === 'failed').length,
    next_attempt_at: next,
    last_error: lastError,
  };
}

function announce(ctx: MockContext) {
  const s = status(ctx.workspace);
  setTimeout(() => statusListeners.forEach((fn) => fn(structuredClone(s))), 0);
}

function message(ctx: MockContext, id: unknown): Row {
  const m = outbox.find((o) => o.id === Number(id) && o.ws === ctx.workspace);
  return m ?? fail('not_found', `no message ${String(id)}`);
}

const strip = ({ ws: _ws, ...m }: Row): OutboxMessage => structuredClone(m);

/** Where a message goes (CHANNELS.md "Routing", simplified), or null when only the agent can send it. */
function route(l: Lead | undefined, c: Record<Provider, Stored>): { channel: string; provider: Provider } | null {
  if (!l) return null;
  const usable = (ch: Channel) => !l.opt_outs.includes(ch) && !l.unusable_channels.includes(ch);
  if (c.telegram.state !== 'unconfigured' && l.telegram_id && usable('telegram')) return { channel: 'telegram', provider: 'telegram' };
  if (c.whatsapp.state !== 'unconfigured' && (l.whatsapp || l.phone) && usable('whatsapp')) return { channel: 'whatsapp', provider: 'whatsapp' };
  if (c.twilio.state !== 'unconfigured' && l.phone && usable('sms')) return { channel: 'sms', provider: 'twilio' };
  return null;
}

/** One delivery round: what the Rust sender does on its timer and on "Send now". */
function deliver(ctx: MockContext) {
  const c = channelsOf(ctx.workspace);
  const t = Date.now();
  const leads = new Map(ctx.leads().map((l) => [l.id, l]));
  let changedAny = false;
  let tried = false;
  for (const m of rowsOf(ctx.workspace)) {
    if (m.channel === 'manual' || m.review === 'pending') continue;
    const due = m.status === 'queued' || (m.status === 'deferred' && (!m.next_attempt_at || Date.parse(m.next_attempt_at) <= t));
    if (!due) continue;
    const lead = leads.get(m.lead_id);
    const to = route(lead, c);
    if (!to) {
      const digits = (lead?.whatsapp ?? lead?.phone ?? '').replace(/\D/g, '');
      Object.assign(m, {
        channel: 'manual',
        status: 'queued',
        manual_link: digits ? `https://wa.me/${digits}?text=${encodeURIComponent(m.body)}` : null,
      });
      changedAny = true;
      continue;
    }
    tried = true;
    m.attempts++;
    m.channel = to.channel;
    const backoff = Math.min(15 * 60e3, 15e3 * 2 ** (m.attempts - 1));
    if (!networkUp()) {
      Object.assign(m, { status: 'deferred', error: 'network unreachable: connection refused', next_attempt_at: new Date(t + backoff).toISOString() });
      lastError = 'network unreachable: connection refused';
    } else if (c[to.provider].state === 'needs_attention') {
      Object.assign(m, { status: 'deferred', error: `${to.provider}: the token was refused`, next_attempt_at: new Date(t + backoff).toISOString() });
    } else {
      Object.assign(m, { status: 'sent', sent_at: now(), error: null, next_attempt_at: null });
    }
    changedAny = true;
  }
  if (tried || online === null) online = networkUp();
  if (online) lastError = null;
  if (changedAny) ctx.changed();
  announce(ctx);
}

function startTimer() {
  if (timer !== undefined || typeof window === 'undefined') return;
  timer = setInterval(() => lastCtx && deliver(lastCtx), 15_000);
  const wake = () => lastCtx && deliver(lastCtx);
  window.addEventListener('online', wake);
  window.addEventListener('offline', wake);
}

// ── Commands ──────────────────────────────────────────────────────────────────────────
export function deliveryCommand(cmd: string, args: Record<string, unknown>, ctx: MockContext): unknown {
  switch (cmd) {
    case 'channel_list':
      return overview(ctx.workspace);
    case 'channel_set': {
      const p = provider(args.provider);
      const stored = channelsOf(ctx.workspace)[p];
      const secret = typeof args.secret === 'string' && args.secret.trim() !== '' ? args.secret.trim() : null;
      const settings = validate(p, (args.settings ?? {}) as Record<string, unknown>, secret, stored);
      // A mailbox is connected only once a test (or a send) logged in.
      Object.assign(stored, { settings, state: p === 'email' ? 'untested' : 'ok', detail: null, secret: secret ?? stored.secret });
      deliver(ctx); // messages that were waiting for this channel may go now
      return info(p, stored);
    }
    case 'channel_test': {
      const p = provider(args.provider);
      const stored = channelsOf(ctx.workspace)[p];
      if (stored.state === 'unconfigured' && stored.secret === null) return { ok: false, identity: null, message: `${p} is not set up` };
      stored.checked_at = now();
      if (!networkUp()) return { ok: false, identity: null, message: 'network unreachable: connection refused' };
      if (/bad|expired|wrong/i.test(stored.secret ?? '')) {
        const why =
          p === 'telegram'
            ? 'Unauthorized (401): the bot token was refused'
            : p === 'whatsapp'
              ? '(#190) Error validating access token'
              : p === 'email'
                ? 'reading (IMAP) failed: the IMAP server refused the username or password; sending (SMTP) failed: the SMTP server refused the username or password (535)'
                : 'Twilio 20003: authentication failed';
        Object.assign(stored, { state: 'needs_attention', detail: why });
        return { ok: false, identity: null, message: why };
      }
      if (p === 'telegram' && stored.webhook) {
        Object.assign(stored, { state: 'needs_attention', detail: WEBHOOK_SET });
        return { ok: false, identity: identity(p, stored), message: WEBHOOK_SET };
      }
      Object.assign(stored, { state: 'ok', detail: null });
      return { ok: true, identity: identity(p, stored), message: null };
    }
    case 'channel_delete_webhook': {
      const p = provider(args.provider);
      const stored = channelsOf(ctx.workspace)[p];
      if (p !== 'telegram') fail('validation', `${p} has no webhook Leadbook can remove`, 'provider');
      if (stored.secret === null) fail('validation', 'telegram is not set up', 'provider');
      if (!networkUp()) fail('offline', 'network unreachable: connection refused');
      Object.assign(stored, { webhook: false, state: 'ok', detail: null, checked_at: now() });
      deliver(ctx);
      return info(p, stored);
    }
    case 'channel_remove': {
      const p = provider(args.provider);
      const c = channelsOf(ctx.workspace);
      c[p] = { state: 'unconfigured', detail: null, settings: null, secret: null, checked_at: null };
      return info(p, c[p]);
    }
    case 'llm_get':
      return llmInfo(ctx.workspace);
    case 'llm_set_review': {
      const l = llmOf(ctx.workspace);
      if (!l.settings) fail('validation', 'set a language model up first', 'review');
      l.settings = { ...l.settings!, review: args.on === true };
      return llmInfo(ctx.workspace);
    }
    case 'llm_set': {
      const base = String(args.baseUrl ?? '').trim();
      const model = String(args.model ?? '').trim();
      if (!/^https?:\/\/[^\s/]+/.test(base)) fail('validation', 'base_url must be an http(s) URL (like http://127.0.0.1:11434)', 'base_url');
      if (!model) fail('validation', "the model's name is required (like llama3.1 or gpt-4o-mini)", 'model');
      const timeout = args.timeoutSeconds == null ? null : Number(args.timeoutSeconds);
      if (timeout !== null && (!Number.isInteger(timeout) || timeout < 1 || timeout > 600)) fail('validation', 'the time limit is 1 to 600 seconds', 'timeout');
      const l = llmOf(ctx.workspace);
      // Saving keeps the review setting, as the core's set_llm does.
      const review = l.settings?.review;
      l.settings = { base_url: base, model, ...(timeout !== null ? { timeout_seconds: timeout } : {}), ...(review !== undefined ? { review } : {}) };
      if (args.apiKey === '') l.key = null;
      else if (typeof args.apiKey === 'string') l.key = args.apiKey;
      return llmInfo(ctx.workspace);
    }
    case 'outbox_review': {
      const m = message(ctx, args.id);
      if (m.review !== 'pending') fail('usage', 'only a draft waiting for review can be approved or rejected');
      if (args.approve) {
        const text = typeof args.text === 'string' && args.text.trim() !== '' ? args.text : null;
        Object.assign(m, { review: 'approved', ...(text !== null && text !== m.body ? { body: text, draft: 'agent' } : {}) });
        setTimeout(() => deliver(ctx), 1500);
      } else {
        Object.assign(m, { review: 'rejected', status: 'failed', error: 'rejected in review' });
      }
      ctx.changed();
      announce(ctx);
      return strip(m);
    }
    case 'delivery_status':
      return status(ctx.workspace);
    case 'outbox_send_now':
      deliver(ctx);
      return status(ctx.workspace);
    case 'outbox_confirm': {
      const m = message(ctx, args.id);
      if (m.status !== 'unknown') fail('usage', 'only a message in state unknown can be confirmed');
      Object.assign(m, args.arrived ? { status: 'sent', sent_at: now(), error: null } : { status: 'queued', error: null });
      ctx.changed();
      announce(ctx);
      return strip(m);
    }
    case 'outbox_retry': {
      const m = message(ctx, args.id);
      if (m.status !== 'failed' && m.status !== 'deferred') fail('usage', 'only a failed or deferred message can be retried');
      Object.assign(m, { status: 'queued', next_attempt_at: null, error: null, channel: m.channel === 'manual' ? 'manual' : null });
      ctx.changed();
      setTimeout(() => deliver(ctx), 1500);
      announce(ctx);
      return strip(m);
    }
    case 'outbox_cancel': {
      const m = message(ctx, args.id);
      if (m.status !== 'queued' && m.status !== 'deferred') fail('usage', 'only a queued or deferred message can be cancelled');
      Object.assign(m, { status: 'failed', error: 'cancelled by the agent', next_attempt_at: null });
      ctx.changed();
      announce(ctx);
      return strip(m);
    }
    case 'outbox_mark_done': {
      const m = message(ctx, args.id);
      if (m.channel !== 'manual' || m.status !== 'queued') fail('usage', 'only a manual message waiting for the agent can be marked done');
      Object.assign(m, { status: 'sent', sent_at: now(), error: null });
      ctx.changed();
      announce(ctx);
      return strip(m);
    }
    case 'lead_telegram_link': {
      const lead = ctx.leads().find((l) => l.id === Number(args.leadId)) ?? fail('not_found', `lead ${String(args.leadId)} not found`);
      const bot = channelsOf(ctx.workspace).telegram.settings?.bot_username;
      if (!bot) fail('validation', "set the bot's username in Settings → Channels first", 'bot_username');
      const token = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(36).padStart(2, '0')).join('').slice(0, 16);
      // The lead presses Start a little later: the bot learns their user id.
      setTimeout(() => {
        if (lead.telegram_id !== null) return;
        lead.telegram_id = 6_000_000_000 + lead.id;
        ctx.changed();
        const report: InboxReceived = { received: 1, matched: 1, new_leads: 0, opt_outs: 0, linked: 0, wrong_numbers: 0, emails: 0, portal_leads: 0, unparsed: 0 };
        inboxListeners.forEach((fn) => fn(report));
      }, 10_000);
      return { url: `https://t.me/${bot}?start=${token}`, token };
    }
    default:
      return NOT_MINE;
  }
}
