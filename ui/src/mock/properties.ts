/**
 * Listings, matching and the outbox for `npm run dev:mock`. Follows the wire contract of the
 * Rust commands (shapes, error codes, one message per lead and listing); the matching rules
 * are a simplified version of SPEC §4, enough to design and demo the screens.
 */
import type {
  Criterion,
  Lead,
  Match,
  MessageStatus,
  OutboxMessage,
  Property,
  PropertyAdded,
  PropertyInput,
  PropertyStatus,
} from '../lib/types';

export interface MockContext {
  /** The leads of the current workspace. */
  leads(): Lead[];
  /** The current workspace's id. */
  workspace: number;
  /** Whether the workspace tells buyers as soon as a listing is added (else asks first). */
  alertsAtOnce?(): boolean;
  changed(): void;
}

/** Returned by `propertyCommand` for a command it does not handle. */
export const NOT_MINE = Symbol('not mine');

const fail = (code: string, message: string, field?: string): never => {
  throw field ? { code, message, field } : { code, message };
};

const TYPES = ['apartment', 'villa', 'townhouse', 'penthouse', 'office', 'land'];
const ALIASES: Record<string, string> = {
  jvc: 'jumeirah village circle',
  jlt: 'jumeirah lake towers',
  marina: 'dubai marina',
  downtown: 'downtown dubai',
  palm: 'palm jumeirah',
  'دبي مارينا': 'dubai marina',
  'نخلة جميرا': 'palm jumeirah',
};
const area = (s: string) => {
  const k = s.normalize('NFKD').replace(/\p{M}/gu, '').trim().replace(/\s+/g, ' ').toLowerCase();
  return ALIASES[k] ?? k;
};

interface Row {
  property: Property;
  ws: number;
}
const rows = new Map<number, Row>();
/** Every workspace's outbox; `delivery.ts` sends, retries and cancels these. */
export const outbox: (OutboxMessage & { ws: number })[] = [];
let nextId = 1;
let nextMessage = 1;
export const newMessageId = () => nextMessage++;

function validate(input: PropertyInput) {
  const title = input.title?.trim();
  if (!title) fail('validation', 'a listing needs a title', 'title');
  if (title!.length > 200) fail('validation', 'title is longer than 200 characters', 'title');
  const location = input.location?.trim();
  if (!location) fail('validation', 'a listing needs its area', 'location');
  if (input.price == null) fail('validation', 'a listing needs a price', 'price');
  if (input.price! <= 0) fail('validation', 'the price must be above zero', 'price');
  if (input.bedrooms != null && (input.bedrooms < 0 || input.bedrooms > 20))
    fail('validation', 'bedrooms must be between 0 and 20', 'bedrooms');
  if (input.property_type && !TYPES.includes(input.property_type))
    fail('validation', `unknown property type; allowed: ${TYPES.join(', ')}`, 'property_type');
  const purpose = input.purpose || 'sale';
  if (purpose !== 'sale' && purpose !== 'rent') fail('validation', 'purpose is sale or rent', 'purpose');
  const permit = input.permit?.trim() || null;
  if (permit && !/^[A-Za-z0-9\-/ ]{1,40}$/.test(permit))
    fail('validation', 'a RERA permit number has letters, digits and dashes only', 'permit');
  const reference = input.reference?.trim() || null;
  if (reference && !/^[\p{L}\p{N}\-/_. ]{1,60}$/u.test(reference))
    fail('validation', 'a listing reference has letters, digits, dashes, dots and slashes only (60 at most)', 'reference');
  return {
    title: title!,
    location: location!,
    price: input.price!,
    property_type: (input.property_type || null) as Property['property_type'],
    bedrooms: input.bedrooms ?? null,
    purpose: purpose as Property['purpose'],
    permit,
    reference,
  };
}

const GRADE_RANK = { A: 0, B: 1, C: 2, D: 3 } as const;

/** Where the alert about `propertyId` to `leadId` stands, as `Book::property_matches` says. */
function alertOf(leadId: number, propertyId: number, ctx: MockContext): Match['alert'] {
  const o = outbox.find((m) => m.ws === ctx.workspace && m.lead_id === leadId && m.property_id === propertyId);
  return o ? { message_id: o.id, status: o.status, channel: o.channel, review: o.review, error: o.error, held_for: o.held_for ?? null } : null;
}

function matchesOf(p: Property, ctx: MockContext): Match[] {
  const out: Match[] = [];
  const where = area(p.location);
  for (const l of ctx.leads()) {
    if (l.status === 'won' || l.status === 'lost') continue;
    const criteria = [l.locations.length, l.budget_max, l.budget_min, l.property_type, l.bedrooms, l.purpose];
    if (criteria.every((c) => c === null || c === 0)) continue;
    if (l.locations.length && !l.locations.some((a) => area(a) === where)) continue;
    if (l.budget_max !== null && p.price > l.budget_max * 1.1) continue;
    if (l.budget_min !== null && p.price < l.budget_min * 0.9) continue;
    if (l.property_type && l.property_type !== p.property_type) continue;
    if (l.bedrooms !== null && (p.bedrooms === null || p.bedrooms < l.bedrooms)) continue;
    if (l.purpose && (l.purpose === 'buy') !== (p.purpose === 'sale')) continue;
    const fit = l.budget_max ? Math.max(0, 1 - Math.abs(l.budget_max - p.price) / l.budget_max) : 1;
    const reachable = Boolean(
      (l.telegram_id && !l.opt_outs.includes('telegram')) ||
        ((l.whatsapp || l.phone) && !l.opt_outs.includes('whatsapp')),
    );
    const given: [Criterion, boolean][] = [
      ['area', l.locations.length > 0],
      ['budget', l.budget_max !== null || l.budget_min !== null],
      ['property_type', Boolean(l.property_type)],
      ['bedrooms', l.bedrooms !== null],
      ['purpose', Boolean(l.purpose)],
    ];
    const matched_on = given.filter(([, g]) => g).map(([c]) => c);
    const not_given = given.filter(([, g]) => !g).map(([c]) => c);
    out.push({ id: l.id, lead_id: l.id, name: l.name, grade: l.grade, score: l.score, fit, matched_on, not_given, reachable, phone: l.phone, alert: alertOf(l.id, p.id, ctx) });
  }
  return out.sort((a, b) => GRADE_RANK[a.grade] - GRADE_RANK[b.grade] || b.fit - a.fit || a.id - b.id);
}

function notify(p: Property, ctx: MockContext): PropertyAdded {
  const matched = matchesOf(p, ctx);
  let queued = 0;
  const unreachable: Match[] = [];
  for (const m of matched) {
    if (!m.reachable) {
      unreachable.push(m);
      continue;
    }
    if (outbox.some((o) => o.lead_id === m.id && o.property_id === p.id)) continue;
    outbox.push({
      id: nextMessage++,
      ws: ctx.workspace,
      lead_id: m.id,
      kind: 'property',
      campaign_step: null,
      property_id: p.id,
      channel: null,
      status: 'queued',
      body: `${p.title} — ${p.location}, AED ${p.price.toLocaleString('en')}`,
      queued_at: new Date().toISOString(),
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
      lead_name: m.name,
    });
    queued++;
  }
  return {
    id: p.id,
    property: structuredClone(p),
    matched: matched.length,
    queued,
    unreachable: unreachable.length,
    unreachable_leads: unreachable,
    awaiting_confirmation: false,
  };
}

function get(id: unknown, ctx: MockContext): Row {
  const row = rows.get(Number(id));
  if (!row || row.ws !== ctx.workspace) fail('not_found', `property ${String(id)}`);
  return row!;
}

export function propertyCommand(cmd: string, args: Record<string, unknown>, ctx: MockContext): unknown {
  switch (cmd) {
    case 'property_list':
      return [...rows.values()]
        .filter((r) => r.ws === ctx.workspace)
        .map((r) => structuredClone(r.property))
        .reverse();
    case 'property_add': {
      const v = validate((args.input ?? {}) as PropertyInput);
      const now = new Date().toISOString();
      const property: Property = { id: nextId++, ...v, status: 'available', created_at: now, updated_at: now };
      rows.set(property.id, { property, ws: ctx.workspace });
      if (!(ctx.alertsAtOnce?.() ?? false)) {
        const matched = matchesOf(property, ctx).length;
        const waiting: PropertyAdded = { id: property.id, property: structuredClone(property), matched, queued: 0, unreachable: 0, unreachable_leads: [], awaiting_confirmation: matched > 0 };
        return waiting;
      }
      const done = notify(property, ctx);
      ctx.changed();
      return done;
    }
    case 'property_announce': {
      const row = get(args.id, ctx);
      const done = notify(row.property, ctx);
      ctx.changed();
      return done;
    }
    case 'property_update': {
      const row = get(args.id, ctx);
      Object.assign(row.property, validate((args.input ?? {}) as PropertyInput), { updated_at: new Date().toISOString() });
      return structuredClone(row.property);
    }
    case 'property_set_status': {
      const row = get(args.id, ctx);
      const status = String(args.status) as PropertyStatus;
      if (!['available', 'reserved', 'sold'].includes(status)) fail('validation', 'unknown status', 'status');
      const was = row.property.status;
      row.property.status = status;
      row.property.updated_at = new Date().toISOString();
      const done =
        status === 'available' && was !== 'available'
          ? notify(row.property, ctx)
          : { id: row.property.id, property: structuredClone(row.property), matched: 0, queued: 0, unreachable: 0, unreachable_leads: [], awaiting_confirmation: false };
      ctx.changed();
      return done;
    }
    case 'property_matches':
      return matchesOf(get(args.id, ctx).property, ctx);
    case 'outbox_list': {
      const status = args.status as MessageStatus | undefined;
      const lead = args.leadId as number | undefined;
      return outbox
        .filter((m) => m.ws === ctx.workspace && (!status || m.status === status) && (lead == null || m.lead_id === lead))
        .map(({ ws: _ws, ...m }) => structuredClone(m));
    }
    default:
      return NOT_MINE;
  }
}
