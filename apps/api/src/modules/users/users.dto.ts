import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '@dbferry/control-plane';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../../common/openapi';

export class CreateUserDto {
  @ApiProperty({ example: 'alice', pattern: '^[A-Za-z0-9_.@-]{1,64}$' })
  @IsString()
  @Matches(/^[A-Za-z0-9_.@-]{1,64}$/, { message: 'username must be 1-64 letters, digits or _.@-' })
  username!: string;

  @ApiProperty({ example: '<initial-password>', minLength: 12, writeOnly: true, description: 'must be changed at first login' })
  @IsString()
  @MinLength(12)
  @MaxLength(200)
  password!: string;

  @ApiProperty({ enum: ROLES, example: 'operator' })
  @IsIn(ROLES)
  role!: Role;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES, example: 'viewer', description: 'the new role; the last admin cannot lose it; a change revokes every token the user holds' })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ example: '<new-password>', minLength: 12, writeOnly: true, description: 'resets the password; the user must change it at next login, and every token they hold is revoked' })
  @IsOptional()
  @IsString()
  @MinLength(12)
  @MaxLength(200)
  password?: string;
}

export class UserDetailView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.user }) id!: string;
  @ApiProperty({ example: 'alice' }) username!: string;
  @ApiProperty({ enum: ROLES, example: 'operator' }) role!: Role;
  @ApiProperty({ example: false, description: 'true until the user replaces the password an admin set' }) mustChangePassword!: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: EXAMPLE_TIME, description: 'null before the first login' })
  lastLoginAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) createdAt!: Date;
}
