// typescript-eslint's recommended rules over the TypeScript tree (formatting is Prettier's job).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["node_modules/", "policy/node_modules/", ".venv/", ".venv-*/", "bin/", "dist/"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Tests and the mock harness read untyped Pulumi inputs; `any` there is deliberate.
      "@typescript-eslint/no-explicit-any": "off",
      // Lazy command loading and optional SDK modules use require() on purpose.
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // Types in their own `import type` line: what a module needs at run time stays visible.
      // `typeof import("…")` stays allowed: it types the CLI's lazy require() calls.
      "@typescript-eslint/consistent-type-imports": [
        "error",
        { fixStyle: "separate-type-imports", disallowTypeAnnotations: false },
      ],
    },
  },
  {
    // The bin and its TypeScript loader: plain CommonJS run by Node.
    files: ["cli/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "readonly",
        process: "readonly",
        __dirname: "readonly",
      },
    },
  },
  {
    // chai's property assertions (`expect(x).to.be.empty`) are expressions by design.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },
);
