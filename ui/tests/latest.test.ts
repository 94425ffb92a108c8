import { describe, expect, it, vi } from 'vitest';
import { latest, loadAndReloadOn, reloadOn } from '../src/lib/latest';
import { deferred } from './ipcMock';

describe('latest', () => {
  it('lets only the newest answer through, and none after drop', async () => {
    const answers = latest();
    const seen: string[] = [];
    const first = deferred<string>();
    const second = deferred<string>();
    const a = answers.load(() => first.promise, (v) => seen.push(v));
    const b = answers.load(() => second.promise, (v) => seen.push(v));
    second.resolve('new');
    first.resolve('old');
    await Promise.all([a, b]);
    expect(seen).toEqual(['new']);

    const third = deferred<string>();
    const c = answers.load(() => third.promise, (v) => seen.push(v), (e) => seen.push(`error ${e.code}`));
    answers.drop();
    third.reject({ code: 'io', message: 'late' });
    await c;
    expect(seen).toEqual(['new']);
  });

  it('hands errors over as AppError', async () => {
    const errors: string[] = [];
    await latest().load(() => Promise.reject(new Error('boom')), () => {}, (e) => errors.push(`${e.code}: ${e.message}`));
    expect(errors).toEqual(['internal: boom']);
  });

  it('reloads on each event until the cleanup, which also drops late answers', async () => {
    const answers = latest();
    const unlisten = vi.fn();
    let fire: () => void = () => {};
    const on = vi.fn(async (handler: () => void) => {
      fire = handler;
      return unlisten;
    });
    const reload = vi.fn();
    const stop = reloadOn(answers, reload, on);
    await Promise.resolve();
    fire();
    expect(reload).toHaveBeenCalledTimes(1);
    const pending = deferred<number>();
    const seen: number[] = [];
    const p = answers.load(() => pending.promise, (v) => seen.push(v));
    stop();
    await Promise.resolve();
    expect(unlisten).toHaveBeenCalled();
    pending.resolve(1);
    await p;
    expect(seen).toEqual([]);
  });

  it('loadAndReloadOn loads at once and on each event', async () => {
    let fire: () => void = () => {};
    const on = async (handler: () => void) => {
      fire = handler;
      return () => {};
    };
    const load = vi.fn(async () => {});
    const stop = loadAndReloadOn(latest(), load, on);
    expect(load).toHaveBeenCalledTimes(1);
    await Promise.resolve();
    fire();
    expect(load).toHaveBeenCalledTimes(2);
    stop();
  });
});
