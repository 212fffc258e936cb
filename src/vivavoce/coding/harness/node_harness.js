// Runs inside the sandbox (Node.js): the JavaScript and TypeScript twin of
// python_harness.py, with the same protocol on the results descriptor (argv[2]).
// TypeScript is transpiled here, inside the sandbox, by the pinned compiler bound at
// /opt/typescript (syntax errors are reported; types are not checked).
"use strict";
const fs = require("fs");
const vm = require("vm");

const MAX_VALUE_CHARS = 65536;
const MAX_ERROR_CHARS = 4000;
const channel = Number(process.argv[2]);

function emit(record) {
  fs.writeSync(channel, JSON.stringify(record) + "\n");
}

function describe(error) {
  let text;
  if (error instanceof Error) {
    const stack = String(error.stack || error.message);
    text = stack.split("\n").filter((line) => !line.includes("/sandbox/")).join("\n");
  } else {
    text = "thrown: " + String(error);
  }
  return text.slice(-MAX_ERROR_CHARS);
}

function transpile(source, filename) {
  const ts = require("/opt/typescript/lib/typescript.js");
  const output = ts.transpileModule(source, {
    fileName: filename,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const errors = (output.diagnostics || []).filter(
    (d) => d.category === ts.DiagnosticCategory.Error,
  );
  if (errors.length) {
    const lines = errors.map((d) => {
      const where = d.file && d.start !== undefined
        ? d.file.getLineAndCharacterOfPosition(d.start) : null;
      const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      return (where ? `${filename}:${where.line + 1}:${where.character + 1}: ` : "") + message;
    });
    throw new SyntaxError(lines.join("\n"));
  }
  return output.outputText;
}

function load(request) {
  const language = request.language;
  const filename = language === "typescript" ? "solution.ts" : "solution.js";
  const code = language === "typescript" ? transpile(request.source, filename) : request.source;
  const module = { exports: {} };
  globalThis.module = module;
  globalThis.exports = module.exports;
  globalThis.require = require;
  vm.runInThisContext(code, { filename });
  return module;
}

function lookup(module, entry) {
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(entry)) return undefined;
  const exported = module.exports && module.exports[entry];
  if (typeof exported === "function") return exported;
  if (typeof module.exports === "function" && module.exports.name === entry) return module.exports;
  try {
    return vm.runInThisContext(`typeof ${entry} === "function" ? ${entry} : undefined`);
  } catch {
    return undefined;
  }
}

async function runTests(module, request) {
  const fn = lookup(module, request.entry);
  for (const test of request.tests) {
    emit({ event: "start", index: test.index });
    const started = process.hrtime.bigint();
    const record = { event: "result", index: test.index };
    try {
      if (typeof fn !== "function") {
        throw new ReferenceError(`${request.entry} is not defined as a function`);
      }
      let value = fn(...test.args);
      if (value && typeof value.then === "function") value = await value;
      const encoded = JSON.stringify(value === undefined ? null : value);
      if (encoded.length > MAX_VALUE_CHARS) {
        throw new RangeError(`the returned value is over ${MAX_VALUE_CHARS} characters`);
      }
      record.value = JSON.parse(encoded);
    } catch (error) {
      record.error = describe(error);
    }
    record.ms = Number(process.hrtime.bigint() - started) / 1e6;
    emit(record);
  }
}

async function main() {
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  let module = null;
  try {
    module = load(request);
    emit({ event: "loaded" });
  } catch (error) {
    emit({ event: "load_error", error: describe(error) });
  }
  if (module) await runTests(module, request);
  const usage = process.resourceUsage();
  emit({
    event: "done",
    max_rss_kb: usage.maxRSS,
    cpu_ms: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  });
  process.exit(0);
}

main();
