// A static web server for the demo page on 127.0.0.1, sending Cross-Origin-Opener-Policy and
// Cross-Origin-Embedder-Policy (the worker build needs SharedArrayBuffer) and no caching.
// Used by test.cjs and ci/demo-server.sh.
//
//   node examples/demo-page/serve.cjs SITE_DIR [PORT]   # serves until killed; PORT 0 = any
//
// It prints one line "serving SITE_DIR at http://127.0.0.1:PORT/" once listening.
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.png': 'image/png' };

// Serve `root` on 127.0.0.1:`port` (0: any free port); resolves to the listening server.
function serve(root, port = 0) {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    const file = path.join(base, name || 'index.html');
    if (!file.startsWith(base) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

module.exports = { serve };

if (require.main === module) {
  const [root, port] = process.argv.slice(2);
  if (!root || !fs.existsSync(path.join(root, 'index.html'))) {
    console.error('usage: serve.cjs SITE_DIR [PORT]   (SITE_DIR must hold index.html)');
    process.exit(2);
  }
  serve(root, Number(port || 0)).then((server) => {
    console.log(`serving ${root} at http://127.0.0.1:${server.address().port}/`);
  }, (e) => {
    console.error(`serve.cjs: ${e.message}`);
    process.exit(1);
  });
}
