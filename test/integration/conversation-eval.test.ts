import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../server/app.js';
import { formatReport, runEvaluation, type EvalReport } from '../eval/conversation-eval.js';
import { CASES } from '../eval/conversation-set.js';
import { seedCompany, testConfig } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';

/**
 * The conversation evaluation (test/eval/) as a guard: `npm run eval:conversation` runs this file and
 * prints the per-class table; CI fails when accuracy drops below the targets of issue 16.
 */
describe('conversation evaluation set', () => {
  let app: App;
  let drop: () => Promise<void>;
  let report: EvalReport;

  beforeAll(async () => {
    const db = await createTestDatabase('conversation_eval');
    drop = db.drop;
    app = await startApp(testConfig(db.url));
    const { company } = await seedCompany(app, 'Clínica Avaliação');
    report = await runEvaluation(app.orm.em.fork(), company.id);
    console.log(formatReport(report));
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  it('has at least 300 requests across the classes', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(300);
    expect(new Set(CASES.map((c) => c.cls)).size).toBe(5);
  });

  it('understands at least 97% of the requests (both zones)', () => {
    expect(report.passed / report.total).toBeGreaterThanOrEqual(0.97);
  });

  it('never leaves a dead end: options whenever any slot exists in the next 14 days', () => {
    expect(report.deadEnds.total).toBeGreaterThan(50);
    expect(report.deadEnds.guarded).toBe(report.deadEnds.total);
    const deadEndClass = report.perClass.find((p) => p.cls === 'becos sem saída')!;
    expect(deadEndClass.passed).toBe(deadEndClass.total);
  });
});
