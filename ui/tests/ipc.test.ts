import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

import * as ipc from '../src/lib/ipc';
import { fromInvokeRejection } from '../src/lib/errors';

describe('a rejected command call', () => {
  beforeEach(() => invoke.mockReset());

  it('that Tauri made itself (a payload that does not fit the arguments) is a usage error', async () => {
    const text = 'invalid args `input` for command `lead_add`: invalid type: string "lots", expected i64';
    invoke.mockImplementationOnce(async () => {
      throw text;
    });
    await expect(ipc.leadAdd({ name: 'Aisha' } as never)).rejects.toEqual({ code: 'usage', message: text });
    invoke.mockImplementationOnce(async () => {
      throw 'command lead_get missing required key id';
    });
    await expect(ipc.leadGet(1)).rejects.toEqual({ code: 'usage', message: 'command lead_get missing required key id' });
  });

  it("keeps the command's own {code, message, field} error", async () => {
    invoke.mockImplementationOnce(async () => {
      throw { code: 'validation', message: 'invalid phone', field: 'phone' };
    });
    await expect(ipc.leadAdd({ name: 'Aisha' } as never)).rejects.toEqual({
      code: 'validation',
      message: 'invalid phone',
      field: 'phone',
    });
    expect(fromInvokeRejection('{"code":"not_found","message":"lead 9 not found"}')).toEqual({
      code: 'not_found',
      message: 'lead 9 not found',
    });
    expect(fromInvokeRejection(new Error('boom'))).toEqual({ code: 'internal', message: 'boom' });
  });
});

describe('an import', () => {
  beforeEach(() => invoke.mockReset());

  it('runs under an id of its own, which cancel names; once it is over, cancel asks nothing', async () => {
    let finish!: (r: unknown) => void;
    invoke.mockImplementation((cmd: string) =>
      cmd === 'import_run' ? new Promise((r) => (finish = r)) : Promise.resolve(null),
    );
    const running = ipc.importRun('/data/a.csv', 'auto', ['name']);
    const runArgs = invoke.mock.calls[0][1] as { id: string; path: string };
    expect(invoke.mock.calls[0][0]).toBe('import_run');
    expect(runArgs).toMatchObject({ path: '/data/a.csv', format: 'auto', mapping: ['name'] });
    expect(typeof runArgs.id).toBe('string');

    await ipc.importCancel();
    expect(invoke).toHaveBeenLastCalledWith('import_cancel', { id: runArgs.id });

    finish({ imported: 1, merged: 0, rejected: [] });
    await running;
    invoke.mockClear();
    await ipc.importCancel();
    expect(invoke).not.toHaveBeenCalled();

    const again = ipc.importRun('/data/b.csv', 'csv', ['name']);
    expect((invoke.mock.calls[0][1] as { id: string }).id).not.toBe(runArgs.id);
    finish({ imported: 0, merged: 0, rejected: [] });
    await again;
  });
});
