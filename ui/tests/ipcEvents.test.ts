import { describe, expect, it, vi } from 'vitest';

const listen = vi.fn();
vi.mock('@tauri-apps/api/event', () => ({ listen: (...args: unknown[]) => listen(...args) }));

const ipc = await import('../src/lib/ipc');

describe('ipc events', () => {
  it('hands each event its payload the way its handler expects', async () => {
    const handlers = new Map<string, (e: { payload: unknown }) => void>();
    const unlisten = () => {};
    listen.mockImplementation(async (event: string, cb: (e: { payload: unknown }) => void) => {
      handlers.set(event, cb);
      return unlisten;
    });
    const seen: unknown[] = [];
    expect(await ipc.onLeadsChanged(() => seen.push('leads'))).toBe(unlisten);
    await ipc.onDeliveryStatus((s) => seen.push(s));
    await ipc.onFollowupsTicked((r) => seen.push(r));
    await ipc.onImportProgress((p) => seen.push(p));
    handlers.get('leads-changed')!({ payload: 'ignored' });
    handlers.get('delivery-status')!({ payload: null });
    handlers.get('delivery-status')!({ payload: { state: 'ok' } });
    handlers.get('followups-ticked')!({ payload: undefined });
    handlers.get('import-progress')!({ payload: { done: 1, total: 2 } });
    expect(seen).toEqual(['leads', { state: 'ok' }, null, { done: 1, total: 2 }]);
  });

  it('turns a failed subscription into an AppError', async () => {
    listen.mockRejectedValue(new Error('no tauri'));
    await expect(ipc.onOutboxChanged(() => {})).rejects.toEqual({ code: 'internal', message: 'no tauri' });
  });
});
