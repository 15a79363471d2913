import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 15: AppointmentService is the only writer of `appointments`. Reads the server sources and
 * fails when a file outside `server/appointments/` writes the table, by SQL or through the ORM
 * (every ORM write starts from the entity class: `em.create(Appointment, …)`, `em.find(Appointment, …)`
 * then a flush, `em.merge(Appointment, …)`, `new Appointment()`). Listing the entity for the ORM is
 * not a write and is allowed wherever the wiring lives.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const OWNER = `server${sep}appointments${sep}`;

const SQL_WRITE = /\b(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?|merge\s+into)\s+"?appointments"?(?=[\s(;`'"]|$)/i;
const ORM_USE = /\(\s*Appointment\s*[,)]|\bnew\s+Appointment\s*\(|['"]Appointment['"]/;

export function writesAppointments(source: string): string | null {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return SQL_WRITE.exec(code)?.[0] ?? ORM_USE.exec(code)?.[0] ?? null;
}

function serverFiles(dir = join(root, 'server')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return serverFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('appointments have one owner', () => {
  it('the detector recognises the ways the table used to be written from other rooms', () => {
    // What calcom-sync.service.ts, calcom.reconcile.ts and conversation.engine.ts did before issue 15.
    expect(writesAppointments("await tx.getConnection().execute('delete from appointments where id = ?', [id]);")).not.toBeNull();
    expect(writesAppointments('const row = tx.create(Appointment, { companyId });')).not.toBeNull();
    expect(writesAppointments("const row = await tx.findOne(Appointment, { id }); tx.remove(row);")).not.toBeNull();
    expect(writesAppointments('return rows.map((row) => tx.merge(Appointment, tx.map(Appointment, row)));')).not.toBeNull();
    expect(writesAppointments('update appointments set status = ?')).not.toBeNull();
    expect(writesAppointments("em.nativeDelete('Appointment', {})")).not.toBeNull();
    // Not writes: the entity list, a type, metric names, prose.
    expect(writesAppointments('entities: [Company, Appointment, AuditLog],')).toBeNull();
    expect(writesAppointments("import type { Appointment } from '../appointments/appointment.entity.js';\nlet a: Appointment[];")).toBeNull();
    expect(writesAppointments("name: 'secretaria_appointments_total',")).toBeNull();
    expect(writesAppointments('// we used to update appointments here')).toBeNull();
  });

  it('only server/appointments/** writes the appointments table', () => {
    const files = serverFiles();
    expect(files.length).toBeGreaterThan(20);
    const offenders = files
      .filter((file) => !relative(root, file).startsWith(OWNER))
      .map((file) => ({ file: relative(root, file), match: writesAppointments(readFileSync(file, 'utf8')) }))
      .filter((hit) => hit.match !== null);
    expect(offenders).toEqual([]);
    // The owner itself is seen by the detector (the scan reads real sources).
    expect(writesAppointments(readFileSync(join(root, 'server/appointments/appointment.service.ts'), 'utf8'))).not.toBeNull();
  });
});
