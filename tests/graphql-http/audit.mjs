// Runs graphql-http's server audit (the GraphQL over HTTP specification's reference audit)
// against a running muster, and prints one JSON line: the counts by status, and every audit
// that did not pass.
//
//   node audit.mjs http://127.0.0.1:PORT/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url, fetchFn: fetch });
const counts = {};
const failures = [];
for (const result of results) {
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  if (result.status !== 'ok') {
    const reason = result.reason ?? '';
    const response = result.response ? `HTTP ${result.response.status}` : '';
    failures.push({ id: result.id, status: result.status, name: result.name, reason, response });
  }
}
console.log(JSON.stringify({ counts, failures }));
