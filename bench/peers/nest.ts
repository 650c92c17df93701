/**
 * The NestJS peer, as each library's documentation sets it up: NestJS 11 on
 * its default Express platform, nestjs-pino (pino-http at info, one line per
 * answered request), @willsoto/nestjs-prometheus (default metrics on
 * /metrics) with the HTTP histogram users add to it by hand, since it ships
 * none, and @nestjs/terminus for the probes; knex for the database, as in the
 * other peers, with a custom terminus indicator (terminus 11's
 * HealthIndicatorService) that runs `select 1` on every readiness call.
 *
 * Run through tsx, whose esbuild honours `experimentalDecorators` from
 * ./tsconfig.json but cannot emit decorator metadata (`emitDecoratorMetadata`):
 * every constructor parameter therefore names its token with `@Inject()`,
 * which Nest reads instead of the parameter types.
 */
import 'reflect-metadata';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Param,
  type MiddlewareConsumer,
  type NestMiddleware,
  type NestModule,
  type OnModuleDestroy,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { InjectMetric, makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import type { NextFunction, Request, Response } from 'express';
import knex, { type Knex } from 'knex';
import { Logger, LoggerModule } from 'nestjs-pino';
import type { Histogram } from 'prom-client';

const KNEX = 'KNEX';
const HTTP_DURATION = 'http_request_duration_seconds';

@Injectable()
class DatabaseHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(KNEX) private readonly db: Knex,
  ) {}

  async pingCheck(key: string) {
    const indicator = this.indicators.check(key);
    try {
      await this.db.raw('select 1');
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}

@Controller()
class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(DatabaseHealthIndicator) private readonly database: DatabaseHealthIndicator,
  ) {}

  @Get('healthz')
  @HealthCheck()
  liveness() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  readiness() {
    return this.health.check([() => this.database.pingCheck('database')]);
  }
}

@Controller()
class AppController {
  constructor(@Inject(KNEX) private readonly db: Knex) {}

  @Get('greetings/:name')
  greet(@Param('name') name: string) {
    return { message: `Hello, ${name}!` };
  }

  @Get('db')
  async query() {
    await this.db.raw('select 1');
    return { ok: true };
  }
}

/** Duration by method, route template and status, observed when the response is finished. */
@Injectable()
class HttpMetricsMiddleware implements NestMiddleware {
  constructor(@InjectMetric(HTTP_DURATION) private readonly duration: Histogram<string>) {}

  use(req: Request, res: Response, next: NextFunction) {
    const end = this.duration.startTimer();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ method: req.method, route, status_code: res.statusCode });
    });
    next();
  }
}

@Module({
  imports: [LoggerModule.forRoot({ pinoHttp: { level: 'info' } }), TerminusModule, PrometheusModule.register()],
  controllers: [HealthController, AppController],
  providers: [
    { provide: KNEX, useFactory: () => knex({ client: 'pg', connection: process.env.DATABASE_URL }) },
    DatabaseHealthIndicator,
    makeHistogramProvider({
      name: HTTP_DURATION,
      help: 'Duration of HTTP requests in seconds.',
      labelNames: ['method', 'route', 'status_code'],
    }),
  ],
})
class AppModule implements NestModule, OnModuleDestroy {
  constructor(@Inject(KNEX) private readonly db: Knex) {}

  configure(consumer: MiddlewareConsumer) {
    consumer.apply(HttpMetricsMiddleware).forRoutes('{*path}');
  }

  async onModuleDestroy() {
    await this.db.destroy();
  }
}

const app = await NestFactory.create(AppModule, { bufferLogs: true });
app.useLogger(app.get(Logger));
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
