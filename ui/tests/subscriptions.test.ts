import { describe, expect, it, vi } from 'vitest';
import { subscriptions } from '../src/lib/subscriptions';

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('subscriptions', () => {
  it('stops every subscription it followed', async () => {
    const a = vi.fn();
    const b = vi.fn();
    const subs = subscriptions();
    subs.follow(Promise.resolve(a));
    subs.follow(Promise.resolve(b));
    await flush();
    subs.stop();
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(1);
    subs.stop();
    expect(a).toHaveBeenCalledTimes(1);
  });

  it('undoes at once a subscription that arrives after stop', async () => {
    let resolve!: (fn: () => void) => void;
    const late = vi.fn();
    const subs = subscriptions();
    subs.follow(new Promise((r) => (resolve = r)));
    subs.stop();
    resolve(late);
    await flush();
    expect(late).toHaveBeenCalledTimes(1);
  });

  it('ignores a subscription that fails or gives nothing (not under Tauri)', async () => {
    const subs = subscriptions();
    subs.follow(Promise.reject(new Error('no Tauri')));
    subs.follow(undefined);
    await flush();
    expect(() => subs.stop()).not.toThrow();
  });
});
