/**
 * The public entry's TSDoc (house style, "Docstrings"): every export of `src/index.ts` has a doc
 * block; every function documents each parameter, what it throws and its source (spec section,
 * docs/ page or paper); every field of every public
 * interface (and of the object types nested in them) has a doc line, and a field whose name
 * carries a unit (`…A` Å, `…A2` Å², `…PerA` 1/Å) names it in its doc. Read with the TypeScript
 * compiler from the sources, as `dist/index.d.ts` is generated from them.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));

function publicDocProblems(): string[] {
  const program = ts.createProgram([entry], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  assert.ok(source, 'src/index.ts in the program');
  const moduleSymbol = checker.getSymbolAtLocation(source);
  assert.ok(moduleSymbol, 'src/index.ts is a module');
  const problems: string[] = [];
  const docOf = (s: ts.Symbol) => ts.displayPartsToString(s.getDocumentationComment(checker)).trim();
  const seen = new Set<ts.Type>();
  const unitOf = (name: string): RegExp | undefined => (/[a-z0-9]PerA$/.test(name) ? /1\/Å/ : /[a-z0-9]A2$/.test(name) ? /Å²/ : /[a-z0-9]A$/.test(name) ? /Å/ : undefined);
  /** Fields of an object type declared in src/ (not typed arrays, not library types), recursively. */
  const visitFields = (type: ts.Type, path: string) => {
    if (seen.has(type)) return;
    seen.add(type);
    const parts = type.isUnionOrIntersection() ? type.types : [type];
    for (const part of parts) {
      if (part !== type) visitFields(part, path);
    }
    if (type.isUnion()) return;
    if (!(type.flags & ts.TypeFlags.Object) || checker.getSignaturesOfType(type, ts.SignatureKind.Call).length > 0) return;
    for (const prop of checker.getPropertiesOfType(type)) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      if (!decl || !decl.getSourceFile().fileName.startsWith(srcDir)) continue;
      const name = `${path}.${prop.name}`;
      const doc = docOf(prop);
      if (!doc) problems.push(`${name}: no doc`);
      const unit = unitOf(prop.name);
      if (doc && unit && !unit.test(doc)) problems.push(`${name}: unit ${unit.source} not named in "${doc}"`);
      const propType = checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(prop, decl));
      visitFields(propType, name);
    }
  };
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const name = exported.name;
    if (!docOf(symbol)) problems.push(`${name}: no doc block`);
    if (symbol.flags & ts.SymbolFlags.Function) {
      const tags = symbol.getJsDocTags(checker);
      const decl = symbol.valueDeclaration as ts.FunctionDeclaration;
      for (const p of decl.parameters) {
        const pname = p.name.getText();
        if (!tags.some((t) => t.name === 'param' && ts.displayPartsToString(t.text).trim().startsWith(pname))) problems.push(`${name}(${pname}): no @param`);
      }
      if (!tags.some((t) => t.name === 'throws')) problems.push(`${name}: no @throws`);
      // its source: a paper, a spec section or a docs/ page (house style: `@see`; the compiler
      // splits an `@see` path after its first word, 'shared /spec/…')
      const text = `${docOf(symbol)} ${tags.filter((t) => t.name === 'see').map((t) => ts.displayPartsToString(t.text)).join(' ')}`;
      if (!/shared ?\/spec\/|docs ?\/|https?:\/\/|paper/.test(text)) problems.push(`${name}: no source (spec, docs/ or paper)`);
    }
    if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) visitFields(checker.getDeclaredTypeOfSymbol(symbol), name);
  }
  return problems;
}

it('every public export, parameter and field is documented, with its unit where its name has one', () => {
  const problems = publicDocProblems();
  assert.deepEqual(problems, [], `${problems.length} gaps:\n${problems.join('\n')}`);
});
