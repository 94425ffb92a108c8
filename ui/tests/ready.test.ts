import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

import * as ipc from '../src/lib/ipc';
import { announceReady, screenSettled } from '../src/lib/ready';

/** A command whose answer the test gives when it wants. */
function held() {
  let answer!: (v: unknown) => void;
  invoke.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
  return (v: unknown = null) => answer(v);
}

const frames = () => ({ afterPaint: () => Promise.resolve(), idle: ipc.idle, settled: ipc.settled });

describe('the window says it is ready', () => {
  beforeEach(() => invoke.mockReset());

  it('only once no command of the first screen waits for its answer', async () => {
    const answerWorkspace = held();
    const workspace = ipc.workspaceCurrent();
    let done = false;
    const settled = screenSettled(frames()).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 0));
    expect(done).toBe(false);
    // The answer leads to the next question, asked before the frame that paints it.
    const answerLeads = held();
    answerWorkspace({ id: 1 });
    await workspace;
    const leads = ipc.leadList({} as never);
    await new Promise((r) => setTimeout(r, 0));
    expect(done).toBe(false);
    answerLeads({ leads: [], total: 0, more: false });
    await leads;
    await settled;
    expect(done).toBe(true);
    expect(ipc.idle()).toBe(true);
  });

  it('through window_ready, and a refusal of it changes nothing for the agent', async () => {
    invoke.mockResolvedValueOnce(null);
    await announceReady(frames());
    expect(invoke).toHaveBeenCalledWith('window_ready', undefined);
    invoke.mockRejectedValueOnce('command window_ready not allowed');
    await expect(announceReady(frames())).resolves.toBeUndefined();
  });
});
