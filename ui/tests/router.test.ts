import { describe, expect, it } from 'vitest';
import { get } from 'svelte/store';
import { navigate, parseHash, route, routeToHash, startRouter, type Route } from '../src/lib/router';

describe('router', () => {
  it('parses every route', () => {
    expect(parseHash('')).toEqual({ name: 'today' });
    expect(parseHash('#/today')).toEqual({ name: 'today' });
    expect(parseHash('#/dashboard')).toEqual({ name: 'dashboard' });
    expect(parseHash('#/leads')).toEqual({ name: 'leads', filters: {} });
    expect(parseHash('#/leads?grade=A&status=viewing&source=referral&search=jvc')).toEqual({
      name: 'leads',
      filters: { grade: 'A', status: 'viewing', source: 'referral', search: 'jvc' },
    });
    expect(parseHash('#/lead/new')).toEqual({ name: 'lead-new' });
    expect(parseHash('#/lead/42')).toEqual({ name: 'lead', id: 42 });
    expect(parseHash('#/lead/42/edit')).toEqual({ name: 'lead-edit', id: 42 });
    expect(parseHash('#/settings')).toEqual({ name: 'settings' });
  });

  it('drops unknown filter values and falls back to today for unknown paths', () => {
    expect(parseHash('#/leads?grade=Z&status=bogus')).toEqual({ name: 'leads', filters: {} });
    expect(parseHash('#/lead/abc')).toEqual({ name: 'today' });
    expect(parseHash('#/lead/0')).toEqual({ name: 'today' });
    expect(parseHash('#/nowhere')).toEqual({ name: 'today' });
  });

  it('round-trips routes through the hash', () => {
    const routes: Route[] = [
      { name: 'dashboard' },
      { name: 'today' },
      { name: 'leads', filters: {} },
      { name: 'leads', filters: { grade: 'B', search: 'Marina & JVC' } },
      { name: 'lead', id: 7 },
      { name: 'lead-new' },
      { name: 'lead-edit', id: 7 },
      { name: 'settings' },
    ];
    for (const r of routes) expect(parseHash(routeToHash(r))).toEqual(r);
  });

  it('navigate updates the store and the URL; replace does not add history', () => {
    const before = history.length;
    navigate({ name: 'leads', filters: { grade: 'A' } });
    expect(get(route)).toEqual({ name: 'leads', filters: { grade: 'A' } });
    expect(location.hash).toBe('#/leads?grade=A');
    expect(history.length).toBe(before + 1);
    navigate({ name: 'leads', filters: { grade: 'A', search: 'x' } }, { replace: true });
    expect(location.hash).toBe('#/leads?grade=A&search=x');
    expect(history.length).toBe(before + 1);
  });

  it('follows hash links', () => {
    const stop = startRouter();
    location.hash = '#/lead/9';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    expect(get(route)).toEqual({ name: 'lead', id: 9 });
    stop();
  });
});
