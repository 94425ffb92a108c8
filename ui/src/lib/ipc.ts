/**
 * The only door to the Rust side. Every Tauri command, event and plugin call the UI makes is
 * a typed function here, so components never touch Tauri and tests stub this one module.
 * Every rejection is normalised to `AppError` ({code, message, field?}); one Tauri makes itself
 * (a payload that does not fit the command's arguments) is a `usage` error.
 */
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { openUrl } from '@tauri-apps/plugin-opener';
import { fromInvokeRejection, toAppError } from './errors';
import type { Viewing, ViewingBooked, ViewingInput, ViewingStatus } from './wire.gen';
import type {
  AddOutcome,
  Campaign,
  ChannelInfo,
  PortalInfo,
  PortalSecrets,
  PortalSettings,
  PortalTested,
  ChannelOverview,
  ChannelTestResult,
  DeliveryStatus,
  InboxReceived,
  Provider,
  TelegramLink,
  Dashboard,
  DueCursor,
  DuePage,
  Enrolment,
  DuplicateMatch,
  EmailSender,
  Exported,
  CalendarExported,
  ImportField,
  ImportFormat,
  ImportPreview,
  ImportProgress,
  ImportReport,
  LeadDetail,
  LeadInput,
  LeadPage,
  LeadQuery,
  LlmInfo,
  LlmInput,
  Match,
  OutboxMessage,
  OutboxQuery,
  OutboxFilter,
  OutboxPage,
  OutboxCursor,
  Property,
  PropertyAdded,
  PropertyInput,
  PropertyStatus,
  Portal,
  Status,
  Step,
  StepStats,
  TickReport,
  UnparsedMail,
  Workspace,
  WorkspacePatch,
  PossibleDuplicates,
} from './types';
import type { AppError, Deal, DealInput, DealStage, SmartList } from './types';
import type { Call, CallLogged, CallOutcome, Lead, Task, TaskCursor, TaskFilter, TaskInput, TaskPage, TimelineCursor, TimelinePage, Today } from './types';
import type { Channel, ComplianceReport, Consent, ConsentSource, ContactPage, DncrImported, LeadCompliance, LogFilter } from './types';

let inFlight = 0;
let whenIdle: (() => void)[] = [];

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  inFlight++;
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw fromInvokeRejection(e);
  } finally {
    if (--inFlight === 0) {
      const waiting = whenIdle;
      whenIdle = [];
      for (const resolve of waiting) resolve();
    }
  }
}

/** Whether no command is waiting for its answer. */
export const idle = () => inFlight === 0;

/** Resolves once no command is waiting for its answer (at once if none is). */
export function settled(): Promise<void> {
  return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => whenIdle.push(resolve));
}

// ── Workspaces ──────────────────────────────────────────────────────────────────────────
export const workspaceList = () => call<Workspace[]>('workspace_list');
export const workspaceCurrent = () => call<Workspace>('workspace_current');
export const workspaceAdd = (name: string, timezone?: string) =>
  call<Workspace>('workspace_add', timezone ? { name, timezone } : { name });
export const workspaceSwitch = (id: number) => call<Workspace>('workspace_switch', { id });
export const workspaceUpdate = (id: number, patch: WorkspacePatch) =>
  call<Workspace>('workspace_update', { id, patch });
/** Makes (or finds) the sample book, named in `language`, and shows it from now on. */
export const workspaceSampleOpen = (language: string) => call<Workspace>('workspace_sample_open', { language });
/** Removes the sample book with everything in it; answers the workspace shown from now on. */
export const workspaceSampleRemove = (id: number) => call<Workspace>('workspace_sample_remove', { id });

// ── Leads ───────────────────────────────────────────────────────────────────────────────
export const leadList = (query: LeadQuery) => call<LeadPage>('lead_list', { query });
export const leadGet = (id: number) => call<LeadDetail>('lead_get', { id });
/** The page of a lead's history after `after` (the lead page opens with the newest). */
export const leadTimeline = (id: number, after: TimelineCursor, limit: number) => call<TimelinePage>('lead_timeline', { id, after, limit });
export const leadFindDuplicate = (input: LeadInput) =>
  call<DuplicateMatch | null>('lead_find_duplicate', { input });
/** Every field of a lead a save would refuse, each with its error (none: it would save). */
export const leadCheck = (input: LeadInput) => call<AppError[]>('lead_check', { input });
export const leadAdd = (input: LeadInput) => call<AddOutcome>('lead_add', { input });
/** Pairs of leads that share no key but may be one person, newest first, with the total. */
export const leadPossibleDuplicates = (offset: number, limit: number) => call<PossibleDuplicates>('lead_possible_duplicates', { offset, limit });
/** The agent says the two leads are two people: the pair is not offered again. */
export const leadDuplicateDismiss = (a: number, b: number) => call<void>('lead_duplicate_dismiss', { a, b });
/** Adds the lead as a new one though it shares a phone, e-mail or profile with another. */
export const leadAddSeparate = (input: LeadInput) => call<AddOutcome>('lead_add_separate', { input });
export const leadUpdate = (id: number, input: LeadInput) =>
  call<LeadDetail>('lead_update', { id, input });
export const leadSetStatus = (id: number, status: Status) =>
  call<LeadDetail>('lead_set_status', { id, status });
export const leadMerge = (keep: number, other: number) =>
  call<LeadDetail>('lead_merge', { keep, other });
export const leadReply = (id: number, text: string, channel?: string | null) =>
  call<LeadDetail>('lead_reply', channel ? { id, text, channel } : { id, text });

// ── Listings and the outbox ─────────────────────────────────────────────────────────────
export const propertyList = () => call<Property[]>('property_list');
export const propertyAdd = (input: PropertyInput) => call<PropertyAdded>('property_add', { input });
/** Tells the matching buyers of a listing added to be confirmed (each buyer once). */
export const propertyAnnounce = (id: number) => call<PropertyAdded>('property_announce', { id });
export const propertyUpdate = (id: number, input: PropertyInput) =>
  call<Property>('property_update', { id, input });
export const propertySetStatus = (id: number, status: PropertyStatus) =>
  call<PropertyAdded>('property_set_status', { id, status });
export const propertyMatches = (id: number) => call<Match[]>('property_matches', { id });
export const outboxList = (query: OutboxQuery = {}) => call<OutboxMessage[]>('outbox_list', { ...query });
/** One page of the outbox (at most `limit` messages after `after`), with the filter's total. */
export const outboxPage = (filter: OutboxFilter, after: OutboxCursor | null, limit: number) =>
  call<OutboxPage>('outbox_page', { filter, after, limit });
/** Settles a message in state `unknown`: it arrived, or it may go again. */
export const outboxConfirm = (id: number, arrived: boolean) => call<OutboxMessage>('outbox_confirm', { id, arrived });
/** A `failed` or `deferred` message goes back to `queued`, due now. */
export const outboxRetry = (id: number) => call<OutboxMessage>('outbox_retry', { id });
/** A `queued` or `deferred` message (manual ones too) becomes `failed`, "cancelled by the agent". */
export const outboxCancel = (id: number) => call<OutboxMessage>('outbox_cancel', { id });
/** A `manual` message the agent sent by hand becomes `sent`. */
export const outboxMarkDone = (id: number) => call<OutboxMessage>('outbox_mark_done', { id });
/** Wakes delivery and inbound polling now. */
export const outboxSendNow = () => call<DeliveryStatus>('outbox_send_now');
export const deliveryStatus = () => call<DeliveryStatus>('delivery_status');

/** Approves a draft held for review (with the agent's text, or null to keep it) or rejects it. */
export const outboxReview = (id: number, approve: boolean, text: string | null = null) =>
  call<OutboxMessage>('outbox_review', { id, approve, text });

// ── Enquiry mail ────────────────────────────────────────────────────────────────────────
/** The enquiry mails Leadbook could not read: the open ones, or `all`. */
export const unparsedList = (all = false) => call<UnparsedMail[]>('unparsed_list', { all });
/** The agent is done with an unparsed mail without a lead. */
export const unparsedDismiss = (id: number) => call<UnparsedMail>('unparsed_dismiss', { id });
/** Adds the lead the agent read out of an unparsed mail; the mail leaves the list. */
export const unparsedAddLead = (id: number, input: LeadInput) => call<AddOutcome>('unparsed_add_lead', { id, input });
export const emailSenderList = () => call<EmailSender[]>('email_sender_list');
export const emailSenderAdd = (pattern: string, portal: Portal | null = null) =>
  call<EmailSender>('email_sender_add', { pattern, portal });
export const emailSenderRemove = (pattern: string) => call<null>('email_sender_remove', { pattern });

// ── The language model ──────────────────────────────────────────────────────────────────
/** The model's settings and whether a key is stored (never the key). */
export const llmGet = () => call<LlmInfo>('llm_get');
/** Saves the model's settings; `apiKey: null` keeps the stored key, "" removes it. */
export const llmSet = (input: LlmInput) => call<LlmInfo>('llm_set', { ...input });
/** Holds every draft the model writes for the agent's review (`on`), or lets them go; validation on `review` without a model. */
export const llmSetReview = (on: boolean) => call<LlmInfo>('llm_set_review', { on });

// ── Channels ────────────────────────────────────────────────────────────────────────────
export const channelList = () => call<ChannelOverview>('channel_list');
/** Saves a provider's settings; `secret: null` keeps the stored one. */
export const channelSet = (provider: Provider, settings: Record<string, string | number | null>, secret: string | null) =>
  call<ChannelInfo>('channel_set', { provider, settings, secret });
export const channelTest = (provider: Provider) => call<ChannelTestResult>('channel_test', { provider });
/** Removes the webhook set on the Telegram bot (`info.webhook`), so replies reach Leadbook; the channel afterwards. */
export const channelDeleteWebhook = (provider: Provider) => call<ChannelInfo>('channel_delete_webhook', { provider });
/** Forgets a provider's settings and deletes its secret. */
export const channelRemove = (provider: Provider) => call<ChannelInfo>('channel_remove', { provider });
/** Settings → Portals: each portal's state, never a key. */
export const portalList = () => call<PortalInfo[]>('portal_list');
/** Saves a portal; a secret left null keeps the stored one. */
export const portalSet = (portal: Portal, settings: PortalSettings, secrets: PortalSecrets) =>
  call<PortalInfo>('portal_set', { portal, settings, secrets });
export const portalTest = (portal: Portal) => call<PortalTested>('portal_test', { portal });
export const portalRemove = (portal: Portal) => call<PortalInfo>('portal_remove', { portal });
/** A deep link that links the lead's Telegram when they press Start; validation on `bot_username` if unset. */
export const leadTelegramLink = (leadId: number) => call<TelegramLink>('lead_telegram_link', { leadId });

// ── Follow-ups ──────────────────────────────────────────────────────────────────────────
export const campaignList = () => call<Campaign[]>('campaign_list');
export const campaignUpdate = (id: number, steps: Step[]) => call<Campaign>('campaign_update', { id, steps });
/** Holds the campaign's drafts for the agent's approval (or stops doing so). */
export const campaignSetReview = (campaignId: number, on: boolean) => call<Campaign>('campaign_set_review', { campaignId, on });
/** A/B figures of every step under test (or with messages sent under a variant). */
export const campaignStats = () => call<StepStats[]>('campaign_stats');
/** Makes `variant` (0 = keep A) the step's only text; the test ends. */
export const campaignPromote = (campaignId: number, position: number, variant: number) =>
  call<Campaign>('campaign_promote', { campaignId, position, variant });
export const templatePreview = (leadId: number, template: string, language?: 'en' | 'fa' | 'ar') =>
  call<string>('template_preview', language ? { leadId, template, language } : { leadId, template });
/** One page of the due queue (at most `limit` steps after `after`), with the day's totals. */
export const followupDue = (after: DueCursor | null = null, limit = 100) =>
  call<DuePage>('followup_due', { after, limit });
export const followupRun = () => call<TickReport>('followup_run');
export const leadEnrolments = (leadId: number) => call<Enrolment[]>('lead_enrolments', { leadId });
export const followupPause = (leadId: number) => call<Enrolment[]>('followup_pause', { leadId });
export const followupResume = (leadId: number) => call<Enrolment[]>('followup_resume', { leadId });

// ── Import and export ───────────────────────────────────────────────────────────────────
/** `auto` lets the backend detect LinkedIn's Connections.csv, any CSV, or an XLSX sheet. */
export type ImportFormatChoice = 'auto' | ImportFormat;
/** `encoding` overrides the detected encoding of a CSV (`utf-8`, `utf-16le`, `windows-1256`, `windows-1252`…). */
export const importPreview = (path: string, format: ImportFormatChoice = 'auto', encoding?: string) =>
  call<ImportPreview>('import_preview', encoding ? { path, format, encoding } : { path, format });
/** The id of the import this window runs now, if any (each import has its own cancel flag). */
let runningImport: string | null = null;
let importsStarted = 0;
/**
 * Runs the import (under an id of its own, which `importCancel` names); `import-progress`
 * events report progress; rejects `{code:'cancelled'}` after `importCancel`.
 */
export async function importRun(
  path: string,
  format: ImportFormatChoice,
  mapping: (ImportField | null)[],
  encoding?: string,
): Promise<ImportReport> {
  const id = `import-${Date.now()}-${++importsStarted}`;
  runningImport = id;
  try {
    return await call<ImportReport>('import_run', encoding ? { id, path, format, mapping, encoding } : { id, path, format, mapping });
  } finally {
    if (runningImport === id) runningImport = null;
  }
}
/** Stops the import `importRun` is running (nothing when none is). */
export const importCancel = (): Promise<void> =>
  runningImport === null ? Promise.resolve() : call<void>('import_cancel', { id: runningImport });
/**
 * The system's file dialog for an import, opened by Rust (the webview cannot open files itself):
 * resolves to the chosen path, which Rust now lets `importPreview`/`importRun` read, or null.
 */
export const pickImportFile = (title: string) => call<string | null>('import_choose', { title });
/**
 * A path the agent typed, confirmed with Preview: Rust checks it is a readable file outside
 * Leadbook's own data and lets the import read it; resolves to the path as Rust resolved it.
 */
export const importConfirm = (path: string) => call<string>('import_confirm', { path });
/** The system's save dialog for an export, opened by Rust; resolves to the path or null. */
export const pickExportPath = (title: string, format: 'xlsx' | 'csv' | 'ics', fileName: string) =>
  call<string | null>('export_choose', { title, format, fileName });
/** A typed export path, confirmed with Export: Rust checks it and lets `exportRun` write it. */
export const exportConfirm = (path: string) => call<string>('export_confirm', { path });
/** Writes every lead of the workspace to `path` (`.xlsx` or `.csv`), a path chosen or confirmed above. */
export const exportRun = (path: string) => call<Exported>('export_run', { path });
/** Writes the workspace's viewings to `path` (`.ics`), a path chosen or confirmed above. */
export const calendarExport = (path: string) => call<CalendarExported>('calendar_export', { path });

// ── Dashboard ───────────────────────────────────────────────────────────────────────────
export const dashboard = () => call<Dashboard>('dashboard');

// ── Benchmarks ──────────────────────────────────────────────────────────────────────────
/** The first screen is painted with its answers: the Rust side may start its background work. */
export const windowReady = () => call<void>('window_ready');
/** Records a benchmark mark (a no-op unless the app was started with LEADBOOK_PERF_OUT). */
export const perfMark = (name: string, valueMs?: number) =>
  call<void>('perf_mark', valueMs === undefined ? { name } : { name, valueMs });

// ── Events ──────────────────────────────────────────────────────────────────────────────
/** Calls `onevent` with the payload of every `event` the backend emits. Returns an unsubscribe. */
async function on<T>(event: string, onevent: (payload: T) => void): Promise<() => void> {
  try {
    return await listen<T>(event, (e) => onevent(e.payload));
  } catch (e) {
    throw toAppError(e);
  }
}

/** Calls `handler` whenever the backend says leads changed. Returns an unsubscribe. */
export function onLeadsChanged(handler: () => void): Promise<() => void> {
  return on('leads-changed', () => handler());
}

/** Calls `handler` whenever the backend says the outbox changed. Returns an unsubscribe. */
export function onOutboxChanged(handler: () => void): Promise<() => void> {
  return on('outbox-changed', () => handler());
}

/** Calls `handler` with every `delivery-status` the sender pushes. Returns an unsubscribe. */
export function onDeliveryStatus(handler: (s: DeliveryStatus) => void): Promise<() => void> {
  return on<DeliveryStatus | null>('delivery-status', (payload) => {
    if (payload) handler(payload);
  });
}

/** Calls `handler` after inbound messages were stored (the desktop notification is Rust's). */
export function onInboxReceived(handler: (r: InboxReceived | null) => void): Promise<() => void> {
  return on<InboxReceived | null>('inbox-received', (payload) => handler(payload ?? null));
}

/** Calls `handler` with `{done, total}` while an import runs. Returns an unsubscribe. */
export function onImportProgress(handler: (p: ImportProgress) => void): Promise<() => void> {
  return on<ImportProgress>('import-progress', handler);
}

/** Calls `handler` after every follow-up tick (the app's 60 s timer). Returns an unsubscribe. */
export function onFollowupsTicked(handler: (report: TickReport | null) => void): Promise<() => void> {
  return on<TickReport | null>('followups-ticked', (payload) => handler(payload ?? null));
}

// ── Plugins ─────────────────────────────────────────────────────────────────────────────
/** Opens a `tel:`, `https://wa.me/…` or `https://t.me/…` link with the system handler. */
export async function openExternal(url: string): Promise<void> {
  try {
    await openUrl(url);
  } catch (e) {
    throw toAppError(e);
  }
}

/** Puts text on the clipboard (the webview's own API; no Tauri plugin needed). */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    throw toAppError(e);
  }
}


// ── pipeline ─────────────────────────────────────────────────────────────────────────────
export const dealList = (stage?: DealStage) => call<Deal[]>('deal_list', stage ? { stage } : {});
export const dealAdd = (input: DealInput) => call<Deal>('deal_add', { input });
export const dealSetStage = (id: number, stage: DealStage) => call<Deal>('deal_set_stage', { id, stage });
export const listAll = () => call<SmartList[]>('list_all');
export const listSave = (name: string, filter: LeadQuery) => call<SmartList>('list_save', { name, filter });
export const listDelete = (name: string) => call<void>('list_delete', { name });
// ── calendar ──
export const viewingList = (from: string | null, to: string | null, leadId: number | null = null, propertyId: number | null = null) =>
  call<Viewing[]>('viewing_list', { from, to, leadId, propertyId });
export const viewingAdd = (input: ViewingInput) => call<ViewingBooked>('viewing_add', { input });
export const viewingSetStatus = (id: number, status: ViewingStatus) => call<Viewing>('viewing_set_status', { id, status });
// ── today ──
export const today = () => call<Today>('today');
export const taskAdd = (input: TaskInput) => call<Task>('task_add', { input });
export const taskDone = (id: number) => call<Task>('task_done', { id });
export const taskSnooze = (id: number, until: string) => call<Task>('task_snooze', { id, until });
export const callLog = (leadId: number, outcome: CallOutcome, notes: string | null, durationS: number | null) =>
  call<CallLogged>('call_log', { leadId, outcome, notes, durationS });
export const callList = (leadId: number) => call<Call[]>('call_list', { leadId });
export const taskList = (filter: TaskFilter) => call<Task[]>('task_list', { filter });
/** One page of the tasks of `filter` (at most `limit` after `after`), with how many it holds in all. */
export const taskPage = (filter: TaskFilter, after: TaskCursor | null, limit: number) =>
  call<TaskPage>('task_page', { filter, after, limit });
export const leadSetDoNotMarket = (id: number, marked: boolean, reason: string) =>
  call<Lead>('lead_set_do_not_market', { id, marked, reason });

// ── Compliance evidence (SPEC §14) ──────────────────────────────────────────────────────
/** A page of the contact log, newest first, starting below entry `before` (from the newest when null). */
export const complianceLog = (filter: LogFilter, before: number | null, limit: number) =>
  call<ContactPage>('compliance_log', before === null ? { filter, limit } : { filter, before, limit });
/** Writes the contact report of `filter` to `path` (.xlsx or .csv), a path chosen with `pickExportPath`. */
export const complianceReport = (filter: LogFilter, path: string) => call<ComplianceReport>('compliance_report', { filter, path });
/** Replaces the Do Not Call Register with the numbers of `path`, a file chosen with `pickImportFile`. */
export const dncrImport = (path: string) => call<DncrImported>('dncr_import', { path });
export const dncrSummary = () => call<DncrImported>('dncr_summary');
export const leadCompliance = (leadId: number) => call<LeadCompliance>('lead_compliance', { leadId });
export const consentSet = (leadId: number, channel: Channel, source: ConsentSource) =>
  call<Consent[]>('consent_set', { leadId, channel, source });
export const consentWithdraw = (leadId: number, channel: Channel) => call<Consent[]>('consent_withdraw', { leadId, channel });
