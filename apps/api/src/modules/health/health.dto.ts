import { ApiProperty } from '@nestjs/swagger';

export class LivenessView {
  @ApiProperty({ enum: ['ok'], example: 'ok', description: 'the process answers; the stores are not asked' }) status!: 'ok';
}

export class HealthView {
  @ApiProperty({ enum: ['ok', 'error'], example: 'ok', description: 'error (with HTTP 503) when a store is down' }) status!: 'ok' | 'error';
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object' },
    example: { postgres: { status: 'up' }, redis: { status: 'up' } },
    description: 'each store asked, by name: its status, up or down',
  })
  checks!: Record<string, object>;
}
