// congodb.mjs - runs CongoDB, an in-memory MongoDB wire server, on a random loopback port for
// the tests: prints the port on a line of its own, then serves until SIGTERM, SIGINT or the end
// of its standard input (so it never outlives the test that started it).
// Usage: node congodb.mjs DIR      (DIR: where install.sh installed it)
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.argv[2];
if (!dir) {
	process.stderr.write('usage: node congodb.mjs DIR\n');
	process.exit(2);
}
const entry = path.resolve(dir, 'node_modules/@push.rocks/smartmongo/dist_ts/congodb/index.js');
const { CongoServer } = await import(pathToFileURL(entry).href);
const server = new CongoServer({ host: '127.0.0.1', port: 0 });
await server.start();

let stopping = false;
async function stop() {
	if (stopping)
		return;
	stopping = true;
	await server.stop();
	process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.stdout.write(`${server.server.address().port}\n`);
