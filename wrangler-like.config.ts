import { defineConfig } from './src/index.ts';

// Every field is optional; environment variables (DATABASE_URL, NN_TOKEN, NN_HOME, PORT) win.
export default defineConfig({
  name: 'home',
  http: { host: '127.0.0.1', port: 8787 },
  functions: ['plan', 'render-segment', 'stitch'],
  render: { quality: 'h', format: 'mp4' },
  maxAttempts: 3,
  triggers: { crons: [], git: [] },
});
