import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { QueueBoardController } from './queue-board.controller';

/** Sign-in for Bull Board at /queues; the board itself is mounted in createApiApp behind queueBoardAccess. */
@Module({
  imports: [AuthModule],
  controllers: [QueueBoardController],
})
export class QueueBoardModule {}
