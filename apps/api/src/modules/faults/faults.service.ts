import { Injectable, NotFoundException } from '@nestjs/common';
import { ConnectionEntity, InjectRepo, Repository } from '@dbferry/control-plane';
import { type Fault, FaultRegistry } from '@dbferry/queue';
import type { AuthUser } from '../../common/auth.decorators';
import type { Page } from '../../common/pagination.dto';
import { fieldError } from '../../common/validation';
import { AuditService } from '../audit/audit.service';
import type { CreateFaultDto, FaultView } from './faults.dto';

/** Faults live in Redis (FaultRegistry), shared with every worker; each creation and removal is audited. */
@Injectable()
export class FaultsService {
  constructor(
    private readonly faults: FaultRegistry,
    @InjectRepo(ConnectionEntity) private readonly connections: Repository<ConnectionEntity>,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateFaultDto, actor: AuthUser): Promise<FaultView> {
    if (dto.count === undefined && dto.seconds === undefined) {
      throw fieldError([
        { field: 'count', message: 'count or seconds is required: how many operations fail, or for how long' },
        { field: 'seconds', message: 'seconds or count is required: how many operations fail, or for how long' },
      ]);
    }
    if (!(await this.connections.exists({ where: { id: dto.connectionId } }))) {
      throw fieldError([{ field: 'connectionId', message: `connectionId: no connection ${dto.connectionId}` }]);
    }
    const fault = await this.faults.create({ ...dto, createdBy: actor.id });
    await this.audit.record({
      actor,
      action: 'fault.create',
      targetType: 'fault',
      targetId: fault.id,
      details: { connectionId: fault.connectionId, operation: fault.operation, count: fault.count, seconds: fault.seconds },
    });
    return view(fault);
  }

  async list(): Promise<Page<FaultView>> {
    const items = (await this.faults.list()).map(view);
    return { items, total: items.length };
  }

  async get(id: string): Promise<FaultView> {
    const fault = await this.faults.get(id);
    if (!fault) throw new NotFoundException(`fault ${id} not found (removed, used up or expired)`);
    return view(fault);
  }

  async remove(id: string, actor: AuthUser): Promise<void> {
    const fault = await this.faults.remove(id);
    if (!fault) throw new NotFoundException(`fault ${id} not found (removed, used up or expired)`);
    await this.audit.record({
      actor,
      action: 'fault.delete',
      targetType: 'fault',
      targetId: id,
      details: { connectionId: fault.connectionId, operation: fault.operation, remaining: fault.remaining },
    });
  }
}

const view = (fault: Fault): FaultView => ({ ...fault });
