import "reflect-metadata";
import { benchReminders } from '/work/wt/18a/dist/bench/reminders.bench.js';
import { startCluster } from '/work/wt/18a/dist/bench/support/cluster.js';
const cluster = await startCluster();
try {
  const section = await benchReminders({ cluster, quick: true, seconds: 4, warmup: 1, log: (m) => console.log(m) });
  console.log(JSON.stringify({ figures: section.figures, tables: section.tables }, null, 1));
} finally {
  await cluster.stop();
}
