// Runs the TypeScript sources directly (dev, migrations, bench) with swc, honouring the
// path aliases and decorator metadata of tsconfig.base.json.
const path = require('node:path');
process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
