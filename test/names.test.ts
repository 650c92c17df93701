import test from 'ava';
import {
  InvalidNameError,
  PLACEHOLDER,
  assertName,
  camelCase,
  checkerNameProblem,
  kebabCase,
  modelNameProblem,
  serviceNameProblem,
  tableName,
} from '../src/names.js';

const KEBAB_RULE = /lowercase letters, digits and single dashes, starting with a letter and not ending with a dash/;
const PASCAL_RULE = /PascalCase identifier of 2 to 40 letters and digits, starting with a capital letter/;

const badKebab = [
  'a',
  'x'.repeat(80),
  'a'.repeat(41),
  'Upper',
  'has space',
  '-lead',
  'trail-',
  'double--dash',
  '../x',
  'a/b',
  'a\\b',
  'node_modules',
  'favicon.ico',
  'café',
  '$(id)',
  ';rm',
  '1abc',
  'ab\n',
];

for (const name of ['orders', 'payment-gateway', 'a2', 'ab', 'x'.repeat(40)]) {
  test(`service name ${JSON.stringify(name)} is accepted`, (t) => {
    t.is(serviceNameProblem(name), undefined);
  });
  test(`checker name ${JSON.stringify(name)} is accepted`, (t) => {
    t.is(checkerNameProblem(name), undefined);
  });
}

for (const name of badKebab) {
  test(`service name ${JSON.stringify(name)} is refused, saying what is allowed`, (t) => {
    const problem = serviceNameProblem(name);
    t.truthy(problem);
    t.regex(problem!, KEBAB_RULE);
    t.true(problem!.includes(JSON.stringify(name)), 'the message quotes the name');
  });
  test(`checker name ${JSON.stringify(name)} is refused, saying what is allowed`, (t) => {
    const problem = checkerNameProblem(name);
    t.truthy(problem);
    t.regex(problem!, KEBAB_RULE);
    t.regex(problem!, /^checker name/);
  });
}

for (const name of ['http', 'fs', 'crypto', 'net', PLACEHOLDER, 'template']) {
  test(`service name ${JSON.stringify(name)} is reserved`, (t) => {
    t.regex(serviceNameProblem(name) ?? '', /service name "[^"]+" is reserved; choose another/);
  });
}

test('the placeholder is template-service', (t) => {
  t.is(PLACEHOLDER, 'template-service');
  t.regex(serviceNameProblem('template-service') ?? '', /reserved/);
});

for (const value of ['', undefined, null, 42, ['orders']]) {
  test(`a missing service name (${JSON.stringify(value)}) says one is required`, (t) => {
    t.regex(serviceNameProblem(value) ?? '', /^a service name is required: /);
    t.regex(serviceNameProblem(value) ?? '', KEBAB_RULE);
    t.regex(checkerNameProblem(value) ?? '', /^a checker name is required: /);
    t.regex(modelNameProblem(value) ?? '', /^a model name is required: .*PascalCase/);
  });
}

for (const name of ['Order', 'LineItem', 'Ab', 'Item2', 'HTTPRequest', 'X'.repeat(40)]) {
  test(`model name ${JSON.stringify(name)} is accepted`, (t) => {
    t.is(modelNameProblem(name), undefined);
  });
}

for (const name of [
  'order',
  'Line_Item',
  'A',
  'O'.repeat(41),
  'Line Item',
  'Line-Item',
  '2Order',
  'Café',
  '../Order',
  'Order;rm',
  '$(id)',
]) {
  test(`model name ${JSON.stringify(name)} is refused, saying what is allowed`, (t) => {
    const problem = modelNameProblem(name);
    t.truthy(problem);
    t.regex(problem!, PASCAL_RULE);
  });
}

for (const name of ['Model', 'Object', 'Promise', 'Date', 'Knex', 'Buffer']) {
  test(`model name ${name} is reserved`, (t) => {
    t.is(modelNameProblem(name), `model name "${name}" is reserved; choose another`);
  });
}

test('assertName throws an InvalidNameError with the problem, and passes undefined', (t) => {
  t.notThrows(() => assertName(undefined));
  const error = t.throws(() => assertName(serviceNameProblem('Upper')), { instanceOf: InvalidNameError });
  t.regex(error.message, /^service name "Upper" is invalid: /);
  t.is(error.name, 'InvalidNameError');
});

const kebabCases: [string, string][] = [
  ['Order', 'order'],
  ['LineItem', 'line-item'],
  ['HTTPRequest', 'http-request'],
  ['Item2Detail', 'item2-detail'],
  ['ABTest', 'ab-test'],
];
for (const [input, expected] of kebabCases) {
  test(`kebabCase(${input}) is ${expected}`, (t) => {
    t.is(kebabCase(input), expected);
  });
}

const camelCases: [string, string][] = [
  ['payment-gateway', 'paymentGateway'],
  ['orders', 'orders'],
  ['-payment-gateway', 'PaymentGateway'],
  ['a-2b', 'a2b'],
];
for (const [input, expected] of camelCases) {
  test(`camelCase(${input}) is ${expected}`, (t) => {
    t.is(camelCase(input), expected);
  });
}

const tables: [string, string][] = [
  ['LineItem', 'line_items'],
  ['Category', 'categories'],
  ['Box', 'boxes'],
  ['Order', 'orders'],
  ['Day', 'days'],
  ['Status', 'statuses'],
  ['Match', 'matches'],
  ['Wish', 'wishes'],
  ['HTTPRequest', 'http_requests'],
];
for (const [input, expected] of tables) {
  test(`tableName(${input}) is ${expected}`, (t) => {
    t.is(tableName(input), expected);
  });
}
