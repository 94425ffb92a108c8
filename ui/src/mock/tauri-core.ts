/** Mock of `@tauri-apps/api/core` for `npm run dev:mock`: commands run in memory. */
import { handle } from './backend';

export async function invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  await new Promise((r) => setTimeout(r, 8));
  return structuredClone(await handle(cmd, args)) as T;
}
