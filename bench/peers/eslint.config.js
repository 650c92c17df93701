import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The peers' dependencies are installed by the bench when it runs them, not
// by `npm ci`: `npm run lint` usually runs without them, and rules that need
// their types would fail on every import. Once they are installed,
// `npx tsc -p bench/peers` checks the types.
export default tseslint.config(
  // The peers transpiled by the bench (bench/lib/compile.ts).
  { ignores: ['dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node, parserOptions: { tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/consistent-type-imports': 'error' },
  },
  prettier,
);
