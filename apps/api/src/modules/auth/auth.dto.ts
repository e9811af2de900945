import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '@dbferry/control-plane';

export class LoginDto {
  @ApiProperty({ example: 'admin', maxLength: 64 })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username!: string;

  @ApiProperty({ example: 'correct horse battery staple', maxLength: 200, writeOnly: true })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  password!: string;
}

export class ChangePasswordDto {
  @ApiProperty({ example: 'the-initial-password', writeOnly: true })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  currentPassword!: string;

  @ApiProperty({ example: 'a new passphrase of 12+ chars', minLength: 12, writeOnly: true })
  @IsString()
  @MinLength(12)
  @MaxLength(200)
  newPassword!: string;
}

export class UserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'admin' }) username!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty() mustChangePassword!: boolean;
}

export class LoginResult {
  @ApiProperty({ description: 'Bearer token for Authorization headers' }) accessToken!: string;
  @ApiProperty({ example: 43200, description: 'seconds' }) expiresIn!: number;
  @ApiProperty({ type: UserView }) user!: UserView;
}
