// Lint rules: the recommended sets of ESLint and typescript-eslint, plus a guard on the
// dependency direction of DESIGN.md section 2 (nothing in production code imports the sandbox).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', '.commerce-sync/**', 'coverage/**'] },
  js.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/connectors/**/*.ts', 'src/engine/**/*.ts', 'src/store/**/*.ts', 'src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/sandbox/**'], message: 'production code must not import the sandbox' }] }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/store/**', '**/engine/**', '**/server/**', '**/connectors/**', '**/cli/**', '**/sandbox/**'], message: 'core is pure: it imports nothing else of ours' },
      ] }],
    },
  },
);
