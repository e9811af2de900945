import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiGatewayTimeoutResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ArbiterQuery, ArbiterView } from './arbiter.dto';
import { ArbiterService } from './arbiter.service';

@ApiTags('arbitration')
@ApiBearerAuth()
@Controller('api/arbiter')
export class ArbiterController {
  constructor(private readonly arbiter: ArbiterService) {}

  /** A read: viewers may call it (the default role of a GET). */
  @Get()
  @ApiOperation({
    summary: "one key's row on each connection, compared exactly across dialects, with the majority",
    description:
      'Reads the row holding `key` on every connection (the key typed by each connection\'s key column; text matched by code points, so a case-insensitive collation never passes "apple" for "Apple"), ' +
      'compares each pair with the diff\'s normalisation (decimals by value, timestamps at the common precision, JSON canonical, binary by bytes, NULL ≠ \'\') and groups the connections by equal rows.',
  })
  @ApiOkResponse({ type: ArbiterView })
  @ApiBadRequestResponse({
    description: 'a field is invalid (named): fewer than 2 or unknown connections, a table that does not exist on a connection, a key that is not valid JSON, lacks a key column or does not fit its type, an unknown key column or column',
  })
  @ApiGatewayTimeoutResponse({ description: 'the databases did not answer in time' })
  get(@Query() query: ArbiterQuery): Promise<ArbiterView> {
    return this.arbiter.arbitrate(query);
  }
}
