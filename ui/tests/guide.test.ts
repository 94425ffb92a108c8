import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import {
  GUIDE_LANGS,
  GUIDE_SECTIONS,
  guideLang,
  guidePage,
  guideSource,
  parseGuide,
  parseInline,
  sectionFor,
} from '../src/lib/guide';
import type { Route } from '../src/lib/router';
import { navigate } from '../src/lib/router';
import { MESSAGE_STATES } from '../src/lib/messageState';
import { catalogues, setLanguage } from '../src/lib/i18n/i18n.svelte';
import { stubIpc } from './ipcMock';
import GuideArticle from '../src/lib/components/GuideArticle.svelte';
import App from '../src/App.svelte';

vi.mock('../src/lib/ipc');

/** One route of every name the router knows (the `satisfies` fails when a name is added). */
const EVERY_ROUTE = {
  dashboard: { name: 'dashboard' },
  leads: { name: 'leads', filters: {} },
  lead: { name: 'lead', id: 1 },
  'lead-new': { name: 'lead-new' },
  'lead-edit': { name: 'lead-edit', id: 1 },
  settings: { name: 'settings' },
  properties: { name: 'properties' },
  property: { name: 'property', id: 1 },
  followups: { name: 'followups' },
  import: { name: 'import' },
  export: { name: 'export' },
  pipeline: { name: 'pipeline', kind: 'sale' },
  calendar: { name: 'calendar', view: 'week' },
  today: { name: 'today' },
  compliance: { name: 'compliance' },
} satisfies { [N in Route['name']]: Extract<Route, { name: N }> };

describe('the guide for each screen', () => {
  it('every screen opens a section that exists in English and in Persian', () => {
    for (const r of Object.values(EVERY_ROUTE) as Route[]) {
      const section = sectionFor(r);
      for (const lang of GUIDE_LANGS) expect(guidePage(lang, section), `${r.name} → ${lang}/${section}`).toBeDefined();
    }
  });

  it('maps each screen to the section that explains it', () => {
    expect(sectionFor({ name: 'today' })).toBe('today');
    expect(sectionFor({ name: 'import' })).toBe('importing');
    expect(sectionFor({ name: 'export' })).toBe('export');
    expect(sectionFor({ name: 'leads', filters: { grade: 'A' } })).toBe('leads');
    expect(sectionFor({ name: 'lead', id: 7 })).toBe('leads');
    expect(sectionFor({ name: 'dashboard' })).toBe('leads');
    expect(sectionFor({ name: 'properties' })).toBe('listings');
    expect(sectionFor({ name: 'property', id: 3 })).toBe('listings');
    expect(sectionFor({ name: 'followups' })).toBe('followups');
    expect(sectionFor({ name: 'followups', outbox: 'held' })).toBe('message-states');
    expect(sectionFor({ name: 'settings' })).toBe('first-run');
    expect(sectionFor({ name: 'settings', section: 'channels' })).toBe('channels');
    expect(sectionFor({ name: 'calendar', view: 'day' })).toBe('calls-viewings-deals');
    expect(sectionFor({ name: 'pipeline', kind: 'rent' })).toBe('calls-viewings-deals');
    expect(sectionFor({ name: 'compliance', lead: 4 })).toBe('message-states');
  });

  it('Persian windows read the Persian guide, Arabic and English ones the English guide', () => {
    expect(guideLang('fa')).toBe('fa');
    expect(guideLang('en')).toBe('en');
    expect(guideLang('ar')).toBe('en');
  });
});

describe('the guide files', () => {
  it('each section is in each language, opening with its one title', () => {
    for (const lang of GUIDE_LANGS)
      for (const s of GUIDE_SECTIONS) {
        const md = guideSource(lang, s);
        expect(md, `${lang}/${s}.md`).toBeDefined();
        const titles = parseGuide(md!).filter((b) => b.kind === 'heading' && b.level === 1);
        expect(titles, `${lang}/${s}.md has one # title`).toHaveLength(1);
        expect(parseGuide(md!)[0].kind).toBe('heading');
      }
  });

  it('the Persian guide is written in Persian', () => {
    for (const s of GUIDE_SECTIONS) {
      const page = guidePage('fa', s)!;
      expect(page.title, s).toMatch(/[\u0600-\u06FF]/);
      const letters = guideSource('fa', s)!.replace(/`[^`]*`|\([^)]*\)|```[\s\S]*?```/g, '');
      const persian = (letters.match(/[\u0600-\u06FF]/g) ?? []).length;
      const latin = (letters.match(/[A-Za-z]/g) ?? []).length;
      expect(persian, `${s}: more Persian than Latin letters`).toBeGreaterThan(latin);
    }
  });

  it('names every message state and every hold reason in the words the window uses', () => {
    const reasons = ['dncr', 'no_consent', 'no_permit', 'do_not_market', 'review'] as const;
    for (const lang of GUIDE_LANGS) {
      const md = guideSource(lang, 'message-states')!;
      const words = catalogues[lang];
      for (const s of MESSAGE_STATES) expect(md, `${lang}: ${s}`).toContain(`**${words[`messageState.${s}`]}**`);
      for (const r of reasons) expect(md, `${lang}: held ${r}`).toContain(`**${words[`compliance.hold.${r}`]}**`);
    }
  });

  it('says how to get the connections out of LinkedIn', () => {
    for (const lang of GUIDE_LANGS) {
      const md = guideSource(lang, 'importing')!;
      for (const step of ['Data privacy', 'Get a copy of your data', 'Connections']) expect(md, lang).toContain(step);
    }
  });
});

describe('the guide renderer', () => {
  it('reads headings, paragraphs, lists, nested lists, bold and code; skips pictures', () => {
    const blocks = parseGuide(
      '# Title\n\nOne **bold** line\nand `code`, [a link](x.md).\n\n## Part\n\n1. first\n2. second\n\n- a\n  - a1\n  - a2\n- b\n\n![shot](s.png)\n\n```\nleadbook backup\n```\n',
    );
    expect(blocks).toEqual([
      { kind: 'heading', level: 1, inlines: [{ kind: 'text', text: 'Title' }] },
      {
        kind: 'paragraph',
        inlines: [
          { kind: 'text', text: 'One ' },
          { kind: 'strong', text: 'bold' },
          { kind: 'text', text: ' line and ' },
          { kind: 'code', text: 'code' },
          { kind: 'text', text: ', a link.' },
        ],
      },
      { kind: 'heading', level: 2, inlines: [{ kind: 'text', text: 'Part' }] },
      {
        kind: 'list',
        ordered: true,
        items: [
          { inlines: [{ kind: 'text', text: 'first' }], items: [] },
          { inlines: [{ kind: 'text', text: 'second' }], items: [] },
        ],
      },
      {
        kind: 'list',
        ordered: false,
        items: [
          { inlines: [{ kind: 'text', text: 'a' }], items: [[{ kind: 'text', text: 'a1' }], [{ kind: 'text', text: 'a2' }]] },
          { inlines: [{ kind: 'text', text: 'b' }], items: [] },
        ],
      },
      { kind: 'code', text: 'leadbook backup' },
    ]);
  });

  it('keeps markup in the guide as text', () => {
    expect(parseInline('<b>x</b> **<i>y</i>**')).toEqual([
      { kind: 'text', text: '<b>x</b> ' },
      { kind: 'strong', text: '<i>y</i>' },
    ]);
  });

  it('renders a <script> or an <img onerror> in the guide as the characters it is', () => {
    const md = '# T\n\n<script>window.__pwned=1</script>\n\n- **<img src=x onerror="window.__pwned=1">**\n\n```\n<style>body{display:none}</style>\n```\n';
    const { container } = render(GuideArticle, { props: { blocks: parseGuide(md).slice(1), lang: 'en', dir: 'ltr' } });
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('style')).toBeNull();
    expect(container.querySelector('p')!.textContent).toBe('<script>window.__pwned=1</script>');
    expect(container.querySelector('li strong')!.textContent).toBe('<img src=x onerror="window.__pwned=1">');
    expect(container.querySelector('pre')!.textContent).toBe('<style>body{display:none}</style>');
    expect((window as unknown as Record<string, unknown>).__pwned).toBeUndefined();
  });

  it('draws every section of both guides', () => {
    for (const lang of GUIDE_LANGS)
      for (const s of GUIDE_SECTIONS) {
        const page = guidePage(lang, s)!;
        const { container, unmount } = render(GuideArticle, { props: { blocks: page.blocks, lang, dir: lang === 'fa' ? 'rtl' : 'ltr' } });
        expect(container.textContent!.length, `${lang}/${s}`).toBeGreaterThan(200);
        expect(container.textContent, `${lang}/${s}`).not.toContain('**');
        unmount();
      }
  });
});

describe('F1 in the window', () => {
  it('opens the section for the current screen, closes with Esc, and follows the language', async () => {
    stubIpc();
    navigate({ name: 'import' }, { replace: true });
    render(App);
    await fireEvent.keyDown(document.body, { key: 'F1', code: 'F1' });
    const dialog = await screen.findByTestId('guide-dialog');
    expect(dialog.querySelector('h2')!.textContent).toBe('Importing');
    expect(screen.getByTestId('guide-article').getAttribute('lang')).toBe('en');
    await fireEvent.keyDown(dialog, { key: 'Escape', code: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('guide-dialog')).toBeNull());

    setLanguage('fa');
    navigate({ name: 'settings', section: 'channels' });
    await fireEvent.keyDown(document.body, { key: 'F1', code: 'F1' });
    const fa = await screen.findByTestId('guide-dialog');
    expect(fa.querySelector('h2')!.textContent).toBe('کانال‌ها و ایمیل');
    const article = screen.getByTestId('guide-article');
    expect(article.getAttribute('dir')).toBe('rtl');
    expect(article.getAttribute('lang')).toBe('fa');
  });

  it('works from a text field too, and an Arabic window gets the English guide with a note', async () => {
    stubIpc();
    navigate({ name: 'today' }, { replace: true });
    render(App);
    await new Promise((r) => setTimeout(r, 0)); // the workspace's language is applied first
    setLanguage('ar');
    const field = document.createElement('input');
    document.body.append(field);
    field.focus();
    await fireEvent.keyDown(field, { key: 'F1', code: 'F1' });
    const dialog = await screen.findByTestId('guide-dialog');
    expect(dialog.querySelector('h2')!.textContent).toBe('Today');
    expect(screen.getByTestId('guide-in-english')).toBeTruthy();
    expect(screen.getByTestId('guide-article').getAttribute('dir')).toBe('ltr');
    field.remove();
  });

  it('another section can be read from the list', async () => {
    stubIpc();
    navigate({ name: 'today' }, { replace: true });
    render(App);
    await fireEvent.keyDown(document.body, { key: 'F1', code: 'F1' });
    const dialog = await screen.findByTestId('guide-dialog');
    await fireEvent.change(screen.getByTestId('guide-section'), { target: { value: 'backups' } });
    await waitFor(() => expect(dialog.querySelector('h2')!.textContent).toBe('Backups and restore'));
  });
});
