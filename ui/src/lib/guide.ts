/**
 * The user guide (docs/guide/{en,fa}/<section>.md), shipped inside the UI bundle, and the
 * section F1 opens for each screen. The Markdown is parsed here into plain blocks — headings,
 * paragraphs, lists (one level of nesting), code — whose text the help dialog renders as text,
 * never as HTML: a `<script>` in the guide shows as the characters `<script>`. Pictures are for
 * readers of the files (GitHub), not the window: their lines are skipped. Persian has its own
 * guide; Arabic and English windows get the English one.
 */
import type { Lang } from './types';
import type { Route } from './router';

/** Every guide file, read at build time (no fetch: the CSP allows none). */
const FILES = import.meta.glob('../../../docs/guide/*/*.md', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

/** The sections, in the order the guide reads; each is `<id>.md` in every guide language. */
export const GUIDE_SECTIONS = [
  'first-run',
  'importing',
  'leads',
  'listings',
  'followups',
  'channels',
  'today',
  'calls-viewings-deals',
  'export',
  'backups',
  'message-states',
] as const;
export type GuideSection = (typeof GUIDE_SECTIONS)[number];

export const GUIDE_LANGS = ['en', 'fa'] as const;
export type GuideLang = (typeof GUIDE_LANGS)[number];

/** The guide a window in `lang` opens: Persian for fa, English otherwise. */
export function guideLang(lang: Lang): GuideLang {
  return lang === 'fa' ? 'fa' : 'en';
}

export function isGuideSection(v: unknown): v is GuideSection {
  return typeof v === 'string' && (GUIDE_SECTIONS as readonly string[]).includes(v);
}

/** The Markdown of one section, or undefined when the file is missing. */
export function guideSource(lang: GuideLang, section: GuideSection): string | undefined {
  return FILES[`../../../docs/guide/${lang}/${section}.md`];
}

/** The section that explains the screen `route` shows. */
export function sectionFor(route: Route): GuideSection {
  switch (route.name) {
    case 'today':
      return 'today';
    case 'dashboard':
    case 'leads':
    case 'lead':
    case 'lead-new':
    case 'lead-edit':
      return 'leads';
    case 'settings':
      return route.section === 'channels' ? 'channels' : 'first-run';
    case 'properties':
    case 'property':
      return 'listings';
    case 'followups':
      // The sidebar's "to confirm", "held"… links open the outbox on one state.
      return route.outbox ? 'message-states' : 'followups';
    case 'import':
      return 'importing';
    case 'export':
      return 'export';
    case 'pipeline':
    case 'calendar':
      return 'calls-viewings-deals';
    case 'compliance':
      return 'message-states';
  }
}

export interface Inline {
  kind: 'text' | 'strong' | 'code';
  text: string;
}

export interface ListItem {
  inlines: Inline[];
  /** A nested list's items (one level). */
  items: Inline[][];
}

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; inlines: Inline[] }
  | { kind: 'paragraph'; inlines: Inline[] }
  | { kind: 'list'; ordered: boolean; items: ListItem[] }
  | { kind: 'code'; text: string };

/** `**strong**`, `` `code` `` and `[text](link)` (kept as its text) in one line of prose. */
export function parseInline(s: string): Inline[] {
  const out: Inline[] = [];
  const push = (kind: Inline['kind'], text: string) => {
    if (!text) return;
    const last = out[out.length - 1];
    if (last && last.kind === kind && kind === 'text') last.text += text;
    else out.push({ kind, text });
  };
  const token = /\*\*(.+?)\*\*|`([^`]+)`|\[([^\]]+)\]\([^)\s]*\)/g;
  let at = 0;
  for (let m = token.exec(s); m; m = token.exec(s)) {
    push('text', s.slice(at, m.index));
    if (m[1] !== undefined) push('strong', m[1]);
    else if (m[2] !== undefined) push('code', m[2]);
    else push('text', m[3]);
    at = m.index + m[0].length;
  }
  push('text', s.slice(at));
  return out;
}

/** The text of some inlines, without their marks (a dialog's title, an option's label). */
export function plainText(inlines: Inline[]): string {
  return inlines.map((i) => i.text).join('');
}

const HEADING = /^(#{1,3})\s+(.*)$/;
const ITEM = /^(\s*)(?:[-*]|(\d+)\.)\s+(.*)$/;
const IMAGE = /^!\[[^\]]*\]\([^)]*\)\s*$/;

/** Parses the small Markdown the guide is written in into blocks of text. */
export function parseGuide(md: string): Block[] {
  const blocks: Block[] = [];
  let para: string[] = [];
  let list: { ordered: boolean; items: { text: string; sub: string[] }[] } | null = null;
  let code: string[] | null = null;

  const flushPara = () => {
    if (para.length) blocks.push({ kind: 'paragraph', inlines: parseInline(para.join(' ')) });
    para = [];
  };
  const flushList = () => {
    if (list)
      blocks.push({
        kind: 'list',
        ordered: list.ordered,
        items: list.items.map((i) => ({ inlines: parseInline(i.text), items: i.sub.map(parseInline) })),
      });
    list = null;
  };

  for (const raw of md.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (code) {
      if (/^```/.test(line.trim())) {
        blocks.push({ kind: 'code', text: code.join('\n') });
        code = null;
      } else code.push(raw);
      continue;
    }
    if (/^```/.test(line.trim())) {
      flushPara();
      flushList();
      code = [];
      continue;
    }
    if (!line.trim()) {
      flushPara();
      flushList();
      continue;
    }
    if (IMAGE.test(line.trim())) continue;
    const h = HEADING.exec(line);
    if (h) {
      flushPara();
      flushList();
      blocks.push({ kind: 'heading', level: h[1].length as 1 | 2 | 3, inlines: parseInline(h[2]) });
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      flushPara();
      const nested = item[1].length >= 2 && list !== null && list.items.length > 0;
      if (nested) {
        list!.items[list!.items.length - 1].sub.push(item[3]);
      } else {
        const ordered = item[2] !== undefined;
        if (list && list.ordered !== ordered) flushList();
        list ??= { ordered, items: [] };
        list.items.push({ text: item[3], sub: [] });
      }
      continue;
    }
    if (list && /^\s+/.test(raw)) {
      // A continuation line of the last item (or of its last nested item).
      const last = list.items[list.items.length - 1];
      if (last.sub.length) last.sub[last.sub.length - 1] += ` ${line.trim()}`;
      else last.text += ` ${line.trim()}`;
      continue;
    }
    flushList();
    para.push(line.trim());
  }
  if (code) blocks.push({ kind: 'code', text: code.join('\n') });
  flushPara();
  flushList();
  return blocks;
}

export interface GuidePage {
  lang: GuideLang;
  section: GuideSection;
  /** The section's first heading, as plain text. */
  title: string;
  /** Everything after that heading. */
  blocks: Block[];
}

/** One section of the guide in `lang`, ready to render; undefined when its file is missing. */
export function guidePage(lang: GuideLang, section: GuideSection): GuidePage | undefined {
  const md = guideSource(lang, section);
  if (md === undefined) return undefined;
  const blocks = parseGuide(md);
  const first = blocks[0];
  if (first?.kind === 'heading' && first.level === 1) return { lang, section, title: plainText(first.inlines), blocks: blocks.slice(1) };
  return { lang, section, title: section, blocks };
}
