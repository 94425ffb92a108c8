/**
 * Smart lists: the Leads screen's filters as the LeadQuery a list saves, and back (opening a
 * list applies its filter to the Leads screen).
 */
import type { LeadFilters } from './router';
import type { LeadQuery } from './types';
import { isGrade, isSource, isStatus } from './enums';

export function filtersToQuery(f: LeadFilters): LeadQuery {
  const q: LeadQuery = {};
  if (f.grade) q.grade = f.grade;
  if (f.status) q.status = f.status;
  if (f.source) q.source = f.source;
  if (f.search && f.search.trim()) q.search = f.search.trim();
  return q;
}

export function queryToFilters(q: LeadQuery): LeadFilters {
  const f: LeadFilters = {};
  if (isGrade(q.grade ?? null)) f.grade = q.grade!;
  if (isStatus(q.status ?? null)) f.status = q.status!;
  if (isSource(q.source ?? null)) f.source = q.source!;
  if (q.search && q.search.trim()) f.search = q.search;
  return f;
}

/** True when the screen's filters hold anything worth saving. */
export function hasFilter(f: LeadFilters): boolean {
  return Object.keys(filtersToQuery(f)).length > 0;
}
