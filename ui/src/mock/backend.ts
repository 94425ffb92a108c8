/**
 * An in-memory stand-in for the Rust commands, used only by `npm run dev:mock` so the UI can
 * be designed and demoed in a plain browser. It follows the wire contract (shapes, error
 * codes), not the real rules: scoring and validation here are simplified.
 *
 * `?leads=N` in the page URL sets how many synthetic leads it starts with (default 100 000);
 * `?lang=fa` (or `ar`) the workspace language.
 */
import type {
  AddOutcome,
  Dashboard,
  Portal,
  PortalInfo,
  PortalSecrets,
  PortalSettings,
  DuplicateMatch,
  Grade,
  Lead,
  LeadDetail,
  TimelineCursor,
  TimelinePage,
  LeadInput,
  LeadPage,
  LeadQuery,
  Learned,
  ScoreFactor,
  Source,
  Status,
  TimelineEntry,
  Workspace,
  WorkspacePatch,
} from '../lib/types';
import { NOT_MINE, propertyCommand } from './properties';
import { followupCommand } from './followups';
import { calendarCommand } from './calendar';
import { todayCommand } from './today';
import { transferCommand } from './transfer';
import { deliveryCommand, ensureSeeded, outboxWaiting } from './delivery';

type Listener = () => void;
const listeners = new Set<Listener>();
export function onChange(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
function changed() {
  setTimeout(() => listeners.forEach((fn) => fn()), 0);
}

/** Rejects the way the Rust commands do: a plain `{code, message, field?}` object. */
const fail = (code: string, message: string, field?: string): never => {
  throw field ? { code, message, field } : { code, message };
};

// ── Synthetic data ────────────────────────────────────────────────────────────────────
function rng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}
const FIRST = ['Ahmed', 'Sara', 'Omid', 'Fatima', 'James', 'Maryam', 'Ali', 'Olga', 'Reza', 'Layla', 'Priya', 'Hassan', 'Niloufar', 'Tom', 'Aisha', 'Dmitri', 'Zahra', 'Chen', 'Youssef', 'Emma'];
const LAST = ['Al Mansouri', 'Rahimi', 'Karimi', 'Smith', 'Haddad', 'Petrova', 'Hosseini', 'Khan', 'Nasser', 'Wilson', 'Sharifi', 'Patel', 'Ibrahim', 'Moradi', 'Brown'];
const NAMES_FA = ['امید رحیمی', 'مریم کریمی', 'رضا حسینی', 'نیلوفر شریفی', 'زهرا مرادی'];
const NAMES_AR = ['أحمد المنصوري', 'فاطمة حداد', 'يوسف ناصر', 'عائشة إبراهيم', 'ليلى خان'];
const AREAS = ['JVC', 'Dubai Marina', 'Downtown Dubai', 'Palm Jumeirah', 'JLT', 'Business Bay', 'Arabian Ranches', 'Dubai Hills', 'Al Barsha', 'Mirdif', 'Damac Hills', 'Jumeirah'];
const SOURCES: Source[] = ['linkedin', 'telegram', 'whatsapp', 'referral', 'portal', 'website', 'walk_in', 'manual', 'import', 'property_finder', 'bayut', 'dubizzle', 'email'];
const STATUSES: Status[] = ['new', 'contacted', 'replied', 'qualified', 'viewing', 'negotiating', 'won', 'lost'];
const TYPES = ['apartment', 'villa', 'townhouse', 'penthouse', 'office', 'land'] as const;

const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

function gradeOf(score: number): Grade {
  return score >= 70 ? 'A' : score >= 45 ? 'B' : score >= 25 ? 'C' : 'D';
}

function breakdown(l: Lead, replied: boolean): ScoreFactor[] {
  const f: ScoreFactor[] = [];
  if (l.phone || l.whatsapp) f.push({ factor: 'phone', points: 15 });
  if (l.telegram_id) f.push({ factor: 'telegram', points: 10 });
  if (l.email) f.push({ factor: 'email', points: 5 });
  if (l.linkedin_url) f.push({ factor: 'linkedin', points: 5 });
  if (l.budget_max !== null) f.push({ factor: 'budget', points: 15 });
  if (l.locations.length) f.push({ factor: 'location', points: 10 });
  if (l.property_type) f.push({ factor: 'property_type', points: 5 });
  if (l.bedrooms !== null) f.push({ factor: 'bedrooms', points: 5 });
  const src = { referral: 15, portal: 10, website: 10, telegram: 10, whatsapp: 10, linkedin: 5 } as Record<string, number>;
  if (src[l.source]) f.push({ factor: 'source', points: src[l.source] });
  if (replied) f.push({ factor: 'replied', points: 20 });
  if (['qualified', 'viewing', 'negotiating'].includes(l.status)) f.push({ factor: 'active_status', points: 15 });
  if (l.last_inbound_at && NOW - Date.parse(l.last_inbound_at) < 7 * 86400e3) f.push({ factor: 'recent_inbound', points: 10 });
  const last = Math.max(Date.parse(l.last_contacted_at ?? '') || 0, Date.parse(l.last_inbound_at ?? '') || 0);
  if (!last || NOW - last >= 30 * 86400e3) f.push({ factor: 'no_contact_30d', points: -15 });
  return f;
}

function rescore(l: Lead, replied: boolean) {
  const sum = breakdown(l, replied).reduce((a, b) => a + b.points, 0);
  l.score = Math.max(0, Math.min(100, sum));
  l.grade = gradeOf(l.score);
}

interface Row {
  lead: Lead;
  ws: number;
  replied: boolean;
  timeline: TimelineEntry[];
  search: string;
}

const rows = new Map<number, Row>();
let nextId = 1;

function index(row: Row) {
  const l = row.lead;
  row.search = [l.name, l.email, l.phone, l.whatsapp, l.telegram_username, ...l.locations].join(' ').toLowerCase();
}

function generate(count: number) {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  for (let i = 0; i < count; i++) {
    const id = nextId++;
    const lang = r() < 0.15 ? 'fa' : r() < 0.15 ? 'ar' : 'en';
    const name = lang === 'fa' ? pick(NAMES_FA) : lang === 'ar' ? pick(NAMES_AR) : `${pick(FIRST)} ${pick(LAST)}`;
    const created = NOW - Math.floor(r() * 200 * 86400e3);
    const status = pick(STATUSES);
    const hasPhone = r() < 0.7;
    const lead: Lead = {
      id,
      name,
      email: r() < 0.5 ? `lead${id}@example.com` : null,
      phone: hasPhone ? `+97150${String(1000000 + id).slice(-7)}` : null,
      whatsapp: hasPhone && r() < 0.5 ? `+97150${String(1000000 + id).slice(-7)}` : null,
      telegram_id: r() < 0.2 ? 100000 + id : null,
      telegram_username: r() < 0.2 ? `user${id}` : null,
      linkedin_url: r() < 0.3 ? `https://www.linkedin.com/in/lead-${id}` : null,
      source: pick(SOURCES),
      budget_min: null,
      budget_max: r() < 0.6 ? Math.round(500 + r() * 9500) * 1000 : null,
      locations: r() < 0.7 ? [pick(AREAS), ...(r() < 0.3 ? [pick(AREAS)] : [])].filter((v, j, a) => a.indexOf(v) === j) : [],
      property_type: r() < 0.6 ? pick(TYPES) : null,
      bedrooms: r() < 0.5 ? Math.floor(r() * 5) : null,
      purpose: r() < 0.7 ? (r() < 0.7 ? 'buy' : 'rent') : null,
      language: lang,
      status,
      score: 0,
      grade: 'D',
      created_at: iso(created),
      updated_at: iso(created),
      notes: null,
      tags: r() < 0.1 ? ['investor'] : [],
      last_contacted_at: r() < 0.6 ? iso(NOW - Math.floor(r() * 60 * 86400e3)) : null,
      last_inbound_at: r() < 0.3 ? iso(NOW - Math.floor(r() * 20 * 86400e3)) : null,
      next_followup_at: r() < 0.4 ? iso(NOW + Math.floor((r() - 0.3) * 10 * 86400e3)) : null,
      opt_outs: [],
      unusable_channels: [],
      do_not_market_at: null,
      do_not_market_reason: null,
    };
    if (lead.budget_max && r() < 0.5) lead.budget_min = Math.round(lead.budget_max * 0.6);
    const replied = ['replied', 'qualified', 'viewing', 'negotiating', 'won'].includes(status);
    rescore(lead, replied);
    const row: Row = { lead, ws: 1, replied, timeline: [{ at: lead.created_at, kind: 'created', detail: `source ${lead.source}` }], search: '' };
    index(row);
    rows.set(id, row);
  }
  const demo = rows.get(3);
  if (demo) {
    demo.lead.name = '<img src=x onerror="window.__pwned=1">';
    index(demo);
  }
  // Replies as the device understood them (the timeline's badges), one class each.
  const replies: [number, number, string, string][] = [
    [1, 2, 'interested', 'Yes please, send me the 2BR options in the Marina. Can we view on Saturday?'],
    [2, 30, 'asks_later', 'Busy this month, please get back to me in March.'],
    [2, 3, 'not_interested', 'Thanks, but we decided to stay where we are. Not looking any more.'],
    [4, 5, 'asks_later', 'بعد از عید با من تماس بگیرید.'],
    [6, 8, 'opt_out', 'STOP'],
    [7, 6, 'wrong_number', 'You have the wrong number, I am not looking for property.'],
    [8, 4, 'unclear', '👍'],
  ];
  for (const [id, daysAgo, cls, text] of replies) {
    const row = rows.get(id);
    if (!row) continue;
    row.replied = true;
    row.timeline.push({ at: iso(NOW - daysAgo * 86400e3), kind: 'replied', detail: `${text} via whatsapp`, reply_class: cls });
    if (cls === 'not_interested' && (row.lead.status === 'lost' || row.lead.status === 'won')) row.lead.status = 'replied';
    rescore(row.lead, true);
  }
  // One lead that opted out of WhatsApp and blocked the bot, to show how that looks.
  const blocked = rows.get(5);
  if (blocked) {
    blocked.lead.opt_outs = ['whatsapp'];
    blocked.lead.unusable_channels = ['telegram'];
    blocked.lead.telegram_id ??= 100005;
  }
}

const params = typeof location !== 'undefined' ? new URLSearchParams(location.search) : new URLSearchParams();
generate(Number(params.get('leads') ?? 100000));

const dismissedPairs = new Set<string>();
let workspaces: Workspace[] = [
  {
    id: 1,
    name: 'Default',
    timezone: 'Asia/Dubai',
    phone_region: 'AE',
    currency: 'AED',
    agent_name: 'Nadia',
    quiet_start: '09:00',
    quiet_end: '18:00',
    language: (['en', 'fa', 'ar'] as const).find((l) => l === params.get('lang')) ?? 'en',
    created_at: iso(NOW - 300 * 86400e3),
    commission_sale_bp: 200,
    commission_rent_bp: 500,
    vat_bp: 500,
    agent_share_bp: 5000,
    viewing_reminder_min: 120,
    alerts_at_once: false,
    require_consent: false,
    require_permits: true,
    sample: false,
  },
];
let current = 1;

/** A rough stand-in for the device's reply classifier (en/fa/ar keywords). */
function classify(text: string): string {
  const s = text.toLowerCase();
  if (/\b(stop|unsubscribe)\b|لغو|إلغاء/.test(s)) return 'opt_out';
  if (/wrong number|شماره اشتباه|رقم خاطئ/.test(s)) return 'wrong_number';
  if (/not interested|no longer|علاقه ندارم|غير مهتم/.test(s)) return 'not_interested';
  if (/later|next (week|month)|بعدا|بعداً|لاحقا|لاحقاً/.test(s)) return 'asks_later';
  if (/\b(yes|interested|viewing|send)\b|بله|علاقه|نعم|مهتم/.test(s)) return 'interested';
  return 'unclear';
}

// ── Commands ──────────────────────────────────────────────────────────────────────────
const wsRows = () => [...rows.values()].filter((r) => r.ws === current);
/**
 * The workspace's learned model (the real one needs ≥ 30 won/lost leads): here a fixed
 * explanation for the first two leads, so the breakdown shows how it looks.
 */
function learnedOf(l: Lead): Learned | null {
  if (l.id > 2) return null;
  const area = (l.locations[0] ?? 'Dubai Marina').toLowerCase();
  const top: [string, number][] =
    l.id === 1
      ? [[`source:${l.source}`, 0.62], [`area:${area}`, 0.41], ['response:<1h', 0.38], ['budget_band:1m-2m', 0.17], ['no_contact_30d', -0.29], ['log_days_since_created', -0.12]]
      : [['response:>7d', -0.55], [`area:${area}`, 0.21], [`source:${l.source}`, -0.18], ['phone', 0.15]];
  const p_won = l.id === 1 ? 0.62 : 0.18;
  const points = l.id === 1 ? 8 : -6;
  return { p_won, points, blended: 0, outcomes: 47, top, weights: top.slice(0, 3) };
}

const detail = (row: Row): LeadDetail => {
  const lead = structuredClone(row.lead);
  const score_breakdown = breakdown(row.lead, row.replied);
  const learned = learnedOf(lead);
  if (learned) {
    score_breakdown.push({ factor: 'learned', points: learned.points });
    learned.blended = Math.max(0, Math.min(100, lead.score + learned.points));
    lead.score = learned.blended;
    lead.grade = gradeOf(lead.score);
  }
  const first = historyPage(row, -1, 50);
  return { ...lead, score_breakdown, learned, timeline: first.entries, timeline_total: first.total, timeline_next: first.next };
};

/** A page of a lead's history, newest first, after position `after` (-1: from the newest). */
function historyPage(row: Row, after: number, limit: number): TimelinePage {
  const all = [...row.timeline].sort((a, b) => b.at.localeCompare(a.at));
  const entries = all.slice(after + 1, after + 1 + limit);
  const end = after + entries.length;
  const next = end + 1 < all.length && entries.length ? { at: entries[entries.length - 1].at, source: 0, id: end } : null;
  return { entries, total: all.length, next };
}
function getRow(id: unknown): Row {
  const row = rows.get(Number(id));
  if (!row || row.ws !== current) fail('not_found', `lead ${String(id)} not found`);
  return row!;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
function normPhone(v: string | null | undefined, field: string): string | null {
  if (!v) return null;
  let d = v.replace(/[^\d+]/g, '');
  if (d.startsWith('00')) d = `+${d.slice(2)}`;
  if (d.startsWith('0')) d = `+971${d.slice(1)}`;
  if (!d.startsWith('+')) d = `+971${d}`;
  if (!/^\+\d{9,15}$/.test(d)) fail('validation', `invalid ${field} number`, field);
  return d;
}

function validate(input: LeadInput, partial = false): Partial<Lead> {
  const out: Partial<Lead> = {};
  const name = input.name?.trim();
  if (!name && !partial) fail('validation', 'name is required', 'name');
  if (name && name.length > 200) fail('validation', 'name is longer than 200 characters', 'name');
  if (name) out.name = name;
  const email = input.email?.trim().toLowerCase() || null;
  if (email && !EMAIL.test(email)) fail('validation', `invalid email address: ${email}`, 'email');
  out.email = email;
  out.phone = normPhone(input.phone, 'phone');
  out.whatsapp = normPhone(input.whatsapp, 'whatsapp');
  const li = input.linkedin_url?.trim() || null;
  if (li) {
    const m = /linkedin\.com\/in\/([^/?#]+)/i.exec(li);
    if (!m) fail('validation', 'not a LinkedIn profile URL', 'linkedin_url');
    out.linkedin_url = `https://www.linkedin.com/in/${m![1].toLowerCase()}`;
  } else out.linkedin_url = null;
  out.telegram_id = input.telegram_id ?? null;
  out.telegram_username = input.telegram_username?.trim() || null;
  const source = input.source ?? 'manual';
  if (!SOURCES.includes(source as Source)) fail('validation', `unknown source; allowed: ${SOURCES.join(', ')}`, 'source');
  out.source = source as Source;
  out.budget_min = input.budget_min ?? null;
  out.budget_max = input.budget_max ?? null;
  if (out.budget_min !== null && out.budget_max !== null && out.budget_min > out.budget_max)
    fail('validation', 'budget min is greater than budget max', 'budget_min');
  if (input.bedrooms != null && (input.bedrooms < 0 || input.bedrooms > 20)) fail('validation', 'bedrooms must be 0–20', 'bedrooms');
  out.bedrooms = input.bedrooms ?? null;
  if ((input.locations ?? []).length > 20) fail('validation', 'at most 20 locations', 'locations');
  out.locations = input.locations ?? [];
  out.property_type = (input.property_type as Lead['property_type']) ?? null;
  out.purpose = (input.purpose as Lead['purpose']) ?? null;
  out.language = (input.language as Lead['language']) ?? null;
  out.notes = input.notes?.trim() || null;
  if (out.notes && out.notes.length > 10000) fail('validation', 'notes are longer than 10000 characters', 'notes');
  out.tags = input.tags ?? [];
  return out;
}

function findDuplicate(v: Partial<Lead>, except?: number): DuplicateMatch | null {
  for (const row of wsRows()) {
    const l = row.lead;
    if (l.id === except) continue;
    if (v.email && l.email === v.email) return { lead: structuredClone(l), key: 'email' };
    const phones = [l.phone, l.whatsapp].filter(Boolean);
    if ((v.phone && phones.includes(v.phone)) || (v.whatsapp && phones.includes(v.whatsapp)))
      return { lead: structuredClone(l), key: 'phone' };
    if (v.linkedin_url && l.linkedin_url === v.linkedin_url) return { lead: structuredClone(l), key: 'linkedin_url' };
    if (v.telegram_id && l.telegram_id === v.telegram_id) return { lead: structuredClone(l), key: 'telegram_id' };
  }
  return null;
}

function mergeInto(target: Row, v: Partial<Lead>) {
  const l = target.lead as unknown as Record<string, unknown>;
  for (const [k, val] of Object.entries(v)) {
    if (Array.isArray(val)) l[k] = [...new Set([...(l[k] as string[]), ...val])];
    else if (l[k] === null || l[k] === undefined) l[k] = val;
  }
}

/** `leads::SEARCH_COUNT_AHEAD` of the core. */
export const SEARCH_COUNT_AHEAD = 200;

function list(q: LeadQuery): LeadPage {
  const needle = q.search?.trim().toLowerCase();
  let out = wsRows().filter(
    (r) =>
      (!q.grade || r.lead.grade === q.grade) &&
      (!q.status || r.lead.status === q.status) &&
      (!q.source || r.lead.source === q.source) &&
      (!needle || r.search.includes(needle)),
  );
  const key = q.sort ?? 'score';
  const dir = q.desc === false ? 1 : -1;
  out = out.sort((a, b) => {
    const x = a.lead[key];
    const y = b.lead[key];
    if (x === y) return a.lead.id - b.lead.id;
    if (x === null) return 1;
    if (y === null) return -1;
    return (x < y ? -1 : 1) * dir;
  });
  const offset = q.offset ?? 0;
  const rows = out.slice(offset, q.limit == null ? undefined : offset + q.limit).map((r) => structuredClone(r.lead));
  // As the backend: a search counts SEARCH_COUNT_AHEAD matches past the page's end and stops.
  const counted = needle && q.limit != null ? offset + q.limit + SEARCH_COUNT_AHEAD : Infinity;
  return { total: Math.min(out.length, counted), rows, more: out.length > counted };
}

function dashboard(): Dashboard {
  const d: Dashboard = {
    grades: { A: 0, B: 0, C: 0, D: 0 },
    due_today: 0,
    overdue: 0,
    by_status: {},
    by_source: {},
    outbox_waiting: outboxWaiting(current),
    replies_this_week: 0,
    total_leads: 0,
    weeks: [],
    pipeline: { stages: [], earned_this_month: 0, earned_this_year: 0 },
    speed_to_lead: { median_minutes: null, answered_this_week: 0, unanswered: [], unanswered_total: 0 },
  };
  // 12 weeks, Monday to Monday (UTC), oldest first.
  const monday = new Date(NOW);
  monday.setUTCHours(0, 0, 0, 0);
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  const first = monday.getTime() - 11 * 7 * 86400e3;
  for (let i = 0; i < 12; i++) {
    d.weeks.push({ week: new Date(first + i * 7 * 86400e3).toISOString().slice(0, 10), new_leads: 0, replies: 0 });
  }
  const weekOf = (iso: string | null) => {
    const i = Math.floor((Date.parse(iso ?? '') - first) / (7 * 86400e3));
    return i >= 0 && i < 12 ? d.weeks[i] : undefined;
  };
  const endOfDay = new Date();
  endOfDay.setHours(23, 59, 59, 999);
  for (const { lead } of wsRows()) {
    d.total_leads++;
    d.grades[lead.grade] = (d.grades[lead.grade] ?? 0) + 1;
    d.by_status[lead.status] = (d.by_status[lead.status] ?? 0) + 1;
    d.by_source[lead.source] = (d.by_source[lead.source] ?? 0) + 1;
    const next = Date.parse(lead.next_followup_at ?? '');
    if (next < NOW) d.overdue++;
    else if (next <= endOfDay.getTime()) d.due_today++;
    if (lead.last_inbound_at && NOW - Date.parse(lead.last_inbound_at) < 7 * 86400e3) d.replies_this_week++;
    const created = weekOf(lead.created_at);
    if (created) created.new_leads++;
    const replied = weekOf(lead.last_inbound_at);
    if (replied) replied.replies++;
  }
  return d;
}

export function handle(cmd: string, args: Record<string, unknown> = {}): unknown {
  const ctx = {
    leads: () => wsRows().map((r) => r.lead),
    workspace: current,
    alertsAtOnce: () => workspaces.find((w) => w.id === current)?.alerts_at_once ?? false,
    changed,
  };
  ensureSeeded(ctx);
  switch (cmd) {
    case 'workspace_list':
      return structuredClone(workspaces);
    case 'workspace_current':
      return structuredClone(workspaces.find((w) => w.id === current));
    case 'workspace_add': {
      const name = String(args.name ?? '').trim();
      if (!name) fail('validation', 'name is required', 'name');
      if (workspaces.some((w) => w.name === name)) fail('validation', `a workspace named ${name} exists`, 'name');
      const ws: Workspace = { ...workspaces[0], id: workspaces.length + 1, name, timezone: String(args.timezone ?? 'Asia/Dubai'), created_at: iso(Date.now()) };
      workspaces = [...workspaces, ws];
      return structuredClone(ws);
    }
    case 'workspace_switch': {
      const ws = workspaces.find((w) => w.id === args.id) ?? fail('not_found', 'workspace not found');
      current = ws.id;
      changed();
      return structuredClone(ws);
    }
    case 'workspace_sample_open': {
      const names: Record<string, string> = { en: 'Sample book', fa: 'دفتر نمونه', ar: 'دفتر تجريبي' };
      let ws = workspaces.find((w) => w.sample);
      if (!ws) {
        ws = { ...workspaces[0], id: Math.max(...workspaces.map((w) => w.id)) + 1, name: names[String(args.language)] ?? names.en, sample: true, created_at: iso(Date.now()) };
        workspaces = [...workspaces, ws];
      }
      current = ws.id;
      changed();
      return structuredClone(ws);
    }
    case 'workspace_sample_remove': {
      const ws = workspaces.find((w) => w.id === args.id) ?? fail('not_found', 'workspace not found');
      if (!ws.sample) fail('validation', `'${ws.name}' is not the sample book`, 'workspace');
      workspaces = workspaces.filter((w) => w.id !== ws.id);
      current = workspaces[0].id;
      changed();
      return structuredClone(workspaces[0]);
    }
    case 'workspace_update': {
      const i = workspaces.findIndex((w) => w.id === args.id);
      if (i < 0) fail('not_found', 'workspace not found');
      const patch = args.patch as WorkspacePatch;
      if (patch.quiet_start && !/^\d{2}:\d{2}$/.test(patch.quiet_start)) fail('validation', 'use HH:MM', 'quiet_start');
      workspaces[i] = { ...workspaces[i], ...patch } as Workspace;
      return structuredClone(workspaces[i]);
    }
    case 'lead_list':
      return list(args.query as LeadQuery);
    case 'lead_get':
      return detail(getRow(args.id));
    case 'lead_timeline':
      return historyPage(getRow(args.id), (args.after as TimelineCursor | null)?.id ?? -1, Number(args.limit ?? 50));
    case 'lead_find_duplicate': {
      const v = validate(args.input as LeadInput, true);
      return findDuplicate(v);
    }
    case 'lead_possible_duplicates': {
      const mine = [...rows.values()].filter((r) => r.ws === current).map((r) => r.lead);
      const pairs: { reason: 'same_name'; first: Lead; second: Lead }[] = [];
      for (const [i, a] of mine.entries())
        for (const b of mine.slice(i + 1))
          if (a.name.trim().toLowerCase() === b.name.trim().toLowerCase() && !dismissedPairs.has(`${Math.min(a.id, b.id)}-${Math.max(a.id, b.id)}`))
            pairs.push({ reason: 'same_name', first: a.id < b.id ? a : b, second: a.id < b.id ? b : a });
      const offset = Number(args.offset ?? 0);
      return structuredClone({ total: pairs.length, pairs: pairs.slice(offset, offset + Number(args.limit ?? 20)) });
    }
    case 'lead_duplicate_dismiss': {
      const [a, b] = [Number(args.a), Number(args.b)];
      dismissedPairs.add(`${Math.min(a, b)}-${Math.max(a, b)}`);
      return null;
    }
    case 'lead_add':
    case 'lead_add_separate': {
      const v = validate(args.input as LeadInput);
      const dup = findDuplicate(v);
      if (dup && cmd === 'lead_add') {
        const row = getRow(dup.lead.id);
        mergeInto(row, v);
        row.timeline.push({ at: iso(Date.now()), kind: 'merged', detail: `merged a duplicate from ${v.source ?? 'manual'} (same ${String(dup.key).replace(/_/g, ' ')})` });
        rescore(row.lead, row.replied);
        index(row);
        changed();
        const out: AddOutcome = { id: row.lead.id, created: false, merged_into: row.lead.id, score: row.lead.score, grade: row.lead.grade };
        return out;
      }
      const now = iso(Date.now());
      const lead = {
        id: nextId++,
        status: 'new',
        score: 0,
        grade: 'D',
        created_at: now,
        updated_at: now,
        last_contacted_at: null,
        last_inbound_at: null,
        next_followup_at: iso(Date.now() + 3600e3),
        opt_outs: [],
        unusable_channels: [],
        do_not_market_at: null,
        do_not_market_reason: null,
        ...v,
      } as Lead;
      const row: Row = { lead, ws: current, replied: false, timeline: [{ at: now, kind: 'created', detail: `source ${lead.source}` }], search: '' };
      if (dup) row.timeline.push({ at: now, kind: 'kept_separate', detail: `kept apart from lead #${dup.lead.id} (${dup.lead.name}), same ${String(dup.key).replace(/_/g, ' ')}` });
      rescore(lead, false);
      index(row);
      rows.set(lead.id, row);
      changed();
      return { id: lead.id, created: true, merged_into: null, score: lead.score, grade: lead.grade } satisfies AddOutcome;
    }
    case 'lead_update': {
      const row = getRow(args.id);
      const v = validate(args.input as LeadInput);
      const dup = findDuplicate(v, row.lead.id);
      if (dup) fail('duplicate', `another lead (${dup.lead.name}) has this ${dup.key}`, dup.key);
      Object.assign(row.lead, v, { updated_at: iso(Date.now()) });
      row.timeline.push({ at: iso(Date.now()), kind: 'updated', detail: 'details edited' });
      rescore(row.lead, row.replied);
      index(row);
      changed();
      return detail(row);
    }
    case 'lead_set_status': {
      const row = getRow(args.id);
      const status = args.status as Status;
      if (!STATUSES.includes(status)) fail('validation', 'unknown status', 'status');
      row.timeline.push({ at: iso(Date.now()), kind: 'status_changed', detail: `${row.lead.status} → ${status}` });
      row.lead.status = status;
      rescore(row.lead, row.replied);
      changed();
      return detail(row);
    }
    case 'lead_merge': {
      const keep = getRow(args.keep);
      const other = getRow(args.other);
      if (keep === other) fail('usage', 'cannot merge a lead into itself');
      mergeInto(keep, other.lead);
      keep.replied ||= other.replied;
      keep.timeline.push(...other.timeline, { at: iso(Date.now()), kind: 'merged', detail: `merged lead #${other.lead.id} (${other.lead.name}) by hand` });
      rows.delete(other.lead.id);
      rescore(keep.lead, keep.replied);
      index(keep);
      changed();
      return detail(keep);
    }
    case 'lead_reply': {
      const row = getRow(args.id);
      const text = String(args.text ?? '').trim();
      if (!text) fail('validation', 'text is required', 'text');
      row.replied = true;
      row.lead.last_inbound_at = iso(Date.now());
      if (row.lead.status === 'new' || row.lead.status === 'contacted') row.lead.status = 'replied';
      row.timeline.push({ at: iso(Date.now()), kind: 'replied', detail: args.channel ? `${text} via ${String(args.channel)}` : text, reply_class: classify(text) });
      rescore(row.lead, true);
      changed();
      return detail(row);
    }
    case 'dashboard':
      return dashboard();
    case 'portal_list':
    case 'portal_set':
    case 'portal_test':
    case 'portal_remove':
      return portalCommand(cmd, args);
    case 'unparsed_list':
    case 'email_sender_list':
      return [];
    // Compliance evidence: an empty log and register, no consent (the real ones are the core's).
    case 'compliance_log':
      return { entries: [], total: 0, contacts: 0, held: 0, next: null };
    case 'dncr_summary':
      return { numbers: 0, leads_affected: 0, refused: [], refused_count: 0 };
    case 'lead_compliance':
      return { lead_id: Number(args.leadId), dncr: false, consents: [], held: [] };
    case 'consent_set':
    case 'consent_withdraw':
      return [];
    case 'window_ready':
      return null;
    default: {
      const answer = propertyCommand(cmd, args, ctx);
      if (answer !== NOT_MINE) return answer;
      const followup = followupCommand(cmd, args, ctx);
      if (followup !== NOT_MINE) return followup;
      const transfer = transferCommand(cmd, args, ctx);
      if (transfer !== NOT_MINE) return transfer;
      const calendar = calendarCommand(cmd, args, ctx);
      if (calendar !== NOT_MINE) return calendar;
      const day = todayCommand(cmd, args, ctx);
      if (day !== NOT_MINE) return day;
      const delivery = deliveryCommand(cmd, args, ctx);
      return delivery === NOT_MINE ? fail('usage', `unknown command ${cmd}`) : delivery;
    }
  }
}

// ── Portals' lead APIs (Settings → Channels → Portals) ─────────────────────────────────
const PORTALS: Portal[] = ['property_finder', 'bayut', 'dubizzle'];
const portalRows = new Map<Portal, { settings: PortalSettings; secret: boolean; state: PortalInfo['state']; detail: string | null; checked_at: string | null }>();

function portalInfo(p: Portal): PortalInfo {
  const r = portalRows.get(p);
  if (!r) return { portal: p, state: 'unconfigured', detail: null, settings: null, has_secret: false, checked_at: null, cursor: null };
  return { portal: p, state: r.state, detail: r.detail, settings: r.settings, has_secret: r.secret, checked_at: r.checked_at, cursor: null };
}

function portalCommand(cmd: string, args: Record<string, unknown>): unknown {
  if (cmd === 'portal_list') return PORTALS.map(portalInfo);
  const p = args.portal as Portal;
  if (!PORTALS.includes(p)) fail('validation', `unknown portal '${String(p)}'`, 'portal');
  if (cmd === 'portal_remove') {
    portalRows.delete(p);
    return portalInfo(p);
  }
  if (cmd === 'portal_test') {
    const r = portalRows.get(p);
    if (!r) fail('validation', `${p} is not set up`, 'portal');
    // ?portal_refused=1 shows a refused key.
    const refused = typeof location !== 'undefined' && new URLSearchParams(location.search).has('portal_refused');
    r!.state = refused ? 'needs_attention' : 'ok';
    r!.detail = refused ? 'The portal did not accept the key. Make a new one and save it here.' : null;
    r!.checked_at = iso(Date.now());
    return { result: refused ? { ok: false, identity: null, message: r!.detail } : { ok: true, identity: 'the key reads leads', message: null }, info: portalInfo(p) };
  }
  const secrets = (args.secrets ?? {}) as PortalSecrets;
  const settings = (args.settings ?? {}) as PortalSettings;
  const given = (v: string | null | undefined) => typeof v === 'string' && v.trim() !== '';
  const stored = portalRows.get(p);
  const fields = p === 'property_finder' ? (['api_key', 'api_secret'] as const) : (['token'] as const);
  for (const f of fields) if (!given(secrets[f]) && !stored?.secret) fail('validation', `the ${f.replace('_', ' ')} is required`, f);
  portalRows.set(p, { settings: { base_url: settings.base_url || undefined, legacy: settings.legacy || undefined }, secret: true, state: 'untested', detail: null, checked_at: null });
  return portalInfo(p);
}
