/**
 * A tiny hash router: the current screen is a store, the URL hash mirrors it so Back/Forward
 * and plain `<a href="#/leads">` links work, and screens never parse URLs themselves.
 *
 *   #/dashboard   #/leads?grade=A&status=new&source=referral&search=jvc
 *   #/lead/new    #/lead/42    #/lead/42/edit    #/settings    #/settings/channels
 *   #/properties  #/property/7   #/followups   #/followups?outbox=unknown   #/import   #/export
 *   #/compliance   #/compliance?lead=42
 */
import { writable, get } from 'svelte/store';
import type { Grade, Source, Status } from './types';
import { isMessageState, type MessageState } from './messageState';
import { isGrade, isSource, isStatus } from './enums';
import { isYmd } from './calendar';

export interface LeadFilters {
  grade?: Grade;
  status?: Status;
  source?: Source;
  search?: string;
}

export type Route =
  | { name: 'dashboard' }
  | { name: 'leads'; filters: LeadFilters }
  | { name: 'lead'; id: number }
  | { name: 'lead-new' }
  | { name: 'lead-edit'; id: number }
  | { name: 'settings'; section?: 'channels' }
  | { name: 'properties' }
  | { name: 'property'; id: number }
  | { name: 'followups'; outbox?: MessageState; tab?: 'outbox'; lead?: number }
  | { name: 'import' }
  | { name: 'export' }
  | { name: 'pipeline'; kind: 'sale' | 'rent' }
  | { name: 'calendar'; view: 'day' | 'week'; date?: string }
  | { name: 'today' }
  | { name: 'compliance'; lead?: number };

export type RouteName = Route['name'];

const DEFAULT: Route = { name: 'today' };

function parseId(s: string | undefined): number | null {
  if (!s || !/^\d{1,15}$/.test(s)) return null;
  const n = Number(s);
  return n > 0 ? n : null;
}

/** Parses a location hash (with or without the leading `#`). Unknown → today. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart, queryPart = ''] = raw.split('?', 2);
  const parts = pathPart.split('/').filter(Boolean);
  switch (parts[0]) {
    case undefined:
      return DEFAULT;
    case 'dashboard':
      return parts.length === 1 ? { name: 'dashboard' } : DEFAULT;
    case 'settings':
      return parts[1] === 'channels' ? { name: 'settings', section: 'channels' } : { name: 'settings' };
    case 'properties':
      return parts.length === 1 ? { name: 'properties' } : DEFAULT;
    case 'followups': {
      if (parts.length !== 1) return DEFAULT;
      const query = new URLSearchParams(queryPart);
      const asked = query.get('outbox');
      // `deferred` is the outbox's own word for what the window calls "to try again".
      const outbox = asked === 'deferred' ? 'retry' : asked;
      const lead = Number(query.get('lead'));
      if (isMessageState(outbox)) return Number.isSafeInteger(lead) && lead > 0 ? { name: 'followups', outbox, lead } : { name: 'followups', outbox };
      return query.get('tab') === 'outbox' ? { name: 'followups', tab: 'outbox' } : { name: 'followups' };
    }
    case 'import':
      return parts.length === 1 ? { name: 'import' } : DEFAULT;
    case 'export':
      return parts.length === 1 ? { name: 'export' } : DEFAULT;
    case 'compliance': {
      if (parts.length !== 1) return DEFAULT;
      const lead = parseId(new URLSearchParams(queryPart).get('lead') ?? undefined);
      return lead !== null ? { name: 'compliance', lead } : { name: 'compliance' };
    }
    case 'property': {
      const id = parseId(parts[1]);
      return id !== null && parts.length === 2 ? { name: 'property', id } : DEFAULT;
    }
    case 'leads': {
      const q = new URLSearchParams(queryPart);
      const filters: LeadFilters = {};
      const grade = q.get('grade');
      const status = q.get('status');
      const source = q.get('source');
      const search = q.get('search');
      if (isGrade(grade)) filters.grade = grade;
      if (isStatus(status)) filters.status = status;
      if (isSource(source)) filters.source = source;
      if (search && search.trim()) filters.search = search;
      return { name: 'leads', filters };
    }
    case 'lead': {
      if (parts[1] === 'new' && parts.length === 2) return { name: 'lead-new' };
      const id = parseId(parts[1]);
      if (id === null) return DEFAULT;
      if (parts.length === 2) return { name: 'lead', id };
      if (parts.length === 3 && parts[2] === 'edit') return { name: 'lead-edit', id };
      return DEFAULT;
    }
    case 'pipeline': {
      if (parts.length !== 1) return DEFAULT;
      return { name: 'pipeline', kind: new URLSearchParams(queryPart).get('kind') === 'rent' ? 'rent' : 'sale' };
    }
    case 'calendar': {
      if (parts.length !== 1) return DEFAULT;
      const q = new URLSearchParams(queryPart);
      const view = q.get('view') === 'day' ? 'day' : 'week';
      const date = q.get('date');
      return isYmd(date) ? { name: 'calendar', view, date } : { name: 'calendar', view };
    }
    case 'today':
      return { name: 'today' };
    default:
      return DEFAULT;
  }
}

/** The hash (with `#`) for a route; `parseHash(routeToHash(r))` equals `r`. */
export function routeToHash(route: Route): string {
  switch (route.name) {
    case 'dashboard':
      return '#/dashboard';
    case 'settings':
      return route.section ? `#/settings/${route.section}` : '#/settings';
    case 'properties':
      return '#/properties';
    case 'followups':
      return route.outbox ? `#/followups?outbox=${route.outbox}${route.lead ? `&lead=${route.lead}` : ''}` : route.tab ? `#/followups?tab=${route.tab}` : '#/followups';
    case 'import':
      return '#/import';
    case 'export':
      return '#/export';
    case 'compliance':
      return route.lead ? `#/compliance?lead=${route.lead}` : '#/compliance';
    case 'today':
      return '#/today';
    case 'property':
      return `#/property/${route.id}`;
    case 'lead-new':
      return '#/lead/new';
    case 'lead':
      return `#/lead/${route.id}`;
    case 'lead-edit':
      return `#/lead/${route.id}/edit`;
    case 'leads': {
      const q = new URLSearchParams();
      const f = route.filters;
      if (f.grade) q.set('grade', f.grade);
      if (f.status) q.set('status', f.status);
      if (f.source) q.set('source', f.source);
      if (f.search && f.search.trim()) q.set('search', f.search);
      const qs = q.toString();
      return qs ? `#/leads?${qs}` : '#/leads';
    }
    case 'pipeline':
      return `#/pipeline?kind=${route.kind}`;
    case 'calendar':
      return route.date ? `#/calendar?view=${route.view}&date=${route.date}` : `#/calendar?view=${route.view}`;
  }
}

function currentHash(): string {
  return typeof location === 'undefined' ? '' : location.hash;
}

export const route = writable<Route>(parseHash(currentHash()));

/** Goes to `target`; `replace` rewrites the current history entry (e.g. while typing). */
export function navigate(target: Route, opts: { replace?: boolean } = {}): void {
  const hash = routeToHash(target);
  if (typeof history !== 'undefined' && typeof location !== 'undefined') {
    if (opts.replace) history.replaceState(history.state, '', hash);
    else if (location.hash !== hash) history.pushState(null, '', hash);
  }
  route.set(target);
}

/** Leads list with the given filters. */
export function leadsRoute(filters: LeadFilters = {}): Route {
  return { name: 'leads', filters };
}

function syncFromLocation(): void {
  const next = parseHash(currentHash());
  if (routeToHash(next) !== routeToHash(get(route))) route.set(next);
}

/** Follows Back/Forward and hash links. Returns a function that stops listening. */
export function startRouter(): () => void {
  syncFromLocation();
  window.addEventListener('hashchange', syncFromLocation);
  window.addEventListener('popstate', syncFromLocation);
  return () => {
    window.removeEventListener('hashchange', syncFromLocation);
    window.removeEventListener('popstate', syncFromLocation);
  };
}
