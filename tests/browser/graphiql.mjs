// Opens muster's GraphiQL in Debian's headless Chromium, runs a query as an admin, and prints
// one JSON line: what rendered, what the query answered, what the page asked for from
// elsewhere (nothing, if the Content-Security-Policy and the vendored assets do their job).
//
//   node graphiql.mjs http://127.0.0.1:PORT mst_… [screenshot.png]
import { chromium } from 'playwright-core';

const [base, token, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const result = { rendered: false, loadingLeft: true, answer: null, foreignRequests: [], consoleErrors: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('request', (request) => {
    if (!request.url().startsWith(base) && !request.url().startsWith('data:')) result.foreignRequests.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error') result.consoleErrors.push(message.text());
  });
  await page.goto(`${base}/graphql`, { waitUntil: 'networkidle' });
  await page.waitForSelector('.graphiql-container', { timeout: 20000 });
  result.rendered = true;
  result.loadingLeft = (await page.content()).includes('Loading GraphiQL');

  // The query: replace the editor's text, put the token in the Headers pane, run it.
  const query = '{ viewer { name organization { slug } } }';
  await page.locator('.graphiql-query-editor .CodeMirror').first().click();
  await page.evaluate((text) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(text), query);
  // The Headers pane holds muster's template, `{"Authorization": "Bearer <your mst_ token>"}`.
  await page.evaluate(
    (text) => [...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')]
      .find((editor) => editor.CodeMirror.getValue().includes('Authorization'))
      .CodeMirror.setValue(text),
    JSON.stringify({ Authorization: `Bearer ${token}` }),
  );
  const answered = page.waitForResponse((response) => response.url().endsWith('/graphql') && response.request().method() === 'POST');
  await page.locator('.graphiql-execute-button').click();
  await answered;
  await page.waitForFunction(() => document.querySelector('.result-window')?.innerText.includes('"slug"'), null, { timeout: 10000 });
  result.answer = await page.locator('.result-window').innerText();
} catch (err) {
  result.error = String(err);
} finally {
  if (screenshot) await browser.contexts()[0]?.pages()[0]?.screenshot({ path: screenshot });
  await browser.close();
}
console.log(JSON.stringify(result));
