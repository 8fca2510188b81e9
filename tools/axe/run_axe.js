// Run axe-core (WCAG 2.1 A/AA rules) on rendered book pages in headless Chromium.
//
//   make a11y        (builds the book first; needs node, npm and Debian's chromium)
//
// Prints, as JSON, the violations found on each page (rule, impact, number of
// elements, examples). Not part of `make test`: it needs npm packages.
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');
(async () => {
  const pages = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage();
  const axe = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const summary = {};
  for (const file of pages) {
    await page.goto('file://' + path.resolve(file));
    await page.addScriptTag({ content: axe });
    const result = await page.evaluate(async () => await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
    summary[path.basename(file)] = result.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help, examples: v.nodes.map(n => n.html.slice(0, 220) + " || " + (n.failureSummary||"").slice(0,300)) }));
  }
  await browser.close();
  console.log(JSON.stringify(summary, null, 1));
})();
