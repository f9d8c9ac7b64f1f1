// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Generated output: synthesized apps and their bundled Lambdas, coverage reports, build output.
    ignores: ['**/node_modules/', 'cdk.out*/', '.cdk.staging/', 'coverage/', '**/dist/', '**/assets/'],
  },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // The same convention as tsc's noUnusedLocals / noUnusedParameters: a leading underscore marks a
      // parameter kept for its signature, and `const { omitted: _, ...rest } = x` is how a field is dropped.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    // A promise nobody awaits loses its rejection: in a Lambda or the CLI that is a deployment step that
    // silently did not happen. These rules need type information, which costs ~25 s of CPU for these three
    // folders; the whole type-aware recommended set over every folder took ~100 s, so it is not used.
    files: ['lib/**/*.ts', 'lambda/**/*.ts', 'cli/**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    // Plain CommonJS (bin/sfn-deploy.js, jest.config.js): require() is how these files load modules.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  // Last: turns off every rule that Prettier's formatting would contradict.
  prettier,
);
