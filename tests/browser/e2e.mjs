// SPDX-License-Identifier: MIT
//
// e2e.mjs - the whole reader journey in headless Debian chromium, driven
// by playwright-core: fill in the form (the live sample follows the
// keywords; once a week on Thursday), submit, read the confirmation mail that aiosmtpd received,
// follow its link, confirm, change preferences, unsubscribe; a second
// reader downloads its data and deletes everything; link scanners that
// run scripts (hidden, unfocused, quickly closed) record no vote.  Every page
// is screenshotted into $SHOTS, checked for CSP violations and console
// errors, for horizontal overflow at 320 px, and for a visible keyboard
// focus.  The form is also used with JavaScript switched off.
//
// Environment: BASE (http://127.0.0.1:PORT of `paperboy serve`), VIEW_URL
// (a digest's /d/TOKEN page), PREFS_URL (/preferences of a confirmed
// reader with no zone of their own: the browser's zone is pre-selected
// there, under timezoneId Asia/Tokyo), MAIL_DIR
// (where smtp_server.py saves messages), SHOTS (screenshot directory),
// CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BASE = process.env.BASE;
const MAIL_DIR = process.env.MAIL_DIR;
const SHOTS = process.env.SHOTS || 'screenshots';
const EMAIL = 'reader@example.org';
const VIEW_URL = process.env.VIEW_URL; // a /d/TOKEN page
const PREFS_URL = process.env.PREFS_URL; // /preferences of a reader with no zone

if (!BASE || !MAIL_DIR) {
  console.error('e2e: BASE and MAIL_DIR must be set');
  process.exit(2);
}
fs.mkdirSync(SHOTS, { recursive: true });

let failures = 0;
function check(cond, what) {
  if (cond) {
    console.log(`ok - ${what}`);
  } else {
    failures++;
    console.log(`not ok - ${what}`);
  }
}

const problems = [];
function watch(page) {
  page.on('console', (msg) => {
    // the 400 answers this test provokes on purpose are logged too
    if (msg.type() === 'error' && !/status of 400/.test(msg.text())) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

// narrow - the page at 320 px: nothing may stick out sideways
async function narrow(page, name) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(over <= 0, `${name}: no horizontal overflow at 320 px (${over} px)`);
  await shot(page, `${name}-320`);
  await page.setViewportSize(size);
}

// waitMail - the first message to `to` saved by smtp_server.py, decoded
// enough to find links (quoted-printable decoded)
async function waitMail(to = EMAIL, subject = null) {
  const header = new RegExp(`^To:.*<?${to.replace(/[.]/g, '\\.')}>?\\s*$`, 'mi');
  for (let i = 0; i < 150; i++) {
    const files = fs.existsSync(MAIL_DIR)
      ? fs.readdirSync(MAIL_DIR).filter((f) => f.endsWith('.eml')).sort()
      : [];
    for (const f of files) {
      const raw = fs.readFileSync(path.join(MAIL_DIR, f), 'utf8');
      if (!header.test(raw)) continue;
      if (subject && !new RegExp(`^Subject: ${subject}`, 'mi').test(raw)) continue;
      return raw.replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${subject || 'confirmation'} mail to ${to} arrived within 15 s`);
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1024, height: 800 },
});

try {
  const page = context.pages()[0] || (await context.newPage());
  watch(page);

  // 1. the form
  await page.goto(`${BASE}/`);
  check((await page.title()).includes('Paperboy'), 'index has a title');
  for (const id of ['email', 'keywords', 'max_papers']) {
    const label = await page.locator(`label[for="${id}"]`).count();
    check(label === 1, `field ${id} has a label`);
  }
  check(await page.locator('#website').count() === 1, 'honeypot present');
  const hpBox = await page.locator('.hp').boundingBox();
  check(!hpBox || hpBox.x < 0, 'honeypot is off screen');
  await shot(page, '01-index');
  await narrow(page, '01-index');

  // visible focus: the first Tab goes to the skip link, the next ones on
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  check(outline !== 'none', `keyboard focus is visible (outline ${outline})`);

  // 2. the live sample follows the keywords (JavaScript on)
  await page.fill('#keywords', 'kv cache');
  await page.waitForFunction(() => document.querySelector('#sample').textContent.includes('matching'),
    null, { timeout: 5000 });
  const sample = await page.locator('#sample').textContent();
  check(sample.includes('Fast KV cache') && !sample.includes('Reinforcement learning'),
    'live sample shows only the matching paper');
  check(await page.locator('button[name=preview]').isHidden(), 'preview button hidden when JavaScript runs');
  await shot(page, '02-sample');

  // 3. a field error comes back next to the field, with the input kept
  await page.fill('#email', 'not an address');
  await page.click('button.primary');
  await page.waitForSelector('#email-error');
  check(await page.inputValue('#email') === 'not an address', 'typed address kept after an error');
  check(await page.inputValue('#keywords') === 'kv cache', 'typed keywords kept after an error');
  await shot(page, '03-index-error');
  await narrow(page, '03-index-error');

  // 4. subscribe
  await page.fill('#email', EMAIL);
  await page.check('input[name=categories][value="cs.LG"]');
  await page.fill('#max_papers', '5');
  // once a week, on Thursday (daily is checked by default)
  check(await page.isChecked('input[name=cadence][value=daily]'), 'the form checks daily by default');
  await page.check('input[name=cadence][value=weekly]');
  await page.selectOption('#weekday', 'thursday');
  await page.click('button.primary');
  await page.waitForSelector('text=Check your inbox');
  check((await page.textContent('main')).includes(EMAIL), 'check-your-inbox page names the address');
  await shot(page, '04-subscribed');
  await narrow(page, '04-subscribed');

  // 5. the confirmation mail, through aiosmtpd
  const mail = await waitMail();
  check(/^X-Test-Rcpt: reader@example\.org/m.test(mail), 'mail went to the subscriber');
  const m = mail.match(/https?:\/\/[^\s"<>]*\/confirm\/[A-Za-z0-9_-]+/);
  check(!!m, 'mail holds a confirmation link');
  const confirmUrl = m[0];
  check(confirmUrl.startsWith(BASE), `link uses base_url (${confirmUrl.slice(0, 40)}...)`);

  // 6. confirm: a page with one button; the click confirms
  await page.goto(confirmUrl);
  await page.waitForSelector('text=Confirm your subscription');
  await shot(page, '05-confirm');
  await narrow(page, '05-confirm');
  await page.click('button.primary');
  await page.waitForSelector('text=You are subscribed');
  const first = (await page.textContent('#first-digest')) || '';
  check(/^[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ at \d\d:\d\d \(.+\)$/.test(first),
    `confirmed page names the first digest's day and hour (${first})`);
  check(first.startsWith('Thursday ') && (await page.textContent('#weekly-day')) === 'Thursday',
    `confirmed page: weekly on Thursday, first on a Thursday (${first})`);
  await shot(page, '06-confirmed');
  await narrow(page, '06-confirmed');
  const unsubscribeUrl = await page.getAttribute('a[href*="/unsubscribe/"]', 'href');

  // 7. preferences: an error per field, then a save
  await page.click('a[href*="/preferences/"]');
  await page.waitForSelector('#preferences');
  check(await page.inputValue('#keywords') === 'kv cache', 'preferences show the keywords');
  check(await page.isChecked('input[name=categories][value="cs.LG"]'), 'preferences show the category');
  check(await page.isChecked('input[name=cadence][value=weekly]') &&
    await page.inputValue('#weekday') === 'thursday', 'preferences show weekly on Thursday');
  const feedUrl = await page.getAttribute('#feed-url', 'href');
  check(!!feedUrl && feedUrl.startsWith(`${BASE}/f/`), 'preferences show the private feed');
  const feedResp = await page.request.get(feedUrl);
  check(feedResp.status() === 200 && /atom\+xml/.test(feedResp.headers()['content-type']),
    'the private feed answers as Atom');
  await shot(page, '07-preferences');
  await narrow(page, '07-preferences');
  check(await page.locator('#timezone option', { hasText: 'Server default (' }).count() === 1,
    "the zone choice names the server's zone");
  check((await page.textContent('#preferences')).includes('Machine Learning'), 'preferences name the categories');
  // a zone the list does not offer (as a forged post would send)
  await page.evaluate(() => {
    const sel = document.getElementById('timezone');
    sel.add(new Option('Nowhere/Atlantis'));
    sel.value = 'Nowhere/Atlantis';
  });
  await page.click('button[value=save]');
  await page.waitForSelector('#timezone-error');
  await shot(page, '08-preferences-error');
  await page.fill('#keywords', 'diffusion, "kv cache"');
  await page.selectOption('#timezone', 'Europe/Berlin');
  await page.fill('#max_papers', '12');
  await page.check('input[name=paused]');
  await page.click('button[value=save]');
  await page.waitForSelector('text=Saved');
  check(await page.inputValue('#timezone') === 'Europe/Berlin', 'saved time zone shown');
  check(await page.isChecked('input[name=paused]'), 'pause shown as saved');
  await shot(page, '09-preferences-saved');

  // 7b. "manage my subscription": from the form's link, the address,
  // then the mail with the links, at phone width
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${BASE}/`);
  await page.click('a[href$="/manage"]');
  await page.waitForSelector('#manage');
  await shot(page, '09b-manage-390');
  await narrow(page, '09b-manage');
  await page.fill('#email', EMAIL);
  await page.click('button.primary');
  await page.waitForSelector('text=Check your inbox');
  check((await page.textContent('main')).includes(EMAIL), 'manage answer names the address');
  await shot(page, '09c-manage-sent-390');
  const manageMail = await waitMail(EMAIL, 'Your Paperboy subscriptions');
  const pm = manageMail.match(/https?:\/\/[^\s"<>]*\/preferences\/[A-Za-z0-9_-]+/);
  check(!!pm, 'manage mail holds a preferences link');
  await page.goto(pm[0]);
  await page.waitForSelector('#preferences');
  check(await page.inputValue('#timezone') === 'Europe/Berlin', 'the mailed link opens these preferences');
  await page.setViewportSize({ width: 1024, height: 800 });

  // 8. unsubscribe: a page with one button; the click unsubscribes
  await page.goto(unsubscribeUrl);
  await page.waitForSelector('text=Stop sending');
  await shot(page, '10-unsubscribe');
  await narrow(page, '10-unsubscribe');
  await page.click('button.danger');
  await page.waitForSelector('text=You are unsubscribed');
  await shot(page, '11-unsubscribed');
  await narrow(page, '11-unsubscribed');

  // 9. a broken link explains itself and leads back to the form
  const bad = confirmUrl.slice(0, -10);
  const resp = await page.goto(bad);
  check(resp.status() === 400, 'truncated confirmation link answers 400');
  check((await page.textContent('main')).includes('incomplete'), 'error page explains');
  await shot(page, '12-error');
  await narrow(page, '12-error');
  await page.click('text=Go to the subscribe form');
  await page.waitForSelector('#subscribe');

  // 10. the archive
  const archive = await page.goto(`${BASE}/archive/trending`);
  check(archive.status() === 200, 'archive answers 200');
  check(await page.locator('ol.archive a.paper-title').count() > 0, "archive lists the latest day's papers");
  await shot(page, '13-archive');
  await narrow(page, '13-archive');

  // 11. "view in browser": the mail's HTML under the page's own policy
  // (style attributes allowed by hash), laid out, at phone and desktop width
  if (VIEW_URL) {
    const before = problems.length;
    await page.setViewportSize({ width: 390, height: 844 });
    const view = await page.goto(VIEW_URL);
    check(view.status() === 200, 'digest page answers 200');
    const csp = (await view.allHeaders())['content-security-policy'] || '';
    check(/style-src 'self' 'unsafe-hashes' 'sha256-/.test(csp), 'digest page has its own style-src');
    check(!/unsafe-inline/.test(csp), "digest page policy has no 'unsafe-inline'");
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    check(bg === 'rgb(243, 244, 246)', `the mail's inline styles apply (body ${bg})`);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(over <= 0, `digest page: no horizontal scroll at 390 px (${over} px)`);
    check((await page.textContent('body')).includes('Fast KV cache'), 'digest page shows the papers');
    await shot(page, '15-digest-390');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.reload();
    await shot(page, '15-digest-1280');
    const csps = problems.slice(before).filter((p) => /Content Security Policy/i.test(p));
    check(csps.length === 0, `digest page: no CSP violations (${csps.length}: ${csps.slice(0, 2).join('; ')})`);
    await page.setViewportSize({ width: 1024, height: 800 });

    // 11b. "more like this" from the digest's page: the link's page, whose
    // script posts the vote (the GET alone records nothing; 55-browser.sh
    // checks the row)
    const more = page.locator('a', { hasText: 'More like this' }).first();
    check(/\/more\/[A-Za-z0-9_-]{60,}$/.test(await more.getAttribute('href')), 'digest page links "more like this"');
    await more.click();
    await page.waitForSelector('#vote-recorded', { timeout: 10000 });
    check((await page.textContent('#vote-paper')).includes('Fast KV cache'), 'the vote page names the paper');
    check(new URL(page.url()).pathname.startsWith('/more/'), `the script posted to the same URL (${page.url()})`);
    check(await page.locator('#vote').count() === 0, 'no form left to post after the vote');
    await shot(page, '16-vote-more');
    await narrow(page, '16-vote-more');
    const vcsp = problems.slice(before).filter((p) => /Content Security Policy/i.test(p));
    check(vcsp.length === 0, `vote page: no CSP violations (${vcsp.length})`);
  } else {
    check(false, 'VIEW_URL is set');
  }

  // 11c. "download my data" and "delete everything", for a second reader
  // subscribed through the form (the first one's rows stay for the steps
  // after this and for 55-browser.sh): the download is the JSON of
  // `subscriber export-data`; the erase page asks first, its POST erases,
  // and then the preferences link answers 404.  At 1280 and 390 px.
  {
    const ERASER = 'eraser@example.org';
    const before = problems.length;
    // wide - screenshot at `width`, with no horizontal overflow
    const wide = async (name, width) => {
      await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(over <= 0, `${name}: no horizontal overflow at ${width} px (${over} px)`);
      await shot(page, `${name}-${width}`);
    };
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${BASE}/`);
    await page.fill('#email', ERASER);
    await page.fill('#keywords', 'diffusion');
    await page.click('button.primary');
    await page.waitForSelector('text=Check your inbox');
    const eMail = await waitMail(ERASER);
    const ec = eMail.match(/https?:\/\/[^\s"<>]*\/confirm\/[A-Za-z0-9_-]+/);
    check(!!ec, 'second reader: mail holds a confirmation link');
    await page.goto(ec[0]);
    await page.click('button.primary');
    await page.waitForSelector('text=You are subscribed');
    await page.click('a[href*="/preferences/"]');
    await page.waitForSelector('#preferences');
    const prefsUrl = page.url();
    check((await page.textContent('#your-data')).includes(ERASER), 'preferences: "your data" names the address');
    await wide('17-data-preferences', 1280);
    await wide('17-data-preferences', 390);

    // the download: a JSON file with the address and the subscription
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#data-download')]);
    check(dl.suggestedFilename() === 'paperboy-data.json', `download named ${dl.suggestedFilename()}`);
    let data = null;
    try {
      data = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
    } catch (e) {
      check(false, `downloaded file is JSON (${e.message})`);
    }
    check(data?.format === 'paperboy-export-1' && data?.email === ERASER,
      `download holds the address (${data?.format} ${data?.email})`);
    const subs = data?.subscriptions || [];
    check(subs.length === 1 && subs[0].list === 'trending' && subs[0].status === 'confirmed' &&
      subs[0].keywords === 'diffusion', `download holds the subscription (${JSON.stringify(subs).slice(0, 120)})`);

    // "delete everything": the GET asks and erases nothing
    await page.click('#data-erase');
    await page.waitForSelector('#erase-confirm');
    check((await page.textContent('main')).includes(ERASER), 'erase page names the address');
    await wide('18-erase-ask', 390);
    await wide('18-erase-ask', 1280);
    const still = await page.request.get(prefsUrl);
    check(still.status() === 200, `the erase page's GET erased nothing (preferences ${still.status()})`);

    // the button's POST erases
    await page.click('#erase-confirm');
    await page.waitForSelector('text=Everything deleted');
    check(new URL(page.url()).pathname.startsWith('/erase/'), `erased by the form's POST (${page.url()})`);
    await wide('19-erased', 1280);
    await wide('19-erased', 390);

    // every old link is gone: the preferences page answers 404
    const gone = await page.goto(prefsUrl);
    check(gone.status() === 404, `preferences after erasing answer 404 (${gone.status()})`);
    check(/not found/i.test(await page.textContent('main')), 'the 404 page says "not found"');
    await wide('20-erased-prefs', 390);
    await wide('20-erased-prefs', 1280);
    const dataGone = await page.request.get(prefsUrl.replace('/preferences/', '/data/'));
    check(dataGone.status() === 404, `"download my data" after erasing answers 404 (${dataGone.status()})`);

    // the 404 navigations are logged as console errors on purpose: drop
    // only those; any CSP violation stays and fails below
    for (let i = problems.length - 1; i >= before; i--) {
      if (/status of 404/.test(problems[i])) problems.splice(i, 1);
    }
    const dcsp = problems.slice(before).filter((p) => /Content Security Policy/i.test(p));
    check(dcsp.length === 0, `data and erase pages: no CSP violations (${dcsp.length})`);
    await page.setViewportSize({ width: 1024, height: 800 });
  }

  check(problems.length === 0,
    `no console errors or CSP violations (${problems.length}: ${problems.slice(0, 3).join('; ')})`);
} catch (e) {
  failures++;
  console.log(`not ok - ${e.stack || e}`);
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

// 11b. the browser's zone is pre-selected on /preferences of a reader
// without a zone of their own, at desktop and phone width
const zoneBrowser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  check(!!PREFS_URL, 'PREFS_URL is set');
  const ctx = await zoneBrowser.newContext({ timezoneId: 'Asia/Tokyo' });
  const p3 = await ctx.newPage();
  watch(p3);
  for (const width of [1280, 390]) {
    await p3.setViewportSize({ width, height: width > 400 ? 900 : 844 });
    await p3.goto(PREFS_URL);
    await p3.waitForSelector('#preferences');
    check(await p3.inputValue('#timezone') === 'Asia/Tokyo',
      `${width} px: the browser's zone is pre-selected (${await p3.inputValue('#timezone')})`);
    check((await p3.textContent('#preferences')).includes('Machine Learning'), `${width} px: category names shown`);
    const over = await p3.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(over <= 0, `${width} px: no horizontal overflow on /preferences (${over} px)`);
    await shot(p3, `16-preferences-zone-${width}`);
  }
  check(problems.length === 0, `zone page: no console errors or CSP violations (${problems.slice(0, 3).join('; ')})`);
  await ctx.close();
} catch (e) {
  failures++;
  console.log(`not ok - zone: ${e.stack || e}`);
} finally {
  await zoneBrowser.close();
}

// 11d. link scanners that run scripts: the vote page's script posts the
// vote only once the page has been visible and focused for a second.  A
// hidden page, an unfocused one, and a focused one closed at once record
// nothing (55-browser.sh checks that the third paper has no vote).
const scanBrowser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  check(!!VIEW_URL, 'VIEW_URL is set');
  const look = await scanBrowser.newContext();
  const lp = await look.newPage();
  await lp.goto(VIEW_URL);
  const href = await lp.locator('a', { hasText: 'More like this' }).nth(2).getAttribute('href');
  await look.close();
  check(/\/more\/[A-Za-z0-9_-]{60,}$/.test(href || ''), 'the digest has a third paper to scan');
  const scans = [
    ['hidden', () => {
      Object.defineProperty(Document.prototype, 'visibilityState', { get: () => 'hidden', configurable: true });
      Object.defineProperty(Document.prototype, 'hidden', { get: () => true, configurable: true });
    }, 2500],
    ['unfocused', () => { Document.prototype.hasFocus = () => false; }, 2500],
    ['closed at once', () => {}, 300],
  ];
  for (const [what, init, stay] of scans) {
    const ctx = await scanBrowser.newContext();
    await ctx.addInitScript(init);
    const sp = await ctx.newPage();
    watch(sp);
    await sp.goto(href);
    await sp.waitForTimeout(stay);
    check(await sp.locator('#vote-recorded').count() === 0 && await sp.locator('#vote[data-auto="1"]').count() === 1,
      `a scanner's ${what} page records nothing (${sp.url()})`);
    await ctx.close();
  }
} catch (e) {
  failures++;
  console.log(`not ok - scanners: ${e.stack || e}`);
} finally {
  await scanBrowser.close();
}

// 12. everything works without JavaScript (a fresh browser and profile)
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1024, height: 800 } });
  const p2 = await ctx.newPage();
  if (PREFS_URL) {
    await p2.goto(PREFS_URL);
    check(await p2.inputValue('#timezone') === '', "without JavaScript the server's zone stays the choice");
  }
  await p2.goto(`${BASE}/`);
  check(await p2.locator('button[name=preview]').isVisible(), 'preview button shown without JavaScript');
  await p2.fill('#keywords', 'diffusion');
  await p2.click('button[name=preview]');
  await p2.waitForURL(/keywords=diffusion/);
  check((await p2.textContent('#sample')).includes('Diffusion'), 'server-rendered sample without JavaScript');
  await shot(p2, '14-nojs-sample');
  // "less like this" without JavaScript: the page records nothing until
  // its button is pressed
  if (VIEW_URL) {
    await p2.goto(VIEW_URL);
    await p2.locator('a', { hasText: 'Less like this' }).nth(1).click();
    await p2.waitForSelector('#vote button');
    check(await p2.locator('#vote-recorded').count() === 0, 'no JavaScript: nothing recorded by the GET');
    await p2.click('#vote button');
    await p2.waitForSelector('#vote-recorded', { timeout: 5000 }).catch(() => {});
    check(await p2.locator('#vote-recorded').count() === 1 &&
      new URL(p2.url()).pathname.startsWith('/less/'),
      `no JavaScript: the button records the vote (${p2.url()})`);
    await p2.goto(`${BASE}/`);
  }
  await p2.fill('#email', 'nojs@example.org');
  await p2.click('button.primary');
  await p2.waitForSelector('text=Check your inbox');
  // the server's own answer to the form post, not a script's
  check(new URL(p2.url()).pathname === '/subscribe', `no-JS post answered by /subscribe (${p2.url()})`);
  const nojsMail = await waitMail('nojs@example.org');
  check(/\/confirm\/[A-Za-z0-9_-]{20,}/.test(nojsMail),
    'subscribing without JavaScript mails a confirmation link');
} catch (e) {
  failures++;
  console.log(`not ok - no-JS: ${e.stack || e}`);
} finally {
  await browser.close();
}

console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
