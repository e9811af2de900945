import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
  ValidateIf,
  ValidatorConstraint,
  ValidatorConstraintInterface,
  ValidationArguments,
} from 'class-validator';
import { Type } from 'class-transformer';
import { DIALECT_NAMES, type DialectName } from '@dbferry/dialects-core';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../../common/openapi';
import { MAX_OFFSET } from '../../common/pagination.dto';

const OPTION_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** The OpenAPI shape of the options object (string keys, scalar values), so the generated client types it. */
const OPTION_VALUE = { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] };
/** Options are sent back in responses, so a secret put there would leak: refuse such keys. */
const SECRET_LIKE = /pass|secret|token|credential|private|apikey|api_key/i;

@ValidatorConstraint({ name: 'connectionOptions' })
export class ConnectionOptionsConstraint implements ValidatorConstraintInterface {
  private problem = '';

  validate(value: unknown): boolean {
    this.problem = problemWithOptions(value) ?? '';
    return !this.problem;
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property}${this.problem}`;
  }
}

function problemWithOptions(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ' must be an object of settings';
  const entries = Object.entries(value);
  if (entries.length > 50) return ' must have at most 50 settings';
  for (const [key, v] of entries) {
    if (!OPTION_KEY.test(key)) return `.${key.slice(0, 64)} is not a valid setting name`;
    if (SECRET_LIKE.test(key)) return `.${key} looks like a secret; put passwords in the password field`;
    if (!['string', 'number', 'boolean'].includes(typeof v)) return `.${key} must be a string, number or boolean`;
    if (typeof v === 'string' && v.length > 1000) return `.${key} must be at most 1000 characters`;
    if (typeof v === 'number' && !Number.isFinite(v)) return `.${key} must be a finite number`;
  }
  return undefined;
}

class ConnectionFields {
  @ApiPropertyOptional({ example: 'db.internal.example.com', maxLength: 253 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  host?: string;

  @ApiPropertyOptional({ example: 5432, minimum: 1, maximum: 65535 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number;

  @ApiPropertyOptional({ example: 'sales', description: 'database; Oracle service name; SQLite file path under SQLITE_ROOT', maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  database?: string;

  @ApiPropertyOptional({ example: 'dbferry', maxLength: 128 })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  username?: string;

  @ApiPropertyOptional({ example: '<password>', writeOnly: true, maxLength: 1024, description: 'sealed at rest, never returned' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: OPTION_VALUE, example: { sslmode: 'require' }, description: 'driver settings: strings, numbers, booleans' })
  @IsOptional()
  @Validate(ConnectionOptionsConstraint)
  options?: Record<string, string | number | boolean>;

  @ApiPropertyOptional({ example: false, description: 'refuse to use this connection as a write target' })
  @IsOptional()
  @IsBoolean()
  readOnly?: boolean;

  @ApiPropertyOptional({
    type: Number,
    example: 4,
    minimum: 1,
    maximum: 256,
    nullable: true,
    description: 'at most this many chunks read from or write to this database at once, across every worker (null: the server default)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(256)
  maxParallelChunks?: number | null;
}

export class CreateConnectionDto extends ConnectionFields {
  @ApiProperty({ example: 'sales-primary', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({ enum: DIALECT_NAMES, example: 'postgres' })
  @IsIn(DIALECT_NAMES)
  dialect!: DialectName;

  @ApiPropertyOptional({
    example: 'postgres://dbferry:<password>@db.example.com:5432/sales?sslmode=require',
    description: 'instead of host/port/database/username/password; its password is sealed like the field',
    writeOnly: true,
    maxLength: 2000,
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  url?: string;
}

export class UpdateConnectionDto extends ConnectionFields {
  @ApiPropertyOptional({ example: 'sales-primary', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({
    example: '<password>',
    nullable: true,
    type: String,
    writeOnly: true,
    maxLength: 1024,
    description:
      'a new password replaces the sealed one; null removes it; omitted keeps it, except that a change of host, port, database or an option other than application_name, charset, schema or create needs it again (400 naming password)',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MaxLength(1024)
  override password?: string;
}

export class TablesQuery {
  @ApiPropertyOptional({ example: 'public', maxLength: 128 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  schema?: string;

  @ApiPropertyOptional({ example: 'order', maxLength: 128, description: 'only tables whose name (or schema.name) contains this, ignoring case' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  search?: string;

  @ApiPropertyOptional({ example: 100, minimum: 1, maximum: 1000, description: 'a page of this many; omitted: every table' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ example: 0, minimum: 0, maximum: MAX_OFFSET })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_OFFSET)
  offset = 0;
}

export class StatusQuery {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    example: 'false',
    description: "false: each connection's tables are left out (tableCount and rowEstimate still say how many and how big)",
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  withTables?: 'true' | 'false';
}

export class SchemaView {
  @ApiProperty({ example: 'public' }) name!: string;
}

export class ConnectionView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection }) id!: string;
  @ApiProperty({ example: 'sales-primary' }) name!: string;
  @ApiProperty({ enum: DIALECT_NAMES, example: 'postgres' }) dialect!: DialectName;
  @ApiProperty({ nullable: true, type: String, example: 'db.internal.example.com', description: 'null for SQLite' }) host!: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 5432 }) port!: number | null;
  @ApiProperty({ example: 'sales', description: 'database; Oracle service name; SQLite file path' }) database!: string;
  @ApiProperty({ nullable: true, type: String, example: 'dbferry' }) username!: string | null;
  @ApiProperty({ example: true, description: 'whether a password is stored (it is never returned)' }) hasPassword!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: OPTION_VALUE, example: { sslmode: 'require' }, description: 'driver settings' }) options!: Record<string, string | number | boolean>;
  @ApiProperty({ example: false, description: 'refused as a write target' }) readOnly!: boolean;
  @ApiProperty({ nullable: true, type: Number, example: 4, description: 'null: the server default' }) maxParallelChunks!: number | null;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE_TIME }) updatedAt!: Date;
}

export class ConnectionTestView {
  @ApiProperty({ example: true, description: 'whether the database answered' }) ok!: boolean;
  @ApiProperty({ example: 12 }) latencyMs!: number;
  @ApiPropertyOptional({ example: '16.4' }) serverVersion?: string;
  @ApiPropertyOptional({ example: 'connection refused: 10.0.0.5:5432' }) error?: string;
}

export class TableSummaryView {
  @ApiProperty({ example: 'public' }) schema!: string;
  @ApiProperty({ example: 'orders' }) name!: string;
  @ApiProperty({ type: [String], example: ['id'] }) primaryKey!: string[];
  @ApiProperty({ nullable: true, type: Number, example: 120000 }) rowEstimate!: number | null;
}

export class ConnectionStatusView {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection }) id!: string;
  @ApiProperty({ example: 'sales-primary' }) name!: string;
  @ApiProperty({ enum: DIALECT_NAMES, example: 'postgres' }) dialect!: DialectName;
  @ApiProperty({ example: true }) reachable!: boolean;
  @ApiProperty({ example: 12 }) latencyMs!: number;
  @ApiPropertyOptional({ example: '16.4', description: 'when reachable' }) serverVersion?: string;
  @ApiPropertyOptional({ example: 'connection refused: 10.0.0.5:5432', description: 'why it is unreachable, or why its tables could not be listed' })
  error?: string;
  @ApiProperty({ example: 42, nullable: true, type: Number, description: 'how many tables it has; null when they could not be listed' })
  tableCount!: number | null;
  @ApiProperty({ example: 1250000, nullable: true, type: Number, description: "the sum of its tables' row estimates; null when none has one" })
  rowEstimate!: number | null;
  @ApiProperty({ type: [TableSummaryView], description: 'empty when unreachable, or when asked withTables=false' }) tables!: TableSummaryView[];
}

export class TableParams {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID.connection, description: "the connection's id" })
  @IsUUID()
  id!: string;

  @ApiProperty({ example: 'public', maxLength: 128 })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  schema!: string;

  @ApiProperty({ example: 'orders', maxLength: 128 })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  table!: string;
}

export class ColumnView {
  @ApiProperty({ example: 'amount' }) name!: string;
  @ApiProperty({ example: 'numeric(12,2)', description: 'the type as the database declares it' }) nativeType!: string;
  @ApiProperty({ example: 'decimal(12,2)', description: 'the neutral type dbferry maps it to' }) type!: string;
  @ApiProperty({ example: { kind: 'decimal', precision: 12, scale: 2 }, description: 'the neutral type as data' }) neutral!: object;
  @ApiProperty({ example: false }) nullable!: boolean;
  @ApiPropertyOptional({ nullable: true, type: String, example: "'0'::numeric" }) default?: string | null;
  @ApiPropertyOptional({ example: false, description: 'generated by the database (identity, serial, auto_increment)' }) identity?: boolean;
}

export class IndexView {
  @ApiProperty({ example: 'orders_customer_id_idx' }) name!: string;
  @ApiProperty({ type: [String], example: ['customer_id'] }) columns!: string[];
  @ApiProperty({ example: false }) unique!: boolean;
}

export class TableDetailView {
  @ApiProperty({ example: 'public' }) schema!: string;
  @ApiProperty({ example: 'orders' }) name!: string;
  @ApiProperty({ type: [ColumnView] }) columns!: ColumnView[];
  @ApiProperty({ type: [String], example: ['id'] }) primaryKey!: string[];
  @ApiProperty({ type: [IndexView] }) indexes!: IndexView[];
  @ApiProperty({ nullable: true, type: Number, example: 120000, description: "the database's estimate; null when it has none" }) rowEstimate!: number | null;
}
