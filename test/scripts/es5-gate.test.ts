import { describe, expect, it } from 'vitest';
import { ALL_ENGINES, buildScripts } from '../../tooling/build/build-scripts.js';
import { checkEs5 } from '../../tooling/build/es5-gate.js';

describe('ES5 gate', () => {
  it('passes every built bundle (legacy, next-generation, and the scope-policy condition template), which contain no let/const and keep readable names', async () => {
    const built = await buildScripts(undefined, { engines: ALL_ENGINES });
    expect(built.map((b) => [b.name, b.context, b.evaluatorVersion])).toEqual([
      ['scope-validation', 'OAUTH2_VALIDATE_SCOPE', '1.0'],
      ['policy-eval-mod', 'OAUTH2_ACCESS_TOKEN_MODIFICATION', '1.0'],
      ['policy-condition', 'POLICY_CONDITION', '1.0'],
      ['scope-validation-next-gen', 'OAUTH2_VALIDATE_SCOPE_NEXT_GEN', '2.0'],
      ['policy-eval-mod-next-gen', 'OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN', '2.0'],
    ]);
    for (const bundle of built) {
      expect(checkEs5(bundle.source, bundle.name)).toEqual([]);
      expect(bundle.source).not.toMatch(/\b(let|const)\s/);
      expect(bundle.source).toContain(bundle.name.startsWith('policy-eval-mod') ? 'function modifyAccessToken' : bundle.name === 'policy-condition' ? 'function evaluate' : 'function validateAccessTokenScope');
    }
  });

  it('keeps buildScripts() to the legacy bundles unless asked for more (today\'s callers deploy what they get)', async () => {
    expect((await buildScripts()).map((b) => b.name)).toEqual(['scope-validation', 'policy-eval-mod', 'policy-condition']);
  });

  it.each([
    ['const x = 1;', /not ES5/],
    ['for (var i = 0; i < 3; i++) { let y = i; }', /not ES5|"let"/],
    ['class A {}', /not ES5/],
    ['var m = new Map();', /uses Map at line 1, column 13/],
    ['var p = Promise.resolve(1);', /uses Promise/],
    ['console.log(1);', /uses console/],
    ['var v = Object.values({});', /Object.values/],
    ['var f = [[1]].flat();', /\.flat\(\)/],
    ['var s = "a".replaceAll("a", "b");', /\.replaceAll\(\)/],
    ['var x = `t`;', /not ES5/],
  ])('refuses %j', (source, message) => {
    const problems = checkEs5(source, 'sample.js');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(message);
    expect(problems[0]).toMatch(/^sample\.js: /);
  });

  it('accepts ES5 that merely mentions those names as properties or locals', () => {
    expect(checkEs5('var o = { Map: 1 }; o.Map = 2; function f(Promise) { return Promise; }', 'ok.js')).toEqual([]);
  });
});
