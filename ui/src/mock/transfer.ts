/**
 * Mock import/export commands for `npm run dev:mock`: `import_preview` answers with a
 * LinkedIn-looking preview for any `.csv`/`.xlsx` path, `import_run` counts up with
 * `import-progress` events and can be cancelled, `export_run` pretends to write. Nothing is
 * read from or written to disk, and the imported rows do not become leads here.
 */
import type { ImportPreview, ImportProgress, ImportReport } from '../lib/types';
import { NOT_MINE, type MockContext } from './properties';

type ProgressListener = (p: ImportProgress) => void;
const progressListeners = new Set<ProgressListener>();
let cancelled = false;

export function onImportProgress(fn: ProgressListener): () => void {
  progressListeners.add(fn);
  return () => progressListeners.delete(fn);
}

const fail = (code: string, message: string, field?: string): never => {
  throw field ? { code, message, field } : { code, message };
};

const HEADERS = ['First Name', 'Last Name', 'URL', 'Email Address', 'Company', 'Position', 'Connected On'];
const SAMPLE = [
  ['Aisha', 'Khan', 'https://www.linkedin.com/in/aisha-khan-123', '', 'Emaar Properties, PJSC', 'Investment Manager', '12 Mar 2024'],
  ['Omar', 'Haddad', 'https://www.linkedin.com/in/omarhaddad', 'omar.haddad@example.ae', 'Damac', 'Director, Sales', '03 Jan 2023'],
  ['Reza', 'Karimi', 'https://ae.linkedin.com/in/Reza-Karimi/', '', 'Self-employed', '', '28 Feb 2025'],
  ['محمد', 'المنصوري', 'https://www.linkedin.com/in/mohammad', '', '', '', '01 Apr 2024'],
  ['Layla', '', 'https://www.linkedin.com/in/layla-n', '', 'Knight Frank, Dubai', '', '15 May 2022'],
];
const TOTAL = 1200;

function checkPath(path: unknown): string {
  const p = typeof path === 'string' ? path.trim() : '';
  if (!p) fail('validation', 'a file path is required', 'file');
  if (!/\.(csv|xlsx)$/i.test(p)) fail('usage', `unsupported file type: ${p}`);
  if (/missing/i.test(p)) fail('io', `no such file: ${p}`);
  return p;
}

async function run(total: number, ctx: MockContext): Promise<ImportReport> {
  cancelled = false;
  for (let done = 0; done <= total; done += 100) {
    if (cancelled) fail('cancelled', 'import cancelled');
    progressListeners.forEach((fn) => fn({ done, total }));
    await new Promise((r) => setTimeout(r, 120));
  }
  progressListeners.forEach((fn) => fn({ done: total, total }));
  ctx.changed();
  return {
    imported: total - 40,
    merged: 28,
    rejected: Array.from({ length: 12 }, (_, i) => ({
      row: 14 + i * 97,
      reason: i % 2 ? 'email: not a valid address' : 'name: a name or a contact is required',
    })),
  };
}

export function transferCommand(cmd: string, args: Record<string, unknown>, ctx: MockContext): unknown {
  switch (cmd) {
    case 'import_preview': {
      const p = checkPath(args.path);
      const xlsx = /\.xlsx$/i.test(p);
      // A CSV says which encoding its text was read in; a chosen one is used as given.
      const encoding = xlsx ? undefined : typeof args.encoding === 'string' ? args.encoding : 'utf-8';
      const preview: ImportPreview = {
        format: xlsx ? 'xlsx' : args.format === 'csv' ? 'csv' : 'linkedin',
        ...(encoding ? { encoding } : {}),
        headers: HEADERS,
        mapping: ['first_name', 'last_name', 'linkedin_url', 'email', 'company', 'position', null],
        sample: SAMPLE,
        total_rows: TOTAL,
      };
      return preview;
    }
    case 'import_run':
      checkPath(args.path);
      return run(TOTAL, ctx);
    case 'import_cancel':
      cancelled = true;
      return null;
    // The dialogs Rust would open: always the same sample path, so the screens can be tried.
    case 'import_choose':
      return '/home/agent/Downloads/Connections.csv';
    case 'export_choose': {
      const name = (typeof args.fileName === 'string' && args.fileName ? args.fileName : 'leadbook.xlsx').split(/[\\/]/).pop();
      return `/home/agent/Downloads/${name}`;
    }
    case 'import_confirm':
      return checkPath(args.path);
    case 'export_confirm':
      return typeof args.path === 'string' ? args.path : '';
    case 'export_run': {
      const p = typeof args.path === 'string' ? args.path : '';
      if (!/\.(csv|xlsx)$/i.test(p)) fail('usage', 'the export path must end in .xlsx or .csv');
      return new Promise((r) => setTimeout(() => r({ path: p, leads: ctx.leads().length }), 600));
    }
    default:
      return NOT_MINE;
  }
}
