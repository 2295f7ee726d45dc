// Renders an invitation email's HTML part in Debian's headless Chromium at a phone's width and
// at a desktop's, and prints one JSON line per width: whether anything runs past the screen's
// edge, where the accept button is and how large, the smallest text, and what the message
// asked for from elsewhere (nothing: mail clients block remote content).
//
//   node mail.mjs message.html [screenshot-prefix]   (writes PREFIX-phone.png, PREFIX-desktop.png)
import { chromium } from 'playwright-core';

const [file, screenshots] = process.argv.slice(2);
const widths = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const result = {};
try {
  for (const [name, viewport] of Object.entries(widths)) {
    const page = await browser.newPage({ viewport });
    const foreign = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) foreign.push(request.url());
    });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    result[name] = await page.evaluate(() => {
      const button = [...document.querySelectorAll('a')].find((a) => a.getBoundingClientRect().height >= 30);
      const box = button?.getBoundingClientRect();
      const sizes = [...document.querySelectorAll('p, h1, a')].map((e) => parseFloat(getComputedStyle(e).fontSize));
      return {
        overflows: document.documentElement.scrollWidth > window.innerWidth,
        button: box ? { text: button.innerText, left: box.left, right: box.right, height: box.height, href: button.href } : null,
        smallestText: Math.min(...sizes),
        lang: document.documentElement.lang,
      };
    });
    result[name].foreignRequests = foreign;
    if (screenshots) await page.screenshot({ path: `${screenshots}-${name}.png`, fullPage: true });
    await page.close();
  }
} catch (err) {
  result.error = String(err);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
