// Typeset TeX to MathJax CHTML markup at build time (used by _ext/book_site.py).
//
// Usage: node mathjax_render.js MATHJAX_DIR FONT_URL < items.json > result.json
// items.json: [{"tex": "...", "display": true}, ...]
// result.json: {"html": ["<mjx-container ...>", ...], "css": "...", "errors": [...]}
// MATHJAX_DIR is MathJax 3's es5 directory (the sphinx-mathjax-offline wheel ships one);
// the reader's browser then needs no MathJax script, only the stylesheet and fonts.
"use strict";
const fs = require("fs");
const path = require("path");

const [mathjaxDir, fontURL] = process.argv.slice(2);
const items = JSON.parse(fs.readFileSync(0, "utf8"));

const config = {
  loader: {
    paths: { mathjax: path.resolve(mathjaxDir) },
    load: ["input/tex", "output/chtml", "a11y/assistive-mml"],
  },
  tex: { tags: "none" },
  chtml: { fontURL: fontURL, adaptiveCSS: true },
  options: { enableAssistiveMml: true },
  startup: { typeset: false },
};
global.MathJax = {};
require(path.resolve(mathjaxDir, "node-main.js")).init(config).then(async (MathJax) => {
  const adaptor = MathJax.startup.adaptor;
  const html = [];
  const errors = [];
  // tex2chtmlPromise waits for TeX extensions that autoload (\boldsymbol, \cancel ...)
  for (const item of items) {
    const node = await MathJax.tex2chtmlPromise(item.tex, { display: item.display });
    const out = adaptor.outerHTML(node);
    if (out.includes("<mjx-merror")) {
      errors.push(item.tex);
    }
    html.push(out);
  }
  const css = adaptor.textContent(MathJax.chtmlStylesheet());
  process.stdout.write(JSON.stringify({ html, css, errors }));
}).catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(1);
});
