// End-to-end tests of the real window: WebdriverIO talks to tauri-driver, which starts
// WebKitWebDriver, which starts the built `leadbook` binary on a database prepared through
// the command line. Run by `make test` under Xvfb.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Where cargo put the binaries: its default, or the CARGO_TARGET_DIR the build used. */
const target = process.env.CARGO_TARGET_DIR ?? path.resolve(here, '../../target');
const app = process.env.LEADBOOK_BIN ?? path.join(target, 'debug/leadbook');
const shots = path.join(here, 'screenshots');
let driver;

/** Runs the CLI on `db`; throws with its stderr when it fails. */
export function cli(db, ...args) {
  const r = spawnSync(app, ['--db', db, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`leadbook ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * Starts the local provider servers (tests/servers) with `args`; resolves to the process and the
 * base URLs it prints ({telegram, whatsapp, twilio, openai}). The caller kills it.
 */
/** Opens Settings → Channels from the sidebar, as the agent does. */
export async function openChannelSettings() {
  const nav = await $('[data-testid="nav-settings"]');
  await nav.waitForClickable();
  await nav.click();
  await (await $('[data-testid="settings-tab-channels"]')).click();
}

/**
 * Opens the workspace's sending window to the whole day (00:00–23:59) in Settings, so a spec
 * that expects an automatic message to go does not depend on the hour it runs at: outside the
 * window (09:00–18:00 by default) a message waits, queued, for it to open (SPEC §14).
 */
export async function sendAllDay() {
  const nav = await $('[data-testid="nav-settings"]');
  await nav.waitForClickable();
  await nav.click();
  const start = await $('[data-testid="ws-quiet-start"]');
  await start.waitForDisplayed();
  await browser.execute(() => {
    for (const [id, v] of [['ws-quiet_start', '00:00'], ['ws-quiet_end', '23:59']]) {
      const input = document.getElementById(id);
      input.value = v;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
  });
  await (await $('[data-testid="ws-save"]')).click();
  await (await $('[data-testid="toast-success"]')).waitForDisplayed({ timeoutMsg: 'the sending window was not saved' });
}

export async function startProviderServers(args = []) {
  const bin = path.join(target, 'debug/leadbook-test-servers');
  const proc = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: proc.stdout }).once('line', resolve);
    proc.once('error', reject);
  });
  return { proc, urls: JSON.parse(line) };
}

/** The book every spec starts from: known grade counts, a lead to collide with, a hostile name. */
function seed(db) {
  cli(db, 'lead', 'add', '--name', 'Hot Lead', '--phone', '0509990001', '--telegram-id', '77', '--email', 'hot@example.ae',
    '--budget-max', '3000000', '--locations', 'Palm Jumeirah', '--type', 'villa', '--bedrooms', '4', '--source', 'referral');
  cli(db, 'lead', 'add', '--name', 'Warm One', '--phone', '0509990002', '--budget-max', '900000', '--source', 'referral');
  cli(db, 'lead', 'add', '--name', 'Warm Two', '--phone', '0509990003', '--budget-max', '1200000', '--locations', 'JVC', '--source', 'portal');
  cli(db, 'lead', 'add', '--name', 'Cool Lead', '--phone', '0509990004', '--locations', 'JLT');
  cli(db, 'lead', 'add', '--name', 'Existing Buyer', '--phone', '0501234567');
  cli(db, 'lead', 'add', '--name', '<img src=x onerror="window.__pwned=1">');
}

function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.end(); resolve(); });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`tauri-driver did not listen on ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

// Two engineers on one machine can run the suite at once: LEADBOOK_E2E_PORT moves tauri-driver
// (and its WebKitWebDriver on the next port) off the default 4444.
const port = Number(process.env.LEADBOOK_E2E_PORT || 4444);

export const config = {
  runner: 'local',
  hostname: '127.0.0.1',
  port,
  specs: ['./specs/**/*.e2e.js'],
  maxInstances: 1,
  capabilities: [{ maxInstances: 1, 'tauri:options': { application: app } }],
  logLevel: 'warn',
  framework: 'mocha',
  reporters: ['spec'],
  mochaOpts: { ui: 'bdd', timeout: 60_000 },
  waitforTimeout: 10_000,
  connectionRetryCount: 2,

  // A fresh, seeded book and a fresh tauri-driver for each spec file.
  beforeSession: async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'leadbook-e2e-'));
    const db = path.join(dir, 'leadbook.db');
    seed(db);
    process.env.LEADBOOK_E2E_DB = db;
    driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(port + 1)], {
      stdio: ['ignore', 'inherit', 'inherit'],
      // Tokens set in a spec go to an owner-only file beside the book, never a real keychain.
      env: { ...process.env, LEADBOOK_DB: db, XDG_DATA_HOME: path.join(dir, 'data'), LEADBOOK_SECRET_STORE: 'file' },
    });
    await waitForPort(port, 20_000);
  },

  afterTest: async (test) => {
    mkdirSync(shots, { recursive: true });
    const name = `${test.parent} - ${test.title}`.replace(/[^\w.-]+/g, '_').slice(0, 120);
    await browser.saveScreenshot(path.join(shots, `${name}.png`));
  },

  afterSession: () => {
    driver?.kill();
  },
};
