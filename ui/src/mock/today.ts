/**
 * The agent's day for `npm run dev:mock`: tasks (one call task per A lead is seeded), calls
 * and the `today` answer, following the wire contract of the Rust commands in commands/day.rs.
 */
import type { Call, CallLogged, CallOutcome, Task, TaskCursor, TaskFilter, TaskInput, TaskPage, Today } from '../lib/types';
import { NOT_MINE, type MockContext } from './properties';

const fail = (code: string, message: string, field?: string): never => {
  throw field ? { code, message, field } : { code, message };
};

const tasks: (Task & { ws: number })[] = [];
const calls: (Call & { ws: number })[] = [];
const seeded = new Set<number>();
let nextTask = 1;
let nextCall = 1;
const OUTCOMES: CallOutcome[] = ['answered', 'no_answer', 'busy', 'declined', 'wrong_number'];

function seed(ctx: MockContext) {
  if (seeded.has(ctx.workspace)) return;
  seeded.add(ctx.workspace);
  for (const l of ctx.leads().filter((l) => l.grade === 'A').slice(0, 3)) {
    add(ctx, { title: 'Call back', lead_id: l.id, kind: 'call', due_at: new Date(Date.now() - 600_000).toISOString() });
  }
}

function add(ctx: MockContext, input: TaskInput): Task {
  if (!input.title || !input.title.trim()) fail('validation', 'a task needs a title', 'title');
  const lead = input.lead_id ? ctx.leads().find((l) => l.id === input.lead_id) : null;
  if (input.lead_id && !lead) fail('not_found', `no lead ${input.lead_id}`);
  const t: Task & { ws: number } = {
    ws: ctx.workspace,
    id: nextTask++,
    lead_id: input.lead_id ?? null,
    property_id: input.property_id ?? null,
    kind: input.kind ?? 'other',
    origin: 'agent',
    title: input.title.trim(),
    detail: input.detail ?? '',
    due_at: input.due_at ?? null,
    snoozed_until: null,
    created_at: new Date().toISOString(),
    done_at: null,
    lead_name: lead?.name ?? null,
  };
  tasks.push(t);
  return t;
}

function task(id: unknown, ctx: MockContext) {
  const t = tasks.find((x) => x.id === id && x.ws === ctx.workspace);
  return t ?? fail('not_found', `no task ${String(id)}`);
}

/** The tasks of `f` in the backend's order (soonest due first, those without a due time last). */
function filtered(ctx: MockContext, f: TaskFilter): (Task & { ws: number })[] {
  const due = (t: Task) => t.snoozed_until ?? t.due_at;
  return tasks
    .filter((t) => t.ws === ctx.workspace)
    .filter((t) => !f.open || !t.done_at)
    .filter((t) => !f.due_before || (!!due(t) && due(t)! < f.due_before))
    .filter((t) => !f.lead_id || t.lead_id === f.lead_id)
    .filter((t) => !f.kind || t.kind === f.kind)
    .filter((t) => !f.except_kind || t.kind !== f.except_kind)
    .sort((a, b) => Number(!due(a)) - Number(!due(b)) || (due(a) ?? '').localeCompare(due(b) ?? '') || a.id - b.id);
}

function taskPage(ctx: MockContext, f: TaskFilter, after: TaskCursor | null, limit: number): TaskPage {
  const all = filtered(ctx, f);
  const start = after ? all.findIndex((t) => t.id === after.id) + 1 : 0;
  const page = all.slice(start, start + limit);
  const last = page[page.length - 1];
  const next = start + limit < all.length && last ? { due: last.snoozed_until ?? last.due_at, id: last.id } : null;
  return { tasks: page, total: all.length, next };
}

function today(ctx: MockContext): Today {
  const now = new Date();
  const open = tasks.filter((t) => t.ws === ctx.workspace && !t.done_at && (!t.snoozed_until || Date.parse(t.snoozed_until) <= now.getTime()));
  const leads = ctx.leads();
  const tomorrow = new Date(now);
  tomorrow.setHours(24, 0, 0, 0);
  const tasks_before = tomorrow.toISOString();
  const due = taskPage(ctx, { open: true, due_before: tasks_before, except_kind: 'call', lead_id: null, kind: null }, null, 50);
  const calls = open
    .filter((t) => t.kind === 'call' && t.lead_id)
    .map((t) => {
      const l = leads.find((x) => x.id === t.lead_id);
      return { task_id: t.id, lead_id: t.lead_id!, lead_name: l?.name ?? '', grade: l?.grade ?? 'D', phone: l?.phone ?? null, title: t.title, due_at: t.due_at, overdue: !!t.due_at && Date.parse(t.due_at) < now.getTime(), waits_until: null, held_for: null };
    });
  return {
    now: now.toISOString(),
    in_call_window: true,
    calls_wait_until: null,
    calls_wait_label: null,
    calls: calls.slice(0, 50),
    calls_total: calls.length,
    manual_count: 0,
    manual: [],
    viewings: [],
    tasks: due.tasks,
    tasks_total: due.total,
    tasks_next: due.next,
    tasks_before,
    new_leads: leads
      .filter((l) => l.status === 'new')
      .slice(0, 5)
      .map((l) => ({ lead_id: l.id, name: l.name, grade: l.grade, created_at: l.created_at, age_minutes: Math.max(0, Math.round((now.getTime() - Date.parse(l.created_at)) / 60000)) })),
    replies: [],
  };
}

export function todayCommand(cmd: string, args: Record<string, unknown>, ctx: MockContext): unknown {
  switch (cmd) {
    case 'today':
      seed(ctx);
      return today(ctx);
    case 'task_list':
      seed(ctx);
      return tasks.filter((t) => t.ws === ctx.workspace);
    case 'task_page':
      seed(ctx);
      return taskPage(ctx, (args.filter ?? {}) as TaskFilter, (args.after as TaskCursor | null | undefined) ?? null, typeof args.limit === 'number' ? args.limit : 100);
    case 'task_add':
      return add(ctx, args.input as TaskInput);
    case 'task_done': {
      const t = task(args.id, ctx);
      t.done_at = new Date().toISOString();
      return t;
    }
    case 'task_snooze': {
      const t = task(args.id, ctx);
      const until = String(args.until ?? '');
      if (Number.isNaN(Date.parse(until))) fail('validation', `'${until}' is not a time`, 'until');
      t.snoozed_until = until;
      return t;
    }
    case 'call_log': {
      const leadId = args.leadId as number;
      if (!ctx.leads().some((l) => l.id === leadId)) fail('not_found', `no lead ${leadId}`);
      const outcome = args.outcome as CallOutcome;
      if (!OUTCOMES.includes(outcome)) fail('usage', `unknown outcome ${String(outcome)}`);
      const c = { ws: ctx.workspace, id: nextCall++, lead_id: leadId, outcome, notes: (args.notes as string | null) ?? null, duration_s: (args.durationS as number | null) ?? null, at: new Date().toISOString() };
      calls.push(c);
      // The call task of the lead is done once the call is logged.
      for (const t of tasks) if (t.ws === ctx.workspace && t.lead_id === leadId && t.kind === 'call' && !t.done_at) t.done_at = c.at;
      ctx.changed();
      if (outcome === 'declined') {
        const lead = ctx.leads().find((l) => l.id === leadId)!;
        lead.do_not_market_at = c.at;
        lead.do_not_market_reason = 'declined on a call';
      }
      const logged: CallLogged = { id: c.id, lead_id: leadId, do_not_market: outcome === 'declined' };
      return logged;
    }
    case 'lead_set_do_not_market': {
      const lead = ctx.leads().find((l) => l.id === args.id) ?? fail('not_found', `no lead ${String(args.id)}`);
      const reason = String(args.reason ?? '').trim();
      if (!reason) fail('validation', 'a reason is needed', 'reason');
      lead.do_not_market_at = args.marked ? new Date().toISOString() : null;
      lead.do_not_market_reason = args.marked ? reason : null;
      ctx.changed();
      return lead;
    }
    case 'call_list':
      return calls.filter((c) => c.ws === ctx.workspace && c.lead_id === args.leadId).reverse();
    default:
      return NOT_MINE;
  }
}
