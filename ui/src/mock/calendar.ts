/**
 * Viewings for `npm run dev:mock`: booking, listing by range or lead, status changes. Follows
 * the wire contract of `viewing_add`/`viewing_list`/`viewing_set_status` in commands/day.rs.
 */
import type { Viewing, ViewingBooked, ViewingInput, ViewingStatus } from '../lib/wire.gen';
import { NOT_MINE, type MockContext } from './properties';

const fail = (code: string, message: string, field?: string): never => {
  throw field ? { code, message, field } : { code, message };
};

const viewings: (Viewing & { ws: number })[] = [];
let nextId = 1;
const STATUSES: ViewingStatus[] = ['scheduled', 'done', 'no_show', 'cancelled'];

export function calendarCommand(cmd: string, args: Record<string, unknown> | undefined, ctx: MockContext, propertyTitle: (id: number) => string | null = () => 'Listing'): unknown {
  const a = args ?? {};
  switch (cmd) {
    case 'viewing_add': {
      const input = a.input as ViewingInput;
      const lead = ctx.leads().find((l) => l.id === input.lead_id) ?? fail('not_found', 'no such lead');
      const title = propertyTitle(input.property_id) ?? fail('not_found', 'no such listing');
      const at = new Date(input.at);
      if (Number.isNaN(at.getTime())) fail('validation', `'${input.at}' is not an RFC 3339 time`, 'at');
      const now = new Date().toISOString();
      const v = {
        ws: ctx.workspace,
        id: nextId++,
        lead_id: lead.id,
        property_id: input.property_id,
        at: at.toISOString(),
        duration_min: input.duration_min ?? 30,
        place: input.place?.trim() || null,
        status: 'scheduled' as const,
        created_at: now,
        updated_at: now,
        lead_name: lead.name,
        property_title: title,
      };
      viewings.push(v);
      ctx.changed();
      const remind = at.getTime() - 2 * 3600_000;
      const booked: ViewingBooked = {
        id: v.id,
        viewing: strip(v),
        confirmation_queued: true,
        reminder_at: remind > Date.now() ? new Date(remind).toISOString() : null,
      };
      return booked;
    }
    case 'viewing_list': {
      const from = a.from ? Date.parse(String(a.from)) : -Infinity;
      const to = a.to ? Date.parse(String(a.to)) : Infinity;
      return viewings
        .filter((v) => v.ws === ctx.workspace && (a.leadId == null || v.lead_id === a.leadId) && (a.propertyId == null || v.property_id === a.propertyId))
        .filter((v) => Date.parse(v.at) >= from && Date.parse(v.at) < to)
        .sort((x, y) => x.at.localeCompare(y.at))
        .map(strip);
    }
    case 'viewing_set_status': {
      const v = viewings.find((x) => x.ws === ctx.workspace && x.id === a.id) ?? fail('not_found', 'no such viewing');
      const status = a.status as ViewingStatus;
      if (!STATUSES.includes(status)) fail('validation', 'unknown status', 'status');
      v.status = status;
      v.updated_at = new Date().toISOString();
      return strip(v);
    }
    default:
      return NOT_MINE;
  }
}

function strip(v: Viewing & { ws: number }): Viewing {
  const { ws: _ws, ...rest } = v;
  return { ...rest };
}
