// ESLint (typescript-eslint's recommended rules) on every TypeScript and JavaScript source and test; formatting is
// Prettier's alone (eslint-config-prettier turns off the rules it owns). `npm run lint` runs both.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "lib/", "cdktf.out/", "**/node_modules/", "**/cdktf.out/", "**/.gen/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // Terraform JSON, parsed synths and zod's JSON Schema are untyped by nature; tests read them as `any`.
      "@typescript-eslint/no-explicit-any": "off",
      // `_name` marks what a destructuring leaves out on purpose (`const { hcl: _hcl, ...rest } = env`).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
