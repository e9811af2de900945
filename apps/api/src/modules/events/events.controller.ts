import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { type AuthUser, CurrentUser, Public } from '../../common/auth.decorators';
import { ApiPageResponse, EXAMPLE_TIME } from '../../common/openapi';
import { AcceptedView, EventListQuery, InboxEventView, RedriveDto, RedriveView } from './events.dto';
import { EventsService } from './events.service';
import type { IngressRequest } from './ingress-body';

const EVENT_SCHEMA = {
  type: 'object',
  required: ['eventType', 'entityType', 'entityId', 'timestamp'],
  properties: {
    eventId: { type: 'string', example: 'evt-7f3a', description: 'unique per source; absent: a hash of (entityType, entityId, version, eventType, timestamp)' },
    eventType: { type: 'string', enum: ['CREATED', 'UPDATED', 'DELETED'], example: 'UPDATED' },
    entityType: { type: 'string', example: 'model' },
    entityId: { type: 'string', example: 'gpt-x' },
    timestamp: { type: 'string', format: 'date-time', example: EXAMPLE_TIME },
    version: { type: 'integer', example: 3, description: 'the order within the entity (else the timestamp)' },
    payload: { type: 'object', example: { name: 'GPT X' }, description: 'required for CREATED and UPDATED' },
  },
};

/**
 * Upstream events (issue 14): the signed ingress (public but for its signature), the inbox and
 * redrive. Reads are for viewers, redrive for operators.
 */
@ApiTags('events')
@Controller('api/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiBearerAuth()
  @ApiPageResponse(InboxEventView, 'the inbox, newest first')
  @ApiBadRequestResponse({ description: 'a filter is invalid (named); an unknown source' })
  list(@Query() query: EventListQuery) {
    return this.events.listEvents(query);
  }

  @Post('redrive')
  @HttpCode(202)
  @ApiBearerAuth()
  @ApiOperation({ summary: 're-apply chosen events, or all those of a source in a status (default failed)' })
  @ApiAcceptedResponse({ type: RedriveView })
  @ApiBadRequestResponse({ description: 'a field is invalid (named)' })
  redrive(@Body() dto: RedriveDto, @CurrentUser() actor: AuthUser) {
    return this.events.redrive(dto, actor);
  }

  @Post(':source')
  @Public()
  @HttpCode(202)
  @ApiOperation({ summary: 'a signed delivery of one event or an array of events; 202 once they are stored durably in the inbox' })
  @ApiParam({ name: 'source', description: "the event source's name", example: 'catalogue' })
  @ApiHeader({ name: 'X-Dbferry-Timestamp', required: true, description: 'Unix seconds; more than 300 s from the server clock is refused', example: '1764900000' })
  @ApiHeader({ name: 'X-Dbferry-Signature', required: true, description: 'sha256=<hex HMAC-SHA256 of "timestamp.rawBody"> with the source secret', example: 'sha256=4f2a…' })
  @ApiBody({ schema: { oneOf: [EVENT_SCHEMA, { type: 'array', items: EVENT_SCHEMA, maxItems: 1000 }] } })
  @ApiAcceptedResponse({ type: AcceptedView })
  @ApiBadRequestResponse({ description: 'an event is invalid: [i].field named (an unmapped entityType, a payload value the column cannot hold); bad JSON' })
  @ApiUnauthorizedResponse({ description: 'timestamp missing or outside ±300 s, signature missing or not verifying' })
  @ApiPayloadTooLargeResponse({ description: 'larger than 5 MB' })
  @ApiServiceUnavailableResponse({ description: 'the control store is down: nothing stored, send again' })
  ingest(@Param('source') source: string, @Req() req: IngressRequest) {
    return this.events.ingest(source, { timestamp: req.headers['x-dbferry-timestamp'], signature: req.headers['x-dbferry-signature'] }, req.eventBody);
  }
}
