// A user's Node MCP client, run as its own process by banner.test.ts: `node tests/e2e/traefik/sdk-client.ts <MCP URL>`
// with the token in MCP_TOKEN and the dev CA in NODE_EXTRA_CA_CERTS, exactly as the `npm start -- --traefik` banner
// tells a user to set them. Plain Node networking: the URL's host name goes through getaddrinfo like any client's.
// Prints one JSON line: the tools it listed, echo's answer and the arrival times of stream_demo's progress.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const url = process.argv[2];
const token = process.env.MCP_TOKEN;
if (!url || !token) {
  process.stderr.write('usage: MCP_TOKEN=... node sdk-client.ts <MCP URL>\n');
  process.exit(2);
}

const client = new Client({ name: 'e2e-traefik-banner', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: { token: async () => token } }));
const tools = (await client.listTools()).tools.map((t) => t.name);
const echo = await client.callTool({ name: 'echo', arguments: { text: 'through traefik' } });
const started = performance.now();
const arrivals: number[] = [];
await client.callTool(
  { name: 'stream_demo', arguments: { chunks: 4, interval_ms: 200 } },
  { onprogress: () => arrivals.push(Math.round(performance.now() - started)) },
);
await client.close();
process.stdout.write(`${JSON.stringify({ tools, echo: echo.content, arrivals })}\n`);
