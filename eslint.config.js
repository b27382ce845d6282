// Type-aware linting: the rules that catch real bugs in async Node code (floating promises,
// misused promises in callbacks) need type information, hence projectService.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'charts/**', 'crds/**', 'config/**', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  // Layers: lower ones never import higher ones. runtime/ is generic controller machinery (it knows
  // nothing of RtmpPushTask); api/ and jocloud/ are the resource and the vendor; controller/ and
  // callback/ use them; manager/ wires; cli/ parses flags.
  ...layer('src/runtime/**/*.ts', ['api', 'jocloud', 'controller', 'callback', 'manager', 'cli', 'emulator', 'preview']),
  ...layer('src/api/**/*.ts', ['controller', 'callback', 'manager', 'cli', 'emulator', 'preview']),
  ...layer('src/jocloud/**/*.ts', ['controller', 'callback', 'manager', 'cli', 'emulator', 'preview']),
  ...layer('src/controller/**/*.ts', ['callback', 'manager', 'cli', 'emulator', 'preview']),
  ...layer('src/callback/**/*.ts', ['manager', 'cli', 'emulator', 'preview']),
  {
    // Tests may use non-null assertions and loose typing of fixtures; the harness prints progress.
    files: ['test/**/*.ts', '**/*.test.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);

/** An ESLint block forbidding files matching `files` to import the folders in `above`. */
function layer(files, above) {
  return [
    {
      files: [files],
      ignores: ['**/*.test.ts', '**/*.test-support.ts'],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: above.map((dir) => ({
              group: [`../${dir}/*`, `../../${dir}/*`],
              message: `a lower layer must not import ${dir}/ (see the layer rules in eslint.config.js)`,
            })),
          },
        ],
      },
    },
  ];
}
