import anyTest, { type TestFn } from 'ava';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

const test = anyTest as TestFn<TestApp>;

test.before(async (t) => {
  t.context = await createTestApp();
});

test.after.always(async (t) => {
  await t.context.close();
});

const greetingsServed = async (t: { context: TestApp }, source: string): Promise<number> => {
  const metric = t.context.container.cradle.greetingMetrics.greetings;
  const values = (await metric.get()).values;
  return values.find((v) => v.labels.greeting_source === source)?.value ?? 0;
};

test.serial('GET /greetings/:name greets and counts the greeting', async (t) => {
  const res = await request(t.context.callback).get('/greetings/Ada').expect(200);
  t.deepEqual(res.body, { message: 'Hello, Ada!' });
  t.is(await greetingsServed(t, 'path'), 1);

  const metrics = await request(t.context.callback).get('/metrics').expect(200);
  t.regex(metrics.text, /^greetings_total\{greeting_source="path"\} 1$/m);
  t.regex(
    metrics.text,
    /^http_server_requests_total\{http_request_method="GET",http_route="\/greetings\/:name",http_response_status_code="200"\} 1$/m,
  );
});

test.serial('POST /greetings takes a JSON body', async (t) => {
  const res = await request(t.context.callback).post('/greetings').send({ name: 'Grace' }).expect(201);
  t.deepEqual(res.body, { message: 'Hello, Grace!' });
  t.is(await greetingsServed(t, 'body'), 1);
});

test.serial('bad input is a 400 that says what is wrong, and counts nothing', async (t) => {
  const badJson = await request(t.context.callback)
    .post('/greetings')
    .set('content-type', 'application/json')
    .send('{"name": "Ada"')
    .expect(400);
  t.is(badJson.type, 'application/problem+json');
  t.is(badJson.body.detail, 'request body is not valid JSON');

  const badShape = await request(t.context.callback).post('/greetings').send({ name: 42 }).expect(400);
  t.regex(badShape.body.detail as string, /name/);

  await request(t.context.callback)
    .get(`/greetings/${'x'.repeat(65)}`)
    .expect(400);
  t.is(await greetingsServed(t, 'body'), 1);
});

test.serial('a path that is not valid percent-encoding is a 400, never a greeting or a 500', async (t) => {
  for (const path of ['/greetings/%E0%A4%A', '/ready/%ZZ', '/%']) {
    const res = await request(t.context.callback).get(path);
    t.is(res.status, 400, path);
    t.is(res.type, 'application/problem+json');
  }
});
