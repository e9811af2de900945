import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser, RequireRole } from '../../common/auth.decorators';
import { AlertSettingsView, AlertTestView, UpdateAlertSettingsDto } from './alerts.dto';
import { AlertsService } from './alerts.service';

@ApiTags('alerts')
@ApiBearerAuth()
@ApiForbiddenResponse({ description: 'admin only' })
@Controller('api/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get('settings')
  @RequireRole('admin')
  @ApiOkResponse({ type: AlertSettingsView })
  getSettings() {
    return this.alerts.getSettings();
  }

  @Put('settings')
  @RequireRole('admin')
  @ApiOkResponse({ type: AlertSettingsView })
  @ApiBadRequestResponse({ description: 'a field is invalid; the message names it' })
  putSettings(@Body() body: UpdateAlertSettingsDto, @CurrentUser() actor: AuthUser) {
    return this.alerts.putSettings(body, actor);
  }

  @Post('test')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOkResponse({ type: AlertTestView, description: 'ok false with the (password-free) SMTP error when sending failed' })
  test(@CurrentUser() actor: AuthUser) {
    return this.alerts.sendTest(actor);
  }
}
