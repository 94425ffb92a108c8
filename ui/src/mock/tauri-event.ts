/** Mock of `@tauri-apps/api/event` for `npm run dev:mock`. */
import { onChange } from './backend';
import { onTick } from './followups';
import { onImportProgress } from './transfer';
import { onDeliveryStatus, onInboxReceived } from './delivery';

export type UnlistenFn = () => void;

export async function listen<T>(event: string, handler: (e: { event: string; id: number; payload: T }) => void): Promise<UnlistenFn> {
  if (event === 'import-progress') return onImportProgress((p) => handler({ event, id: 0, payload: p as T }));
  if (event === 'delivery-status') return onDeliveryStatus((s) => handler({ event, id: 0, payload: s as T }));
  if (event === 'inbox-received') return onInboxReceived((r) => handler({ event, id: 0, payload: r as T }));
  if (event === 'followups-ticked') return onTick((r) => handler({ event, id: 0, payload: r as T }));
  if (event !== 'leads-changed' && event !== 'outbox-changed') return () => {};
  return onChange(() => handler({ event, id: 0, payload: undefined as T }));
}
