/**
 * Follow-ups for `npm run dev:mock`: the default "New lead nurture" campaign, each lead's
 * enrolment (derived from when it was created), the due queue, pause/resume and a template
 * preview. Follows the wire contract of the Rust commands; the tick here only counts.
 */
import type { Campaign, DueCursor, DueItem, DuePage, Enrolment, Lead, Step, StepStats, TickReport, Variant, VariantStats } from '../lib/types';
import { compare, wilson } from './abtest';
import { NOT_MINE, type MockContext } from './properties';

const fail = (code: string, message: string, field?: string): never => {
  throw field ? { code, message, field } : { code, message };
};

const VARIABLES = ['first_name', 'name', 'agent_name', 'location', 'budget', 'property_type', 'bedrooms', 'property_title', 'property_location', 'price'];

const step = (position: number, hours: number, label: string, en: string, fa: string, ar: string, wa: [string, string, string[]] | null = null): Step => ({
  position,
  offset_minutes: hours * 60,
  label,
  template_en: en,
  template_fa: fa,
  template_ar: ar,
  channel: null,
  wa_template: wa?.[0] ?? null,
  wa_template_language: wa?.[1] ?? null,
  wa_template_params: wa?.[2] ?? [],
  subject_en: '',
  subject_fa: '',
  subject_ar: '',
  variants: [],
});

const campaigns = new Map<number, Campaign>();
function campaignsOf(ws: number): Campaign {
  let c = campaigns.get(ws);
  if (!c) {
    c = {
      id: ws,
      name: 'New lead nurture',
      is_default: true,
      // Review mode: the model's drafts wait in the review queue (two are seeded there).
      review_before_sending: true,
      steps: [
        step(1, 1, 'Introduction', 'Hi {first_name}, this is {agent_name}. Thank you for your interest in {location}.', 'سلام {first_name}، {agent_name} هستم. از علاقه شما به {location} ممنونم.', 'مرحباً {first_name}، معك {agent_name}. شكراً لاهتمامك بـ{location}.'),
        step(2, 72, 'Value', 'Hi {first_name}, homes in {location} within {budget} are moving fast.', 'سلام {first_name}، خانه‌های {location} در حد {budget} سریع فروخته می‌شوند.', 'مرحباً {first_name}، المنازل في {location} ضمن {budget} تُباع بسرعة.'),
        step(3, 144, 'Urgency', 'Hi {first_name}, a {property_type} in {location} just came up. Interested?', 'سلام {first_name}، یک {property_type} در {location} آمده. علاقه دارید؟', 'مرحباً {first_name}، ظهر {property_type} في {location}. هل أنت مهتم؟', ['new_listing_alert', 'en_US', ['first_name', 'location']]),
        step(4, 240, 'New listings', 'Hi {first_name}, new listings in {location} this week.', 'سلام {first_name}، آگهی‌های جدید {location} این هفته.', 'مرحباً {first_name}، عقارات جديدة في {location} هذا الأسبوع.'),
        step(5, 336, 'Check-in', 'Hi {first_name}, still looking in {location}? — {agent_name}', 'سلام {first_name}، هنوز در {location} دنبال خانه هستید؟ — {agent_name}', 'مرحباً {first_name}، هل ما زلت تبحث في {location}؟ — {agent_name}'),
      ],
    };
    // A test under way: step 2 with a shorter, question-led text B, and step 4 with B and C.
    c.steps[1].variants = [
      {
        template_en: 'Hi {first_name}, shall I send you the three best {property_type} options in {location} within {budget}?',
        template_fa: 'سلام {first_name}، سه گزینهٔ برتر {property_type} در {location} در حد {budget} را برایتان بفرستم؟',
        template_ar: 'مرحباً {first_name}، هل أرسل لك أفضل ثلاثة خيارات {property_type} في {location} ضمن {budget}؟',
      },
    ];
    c.steps[3].variants = [
      {
        template_en: 'Hi {first_name}, three new homes in {location} this week. Want the photos?',
        template_fa: 'سلام {first_name}، این هفته سه خانهٔ جدید در {location}. عکس‌ها را بفرستم؟',
        template_ar: 'مرحباً {first_name}، ثلاثة منازل جديدة في {location} هذا الأسبوع. هل أرسل الصور؟',
      },
      {
        template_en: '{first_name}, a quick one: new listings in {location} just came in. — {agent_name}',
        template_fa: '{first_name}، کوتاه بگویم: آگهی‌های تازهٔ {location} رسید. — {agent_name}',
        template_ar: '{first_name}، باختصار: وصلت عقارات جديدة في {location}. — {agent_name}',
      },
    ];
    campaigns.set(ws, c);
    sent.set(ws, new Map([
      // position → [sent, replied] per variant (A first)
      [2, [[212, 23], [205, 41]]],
      [4, [[48, 6], [45, 7], [12, 1]]],
    ]));
  }
  return c;
}

/** What went out under each variant: workspace → step position → [sent, replied] per variant. */
const sent = new Map<number, Map<number, [number, number][]>>();

function stats(ws: number): StepStats[] {
  const c = campaignsOf(ws);
  const counts = sent.get(ws) ?? new Map<number, [number, number][]>();
  const out: StepStats[] = [];
  for (const s of c.steps) {
    const of = counts.get(s.position) ?? [];
    if (s.variants.length === 0 && of.length === 0) continue;
    const n = Math.max(s.variants.length + 1, of.length);
    const [aSent, aReplied] = of[0] ?? [0, 0];
    const variants: VariantStats[] = Array.from({ length: n }, (_, v) => {
      const [sentN, replied] = of[v] ?? [0, 0];
      const [low, high] = wilson(replied, sentN);
      return {
        variant: v,
        label: String.fromCharCode(65 + v),
        sent: sentN,
        replied,
        reply_rate: sentN > 0 ? replied / sentN : 0,
        low,
        high,
        versus_a: v === 0 ? null : compare(replied, sentN, aReplied, aSent),
      };
    });
    const best = variants.reduce((b, v) => (v.reply_rate > b.reply_rate ? v : b), variants[0]);
    const winner = best && best.variant !== 0 && best.versus_a?.significant && best.versus_a.z > 0 ? best.variant : null;
    out.push({ campaign_id: c.id, campaign: c.name, position: s.position, label: s.label, variants, winner });
  }
  return out;
}

const paused = new Set<number>();

function enrolmentOf(lead: Lead, c: Campaign): Enrolment {
  const enrolled = new Date(lead.created_at).getTime() || Date.now();
  const now = Date.now();
  let next = c.steps.findIndex((s) => enrolled + s.offset_minutes * 60_000 > now);
  if (next < 0) next = c.steps.length;
  const replied = lead.last_inbound_at !== null && new Date(lead.last_inbound_at).getTime() > enrolled;
  const state: Enrolment['state'] = replied ? 'stopped' : paused.has(lead.id) ? 'paused' : next >= c.steps.length ? 'completed' : 'active';
  const s = c.steps[next];
  return {
    campaign_id: c.id,
    campaign: c.name,
    enrolled_at: new Date(enrolled).toISOString(),
    next_step: Math.min(next + 1, c.steps.length + 1),
    steps: c.steps.length,
    next_due_at: s && state !== 'stopped' ? new Date(enrolled + s.offset_minutes * 60_000).toISOString() : null,
    state,
    stop_reason: replied ? 'the lead replied' : state === 'paused' ? 'paused by hand' : null,
  };
}

function lead(ctx: MockContext, id: unknown): Lead {
  const found = ctx.leads().find((l) => l.id === Number(id));
  return found ?? fail('not_found', `no lead ${String(id)}`);
}

function duePage(ctx: MockContext, after: DueCursor | null, limit: number): DuePage {
  const all = due(ctx, Infinity);
  const key = (i: DueItem) => [i.due_at, i.lead_id, i.campaign_id] as const;
  const start = after ? all.findIndex((i) => {
    const [d, l, c] = key(i);
    return d > after.due_at || (d === after.due_at && (l > after.lead_id || (l === after.lead_id && c > after.campaign_id)));
  }) : 0;
  const rest = start < 0 ? [] : all.slice(start);
  const items = rest.slice(0, limit);
  const last = items[items.length - 1];
  const now = new Date().toISOString();
  return {
    items,
    total: all.length,
    due_now: all.filter((i) => i.due_at <= now).length,
    next: rest.length > limit && last ? { due_at: last.due_at, lead_id: last.lead_id, campaign_id: last.campaign_id } : null,
  };
}

function due(ctx: MockContext, limit: number): DueItem[] {
  const c = campaignsOf(ctx.workspace);
  const hour = new Date().getHours();
  const open = hour >= 9 && hour < 18;
  const now = Date.now();
  // A handful of synthetic items: a few overdue, a few later today.
  return ctx
    .leads()
    .slice(0, 8)
    .map((l, i) => {
      const s = c.steps[i % c.steps.length];
      const at = now + (i < 4 ? -(i + 1) * 40 : (i - 3) * 90) * 60_000;
      return {
        lead_id: l.id,
        name: l.name,
        grade: l.grade,
        campaign_id: c.id,
        campaign: c.name,
        step: s.position,
        label: s.label,
        due_at: new Date(at).toISOString(),
        overdue: at <= now && open,
        waiting_for_window: at <= now && !open,
      };
    })
    .sort((a, b) => a.due_at.localeCompare(b.due_at))
    .slice(0, limit);
}

function render(template: string, l: Lead): string {
  const values: Record<string, string> = {
    first_name: l.name.split(/\s+/)[0] || 'there',
    name: l.name,
    agent_name: 'your agent',
    location: l.locations[0] ?? 'Dubai',
    budget: l.budget_max ? `AED ${l.budget_max.toLocaleString('en')}` : 'your budget',
    property_type: l.property_type ?? 'home',
    bedrooms: l.bedrooms !== null ? String(l.bedrooms) : 'the right number of',
    property_title: 'a new listing',
    property_location: l.locations[0] ?? 'Dubai',
    price: 'a good price',
  };
  return template.replace(/\{(\w+)\}/g, (whole, v: string) => values[v] ?? whole);
}

function validate(steps: Step[]) {
  if (!Array.isArray(steps) || steps.length < 1 || steps.length > 20) fail('validation', 'a campaign has 1 to 20 steps', 'steps');
  steps.forEach((s, i) => {
    if (i > 0 && s.offset_minutes <= steps[i - 1].offset_minutes)
      fail('validation', `step ${i + 1} must come after step ${i}`, 'offset_minutes');
    for (const f of ['template_en', 'template_fa', 'template_ar'] as const) {
      const text = s[f] ?? '';
      if (!text.trim() || text.length > 1000) fail('validation', `step ${i + 1} needs a message of 1 to 1000 characters`, f);
      for (const m of text.matchAll(/\{(\w+)\}/g)) {
        if (!VARIABLES.includes(m[1])) fail('validation', `step ${i + 1}: unknown variable {${m[1]}}`, f);
      }
    }
    const variants: Variant[] = s.variants ?? [];
    if (variants.length > 3) fail('validation', `step ${i + 1} has at most 4 variants (A to D)`, 'variants');
    variants.forEach((v, j) => {
      const which = `step ${i + 1} variant ${String.fromCharCode(66 + j)}`;
      for (const f of ['template_en', 'template_fa', 'template_ar'] as const) {
        const text = v[f] ?? '';
        if (!text.trim() || text.length > 1000) fail('validation', `${which} needs a message of 1 to 1000 characters`, f);
        for (const m of text.matchAll(/\{(\w+)\}/g)) {
          if (!VARIABLES.includes(m[1])) fail('validation', `${which}: unknown variable {${m[1]}}`, f);
        }
      }
    });
    if (s.channel !== null && !['telegram', 'whatsapp', 'sms', 'email'].includes(s.channel))
      fail('validation', "a step's channel is telegram, whatsapp, sms or email", 'channel');
    for (const f of ['subject_en', 'subject_fa', 'subject_ar'] as const) {
      const subject = s[f] ?? '';
      if (subject.length > 200 || /[\r\n]/.test(subject)) fail('validation', `step ${i + 1}: an email subject is one line of at most 200 characters`, f);
    }
    const name = s.wa_template?.trim() || null;
    if (name && !/^[a-z0-9_]{1,512}$/.test(name))
      fail('validation', `step ${i + 1}: a WhatsApp template name has lower-case letters, digits and _ only`, 'wa_template');
    const lang = s.wa_template_language?.trim() || null;
    if (lang && !/^[a-z]{2,3}(_[A-Z]{2})?$/.test(lang))
      fail('validation', `step ${i + 1}: a template language is a code such as en_US`, 'wa_template_language');
    if (name && !lang) fail('validation', `step ${i + 1}: a WhatsApp template needs its language code`, 'wa_template_language');
    const params = s.wa_template_params ?? [];
    if (params.length && !name) fail('validation', `step ${i + 1}: parameters need a template name`, 'wa_template_params');
    for (const p of params) {
      if (!VARIABLES.includes(p)) fail('validation', `step ${i + 1}: unknown variable ${p}`, 'wa_template_params');
    }
  });
}

/** Listeners of `followups-ticked`. */
const tickListeners = new Set<(r: TickReport) => void>();
export function onTick(fn: (r: TickReport) => void): () => void {
  tickListeners.add(fn);
  return () => tickListeners.delete(fn);
}

export function followupCommand(cmd: string, args: Record<string, unknown>, ctx: MockContext): unknown {
  switch (cmd) {
    case 'campaign_list':
      return [structuredClone(campaignsOf(ctx.workspace))];
    case 'campaign_update': {
      const c = campaignsOf(ctx.workspace);
      if (Number(args.id) !== c.id) fail('not_found', `no campaign ${String(args.id)}`);
      const steps = (args.steps ?? []) as Step[];
      validate(steps);
      c.steps = steps.map((s, i) => ({
        ...s,
        position: i + 1,
        wa_template: s.wa_template?.trim() || null,
        wa_template_language: s.wa_template_language?.trim() || null,
        wa_template_params: s.wa_template_params ?? [],
        variants: (s.variants ?? []).map((v) => ({ template_en: v.template_en, template_fa: v.template_fa, template_ar: v.template_ar })),
      }));
      return structuredClone(c);
    }
    case 'campaign_set_review': {
      const c = campaignsOf(ctx.workspace);
      if (Number(args.campaignId) !== c.id) fail('not_found', `no campaign ${String(args.campaignId)}`);
      c.review_before_sending = args.on === true;
      return structuredClone(c);
    }
    case 'campaign_stats':
      return stats(ctx.workspace);
    case 'campaign_promote': {
      const c = campaignsOf(ctx.workspace);
      if (Number(args.campaignId) !== c.id) fail('not_found', `no campaign ${String(args.campaignId)}`);
      const s = c.steps.find((x) => x.position === Number(args.position));
      if (!s) return fail('not_found', `step ${String(args.position)} of campaign ${c.id}`);
      const v = Number(args.variant);
      if (!Number.isInteger(v) || v < 0 || v > s.variants.length)
        fail('validation', `step ${s.position} has no variant ${String.fromCharCode(65 + v)}`, 'variant');
      if (v > 0) Object.assign(s, s.variants[v - 1]);
      s.variants = [];
      ctx.changed();
      return structuredClone(c);
    }
    case 'template_preview':
      return render(String(args.template ?? ''), lead(ctx, args.leadId));
    case 'followup_due':
      return duePage(ctx, (args.after as DueCursor | null | undefined) ?? null, typeof args.limit === 'number' ? args.limit : 100);
    case 'followup_run': {
      const items = due(ctx, 1000);
      const report: TickReport = {
        due: items.length,
        queued: items.filter((i) => i.overdue).length,
        stopped: 0,
        deferred: items.filter((i) => i.waiting_for_window).length,
        skipped: 0,
      };
      setTimeout(() => tickListeners.forEach((fn) => fn(report)), 0);
      return report;
    }
    case 'lead_enrolments':
      return [enrolmentOf(lead(ctx, args.leadId), campaignsOf(ctx.workspace))];
    case 'followup_pause':
    case 'followup_resume': {
      const l = lead(ctx, args.leadId);
      if (cmd === 'followup_pause') paused.add(l.id);
      else paused.delete(l.id);
      return [enrolmentOf(l, campaignsOf(ctx.workspace))];
    }
    default:
      return NOT_MINE;
  }
}
