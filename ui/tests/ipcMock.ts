/**
 * Default answers for the mocked `ipc` module (tests call `vi.mock('../src/lib/ipc')` and
 * then `stubIpc()` in beforeEach). Each test overrides what it is about.
 */
import { vi } from 'vitest';
import * as ipc from '../src/lib/ipc';
import { makeChannelOverview, makeDashboard, makeDeliveryStatus, workspace } from './fixtures';

export function stubIpc() {
  for (const fn of Object.values(ipc)) {
    if (vi.isMockFunction(fn)) fn.mockReset();
  }
  vi.mocked(ipc.workspaceCurrent).mockResolvedValue(workspace);
  vi.mocked(ipc.workspaceList).mockResolvedValue([workspace]);
  // A field given as null is left as it is, like an absent one.
  vi.mocked(ipc.workspaceUpdate).mockImplementation(async (_id, patch) => ({
    ...workspace,
    ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null && v !== undefined)),
  }));
  vi.mocked(ipc.dashboard).mockResolvedValue(makeDashboard());
  vi.mocked(ipc.leadList).mockResolvedValue({ total: 0, more: false, rows: [] });
  vi.mocked(ipc.leadFindDuplicate).mockResolvedValue(null);
  vi.mocked(ipc.leadCheck).mockResolvedValue([]);
  vi.mocked(ipc.onLeadsChanged).mockResolvedValue(() => {});
  vi.mocked(ipc.openExternal).mockResolvedValue();
  vi.mocked(ipc.propertyList).mockResolvedValue([]);
  vi.mocked(ipc.propertyMatches).mockResolvedValue([]);
  vi.mocked(ipc.outboxList).mockResolvedValue([]);
  // A page is read from what the test gave `outboxList`, filtered and cut as the backend does.
  vi.mocked(ipc.outboxPage).mockImplementation(async (filter, after, limit) => {
    const all = [...((await ipc.outboxList({})) ?? [])]
      .filter((m) => (filter.status ? m.status === filter.status : true))
      .filter((m) => (filter.lead_id ? m.lead_id === filter.lead_id : true))
      .filter((m) => (filter.manual ? m.status === 'queued' && m.channel === 'manual' : true))
      .filter((m) => (filter.review ? m.status === 'queued' && m.review === 'pending' : true))
      .sort((a, b) => a.queued_at.localeCompare(b.queued_at) || a.id - b.id);
    const start = after ? all.findIndex((m) => m.queued_at > after.queued_at || (m.queued_at === after.queued_at && m.id > after.id)) : 0;
    const rest = start < 0 ? [] : all.slice(start);
    const messages = rest.slice(0, limit);
    const last = messages[messages.length - 1];
    return { messages, total: all.length, next: rest.length > limit && last ? { queued_at: last.queued_at, id: last.id } : null };
  });
  vi.mocked(ipc.onOutboxChanged).mockResolvedValue(() => {});
  vi.mocked(ipc.onFollowupsTicked).mockResolvedValue(() => {});
  vi.mocked(ipc.leadEnrolments).mockResolvedValue([]);
  vi.mocked(ipc.viewingList).mockResolvedValue([]);
  vi.mocked(ipc.followupDue).mockResolvedValue({ items: [], total: 0, due_now: 0, next: null });
  vi.mocked(ipc.campaignList).mockResolvedValue([]);
  vi.mocked(ipc.campaignStats).mockResolvedValue([]);
  vi.mocked(ipc.deliveryStatus).mockResolvedValue(makeDeliveryStatus());
  vi.mocked(ipc.onDeliveryStatus).mockResolvedValue(() => {});
  vi.mocked(ipc.onInboxReceived).mockResolvedValue(() => {});
  vi.mocked(ipc.channelList).mockResolvedValue(makeChannelOverview());
  vi.mocked(ipc.portalList).mockResolvedValue([]);
  vi.mocked(ipc.unparsedList).mockResolvedValue([]);
  vi.mocked(ipc.llmGet).mockResolvedValue({ settings: null, has_key: false });
  // Rust confirms a typed path as it is (it resolves symlinks; the tests have none).
  vi.mocked(ipc.importConfirm).mockImplementation(async (path) => path);
  vi.mocked(ipc.exportConfirm).mockImplementation(async (path) => path);
  vi.mocked(ipc.today).mockResolvedValue({ now: new Date().toISOString(), in_call_window: true, calls_wait_until: null, calls_wait_label: null, calls: [], calls_total: 0, manual_count: 0, manual: [], viewings: [], tasks: [], tasks_total: 0, tasks_next: null, tasks_before: new Date().toISOString(), new_leads: [], replies: [] });
  vi.mocked(ipc.taskList).mockResolvedValue([]);
  vi.mocked(ipc.taskPage).mockResolvedValue({ tasks: [], total: 0, next: null });
  vi.mocked(ipc.callList).mockResolvedValue([]);
  vi.mocked(ipc.leadCompliance).mockImplementation(async (leadId) => ({ lead_id: leadId, dncr: false, consents: [], held: [] }));
  vi.mocked(ipc.dncrSummary).mockResolvedValue({ numbers: 0, leads_affected: 0, refused: [], refused_count: 0 });
  vi.mocked(ipc.complianceLog).mockResolvedValue({ entries: [], total: 0, contacts: 0, held: 0, next: null });
  return ipc;
}

export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
