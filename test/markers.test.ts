import test from 'ava';
import { insertAtMarker } from '../src/markers.js';
import { PlanError } from '../src/plan.js';

const FILE = 'services/orders/src/checks/index.ts';

test('inserts the line just above the marker, with the marker indentation', (t) => {
  const content = ['function f() {', '  a();', '    // plop:here (keep)', '  b();', '}', ''].join('\n');
  const result = insertAtMarker(content, 'plop:here', 'c();', FILE);
  t.is(result, ['function f() {', '  a();', '    c();', '    // plop:here (keep)', '  b();', '}', ''].join('\n'));
});

test('a marker without indentation gives a line without indentation', (t) => {
  const result = insertAtMarker('import a;\n// plop:imports\n', 'plop:imports', 'import b;', FILE);
  t.is(result, 'import a;\nimport b;\n// plop:imports\n');
});

test('keeps tabs as the indentation', (t) => {
  t.is(insertAtMarker('{\n\t// m\n}', 'm', 'x;', FILE), '{\n\tx;\n\t// m\n}');
});

test('successive insertions keep their order above the marker', (t) => {
  let content = '  // plop:list\n';
  content = insertAtMarker(content, 'plop:list', 'one();', FILE);
  content = insertAtMarker(content, 'plop:list', 'two();', FILE);
  t.is(content, '  one();\n  two();\n  // plop:list\n');
});

test('a missing marker throws naming the marker and the file', (t) => {
  const error = t.throws(() => insertAtMarker('const a = 1;\n', 'plop:checkers', 'x();', FILE), {
    instanceOf: PlanError,
  });
  t.true(error.message.includes('"plop:checkers"'));
  t.true(error.message.includes(FILE));
  t.regex(error.message, /not found/);
});

test('a duplicated marker throws, saying how many times it appears', (t) => {
  const content = '// plop:checkers\nx();\n  // plop:checkers again\n';
  const error = t.throws(() => insertAtMarker(content, 'plop:checkers', 'y();', FILE), { instanceOf: PlanError });
  t.regex(error.message, /"plop:checkers" appears 2 times/);
  t.true(error.message.includes(FILE));
  t.regex(error.message, /keep exactly one/);
});

test('the two markers of checks/index.ts do not match each other', (t) => {
  const content = '// plop:checker-imports\n// plop:checkers\n';
  t.is(insertAtMarker(content, 'plop:checkers', 'z();', FILE), '// plop:checker-imports\nz();\n// plop:checkers\n');
  t.is(insertAtMarker(content, 'plop:checker-imports', 'i;', FILE), 'i;\n// plop:checker-imports\n// plop:checkers\n');
});
