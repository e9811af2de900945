import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { EXAMPLE_ID } from '../../common/openapi';

/** Connections one arbiter call may read at once (each is a session opened for the call). */
export const MAX_ARBITER_CONNECTIONS = 16;
/** A key longer than this is no key a table holds (a 10 KB key is refused, not sent to the databases). */
export const MAX_KEY_LENGTH = 4000;

const OTHER_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const THIRD_ID = '6ecd8c99-4036-499f-a1b8-e3c5b5b0a7d2';

/**
 * `a,b,c` (or the parameter repeated) as a list; a list starting with `[` is read as a JSON array
 * of strings, for names holding a comma. Anything else is left for the validators to refuse.
 */
const commaList = ({ value }: { value: unknown }): unknown => {
  const parts = Array.isArray(value) ? value : [value];
  if (!parts.every((p) => typeof p === 'string')) return value;
  const joined = (parts as string[]).join(',');
  if (joined.trimStart().startsWith('[')) {
    try {
      return JSON.parse(joined) as unknown;
    } catch {
      return value;
    }
  }
  return joined.split(',').map((p) => p.trim());
};

/** GET /api/arbiter */
export class ArbiterQuery {
  @ApiProperty({
    type: String,
    example: `${EXAMPLE_ID.connection},${OTHER_ID},${THIRD_ID}`,
    description: `the connections to read, comma-separated (2 to ${MAX_ARBITER_CONNECTIONS}); their order decides a tie for the majority`,
  })
  @Transform(commaList)
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(MAX_ARBITER_CONNECTIONS)
  @IsUUID('all', { each: true })
  @ArrayUnique()
  connections!: string[];

  @ApiProperty({
    example: 'public.orders',
    maxLength: 300,
    description:
      "the table on the first connection: schema.table, or a bare name in that connection's default schema. On each other connection " +
      'the same schema.table, except that the first connection\'s default schema stands for each connection\'s own (public on PostgreSQL, ' +
      'the database on MariaDB, main on SQLite); `tables` names a connection\'s table explicitly',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  table!: string;

  @ApiProperty({
    example: '42',
    maxLength: MAX_KEY_LENGTH,
    description:
      'the value of a one-column key as text, or a JSON object naming every key column ({"region": 2, "seq": "9007199254740993"}). ' +
      'A value starting with { is read as JSON. Typed by each connection\'s key column: integers and decimals by value, timestamps with an offset as that instant in UTC, text exactly (case and accents count)',
  })
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  key!: string;

  @ApiPropertyOptional({ type: String, example: 'region,seq', description: "the key columns, comma-separated; default: the first connection's primary key" })
  @IsOptional()
  @Transform(commaList)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(128, { each: true })
  keyColumns?: string[];

  @ApiPropertyOptional({
    type: String,
    example: 'status,amount',
    description: 'the columns to compare besides the key, comma-separated; default: every column of the first connection that each other connection has too (the rest noted)',
  })
  @IsOptional()
  @Transform(commaList)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2000)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(128, { each: true })
  columns?: string[];

  @ApiPropertyOptional({
    example: `{"${OTHER_ID}": "sales.orders"}`,
    maxLength: 8000,
    description: 'a JSON object naming the table on some connections (connection id → schema.table), where the rule of `table` does not find it',
  })
  @IsOptional()
  @IsString()
  @MaxLength(8000)
  tables?: string;
}

export class ArbiterNoteView {
  @ApiProperty({ format: 'uuid', example: OTHER_ID }) connectionId!: string;
  @ApiProperty({ example: 'ratio' }) column!: string;
  @ApiProperty({ example: 'float64 against decimal: compared as float64 (15 significant digits); an exact value that rounds to the same float is equal' }) note!: string;
}

const ROW_EXAMPLE = { id: { $int: '42' }, status: 'paid', amount: '12.50', raw: { $bytes: 'AP8=' } };

export class ArbiterView {
  @ApiProperty({
    type: 'array',
    items: {},
    example: [{ $int: '42' }],
    description: 'the key as typed on the first connection, one value per key column, lossless JSON: {"$int": "…"} for 64-bit integers, {"$bytes": "<base64>"} for binary (as diff rows and rejects carry keys)',
  })
  key!: unknown[];

  @ApiProperty({ type: [String], example: ['id'] }) keyColumns!: string[];

  @ApiProperty({ type: [String], example: ['id', 'status', 'amount', 'raw'], description: 'the compared columns, keys first, named as on the first connection' })
  columns!: string[];

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', nullable: true },
    example: { [EXAMPLE_ID.connection]: ROW_EXAMPLE, [OTHER_ID]: { ...ROW_EXAMPLE, amount: '12.5000' }, [THIRD_ID]: null },
    description:
      'connection id → its row (column → value) or null when it lacks the key. Values as each database holds them, in lossless JSON: 64-bit integers {"$int": "…"}, ' +
      'binary {"$bytes": "<base64>"}, decimals, timestamps, uuids and JSON as text, NaN/±Infinity of a float as text',
  })
  rows!: Record<string, Record<string, unknown> | null>;

  @ApiProperty({ example: false, description: 'every connection holds an equal row (compared exactly across dialects: 0.5 = 0.50, JSON by canonical form…), or none holds it' })
  consistent!: boolean;

  @ApiProperty({
    type: [String],
    example: [EXAMPLE_ID.connection, OTHER_ID],
    description:
      'the largest group of connections holding equal rows (an absent row counts: absent on 2 of 3 is a majority of absent); on a tie, the group whose first member comes first in `connections`',
  })
  majority!: string[];

  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'string' } }, example: [[EXAMPLE_ID.connection, OTHER_ID], [THIRD_ID]], description: 'every group of connections holding equal rows' })
  groups!: string[][];

  @ApiProperty({ type: [String], example: ['amount'], description: 'columns whose values differ between two connections that both hold the row (a missing row shows as null in rows)' })
  differingColumns!: string[];

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { [EXAMPLE_ID.connection]: '"public"."orders"', [OTHER_ID]: '"sales"."orders"' }, description: 'connection id → the table read there' })
  tables!: Record<string, string>;

  @ApiProperty({ type: [ArbiterNoteView], description: 'columns compared by a documented rule rather than exactly, or not compared (absent on a connection)' })
  notes!: ArbiterNoteView[];
}
