import type { EntityManager } from '@mikro-orm/postgresql';
import { requireAdmin, type Tenant } from '../auth/tenant.js';
import { isUuid } from '../shared/ids.js';
import { domainError } from '../platform/errors.js';
import { AuditLog } from './audit-log.entity.js';
import type { AuditLogConnection, AuditLogFilter } from './audit.types.js';

const MAX_PAGE = 200;

/** The audit trail for admins, oldest first (an appointment's history reads top to bottom). */
export class AuditQueryService {
  async list(em: EntityManager, tenant: Tenant, filter: AuditLogFilter = {}, first = 50, after?: string | null): Promise<AuditLogConnection> {
    requireAdmin(tenant);
    if (!Number.isInteger(first) || first < 0) throw domainError('PAGE_SIZE_INVALID');
    const limit = Math.min(first, MAX_PAGE);
    const where: string[] = ['company_id = ?'];
    const params: unknown[] = [tenant.companyId];
    if (filter.subject) {
      if (filter.subject.length > 200) throw domainError('AUDIT_SUBJECT_TOO_LONG');
      where.push('subject = ?');
      params.push(filter.subject);
    }
    if (filter.from) {
      where.push('at >= ?');
      params.push(filter.from);
    }
    if (filter.to) {
      where.push('at < ?');
      params.push(filter.to);
    }
    const conn = em.getConnection();
    const total = await conn.execute<{ n: string }[]>(`select count(*) as n from audit_log where ${where.join(' and ')}`, params);
    if (after) {
      const [iso, id] = Buffer.from(after, 'base64url').toString('utf8').split('|');
      const at = new Date(iso ?? '');
      if (!id || !isUuid(id) || Number.isNaN(at.getTime())) throw domainError('CURSOR_INVALID');
      where.push('(at, id) > (?, ?)');
      params.push(at, id);
    }
    const rows = await conn.execute<Record<string, unknown>[]>(
      `select * from audit_log where ${where.join(' and ')} order by at, id limit ?`,
      [...params, limit + 1],
    );
    const edges = rows.slice(0, limit).map((row) => {
      const entry = em.map(AuditLog, row);
      return {
        cursor: Buffer.from(`${entry.at.toISOString()}|${entry.id}`).toString('base64url'),
        node: { id: entry.id, at: entry.at, actorType: entry.actorType, actorLabel: entry.actorLabel, action: entry.action, subject: entry.subject, data: JSON.stringify(entry.data) },
      };
    });
    return { edges, pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: Number(total[0]?.n ?? 0) };
  }
}
