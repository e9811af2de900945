import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../../common/openapi';

/** A host name, an IPv4 or a bare IPv6 address: no scheme, path, credentials or spaces. */
const SMTP_HOST = /^[A-Za-z0-9][A-Za-z0-9.:-]*$/;

export const MAX_RECIPIENTS = 50;

export class UpdateAlertSettingsDto {
  @ApiProperty({ example: 'smtp.example.com', maxLength: 253 })
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  @Matches(SMTP_HOST, { message: 'host must be a host name or an IP address' })
  host!: string;

  @ApiProperty({ example: 587, minimum: 1, maximum: 65535 })
  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  @ApiProperty({ example: false, description: 'TLS from the first byte (usually port 465); otherwise STARTTLS when the server offers it' })
  @IsBoolean()
  secure!: boolean;

  @ApiPropertyOptional({ example: 'dbferry-alerts', nullable: true, type: String, maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  username?: string | null;

  @ApiPropertyOptional({
    example: '<password>',
    nullable: true,
    type: String,
    writeOnly: true,
    maxLength: 1024,
    description: 'sealed at rest, never returned; omitted keeps the stored one, null removes it',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password?: string | null;

  @ApiProperty({ example: 'dbferry@example.com', description: 'sender address' })
  @IsEmail()
  @MaxLength(254)
  from!: string;

  @ApiProperty({ type: [String], example: ['ops@example.com', 'dba@example.com'], maxItems: MAX_RECIPIENTS })
  @IsArray()
  @ArrayMaxSize(MAX_RECIPIENTS)
  @IsEmail({}, { each: true })
  @MaxLength(254, { each: true })
  recipients!: string[];

  @ApiPropertyOptional({ example: 3600, minimum: 60, maximum: 86400, default: 3600, description: 'a failing job is mailed at most once per window' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(86400)
  dedupeWindowSeconds?: number;

  @ApiProperty({ example: true })
  @IsBoolean()
  enabled!: boolean;
}

export class AlertSettingsView {
  @ApiProperty({ enum: ['store', 'env', 'none'], example: 'store', description: 'saved here, taken from SMTP_URL/ALERT_EMAILS, or not configured' })
  source!: 'store' | 'env' | 'none';
  @ApiProperty({ nullable: true, type: String, example: 'smtp.example.com' }) host!: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 587 }) port!: number | null;
  @ApiProperty({ example: false }) secure!: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'dbferry-alerts' }) username!: string | null;
  @ApiProperty({ example: true, description: 'whether a password is stored (it is never returned)' }) hasPassword!: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'dbferry@example.com' }) from!: string | null;
  @ApiProperty({ type: [String], example: ['ops@example.com'] }) recipients!: string[];
  @ApiProperty({ example: 3600 }) dedupeWindowSeconds!: number;
  @ApiProperty({ example: true }) enabled!: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: EXAMPLE_TIME, description: 'null unless saved here' }) updatedAt!: Date | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', example: EXAMPLE_ID.user, description: 'the admin who saved them' }) updatedBy!: string | null;
}

export class AlertTestView {
  @ApiProperty({ example: true, description: 'whether the SMTP server accepted the mail' }) ok!: boolean;
  @ApiPropertyOptional({ example: '<a1b2c3@dbferry.example.com>' }) messageId?: string;
  @ApiPropertyOptional({ type: [String], example: ['ops@example.com'] }) accepted?: string[];
  @ApiPropertyOptional({ example: 'Invalid login: 535 Authentication failed' }) error?: string;
}
