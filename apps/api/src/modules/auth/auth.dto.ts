import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '@dbferry/control-plane';
import { EXAMPLE_ID } from '../../common/openapi';

export class LoginDto {
  @ApiProperty({ example: 'admin', maxLength: 64 })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username!: string;

  @ApiProperty({ example: '<password>', maxLength: 200, writeOnly: true })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  password!: string;
}

export class ChangePasswordDto {
  @ApiProperty({ example: '<current-password>', writeOnly: true })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  currentPassword!: string;

  @ApiProperty({ example: '<new-password>', minLength: 12, writeOnly: true, description: 'at least 12 characters' })
  @IsString()
  @MinLength(12)
  @MaxLength(200)
  newPassword!: string;
}

export class UserView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.user }) id!: string;
  @ApiProperty({ example: 'admin' }) username!: string;
  @ApiProperty({ enum: ROLES, example: 'admin' }) role!: Role;
  @ApiProperty({ example: false, description: 'while true, only GET /api/auth/me and POST /api/auth/password answer' }) mustChangePassword!: boolean;
  @ApiPropertyOptional({
    example: false,
    description: "whether this API runs with fault injection on (FAULTS_ENABLED=true), so /api/faults exists: set in /api/auth's answers (login, me, password), for the console to show its Faults page only then",
  })
  faultsEnabled?: boolean;
}

export class LoginResult {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.<claims>.<signature>', description: 'Bearer token for Authorization headers' })
  accessToken!: string;
  @ApiProperty({ example: 43200, description: 'seconds' }) expiresIn!: number;
  @ApiProperty({ type: UserView }) user!: UserView;
}

export class PasswordChangedView extends UserView {
  @ApiProperty({
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.<claims>.<signature>',
    description: 'a fresh Bearer token: the change revokes every token issued before, the one used for this call included',
  })
  accessToken!: string;
  @ApiProperty({ example: 43200, description: 'seconds' }) expiresIn!: number;
}
