/** Builders for wire objects used across tests. */
import type {
  ChannelInfo,
  ChannelOverview,
  Dashboard,
  DeliveryStatus,
  Lead,
  LeadDetail,
  LeadPage,
  LeadQuery,
  Match,
  OutboxMessage,
  Property,
  Provider,
  Week,
  Workspace,
} from '../src/lib/types';

export function makeLead(over: Partial<Lead> = {}): Lead {
  return {
    id: 1,
    name: 'Sara Rahimi',
    email: 'sara@example.com',
    phone: '+971501234567',
    whatsapp: null,
    telegram_id: null,
    telegram_username: null,
    linkedin_url: null,
    source: 'referral',
    budget_min: 1_000_000,
    budget_max: 2_500_000,
    locations: ['JVC', 'Dubai Marina'],
    property_type: 'apartment',
    bedrooms: 2,
    purpose: 'buy',
    language: 'fa',
    status: 'contacted',
    score: 72,
    grade: 'A',
    created_at: '2025-03-21T08:00:00Z',
    updated_at: '2025-03-22T08:00:00Z',
    notes: null,
    tags: [],
    last_contacted_at: '2025-03-22T08:00:00Z',
    last_inbound_at: null,
    next_followup_at: null,
    opt_outs: [],
    unusable_channels: [],
    do_not_market_at: null,
    do_not_market_reason: null,
    ...over,
  };
}

export function makeDetail(over: Partial<LeadDetail> = {}): LeadDetail {
  return {
    ...makeLead(over),
    score_breakdown: [
      { factor: 'phone', points: 15 },
      { factor: 'budget', points: 15 },
      { factor: 'source', points: 15 },
      { factor: 'no_contact_30d', points: -15 },
    ],
    timeline: [{ at: '2025-03-21T08:00:00Z', kind: 'created', detail: 'added by hand' }],
    timeline_total: over.timeline?.length ?? 1,
    timeline_next: null,
    learned: null,
    ...over,
  };
}

/** 12 weeks (Mondays, oldest first) ending with the week of 2025-03-17. */
export function makeWeeks(): Week[] {
  const last = Date.UTC(2025, 2, 17);
  return Array.from({ length: 12 }, (_, i) => ({
    week: new Date(last - (11 - i) * 7 * 86400e3).toISOString().slice(0, 10),
    new_leads: [3, 5, 2, 8, 4, 6, 9, 1, 0, 7, 5, 4][i],
    replies: [1, 0, 2, 3, 1, 2, 4, 0, 0, 2, 1, 3][i],
  }));
}

export function makeDashboard(over: Partial<Dashboard> = {}): Dashboard {
  return {
    grades: { A: 12, B: 34, C: 56, D: 1234 },
    due_today: 3,
    overdue: 2,
    by_status: { new: 900, contacted: 300, replied: 80, qualified: 30, viewing: 12, negotiating: 5, won: 4, lost: 5 },
    by_source: { linkedin: 700, referral: 100, portal: 536 },
    outbox_waiting: 7,
    replies_this_week: 9,
    total_leads: 1336,
    weeks: makeWeeks(),
    pipeline: { stages: [], earned_this_month: 0, earned_this_year: 0 },
    speed_to_lead: { median_minutes: 6, answered_this_week: 4, unanswered: [], unanswered_total: 0 },
    ...over,
  };
}

export const workspace: Workspace = {
  id: 1,
  name: 'Default',
  timezone: 'Asia/Dubai',
  phone_region: 'AE',
  currency: 'AED',
  agent_name: 'Nadia',
  quiet_start: '09:00',
  quiet_end: '18:00',
  language: 'en',
  created_at: '2025-01-01T00:00:00Z',
  commission_sale_bp: 200,
  commission_rent_bp: 500,
  vat_bp: 500,
  agent_share_bp: 5000,
  viewing_reminder_min: 120,
  alerts_at_once: false,
  require_consent: false,
  require_permits: true,
  sample: false,
};

/** A `lead_list` that serves `total` synthetic leads and records every query. */
export function syntheticList(total: number) {
  const calls: LeadQuery[] = [];
  const fn = async (query: LeadQuery): Promise<LeadPage> => {
    calls.push(query);
    const rows: Lead[] = [];
    const offset = query.offset ?? 0;
    for (let i = offset; i < Math.min(total, offset + (query.limit ?? total)); i++) {
      rows.push(makeLead({ id: i + 1, name: `Lead ${i + 1}` }));
    }
    return { total, rows, more: false };
  };
  return { fn, calls };
}

export function makeProperty(over: Partial<Property> = {}): Property {
  return {
    id: 7,
    title: 'Villa on the Palm',
    location: 'Palm',
    price: 3_100_000,
    property_type: 'villa',
    bedrooms: 4,
    purpose: 'sale',
    permit: null,
    reference: null,
    status: 'available',
    created_at: '2025-03-21T08:00:00Z',
    updated_at: '2025-03-21T08:00:00Z',
    ...over,
  };
}

export function makeMatch(over: Partial<Match> = {}): Match {
  const id = over.id ?? over.lead_id ?? 1;
  return { id, lead_id: id, name: 'Hot Lead', grade: 'A', score: 80, fit: 0.97, matched_on: ['area', 'budget'], not_given: ['property_type', 'bedrooms', 'purpose'], reachable: true, phone: '+971501234567', alert: null, ...over };
}

export function makeOutboxMessage(over: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    id: 1,
    lead_id: 1,
    kind: 'property',
    campaign_step: null,
    property_id: 7,
    channel: null,
    status: 'queued',
    body: 'Villa on the Palm — Palm, AED 3,100,000',
    queued_at: '2025-03-21T08:00:00Z',
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
    lead_name: 'Hot Lead',
    ...over,
  };
}

export function makeDeliveryStatus(over: Partial<DeliveryStatus> = {}): DeliveryStatus {
  return { online: true, waiting: 0, deferred: 0, unknown: 0, manual: 0, review: 0, held: 0, failed: 0, next_attempt_at: null, last_error: null, ...over };
}

export function makeChannel(provider: Provider, over: Partial<ChannelInfo> = {}): ChannelInfo {
  return {
    provider,
    state: 'unconfigured',
    detail: null,
    settings: null,
    has_secret: false,
    inbound: provider !== 'whatsapp',
    checked_at: null,
    ...over,
  };
}

export function makeChannelOverview(over: Partial<ChannelOverview> = {}): ChannelOverview {
  return {
    secret_store: { kind: 'keychain', path: null, warning: null },
    channels: [makeChannel('telegram'), makeChannel('whatsapp'), makeChannel('twilio')],
    ...over,
  };
}
