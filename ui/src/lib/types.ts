/**
 * Wire types shared with the Rust side (Tauri commands). Field names are the JSON keys the
 * commands send and receive; keep them in step with `leadbook-core`.
 */

export type Grade = 'A' | 'B' | 'C' | 'D';
export type Source =
  | 'linkedin'
  | 'telegram'
  | 'whatsapp'
  | 'referral'
  | 'portal'
  | 'website'
  | 'walk_in'
  | 'manual'
  | 'import';
export type PropertyType = 'apartment' | 'villa' | 'townhouse' | 'penthouse' | 'office' | 'land';
export type Purpose = 'buy' | 'rent';
export type Lang = 'en' | 'fa' | 'ar';
export type Status =
  | 'new'
  | 'contacted'
  | 'replied'
  | 'qualified'
  | 'viewing'
  | 'negotiating'
  | 'won'
  | 'lost';
export type Channel = 'telegram' | 'whatsapp' | 'sms' | 'email';

export interface Lead {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  whatsapp: string | null;
  telegram_id: number | null;
  telegram_username: string | null;
  linkedin_url: string | null;
  source: Source;
  budget_min: number | null;
  budget_max: number | null;
  locations: string[];
  property_type: PropertyType | null;
  bedrooms: number | null;
  purpose: Purpose | null;
  language: Lang | null;
  status: Status;
  score: number;
  grade: Grade;
  created_at: string;
  updated_at: string;
  notes: string | null;
  tags: string[];
  last_contacted_at: string | null;
  last_inbound_at: string | null;
  next_followup_at: string | null;
  /** Channels the lead opted out of: 'telegram' | 'whatsapp' | 'sms' | 'email'. */
  opt_outs: string[];
  /** Channels a provider refused for this lead for good (e.g. the lead blocked the bot). */
  unusable_channels: Channel[];
}

export type ScoreFactorId =
  | 'phone'
  | 'telegram'
  | 'email'
  | 'linkedin'
  | 'budget'
  | 'location'
  | 'property_type'
  | 'bedrooms'
  | 'source'
  | 'replied'
  | 'active_status'
  | 'recent_inbound'
  | 'no_contact_30d';

export interface ScoreFactor {
  factor: string;
  points: number;
}

export type TimelineKind = 'created' | 'merged' | 'status_changed' | 'replied' | 'updated' | 'note';

/** How an inbound reply was understood (on the device). */
export type ReplyClass = 'interested' | 'asks_later' | 'not_interested' | 'opt_out' | 'wrong_number' | 'unclear';

export interface TimelineEntry {
  at: string;
  kind: string;
  detail: string;
  /** For `replied` entries: the reply's class (absent from older builds). */
  reply_class?: ReplyClass | (string & {}) | null;
}

/** How the workspace's learned model (≥ 30 won/lost leads) sees a lead. */
export interface Learned {
  /** Chance of a win, 0..1. */
  p_won: number;
  /** The model's part of the score (may be negative). */
  points: number;
  /** Rule score and model blended: the lead's score. */
  blended: number;
  /** Won and lost leads it learned from. */
  outcomes: number;
  /** What weighs most for this lead: [feature, contribution in log-odds]. */
  top: [string, number][];
}

export interface LeadDetail extends Lead {
  /** The rule factors, then (with a learned model) a `learned` factor. */
  score_breakdown: ScoreFactor[];
  timeline: TimelineEntry[];
  /** The learned model's part; null without a model (absent from older builds). */
  learned?: Learned | null;
}

export interface LeadInput {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  whatsapp?: string | null;
  telegram_id?: number | null;
  telegram_username?: string | null;
  linkedin_url?: string | null;
  source?: string | null;
  budget_min?: number | null;
  budget_max?: number | null;
  locations?: string[];
  property_type?: string | null;
  bedrooms?: number | null;
  purpose?: string | null;
  language?: string | null;
  notes?: string | null;
  tags?: string[];
}

export type LeadInputField = keyof LeadInput;

export interface AddOutcome {
  id: number;
  created: boolean;
  merged_into: number | null;
  score: number;
  grade: Grade;
}

export interface DuplicateMatch {
  lead: Lead;
  key: 'email' | 'phone' | 'linkedin_url' | 'telegram_id';
}

export type LeadSort = 'score' | 'name' | 'created_at' | 'last_contacted_at' | 'budget_max';

export interface LeadQuery {
  grade?: Grade | null;
  status?: Status | null;
  source?: Source | null;
  search?: string | null;
  sort?: LeadSort;
  desc?: boolean;
  offset: number;
  limit: number;
}

export interface LeadPage {
  total: number;
  rows: Lead[];
}

export interface Workspace {
  id: number;
  name: string;
  timezone: string;
  phone_region: string;
  currency: string;
  agent_name: string | null;
  /** "HH:MM", local to the workspace's timezone. */
  quiet_start: string;
  quiet_end: string;
  language: Lang;
  created_at: string;
}

export interface WorkspacePatch {
  name?: string;
  timezone?: string;
  phone_region?: string;
  agent_name?: string | null;
  quiet_start?: string;
  quiet_end?: string;
  language?: Lang;
}

export interface Dashboard {
  grades: { A: number; B: number; C: number; D: number };
  due_today: number;
  overdue: number;
  by_status: Record<string, number>;
  by_source: Record<string, number>;
  outbox_waiting: number;
  replies_this_week: number;
  total_leads: number;
  /** New leads and replies per week, the last 12 weeks, oldest first. */
  weeks: Week[];
}

/** One week of the dashboard chart; `week` is its Monday (YYYY-MM-DD). */
export interface Week {
  week: string;
  new_leads: number;
  replies: number;
}

// ── Import and export ──────────────────────────────────────────────────────────────────

/** A lead field an import column can fill. */
export type ImportField =
  | 'name'
  | 'first_name'
  | 'last_name'
  | 'email'
  | 'phone'
  | 'whatsapp'
  | 'telegram_username'
  | 'linkedin_url'
  | 'source'
  | 'budget_min'
  | 'budget_max'
  | 'locations'
  | 'property_type'
  | 'bedrooms'
  | 'purpose'
  | 'language'
  | 'notes'
  | 'company'
  | 'position'
  | 'tags';

export type ImportFormat = 'csv' | 'linkedin' | 'xlsx';

export interface ImportPreview {
  format: ImportFormat;
  headers: string[];
  /** One entry per column; null = the column is ignored. */
  mapping: (ImportField | null)[];
  /** The first data rows (up to 10). */
  sample: string[][];
  total_rows: number;
}

export interface RejectedRow {
  row: number;
  reason: string;
}

export interface ImportReport {
  imported: number;
  merged: number;
  rejected: RejectedRow[];
}

export interface ImportProgress {
  done: number;
  total: number;
}

export interface Exported {
  path: string;
  leads: number;
}

export type ErrorCode =
  | 'validation'
  | 'not_found'
  | 'duplicate'
  | 'usage'
  | 'internal'
  | 'offline'
  | 'provider'
  | 'busy'
  | 'database'
  | 'io'
  | 'cancelled';

/** The one error shape every command rejects with (after `toAppError`). */
export interface AppError {
  code: ErrorCode | (string & {});
  message: string;
  field?: string;
}

// ── Listings, matching and the outbox ─────────────────────────────────────────────────

export type ListingPurpose = 'sale' | 'rent';
export type PropertyStatus = 'available' | 'reserved' | 'sold';

export interface Property {
  id: number;
  title: string;
  location: string;
  price: number;
  property_type: PropertyType | null;
  bedrooms: number | null;
  purpose: ListingPurpose;
  /** RERA permit number. */
  permit: string | null;
  status: PropertyStatus;
  created_at: string;
  updated_at: string;
}

export interface PropertyInput {
  title?: string | null;
  location?: string | null;
  price?: number | null;
  property_type?: string | null;
  bedrooms?: number | null;
  purpose?: string | null;
  permit?: string | null;
}

export type PropertyInputField = keyof PropertyInput;

/** One lead that matches a listing. */
export interface Match {
  /** The lead's id (also as `lead_id`). */
  id: number;
  lead_id: number;
  name: string;
  grade: Grade;
  score: number;
  /** How closely the listing fits what the lead asked for, 0–1. */
  fit: number;
  /** Whether Leadbook can message the lead; if not, the agent calls. */
  reachable: boolean;
  phone: string | null;
}

/** What adding a listing (or making it available again) did. */
export interface PropertyAdded {
  id: number;
  property: Property;
  matched: number;
  queued: number;
  unreachable: number;
  unreachable_leads: Match[];
}

export type MessageStatus =
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'read'
  | 'failed'
  | 'deferred'
  | 'unknown';

export interface OutboxMessage {
  id: number;
  lead_id: number;
  kind: 'followup' | 'property' | 'manual';
  campaign_step: number | null;
  property_id: number | null;
  /** The route it took: a `Channel`, or `manual` (the agent sends it by hand). */
  channel: OutboxChannel | (string & {}) | null;
  status: MessageStatus;
  body: string;
  queued_at: string;
  sent_at: string | null;
  attempts: number;
  error: string | null;
  /** When a `deferred` message is tried again. */
  next_attempt_at: string | null;
  /** For `manual` messages: `https://wa.me/<digits>?text=…` or `tel:+971…`. */
  manual_link: string | null;
  /** The lead's name (absent from older builds). */
  lead_name?: string;
  /** Where the text came from; null until drafted (absent from older builds). */
  draft?: DraftSource | null;
  /** Why the template went instead of the model's text. */
  draft_note?: string | null;
  /** `pending` while held for the agent's review. */
  review?: ReviewState | null;
  /** The prompt sent to the model: a JSON array of {role, content}. */
  llm_prompt?: string | null;
  /** The model's raw answer. */
  llm_answer?: string | null;
}

export type DraftSource = 'template' | 'model' | 'agent';
export type ReviewState = 'pending' | 'approved' | 'rejected';

export type OutboxChannel = Channel | 'manual';

export interface OutboxQuery {
  status?: MessageStatus;
  leadId?: number;
}

// ── Follow-ups ───────────────────────────────────────────────────────────────────────

export type StepChannel = 'telegram' | 'whatsapp' | 'sms';

/** One touch of a campaign: when (minutes after enrolment), what (per language) and how. */
export interface Step {
  position: number;
  offset_minutes: number;
  label: string;
  template_en: string;
  template_fa: string;
  template_ar: string;
  channel: StepChannel | null;
  /** Approved WhatsApp template sent instead of the text outside the 24-hour window. */
  wa_template: string | null;
  /** The template's language code, e.g. `en_US`. */
  wa_template_language: string | null;
  /** Variable names (`first_name`…) filling the template's {{1}}, {{2}}…, rendered like the text. */
  wa_template_params: string[];
  /** A/B test: the texts B, C, D beside the step's own (A); at most 3. */
  variants: Variant[];
}

/** Another text of a step under A/B test (B, C or D), in the three languages. */
export interface Variant {
  template_en: string;
  template_fa: string;
  template_ar: string;
}

/** A two-proportion z-test of a variant's reply rate against A's (two-sided). */
export interface VariantComparison {
  z: number;
  p_value: number;
  /** p < 0.05. */
  significant: boolean;
}

/** One variant of a step under test: how many got it and how many replied after it went. */
export interface VariantStats {
  /** 0 = A, 1 = B… */
  variant: number;
  label: string;
  sent: number;
  replied: number;
  /** 0..1 */
  reply_rate: number;
  /** Wilson 95 % interval of the reply rate. */
  low: number;
  high: number;
  /** Against A; null for A itself or with nothing sent. */
  versus_a: VariantComparison | null;
}

/** A step's A/B figures (`campaign_stats`). */
export interface StepStats {
  campaign_id: number;
  campaign: string;
  position: number;
  label: string;
  variants: VariantStats[];
  /** The variant with the best reply rate, if its lead over A is significant. */
  winner: number | null;
}

export interface Campaign {
  id: number;
  name: string;
  is_default: boolean;
  steps: Step[];
  /** Drafts of this campaign wait for the agent's approval (absent from older builds). */
  review_before_sending?: boolean;
}

/** What one follow-up tick did. */
export interface TickReport {
  due: number;
  queued: number;
  stopped: number;
  deferred: number;
  skipped: number;
}

/** A step waiting to go out today (the due queue). */
export interface DueItem {
  lead_id: number;
  name: string;
  grade: Grade;
  campaign: string;
  step: number;
  label: string;
  due_at: string;
  overdue: boolean;
  waiting_for_window: boolean;
}

export type EnrolmentState = 'active' | 'paused' | 'stopped' | 'completed';

/** A lead's place in a campaign. */
export interface Enrolment {
  campaign_id: number;
  campaign: string;
  enrolled_at: string;
  next_step: number;
  steps: number;
  next_due_at: string | null;
  state: EnrolmentState;
  stop_reason: string | null;
}

// ── Channels and delivery (docs/CHANNELS.md) ───────────────────────────────────────────

export type Provider = 'telegram' | 'whatsapp' | 'twilio';
export type ChannelState = 'unconfigured' | 'ok' | 'needs_attention';

/** Where secrets are kept: the OS keychain, or (with a warning) an owner-only file. */
export interface SecretStoreInfo {
  kind: 'keychain' | 'file';
  path: string | null;
  warning: string | null;
}

/** One provider's settings and health. Never carries a secret. */
export interface ChannelInfo {
  provider: Provider;
  state: ChannelState;
  /** Why it needs attention, in English, from the provider. */
  detail: string | null;
  /** The non-secret settings (see CHANNELS.md); null when never set up. */
  settings: Record<string, string | null> | null;
  has_secret: boolean;
  /** False for WhatsApp Cloud: it only sends. */
  inbound: boolean;
  checked_at: string | null;
}

export interface ChannelOverview {
  secret_store: SecretStoreInfo;
  /** Always the three providers, in the order telegram, whatsapp, twilio. */
  channels: ChannelInfo[];
}

export interface ChannelTestResult {
  ok: boolean;
  /** Who the token belongs to, e.g. `@leadbook_bot`. */
  identity: string | null;
  message: string | null;
}

/** The outbox as the sender sees it; pushed with the `delivery-status` event. */
export interface DeliveryStatus {
  /** null: nothing tried yet. */
  online: boolean | null;
  /** queued + deferred (+ sending), manual ones not counted. */
  waiting: number;
  deferred: number;
  unknown: number;
  manual: number;
  /** Drafts held for the agent's review (absent from older builds). */
  review?: number;
  failed: number;
  next_attempt_at: string | null;
  last_error: string | null;
}

/** A lead's Telegram deep link (`https://t.me/<bot>?start=<token>`). */
export interface TelegramLink {
  url: string;
  token: string;
}

/** What one inbound sync did (`inbox-received` event). */
export interface InboxReceived {
  received: number;
  matched: number;
  new_leads: number;
  opt_outs: number;
}

// ── The language model (docs/LLM.md) ─────────────────────────────────────────────────

/** Non-secret settings of the OpenAI-compatible endpoint. */
export interface LlmSettings {
  base_url: string;
  model: string;
  timeout_seconds?: number | null;
}

/** `llm_get` / `llm_set`: never carries the key, only whether one is stored. */
export interface LlmInfo {
  settings: LlmSettings | null;
  has_key: boolean;
}

export interface LlmInput {
  baseUrl: string;
  model: string;
  /** null keeps the stored key, "" removes it. */
  apiKey: string | null;
  timeoutSeconds: number | null;
}
