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

export interface TimelineEntry {
  at: string;
  kind: string;
  detail: string;
}

export interface LeadDetail extends Lead {
  score_breakdown: ScoreFactor[];
  timeline: TimelineEntry[];
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

export type ErrorCode = 'validation' | 'not_found' | 'duplicate' | 'usage' | 'internal';

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
  channel: string | null;
  status: MessageStatus;
  body: string;
  queued_at: string;
  sent_at: string | null;
  attempts: number;
  error: string | null;
  /** The lead's name (absent from older builds). */
  lead_name?: string;
}

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
}

export interface Campaign {
  id: number;
  name: string;
  is_default: boolean;
  steps: Step[];
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
