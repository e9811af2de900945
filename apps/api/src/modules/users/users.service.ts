import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { InjectRepo, Repository, UserEntity, isUniqueViolation } from '@dbferry/control-plane';
import type { AuthUser } from '../../common/auth.decorators';
import type { Page } from '../../common/pagination.dto';
import { AuditService } from '../audit/audit.service';
import { PasswordService } from '../auth/password.service';
import { CreateUserDto, UpdateUserDto, UserDetailView } from './users.dto';

const view = (u: UserEntity): UserDetailView => ({
  id: u.id,
  username: u.username,
  role: u.role,
  mustChangePassword: u.mustChangePassword,
  lastLoginAt: u.lastLoginAt,
  createdAt: u.createdAt,
});

@Injectable()
export class UsersService {
  constructor(
    @InjectRepo(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
  ) {}

  async list(limit: number, offset: number): Promise<Page<UserDetailView>> {
    const [rows, total] = await this.users.findAndCount({ order: { username: 'ASC' }, take: limit, skip: offset });
    return { items: rows.map(view), total };
  }

  async create(dto: CreateUserDto, actor: AuthUser): Promise<UserDetailView> {
    try {
      const saved = await this.users.save(
        this.users.create({
          username: dto.username,
          role: dto.role,
          passwordHash: await this.passwords.hash(dto.password),
          mustChangePassword: true,
        }),
      );
      await this.audit.record({ actor, action: 'user.create', targetType: 'user', targetId: saved.id, details: { username: dto.username, role: dto.role } });
      return view(saved);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(`username "${dto.username}" is taken`);
      throw error;
    }
  }

  async update(id: string, dto: UpdateUserDto, actor: AuthUser): Promise<UserDetailView> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException(`user ${id} not found`);
    if (dto.role && dto.role !== 'admin' && user.role === 'admin') await this.assertAnotherAdmin(id);
    const roleChanged = !!dto.role && dto.role !== user.role;
    if (dto.role) user.role = dto.role;
    const changes: QueryDeepPartialEntity<UserEntity> = { role: user.role };
    if (dto.password) {
      changes.passwordHash = await this.passwords.hash(dto.password);
      changes.mustChangePassword = true;
    }
    // A reset password or a new role revokes every token the user holds: they log in again.
    if (dto.password || roleChanged) changes.tokenVersion = () => 'token_version + 1';
    await this.users.update(id, changes);
    await this.audit.record({ actor, action: 'user.update', targetType: 'user', targetId: id, details: { role: dto.role, passwordReset: !!dto.password } });
    return view(await this.users.findOneByOrFail({ id }));
  }

  async remove(id: string, actor: AuthUser): Promise<void> {
    if (id === actor.id) throw new ConflictException('you cannot delete yourself');
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException(`user ${id} not found`);
    if (user.role === 'admin') await this.assertAnotherAdmin(id);
    await this.users.delete(id);
    await this.audit.record({ actor, action: 'user.delete', targetType: 'user', targetId: id, details: { username: user.username } });
  }

  private async assertAnotherAdmin(exceptId: string): Promise<void> {
    const admins = await this.users.countBy({ role: 'admin' });
    const target = await this.users.findOneBy({ id: exceptId, role: 'admin' });
    if (admins - (target ? 1 : 0) < 1) throw new ConflictException('the last admin cannot be removed or demoted');
  }
}
